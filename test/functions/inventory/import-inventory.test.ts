import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryChangedEvents, MAX_INVENTORY_EVENT_BYTES } from '../../../functions/inventory/announce-inventory.ts';
import { importInventory } from '../../../functions/inventory/import-inventory.ts';
import { DetailType, InventoryChangedSchema, MAX_ASSETS_PER_INVENTORY_EVENT } from '../../../functions/model/events.ts';
import { createDocumentClient } from '../../../functions/store/document-client.ts';
import { createDynamoRepositories } from '../../../functions/store/dynamo-repositories.ts';
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

describe('importInventory announces what changed', () => {
  const publishing = () => {
    const published: Array<{ detailType: string; detail: unknown }> = [];
    return {
      published,
      details: () => published.map((entry) => (expect(entry.detailType).toBe(DetailType.InventoryChanged), InventoryChangedSchema.parse(entry.detail))),
      deps: { ...deps(), publishEvents: async (entries: Array<{ detailType: string; detail: unknown }>) => void published.push(...entries) },
    };
  };
  const host = (id: string, software: Array<{ cpe: string } | { purl: string }>, extra: Record<string, unknown> = {}) => ({ id, software, ...extra });
  const ssl = (version: string) => ({ cpe: `cpe:2.3:a:openssl:openssl:${version}:*:*:*:*:*:*:*` });

  it('names every package of a new asset, then only the packages whose version or presence changed', async () => {
    const p = publishing();
    const tenant = 'announce';
    await importInventory(p.deps, { tenant, inventory: { assets: [host('h1', [ssl('3.0.1'), { purl: 'pkg:npm/lodash@4.17.20' }])] } });
    expect(p.details()).toEqual([{ version: '1', tenant, assets: [{ id: 'h1', packageKeys: ['cpe:openssl:openssl', 'purl:npm/lodash'] }], changedAt: '2025-08-25T02:00:00.000Z' }]);

    p.published.length = 0;
    // openssl upgraded, lodash unchanged, left-pad added.
    const summary = await importInventory(p.deps, { tenant, inventory: { assets: [host('h1', [ssl('3.0.8'), { purl: 'pkg:npm/lodash@4.17.20' }, { purl: 'pkg:npm/left-pad@1.3.0' }])] } });
    expect(summary.changedAssets).toBe(1);
    expect(p.details().flatMap((detail) => detail.assets)).toEqual([{ id: 'h1', packageKeys: ['cpe:openssl:openssl', 'purl:npm/left-pad'] }]);

    p.published.length = 0;
    // lodash removed: its key is named so its exposures can be closed.
    await importInventory(p.deps, { tenant, inventory: { assets: [host('h1', [ssl('3.0.8'), { purl: 'pkg:npm/left-pad@1.3.0' }])] } });
    expect(p.details().flatMap((detail) => detail.assets)).toEqual([{ id: 'h1', packageKeys: ['purl:npm/lodash'] }]);

    p.published.length = 0;
    // Owner and criticality changed, software did not: stored, not announced.
    const quiet = await importInventory(p.deps, { tenant, inventory: { assets: [host('h1', [ssl('3.0.8'), { purl: 'pkg:npm/left-pad@1.3.0' }], { owner: 'ops', criticality: 'high' })] } });
    expect(quiet.changedAssets).toBe(0);
    expect(p.published).toEqual([]);
    expect((await table.repositories.assets.get(tenant, 'h1'))?.owner).toBe('ops');
  });

  it('says what AssetRepository.put changed', async () => {
    const tenant = 'put-result';
    const { assets } = table.repositories;
    const asset = (software: Array<{ cpe: string }>, owner?: string) => ({ id: 'h1', ips: [], internetFacing: false, criticality: 'low' as const, tags: {}, software, ...(owner ? { owner } : {}) });
    expect(await assets.put(tenant, asset([ssl('3.0.1')]))).toEqual({ created: true, changed: true, packageKeys: ['cpe:openssl:openssl'] });
    expect(await assets.put(tenant, asset([ssl('3.0.1')]))).toEqual({ created: false, changed: false, packageKeys: [] });
    expect(await assets.put(tenant, asset([ssl('3.0.1')], 'ops'))).toEqual({ created: false, changed: true, packageKeys: [] });
    expect(await assets.put(tenant, asset([ssl('3.0.8')], 'ops'))).toEqual({ created: false, changed: true, packageKeys: ['cpe:openssl:openssl'] });
    expect(await assets.put(tenant, asset([], 'ops'))).toEqual({ created: false, changed: true, packageKeys: ['cpe:openssl:openssl'] });
  });

  it('announces a change whose announcement failed with the next import, though that import changes nothing', async () => {
    const tenant = 'outbox-bus-down';
    const inventory = { assets: [host('h1', [ssl('3.0.1')])] };
    const down = { ...deps(), publishEvents: async () => Promise.reject(new Error('EventBridge: ServiceUnavailable')) };
    await expect(importInventory(down, { tenant, inventory })).rejects.toThrow('ServiceUnavailable');

    const p = publishing();
    const again = await importInventory(p.deps, { tenant, inventory });
    expect(again.changedAssets).toBe(0);
    expect(p.details().flatMap((detail) => detail.assets)).toEqual([{ id: 'h1', packageKeys: ['cpe:openssl:openssl'] }]);

    // Announced once: the next import has nothing left to say.
    p.published.length = 0;
    await importInventory(p.deps, { tenant, inventory });
    expect(p.published).toEqual([]);
  });

  it('announces software added by an import that stopped between the component rows and the asset item', async () => {
    const tenant = 'outbox-crash';
    const p = publishing();
    await importInventory(p.deps, { tenant, inventory: { assets: [host('h1', [ssl('3.0.1')])] } });

    // A second client on the same table whose asset item write fails once, as a Lambda timing out would.
    const client = new DynamoDBClient(table.dynamo.client);
    let failures = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string>; body?: unknown };
        const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
        if (failures === 0 && request.headers?.['x-amz-target']?.endsWith('.PutItem') && body.includes('"entity":{"S":"asset"}')) {
          failures += 1;
          throw new Error('Task timed out');
        }
        return next(args);
      },
      { step: 'build', name: 'failAssetItemOnce' },
    );
    const interrupted = { ...p.deps, repositories: createDynamoRepositories(createDocumentClient(client), table.tableName) };
    const grown = { assets: [host('h1', [ssl('3.0.1'), { purl: 'pkg:npm/left-pad@1.3.0' }])] };
    await expect(importInventory(interrupted, { tenant, inventory: grown })).rejects.toThrow('Task timed out');
    expect(failures).toBe(1);
    client.destroy();

    p.published.length = 0;
    await importInventory(p.deps, { tenant, inventory: grown });
    expect(p.details().flatMap((detail) => detail.assets)).toEqual([{ id: 'h1', packageKeys: ['purl:npm/left-pad'] }]);
  });

  it('records what putMany changes before writing it, lists the records oldest first and removes settled ones', async () => {
    const tenant = 'outbox-records';
    const { assets } = table.repositories;
    const asset = (id: string, version: string) => ({ id, ips: [], internetFacing: false, criticality: 'low' as const, tags: {}, software: [ssl(version)] });
    const first = await assets.putMany(tenant, [asset('a', '3.0.1'), asset('b', '3.0.1')], { recordPending: { at: '2025-08-25T02:00:00.000Z' } });
    // The same id twice is compared with what its first occurrence wrote: 3.0.1 -> 3.0.2 is a change.
    const second = await assets.putMany(tenant, [asset('a', '3.0.1'), asset('c', '3.0.1'), asset('c', '3.0.2')], { recordPending: { at: '2025-08-25T03:00:00.000Z' } });
    expect(second.results.map((result) => result.packageKeys)).toEqual([[], ['cpe:openssl:openssl'], ['cpe:openssl:openssl']]);
    expect(await assets.componentsByPackage(tenant, ['cpe:openssl:openssl'])).toHaveLength(3);
    // Nothing changed, nothing recorded.
    expect((await assets.putMany(tenant, [asset('b', '3.0.1')], { recordPending: { at: '2025-08-25T04:00:00.000Z' } })).pending).toEqual([]);

    const pending = await assets.pendingChanges(tenant);
    expect(pending.map((record) => [record.at, record.changes])).toEqual([
      ['2025-08-25T02:00:00.000Z', [{ id: 'a', packageKeys: ['cpe:openssl:openssl'] }, { id: 'b', packageKeys: ['cpe:openssl:openssl'] }]],
      ['2025-08-25T03:00:00.000Z', [{ id: 'c', packageKeys: ['cpe:openssl:openssl'] }]],
      ['2025-08-25T03:00:00.000Z', [{ id: 'c', packageKeys: ['cpe:openssl:openssl'] }]],
    ]);
    // Oldest first by the time recorded; records of the same time come in any order.
    expect(pending[0]!.key).toBe(first.pending[0]);
    expect(pending.slice(1).map((record) => record.key).sort()).toEqual([...second.pending].sort());
    await assets.settlePending(tenant, first.pending);
    expect((await assets.pendingChanges(tenant)).map((record) => record.key).sort()).toEqual([...second.pending].sort());
    // Without recordPending nothing is recorded.
    expect(await assets.put(tenant, asset('d', '3.0.1'))).toEqual({ created: true, changed: true, packageKeys: ['cpe:openssl:openssl'] });
    expect(await assets.pendingChanges(tenant)).toHaveLength(2);
  });

  it('sends at most 100 assets per event, and splits an asset whose keys do not fit one event', async () => {
    const p = publishing();
    const many = Array.from({ length: 230 }, (_, i) => host(`bulk-${i}`, [ssl('3.0.1')]));
    await importInventory(p.deps, { tenant: 'bulk', inventory: { assets: many } });
    expect(p.details().map((detail) => detail.assets.length)).toEqual([100, 100, 30]);
    expect(new Set(p.details().flatMap((detail) => detail.assets.map((a) => a.id))).size).toBe(230);

    const keys = Array.from({ length: 8000 }, (_, i) => `purl:npm/some-rather-long-package-name-number-${i}`);
    const events = inventoryChangedEvents('bulk', [{ id: 'sbom-1', packageKeys: keys }, { id: 'small', packageKeys: ['purl:npm/a'] }], '2025-08-25T02:00:00.000Z');
    expect(events.length).toBeGreaterThan(1);
    for (const event of events) {
      expect(event.assets.length).toBeLessThanOrEqual(MAX_ASSETS_PER_INVENTORY_EVENT);
      expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(MAX_INVENTORY_EVENT_BYTES);
    }
    expect(events.flatMap((event) => event.assets.filter((a) => a.id === 'sbom-1').flatMap((a) => a.packageKeys))).toEqual(keys);
  });
});
