import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEventBridgeEndpoint, type ReceivedEvent } from '../../../functions/local/eventbridge-endpoint.ts';
import { InventoryChangedSchema } from '../../../functions/model/events.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';
import { localLambdaContext } from '../../../functions/local/lambda-context.ts';

const BUS = 'forestall-import-test-bus';
let table: LocalTable;
let bus: { url: string; close(): Promise<void> };
const received: ReceivedEvent[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  table = await startLocalTable();
  bus = await startLocalEventBridgeEndpoint((events) => {
    received.push(...events);
  });
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
});
afterAll(async () => {
  process.env = savedEnv;
  await bus?.close();
  await table?.close();
});

describe('inventory-import handler', () => {
  it('imports into the requested tenant, reports quarantined records and announces the changed software on the bus', async () => {
    const imported = await import('../../../functions/inventory/inventory-import.handler.ts');
    const handler = (event: unknown) => imported.handler(event, localLambdaContext('InventoryImport'));
    const request = {
      tenant: 'acme',
      inventory: { assets: [{ id: 'web-01', software: [{ purl: 'pkg:npm/lodash@4.17.20' }] }, { id: 'web-02', criticality: 'urgent' }] },
    };
    const summary = await handler(request);
    expect(summary).toEqual({
      imported: 1,
      assetIds: ['web-01'],
      quarantined: [{ record: 'web-02', reason: 'inventory: assets[1].criticality: expected one of low|medium|high' }],
      changedAssets: 1,
    });
    expect((await table.repositories.assets.componentsByPackage('acme', ['purl:npm/lodash'])).map((row) => row.assetId)).toEqual(['web-01']);
    expect(received.map((event) => [event.source, event.detailType, event.busName])).toEqual([['forestall', 'Inventory Changed', BUS]]);
    expect(InventoryChangedSchema.parse(received[0]!.detail)).toMatchObject({ tenant: 'acme', assets: [{ id: 'web-01', packageKeys: ['purl:npm/lodash'] }] });

    // The same document again changes nothing and announces nothing.
    received.length = 0;
    expect(await handler(request)).toMatchObject({ imported: 1, changedAssets: 0 });
    expect(received).toEqual([]);
    await expect(handler({ tenant: 'Not A Tenant', inventory: { assets: [] } })).rejects.toMatchObject({ name: 'InvalidInputError' });
  });
});
