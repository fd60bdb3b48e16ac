import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';
import { localLambdaContext } from '../../../functions/local/lambda-context.ts';

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
  Object.assign(process.env, {
    TABLE_NAME: table.tableName,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: table.dynamo.endpoint,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});
afterAll(async () => {
  await table.close();
});

describe('inventory-import handler', () => {
  it('imports into the requested tenant and reports quarantined records', async () => {
    const imported = await import('../../../functions/inventory/inventory-import.handler.ts');
    const handler = (event: unknown) => imported.handler(event, localLambdaContext('InventoryImport'));
    const summary = await handler({
      tenant: 'acme',
      inventory: { assets: [{ id: 'web-01', software: [{ purl: 'pkg:npm/lodash@4.17.20' }] }, { id: 'web-02', criticality: 'urgent' }] },
    });
    expect(summary).toEqual({
      imported: 1,
      assetIds: ['web-01'],
      quarantined: [{ record: 'web-02', reason: 'inventory: assets[1].criticality: expected one of low|medium|high' }],
    });
    expect((await table.repositories.assets.componentsByPackage('acme', ['purl:npm/lodash'])).map((row) => row.assetId)).toEqual(['web-01']);
    await expect(handler({ tenant: 'Not A Tenant', inventory: { assets: [] } })).rejects.toMatchObject({ name: 'InvalidInputError' });
  });
});
