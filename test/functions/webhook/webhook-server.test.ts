import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidFeedDocument } from '../../../functions/ingest/invalid-feed-document.ts';
import { SIGNATURE_REFUSED } from '../../../functions/webhook/receive-intel.ts';
import { startWebhookServer, type WebhookServer } from '../../../functions/webhook/webhook-server.ts';
import { ACME_SECRET, NOW_SECONDS, TENANT_SECRETS, fakeDeps, kevCatalogueBody, signedHeaders, type AcceptBehaviour } from './fixtures.ts';

const servers: WebhookServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(options: Parameters<typeof fakeDeps>[0] = {}) {
  const fake = fakeDeps(options);
  const server = await startWebhookServer({ deps: fake.deps });
  servers.push(server);
  const post = async (path: string, body: string | Buffer, headers: Record<string, string>) => {
    const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
  };
  return { ...fake, server, post };
}

const REFUSED = { error: SIGNATURE_REFUSED };

describe('webhook server: signed pushes over real HTTP', () => {
  it('answers 202 with the counts and hands the exact body, tenant, type and delivery id to accept', async () => {
    const { post, pushes, server } = await serve();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const body = kevCatalogueBody({ count: 3 });
    const answer = await post('/intel/acme', body, { ...signedHeaders(body, ACME_SECRET), 'x-forestall-delivery': 'delivery-0001' });
    expect(answer).toMatchObject({ status: 202, body: { accepted: 3, rejected: 0, unchanged: 0 } });
    expect(pushes).toEqual([
      { tenant: 'acme', body, contentType: 'application/json', receivedAt: '2026-01-27T10:00:00.000Z', deliveryId: 'delivery-0001' },
    ]);
  });

  it('refuses a forged signature, the wrong secret and another tenant’s secret with the same 401, never calling accept', async () => {
    const { post, pushes, logs } = await serve();
    const body = kevCatalogueBody();
    const forged = { ...signedHeaders(body, ACME_SECRET), 'X-Forestall-Signature': `v1=${'0'.repeat(64)}` };
    const wrongSecret = signedHeaders(body, 'not-the-acme-secret-0123456789');
    const betaSecret = signedHeaders(body, TENANT_SECRETS.beta![0]!);
    // A body changed after signing is as good as a forgery.
    const tampered = signedHeaders(body, ACME_SECRET);
    for (const [headers, sent] of [
      [forged, body],
      [wrongSecret, body],
      [betaSecret, body],
      [tampered, body.replace('CVE-2023-4966', 'CVE-2023-4967')],
    ] as const) {
      expect(await post('/intel/acme', sent, headers)).toMatchObject({ status: 401, body: REFUSED });
    }
    expect(pushes).toEqual([]);
    expect(logs.map((entry) => entry.detail.reason)).toEqual(['no-matching-signature', 'no-matching-signature', 'no-matching-signature', 'no-matching-signature']);
  });

  it('answers an unknown tenant exactly as a bad signature, so tenants cannot be discovered', async () => {
    const { post, pushes, logs } = await serve();
    const body = kevCatalogueBody();
    const unknown = await post('/intel/globex', body, signedHeaders(body, ACME_SECRET));
    const badSignature = await post('/intel/acme', body, signedHeaders(body, 'some-other-secret-0123456789'));
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(badSignature.body);
    expect(unknown.headers.get('content-length')).toBe(badSignature.headers.get('content-length'));
    expect(pushes).toEqual([]);
    expect(logs[0]?.detail).toMatchObject({ tenant: 'globex', reason: 'unknown-tenant' });
  });

  it('refuses requests missing either header', async () => {
    const { post, pushes, logs } = await serve();
    const body = kevCatalogueBody();
    const signed = signedHeaders(body, ACME_SECRET);
    expect(await post('/intel/acme', body, { 'content-type': 'application/json' })).toMatchObject({ status: 401, body: REFUSED });
    expect(await post('/intel/acme', body, { 'content-type': 'application/json', 'x-forestall-timestamp': signed['X-Forestall-Timestamp']! })).toMatchObject({
      status: 401,
      body: REFUSED,
    });
    expect(await post('/intel/acme', body, { 'content-type': 'application/json', 'x-forestall-signature': signed['X-Forestall-Signature']! })).toMatchObject({
      status: 401,
      body: REFUSED,
    });
    expect(pushes).toEqual([]);
    expect(logs.map((entry) => entry.detail.reason)).toEqual(['missing-timestamp', 'missing-signature', 'missing-timestamp']);
  });

  it('refuses a correctly signed request 6 minutes old or 6 minutes ahead, and takes one 4 minutes off', async () => {
    const { post, pushes, logs } = await serve();
    const body = kevCatalogueBody();
    expect(await post('/intel/acme', body, signedHeaders(body, ACME_SECRET, NOW_SECONDS - 360))).toMatchObject({ status: 401, body: REFUSED });
    expect(await post('/intel/acme', body, signedHeaders(body, ACME_SECRET, NOW_SECONDS + 360))).toMatchObject({ status: 401, body: REFUSED });
    expect(logs.map((entry) => entry.detail.reason)).toEqual(['stale-timestamp', 'stale-timestamp']);
    expect(pushes).toEqual([]);
    expect((await post('/intel/acme', body, signedHeaders(body, ACME_SECRET, NOW_SECONDS - 240))).status).toBe(202);
    expect((await post('/intel/acme', body, signedHeaders(body, ACME_SECRET, NOW_SECONDS + 240))).status).toBe(202);
  });

  it('answers a replayed request as the first: accept sees the same body and the runner’s counts come back', async () => {
    // The runner reports content it already holds as unchanged; this fake remembers bodies the same way.
    const seen = new Set<string>();
    const remembering: AcceptBehaviour = async (push) => {
      const count = (JSON.parse(push.body) as { vulnerabilities: unknown[] }).vulnerabilities.length;
      const again = seen.has(push.body);
      seen.add(push.body);
      return again ? { accepted: 0, rejected: 0, unchanged: count } : { accepted: count, rejected: 0, unchanged: 0 };
    };
    const { post, pushes } = await serve({ accept: remembering });
    const body = kevCatalogueBody({ count: 4 });
    const headers = { ...signedHeaders(body, ACME_SECRET), 'x-forestall-delivery': 'retry-me' };
    const first = await post('/intel/acme', body, headers);
    const replay = await post('/intel/acme', body, headers);
    expect([first.status, replay.status]).toEqual([202, 202]);
    expect(first.body).toEqual({ accepted: 4, rejected: 0, unchanged: 0 });
    expect(replay.body).toEqual({ accepted: 0, rejected: 0, unchanged: 4 });
    expect(pushes).toHaveLength(2);
    expect(pushes[1]).toEqual(pushes[0]);
  });

  it('refuses an oversize body with 413 without looking up the tenant or calling accept', async () => {
    const { post, pushes, lookups } = await serve({ maxBodyBytes: 1024 });
    const body = kevCatalogueBody({ count: 20 });
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024);
    const answer = await post('/intel/acme', body, signedHeaders(body, ACME_SECRET));
    expect(answer).toMatchObject({ status: 413, body: { error: 'body larger than 1024 bytes' } });
    expect(pushes).toEqual([]);
    expect(lookups).toEqual([]);
  });

  it('refuses a chunked body (no Content-Length) once more than the limit has arrived', async () => {
    const { server, pushes } = await serve({ maxBodyBytes: 1024 });
    const body = kevCatalogueBody({ count: 20 });
    const status = await new Promise<number>((resolve, reject) => {
      const sent = httpRequest(`${server.url}/intel/acme`, { method: 'POST', headers: { ...signedHeaders(body, ACME_SECRET), 'transfer-encoding': 'chunked' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      sent.on('error', reject);
      sent.write(body.slice(0, 800));
      sent.end(body.slice(800));
    });
    expect(status).toBe(413);
    expect(pushes).toEqual([]);
  });

  it('answers 400 with the parser’s message when the content is not intel it can read', async () => {
    const { post, pushes } = await serve();
    const body = '{"vulnerabilities": "none"}';
    const answer = await post('/intel/acme', body, signedHeaders(body, ACME_SECRET));
    expect(answer).toMatchObject({ status: 400, body: { error: 'webhook:acme: vulnerabilities: expected an array' } });
    expect(pushes).toHaveLength(1);
  });

  it('answers 500 with a request id and nothing internal when accept fails', async () => {
    const failing: AcceptBehaviour = async () => {
      throw new Error(`table forestall-prod unreachable: ${ACME_SECRET}`);
    };
    const { post, logs } = await serve({ accept: failing });
    const body = kevCatalogueBody();
    const answer = await post('/intel/acme', body, signedHeaders(body, ACME_SECRET));
    expect(answer.status).toBe(500);
    expect(Object.keys(answer.body).sort()).toEqual(['error', 'requestId']);
    expect(answer.body.error).toBe('internal error');
    expect(answer.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The operator finds the failure under the same request id.
    expect(logs.at(-1)).toMatchObject({ level: 'error', detail: { requestId: answer.body.requestId } });
  });

  it('treats a failure that merely names itself like InvalidFeedDocument by its name, as the contract says', async () => {
    const named: AcceptBehaviour = async () => {
      throw Object.assign(new Error('webhook:acme: title: expected a string'), { name: 'InvalidFeedDocument' });
    };
    const { post } = await serve({ accept: named });
    const body = kevCatalogueBody();
    expect(await post('/intel/acme', body, signedHeaders(body, ACME_SECRET))).toMatchObject({ status: 400, body: { error: 'webhook:acme: title: expected a string' } });
  });

  it('accepts either secret of a tenant rotating its secret, and a header carrying both', async () => {
    const { post, pushes } = await serve();
    const body = kevCatalogueBody({ count: 2 });
    const [oldSecret, newSecret] = TENANT_SECRETS.beta!;
    expect((await post('/intel/beta', body, signedHeaders(body, oldSecret!))).status).toBe(202);
    expect((await post('/intel/beta', body, signedHeaders(body, newSecret!))).status).toBe(202);
    // A sender mid-rotation signs with its old and new secret; one of them matching is enough.
    expect((await post('/intel/acme', body, signedHeaders(body, ['retired-acme-secret-000000000', ACME_SECRET]))).status).toBe(202);
    expect(pushes.map((push) => push.tenant)).toEqual(['beta', 'beta', 'acme']);
  });

  it('answers 404 for other paths and 405 for other methods, before reading secrets', async () => {
    const { server, lookups } = await serve();
    const statuses = await Promise.all([
      fetch(`${server.url}/intel`, { method: 'POST', body: '{}' }),
      fetch(`${server.url}/intel/acme/extra`, { method: 'POST', body: '{}' }),
      fetch(`${server.url}/intel/Not_A_Tenant`, { method: 'POST', body: '{}' }),
      fetch(`${server.url}/`),
    ]).then((responses) => responses.map((response) => response.status));
    expect(statuses).toEqual([404, 404, 404, 404]);
    const get = await fetch(`${server.url}/intel/acme`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toEqual({ error: 'method not allowed' });
    expect(lookups).toEqual([]);
  });

  it('never echoes the body or a secret in any answer', async () => {
    const { post } = await serve({ maxBodyBytes: 4096 });
    const marker = 'CANARY-7f3e2d1c';
    const body = JSON.stringify({ vulnerabilities: 'x', marker });
    const answers = await Promise.all([
      post('/intel/acme', body, signedHeaders(body, ACME_SECRET)),
      post('/intel/acme', body, signedHeaders(body, 'wrong-secret-0123456789abcdef')),
      post('/intel/acme', `${body}${' '.repeat(5000)}`, signedHeaders(body, ACME_SECRET)),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([400, 401, 413]);
    for (const answer of answers) {
      const text = JSON.stringify(answer.body);
      expect(text).not.toContain(marker);
      expect(text).not.toContain(ACME_SECRET);
    }
  });
});
