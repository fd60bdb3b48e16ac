import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localLambdaContext } from '../../../functions/local/lambda-context.ts';
import type { IntelPush } from '../../../functions/webhook/receive-intel.ts';
import { signWebhookBody } from '../../../functions/webhook/webhook-signature.ts';
import { ACME_SECRET, kevCatalogueBody } from './fixtures.ts';

// The ingest runner is exercised by its own tests; here it stands in to show what the handler hands it.
const accepted = vi.hoisted(() => [] as Array<{ deps: Record<string, unknown>; push: IntelPush }>);
vi.mock('../../../functions/ingest/push-intel.ts', () => ({
  acceptPushedIntel: async (deps: Record<string, unknown>, push: IntelPush) => {
    accepted.push({ deps, push });
    return { accepted: 2, rejected: 1, unchanged: 0 };
  },
}));

/** Secrets Manager's GetSecretValue over its JSON protocol, for the secrets named here. */
async function startSecretsManager(secrets: Record<string, string>) {
  const requested: string[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const { SecretId } = JSON.parse(text) as { SecretId: string };
      requested.push(`${String(req.headers['x-amz-target'])} ${SecretId}`);
      const value = secrets[SecretId];
      res.writeHead(value === undefined ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify(
          value === undefined
            ? { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }
            : { ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}-AbCdEf`, Name: SecretId, SecretString: value },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requested, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let secretsManager: Awaited<ReturnType<typeof startSecretsManager>>;
let invoke: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

// The handler needs the ingest runner's push entry point; without it there is no handler to load.
const runnerExists = existsSync(new URL('../../../functions/ingest/push-intel.ts', import.meta.url));

async function setUp() {
  secretsManager = await startSecretsManager({ 'forestall/webhook/acme': JSON.stringify({ secrets: [ACME_SECRET] }) });
  Object.assign(process.env, {
    TABLE_NAME: 'forestall-webhook-test',
    EVENT_BUS_NAME: 'forestall-test',
    WEBHOOK_SECRET_PREFIX: 'forestall/webhook/',
    MAX_BODY_BYTES: '4096',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const { handler } = await import('../../../functions/webhook/intel-webhook.handler.ts');
  invoke = (event) => handler(event, localLambdaContext('IntelWebhook'));
}

function proxyEvent(tenant: string, body: string, headers: Record<string, string>): APIGatewayProxyEvent {
  return {
    resource: '/intel/{tenant}',
    path: `/intel/${tenant}`,
    httpMethod: 'POST',
    headers,
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { tenant },
    stageVariables: null,
    requestContext: { requestId: 'api-request-1' } as APIGatewayProxyEvent['requestContext'],
    // The API marks every type binary, so bodies arrive base64-encoded.
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

describe.skipIf(!runnerExists)('intel-webhook handler', () => {
  beforeAll(setUp);
  afterAll(async () => {
    await secretsManager.close();
  });

  it('verifies with the tenant secret from Secrets Manager and hands the push to the ingest runner', async () => {
    const body = kevCatalogueBody({ count: 3 });
    const now = Math.floor(Date.now() / 1000);
    const result = await invoke(proxyEvent('acme', body, { 'Content-Type': 'application/json', 'X-Forestall-Delivery': 'd-1', ...signWebhookBody(ACME_SECRET, body, now) }));
    expect(result).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: '{"accepted":2,"rejected":1,"unchanged":0}',
    });
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.push).toMatchObject({ tenant: 'acme', body, contentType: 'application/json', deliveryId: 'd-1' });
    expect(Math.abs(Date.parse(accepted[0]!.push.receivedAt) / 1000 - now)).toBeLessThan(5);
    expect(Object.keys(accepted[0]!.deps).sort()).toEqual(['now', 'publishEvents', 'repositories']);
    expect(secretsManager.requested).toEqual(['secretsmanager.GetSecretValue forestall/webhook/acme']);
  });

  it('answers an unknown tenant 401 and asks Secrets Manager about it once per 5 minutes', async () => {
    const body = '{}';
    const headers = signWebhookBody(ACME_SECRET, body, Math.floor(Date.now() / 1000));
    const first = await invoke(proxyEvent('globex', body, { ...headers }));
    const second = await invoke(proxyEvent('globex', body, { ...headers }));
    expect([first.statusCode, second.statusCode]).toEqual([401, 401]);
    expect(JSON.parse(first.body)).toEqual({ error: 'signature missing, invalid or outside the 5-minute window' });
    expect(secretsManager.requested.filter((line) => line.endsWith('globex'))).toHaveLength(1);
  });

  it('refuses a body over MAX_BODY_BYTES with 413', async () => {
    const body = kevCatalogueBody({ count: 20 });
    const result = await invoke(proxyEvent('acme', body, signWebhookBody(ACME_SECRET, body, Math.floor(Date.now() / 1000)) as unknown as Record<string, string>));
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body)).toEqual({ error: 'body larger than 4096 bytes' });
  });
});
