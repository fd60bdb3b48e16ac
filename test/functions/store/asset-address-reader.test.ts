import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AddressedAsset } from '../../../functions/match/indicators/indicator-relevance.ts';
import { AssetSchema } from '../../../functions/model/asset.ts';
import { createAssetAddressReader } from '../../../functions/store/dynamo-repositories.ts';
import { assetKey } from '../../../functions/store/keys.ts';
import type { AssetAddressReader } from '../../../functions/store/ports.ts';
import { startLocalTable, type LocalTable } from './local-table.ts';

let table: LocalTable;
let reader: AssetAddressReader;
beforeAll(async () => {
  table = await startLocalTable();
  reader = createAssetAddressReader(table.doc, table.tableName);
});
afterAll(async () => {
  await table.close();
});
beforeEach(() => table.counter.reset());

async function readAll(tenant: string, pageSize?: number): Promise<{ pages: number; assets: AddressedAsset[] }> {
  let pages = 0;
  const assets: AddressedAsset[] = [];
  for await (const page of reader.addressPages(tenant, pageSize)) {
    pages++;
    assets.push(...page);
  }
  return { pages, assets };
}

describe('AssetAddressReader on DynamoDB (dynalite)', () => {
  it("pages through one tenant's assets with their addresses only, never another tenant's", async () => {
    const software = [{ cpe: 'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*' }];
    for (let i = 0; i < 5; i++) {
      await table.repositories.assets.put(
        'acme',
        AssetSchema.parse({
          id: `web-${i}`,
          hostname: `web-${i}.acme.example`,
          ips: [`10.0.0.${i}`],
          network: { publicIps: [`198.51.100.${i}`], servicePorts: [443] },
          software,
        }),
      );
    }
    await table.repositories.assets.put('other', AssetSchema.parse({ id: 'web-0', ips: ['10.9.9.9'] }));
    table.counter.reset();

    const { pages, assets } = await readAll('acme', 2);

    expect(pages).toBe(3);
    expect(assets).toEqual(
      Array.from({ length: 5 }, (_, i) => ({ id: `web-${i}`, hostname: `web-${i}.acme.example`, ips: [`10.0.0.${i}`], network: { publicIps: [`198.51.100.${i}`] } })),
    );
    // Queries on the asset listing only: no Scan, no reads of component rows.
    expect(Object.keys(table.counter.requests)).toEqual(['Query']);
    expect((await readAll('other')).assets).toEqual([{ id: 'web-0', ips: ['10.9.9.9'] }]);
  });

  it('yields nothing for a tenant without assets, and refuses a tenant that is not a tenant id', async () => {
    expect(await readAll('empty')).toEqual({ pages: 0, assets: [] });
    await expect(readAll('Not A Tenant')).rejects.toMatchObject({ name: 'InvalidKeyPart' });
  });

  it('lists an asset stored before the listing existed once it is imported again, even unchanged', async () => {
    const legacy = AssetSchema.parse({ id: 'legacy-1', ips: ['203.0.113.9'] });
    // As AssetRepository.put wrote asset items before they carried the listing attributes.
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: { ...assetKey('old', legacy.id), entity: 'asset', tenant: 'old', ...legacy } }));
    expect((await readAll('old')).assets).toEqual([]);

    const result = await table.repositories.assets.put('old', legacy);

    expect(result).toMatchObject({ created: false, packageKeys: [] });
    expect((await readAll('old')).assets).toEqual([{ id: 'legacy-1', ips: ['203.0.113.9'] }]);
    table.counter.reset();
    expect(await table.repositories.assets.put('old', legacy)).toMatchObject({ changed: false });
    expect(table.counter.writes).toBe(0);
  });
});
