import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localLambdaContext } from '../../../functions/local/lambda-context.ts';
import { startLocalEventBridgeEndpoint, type ReceivedEvent } from '../../../functions/local/eventbridge-endpoint.ts';
import { InventoryChangedSchema } from '../../../functions/model/events.ts';
import { INSTANCES } from '../../fixtures/inventory/cloud/make-cloud-fixtures.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';

const BUS = 'forestall-cloud-findings-test-bus';
const OWN = '999999999999';
const MEMBER = '111122223333';
let table: LocalTable;
let bus: { url: string; close(): Promise<void> };
const received: ReceivedEvent[] = [];
const savedEnv = { ...process.env };

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/inventory/cloud/${name}`, import.meta.url), 'utf8')) as Record<string, any>;

beforeAll(async () => {
  table = await startLocalTable();
  bus = await startLocalEventBridgeEndpoint((events) => {
    received.push(...events);
  });
  Object.assign(process.env, {
    TABLE_NAME: table.tableName,
    EVENT_BUS_NAME: BUS,
    OWN_ACCOUNT_ID: OWN,
    MEMBER_ACCOUNT_IDS: MEMBER,
    ACCOUNT_TENANTS: JSON.stringify({ [MEMBER]: 'acme' }),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: table.dynamo.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});
afterAll(async () => {
  process.env = savedEnv;
  await bus?.close();
  await table?.close();
});

describe('cloud-findings handler', () => {
  it("merges a member account's Inspector finding into its tenant, announces it on the bus, and returns a refused event's reason instead of failing", async () => {
    const imported = await import('../../../functions/inventory/cloud-findings.handler.ts');
    const handler = (event: unknown) => imported.handler(event, localLambdaContext('CloudFindings'));

    const summary = await handler(fixture('inspector2-finding-al2023.json'));

    expect(summary).toMatchObject({ tenant: 'acme', account: MEMBER, assetIds: [INSTANCES.web], changedAssets: 1, quarantined: [] });
    expect((await table.repositories.assets.componentsByPackage('acme', ['purl:rpm/amzn/openssl'])).map((row) => row.assetId)).toEqual([INSTANCES.web]);
    expect(received.map((event) => [event.source, event.detailType, event.busName])).toEqual([['forestall', 'Inventory Changed', BUS]]);
    expect(InventoryChangedSchema.parse(received[0]!.detail)).toMatchObject({ tenant: 'acme', assets: [{ id: INSTANCES.web }] });

    // An account outside the allow-list: refused (not retried), quarantined, nothing announced.
    received.length = 0;
    const refused = await handler({ ...fixture('inspector2-finding-al2023.json'), account: '123456789012' });
    expect(refused.refused).toMatch(/account 123456789012 is not allowed/);
    expect(received).toEqual([]);
  });

  it('fails at init naming the variable when ACCOUNT_TENANTS is malformed', async () => {
    vi.resetModules();
    process.env.ACCOUNT_TENANTS = JSON.stringify({ [MEMBER]: 'Not A Tenant' });
    try {
      await expect(import('../../../functions/inventory/cloud-findings.handler.ts')).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: expect.stringMatching(/^invalid environment: ACCOUNT_TENANTS\.111122223333: /),
      });
    } finally {
      process.env.ACCOUNT_TENANTS = JSON.stringify({ [MEMBER]: 'acme' });
    }
  });
});
