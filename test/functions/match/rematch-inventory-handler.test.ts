import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEventBridgeEndpoint, type ReceivedEvent } from '../../../functions/local/eventbridge-endpoint.ts';
import { localLambdaContext } from '../../../functions/local/lambda-context.ts';
import type { RematchInventorySummary } from '../../../functions/match/rematch-inventory.ts';
import { AssetSchema } from '../../../functions/model/asset.ts';
import { ExposureDetectedSchema } from '../../../functions/model/events.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';
import { vulnerabilityFrom } from './nvd-fixtures.ts';

const BUS = 'forestall-rematch-test-bus';
let table: LocalTable;
let bus: { url: string; close(): Promise<void> };
let handler: (event: unknown) => Promise<RematchInventorySummary>;
const received: ReceivedEvent[] = [];
const savedEnv = { ...process.env };

const inventoryChanged = (detail: Record<string, unknown>) => ({
  version: '0',
  id: '0d0f3a4e-7e1b-4f7c-9b55-6c7a3c1d2e3f',
  'detail-type': 'Inventory Changed',
  source: 'forestall',
  account: '111122223333',
  time: '2023-10-19T09:00:00Z',
  region: 'eu-west-1',
  resources: [] as string[],
  detail,
});

beforeAll(async () => {
  table = await startLocalTable();
  bus = await startLocalEventBridgeEndpoint((events) => {
    received.push(...events);
  });
  await table.repositories.vulnerabilities.put(vulnerabilityFrom('CVE-2023-4966.json'));
  await table.repositories.assets.put(
    'default',
    AssetSchema.parse({ id: 'nsgw-late-01', internetFacing: true, criticality: 'high', software: [{ cpe: 'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*' }] }),
  );
  // The handler reads its environment once, at import, as on a Lambda cold start.
  Object.assign(process.env, {
    TABLE_NAME: table.tableName,
    EVENT_BUS_NAME: BUS,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: table.dynamo.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const imported = await import('../../../functions/match/inventory-changed.handler.ts');
  handler = (event) => imported.handler(event, localLambdaContext('InventoryRematch'));
});

afterAll(async () => {
  process.env = savedEnv;
  await bus?.close();
  await table?.close();
});

describe('inventory-changed handler on DynamoDB (dynalite) and a loopback EventBridge', () => {
  it('re-matches the changed asset and publishes Exposure Detected', async () => {
    const summary = await handler(
      inventoryChanged({ version: '1', tenant: 'default', assets: [{ id: 'nsgw-late-01', packageKeys: ['cpe:citrix:netscaler_gateway'] }], changedAt: '2023-10-19T09:00:00Z' }),
    );
    expect(summary).toMatchObject({ vulnerabilities: 1, assetsMatched: 1, new: 1 });
    expect(received.map((e) => [e.source, e.detailType, e.busName])).toEqual([['forestall', 'Exposure Detected', BUS]]);
    expect(ExposureDetectedSchema.parse(received[0]!.detail)).toMatchObject({ assetIds: ['nsgw-late-01'], vulnerability: { id: 'CVE-2023-4966' } });
  });

  it('rejects an event that is not Inventory Changed, naming the field', async () => {
    await expect(handler(inventoryChanged({ version: '1', tenant: 7, assets: [], changedAt: 'now' }))).rejects.toMatchObject({
      name: 'InvalidInventoryChangedEvent',
      message: expect.stringContaining('detail.tenant'),
    });
  });
});
