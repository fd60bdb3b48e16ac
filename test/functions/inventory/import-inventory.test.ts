import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importInventory } from '../../../functions/inventory/import-inventory.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
});
afterAll(async () => {
  await table.close();
});

const estate = JSON.parse(readFileSync(new URL('../../fixtures/estate/estate.json', import.meta.url), 'utf8')) as { assets: Array<{ id: string }> };
const deps = () => ({ repositories: table.repositories, now: () => new Date('2025-08-25T02:00:00Z') });

describe('importInventory', () => {
  it('stores valid assets with their component index and quarantines the invalid ones', async () => {
    const inventory = { assets: [...estate.assets, { id: 'broken', criticality: 'extreme' }] };
    const summary = await importInventory(deps(), { tenant: 'acme', inventory, sourceName: 'estate.json' });

    expect(summary.imported).toBe(estate.assets.length);
    expect(summary.quarantined).toEqual([{ record: 'broken', reason: 'estate.json: assets[' + estate.assets.length + '].criticality: expected one of low|medium|high' }]);
    expect((await table.repositories.quarantine.list('acme', 'inventory')).map((r) => r.record)).toEqual(['broken']);
    const first = estate.assets[0]!;
    expect((await table.repositories.assets.get('acme', first.id))?.id).toBe(first.id);
    const netscaler = await table.repositories.assets.componentsByPackage('acme', ['cpe:citrix:netscaler_gateway']);
    expect(netscaler.map((row) => row.assetId)).toContain('nsgw-edge-01');
  });

  it('re-importing the same inventory writes nothing', async () => {
    table.counter.reset();
    const summary = await importInventory(deps(), { tenant: 'acme', inventory: { assets: estate.assets }, sourceName: 'estate.json' });
    expect(summary.imported).toBe(estate.assets.length);
    expect(table.counter.writes).toBe(0);
  });

  it('refuses a document without an assets array before writing anything', async () => {
    table.counter.reset();
    await expect(importInventory(deps(), { tenant: 'acme', inventory: { items: [] }, sourceName: 'upload.json' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^upload\.json: assets: /),
    });
    expect(table.counter.writes).toBe(0);
  });
});
