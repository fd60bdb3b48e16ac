import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importInventoryItems, type AssetChange, type ImportItem, type StreamImportDeps, type StreamImportProgress } from '../../../functions/inventory/stream-import.ts';
import { DetailType, InventoryChangedSchema, type InventoryChanged } from '../../../functions/model/events.ts';
import { readInventoryFile, type ReadPosition } from '../../../functions/scan/inventory-stream.ts';
import { describeSoftware } from '../../../functions/store/keys.ts';
import type { Repositories } from '../../../functions/store/ports.ts';
import { startLocalTables } from '../store/local-table.ts';

let tables: Awaited<ReturnType<typeof startLocalTables>>;
beforeAll(async () => {
  tables = await startLocalTables();
});
afterAll(async () => {
  await tables.close();
});

const NOW = new Date('2026-12-01T02:00:00Z');
const npm = (name: string, version: string) => ({ purl: `pkg:npm/${name}@${version}` });
const keyOf = (software: { purl: string } | { cpe: string }) => describeSoftware(software).packageKey;

type RawAsset = Record<string, unknown> & { id: string };
// Multibyte text (2, 3 and 4 bytes in UTF-8) early in the file, before any checkpoint.
const estate: RawAsset[] = [
  { id: 'café-01', hostname: 'café.example', tags: { note: 'crème brûlée' }, software: [npm('left-pad', '1.3.0')] },
  { id: 'kanji-02', tags: { 場所: '東京' }, software: [npm('lodash', '4.17.20')] },
  { id: 'rocket-03', owner: '🚀 team', software: [npm('express', '4.18.2')] },
  { id: 'plain-04', software: [npm('left-pad', '1.3.0'), npm('lodash', '4.17.21')] },
  { id: 'plain-05', criticality: 'high', software: [npm('minimist', '1.2.5')] },
  { id: 'plain-06', software: [] },
  { id: 'plain-07', internetFacing: true, software: [npm('express', '4.17.1')] },
];
const ids = estate.map((asset) => asset.id);
const packageKeys = [...new Set(estate.flatMap((asset) => (asset.software as Array<{ purl: string }>).map(keyOf)))];

const scratch = () => mkdtempSync(join(tmpdir(), 'forestall-stream-import-'));
function writeInventory(name: string, assets: readonly unknown[], format: 'json' | 'jsonl' = 'json'): string {
  const file = join(scratch(), name);
  writeFileSync(file, format === 'json' ? JSON.stringify({ assets }, null, 1) : `${assets.map((asset) => JSON.stringify(asset)).join('\n')}\n`);
  return file;
}

const read = (file: string, from?: ReadPosition) => readInventoryFile(file, new Set(), { positions: true, ...(from ? { from } : {}) });

/** Deps that record what was announced, handed over and reported. */
function recording(repositories: Repositories, extra: Partial<StreamImportDeps> = {}) {
  const published: InventoryChanged[][] = [];
  const changes: AssetChange[][] = [];
  const batches: StreamImportProgress[] = [];
  const quarantined: Array<{ file: string; record: string; reason: string }> = [];
  const deps: StreamImportDeps = {
    repositories,
    now: () => NOW,
    publishEvents: async (entries) => {
      for (const entry of entries) expect(entry.detailType).toBe(DetailType.InventoryChanged);
      published.push(entries.map((entry) => InventoryChangedSchema.parse(entry.detail)));
    },
    onChanges: async (batch) => void changes.push(batch),
    onBatch: async (progress) => void batches.push(progress),
    onQuarantined: (record) => void quarantined.push(record),
    ...extra,
  };
  return { deps, published, changes, batches, quarantined };
}

/** What a tenant holds: assets, the component index of the estate's packages, quarantined records. */
async function stored(repositories: Repositories, tenant: string) {
  const assets = (await repositories.assets.getMany(tenant, ids)).sort((a, b) => a.id.localeCompare(b.id));
  const components = (await repositories.assets.componentsByPackage(tenant, packageKeys))
    .map(({ tenant: _tenant, ...row }) => row)
    .sort((a, b) => `${a.assetId}|${a.identifier}`.localeCompare(`${b.assetId}|${b.identifier}`));
  const quarantine = (await repositories.quarantine.list(tenant, 'inventory')).map(({ record, reason }) => ({ record, reason })).sort((a, b) => a.record.localeCompare(b.record));
  return { assets, components, quarantine };
}

describe('importInventoryItems', () => {
  it('stores a streamed inventory batch by batch, reporting the counts and the position after each batch', async () => {
    // Prepare
    const repositories = await tables.next();
    const file = writeInventory('estate.json', estate);
    const run = recording(repositories);

    // Act
    const summary = await importInventoryItems(run.deps, { tenant: 'acme', items: read(file), batchSize: 3 });

    // Assess
    expect(summary).toMatchObject({ records: 7, imported: 7, quarantined: 0, changedAssets: 6, finished: true, position: { records: 7 } });
    expect(run.batches.map(({ records, imported, position }) => [records, imported, position?.records])).toEqual([
      [3, 3, 3],
      [6, 6, 6],
      [7, 7, 7],
    ]);
    expect(run.batches.map((batch) => batch.position!.bytes)).toEqual([...run.batches.map((batch) => batch.position!.bytes)].sort((a, b) => a - b));
    expect((await repositories.assets.getMany('acme', ids)).map((asset) => asset.id).sort()).toEqual([...ids].sort());
    expect((await repositories.assets.get('acme', 'café-01'))?.tags).toEqual({ note: 'crème brûlée' });
    const leftPad = await repositories.assets.componentsByPackage('acme', [keyOf(npm('left-pad', '1'))]);
    expect(leftPad.map((row) => row.assetId).sort()).toEqual(['café-01', 'plain-04']);
  });

  it('quarantines a refused record and software the index cannot key, naming file, record and field, and stores the rest', async () => {
    // Prepare
    const repositories = await tables.next();
    const assets = [estate[0], { id: 'tiered', criticality: 'urgent' }, { id: 'bad-cpe', software: [npm('ok', '1.0.0'), { cpe: 'cpe:2.3:a:citrix:netscaler:13.1-4?.47:*:*:*:*:*:*:*' }] }, estate[1]];
    const file = writeInventory('hosts.json', assets);
    const run = recording(repositories);

    // Act
    const summary = await importInventoryItems(run.deps, { tenant: 'acme', items: read(file), batchSize: 2 });

    // Assess
    expect(summary).toMatchObject({ records: 4, imported: 2, quarantined: 2 });
    expect(run.quarantined).toEqual([
      { file, record: 'tiered', reason: `${file}: assets[1].criticality: expected one of low|medium|high` },
      { file, record: 'bad-cpe', reason: expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: assets\\[2\\]\\.software\\[1\\]\\.cpe: .*13\\.1-4\\?\\.47`)) },
    ]);
    expect(summary.examples).toEqual(run.quarantined);
    const kept = await repositories.quarantine.list('acme', 'inventory');
    expect(kept.map(({ record, reason }) => ({ record, reason })).sort((a, b) => a.record.localeCompare(b.record))).toEqual([...run.quarantined].map(({ record, reason }) => ({ record, reason })).sort((a, b) => a.record.localeCompare(b.record)));
    expect(kept.find((record) => record.record === 'bad-cpe')?.payload).toContain('13.1-4?.47');
    expect((await repositories.assets.getMany('acme', ['café-01', 'tiered', 'bad-cpe', 'kanji-02'])).map((asset) => asset.id).sort()).toEqual(['café-01', 'kanji-02']);
  });

  it('merges a partial (EC2 metadata) into the stored asset, and quarantines one naming another instance', async () => {
    // Prepare
    const repositories = await tables.next();
    const instance = 'i-0a1b2c3d4e5f60001';
    await repositories.assets.put('acme', { id: instance, ips: ['10.0.1.10'], internetFacing: false, criticality: 'high', tags: { team: 'shop' }, software: [npm('left-pad', '1.3.0')] });
    const cloud = (instanceId: string) => ({ provider: 'aws' as const, account: '111122223333', region: 'eu-west-1', instanceId, securityGroups: ['sg-0123456789abcdef0'] });
    const items: ImportItem[] = [
      {
        kind: 'partial',
        file: 'ec2.json',
        position: 'Reservations[0].Instances[0]',
        partial: { id: instance, cloud: cloud(instance), ips: ['10.0.1.10', '203.0.113.10'], tags: { Name: 'web-01' }, network: { publicIps: ['203.0.113.10'], ingress: [], loadBalancers: [] } },
      },
      { kind: 'partial', file: 'ec2.json', position: 'Reservations[0].Instances[1]', partial: { id: instance, cloud: cloud('i-0a1b2c3d4e5f60009') } },
    ];
    const run = recording(repositories);

    // Act
    const summary = await importInventoryItems(run.deps, { tenant: 'acme', items: (async function* () { yield* items; })(), batchSize: 1 });

    // Assess: the inventory's software and declared facts stay; the cloud view is added.
    expect(await repositories.assets.get('acme', instance)).toEqual({
      id: instance,
      ips: ['10.0.1.10', '203.0.113.10'],
      internetFacing: false,
      criticality: 'high',
      tags: { team: 'shop', Name: 'web-01' },
      software: [npm('left-pad', '1.3.0')],
      cloud: cloud(instance),
      network: { publicIps: ['203.0.113.10'], ingress: [], loadBalancers: [] },
    });
    expect(summary).toMatchObject({ imported: 1, quarantined: 1, changedAssets: 0 });
    expect(run.quarantined).toEqual([{ file: 'ec2.json', record: instance, reason: expect.stringMatching(/^ec2\.json: Reservations\[0\]\.Instances\[1\]: .*i-0a1b2c3d4e5f60009 is not the stored binding's instance i-0a1b2c3d4e5f60001/) }]);
    // Software did not change: nothing to re-match.
    expect(run.published).toEqual([]);
    expect(run.changes).toEqual([]);
  });

  it('announces Inventory Changed once per batch, for the assets whose software changed only', async () => {
    // Prepare
    const repositories = await tables.next();
    const first = recording(repositories);
    await importInventoryItems(first.deps, { tenant: 'acme', items: read(writeInventory('estate.json', estate)), batchSize: 4 });

    // Assess the first import: every asset with software, in two rounds of its batch's assets.
    expect(first.published).toHaveLength(2);
    expect(first.published.map((round) => round.flatMap((event) => event.assets.map((asset) => asset.id)))).toEqual([
      ['café-01', 'kanji-02', 'rocket-03', 'plain-04'],
      ['plain-05', 'plain-07'],
    ]);
    expect(first.published[0]![0]).toMatchObject({ tenant: 'acme', changedAt: NOW.toISOString() });
    expect(first.changes.map((batch) => batch.map((change) => change.id))).toEqual(first.published.map((round) => round.flatMap((event) => event.assets.map((asset) => asset.id))));

    // Act: the same estate with one asset upgraded.
    const upgraded = estate.map((asset) => (asset.id === 'plain-05' ? { ...asset, software: [npm('minimist', '1.2.8')] } : asset));
    const second = recording(repositories);
    const summary = await importInventoryItems(second.deps, { tenant: 'acme', items: read(writeInventory('estate.json', upgraded)), batchSize: 4 });

    // Assess
    expect(summary).toMatchObject({ imported: 7, changedAssets: 1 });
    expect(second.published).toEqual([[{ version: expect.any(String), tenant: 'acme', changedAt: NOW.toISOString(), assets: [{ id: 'plain-05', packageKeys: [keyOf(npm('minimist', '1'))] }] }]]);
    expect(second.changes).toEqual([[{ id: 'plain-05', packageKeys: [keyOf(npm('minimist', '1'))] }]]);
  });

  it('announces a batch whose announcement failed at the end of the next run, which finds it stored and unchanged', async () => {
    // Prepare: the bus refuses the second batch's announcement, and the run fails there.
    const repositories = await tables.next();
    const file = writeInventory('estate.json', estate);
    let rounds = 0;
    const failing = recording(repositories);
    const refusing = async (entries: Parameters<NonNullable<StreamImportDeps['publishEvents']>>[0]) => {
      rounds += 1;
      if (rounds === 2) throw new Error('EventBridge: ServiceUnavailable');
      await failing.deps.publishEvents!(entries);
    };
    await expect(importInventoryItems({ ...failing.deps, publishEvents: refusing }, { tenant: 'acme', items: read(file), batchSize: 4 })).rejects.toThrow('ServiceUnavailable');
    const checkpoint = failing.batches.at(-1)!.position!;
    expect(checkpoint.records).toBe(4);

    // Act: resumed after the last batch it reported; everything it reads again is stored already.
    const again = recording(repositories);
    const summary = await importInventoryItems(again.deps, { tenant: 'acme', items: read(file, checkpoint), batchSize: 4 });

    // Assess: the refused batch is announced, with the time it was stored, and only once.
    expect(summary).toMatchObject({ imported: 3, changedAssets: 0 });
    expect(again.changes).toEqual([]);
    expect(again.published.flat().flatMap((event) => event.assets.map((asset) => asset.id))).toEqual(['plain-05', 'plain-07']);
    expect(again.published.flat()[0]).toMatchObject({ tenant: 'acme', changedAt: NOW.toISOString() });
    const third = recording(repositories);
    await importInventoryItems(third.deps, { tenant: 'acme', items: read(file), batchSize: 4 });
    expect(third.published).toEqual([]);
  });

  it('stops after the batch during which shouldStop turns true, saying it did not finish', async () => {
    // Prepare
    const repositories = await tables.next();
    const run = recording(repositories);
    let calls = 0;

    // Act
    const summary = await importInventoryItems(run.deps, { tenant: 'acme', items: read(writeInventory('estate.json', estate)), batchSize: 3, shouldStop: () => (calls += 1) >= 1 });

    // Assess: one whole batch stored, nothing of the next one.
    expect(summary).toMatchObject({ finished: false, records: 3, imported: 3, position: { records: 3 } });
    expect(run.batches).toHaveLength(1);
    expect((await repositories.assets.getMany('acme', ids)).map((asset) => asset.id).sort()).toEqual(['café-01', 'kanji-02', 'rocket-03']);
  });

  for (const format of ['json', 'jsonl'] as const) {
    it(`resumed from the last batch's position (${format === 'json' ? '{"assets": [...]}' : 'JSON lines'}), ends with exactly what one uninterrupted run stores`, async () => {
      // Prepare: a refused record after the multibyte assets, so quarantine is compared too.
      const repositories = await tables.next();
      const assets = [...estate.slice(0, 3), { id: 'tiered', criticality: 'urgent' }, ...estate.slice(3)];
      const file = writeInventory(`estate.${format}`, assets, format);
      await importInventoryItems(recording(repositories).deps, { tenant: 'whole', items: read(file), batchSize: 2 });

      // Act: a run stopped after its second batch, then one resumed from the position it reported last.
      const stopped = recording(repositories);
      let checks = 0;
      const firstRun = await importInventoryItems(stopped.deps, { tenant: 'resumed', items: read(file), batchSize: 2, shouldStop: () => (checks += 1) === 2 });
      const checkpoint = stopped.batches.at(-1)!.position!;
      const resumed = recording(repositories);
      const secondRun = await importInventoryItems(resumed.deps, { tenant: 'resumed', items: read(file, checkpoint), batchSize: 2 });

      // Assess
      // Refused records do not count towards a batch's assets: the second batch is rocket, tiered, plain-04.
      expect(firstRun).toMatchObject({ finished: false, records: 5, imported: 4, quarantined: 1 });
      expect(checkpoint.records).toBe(5);
      // A byte offset (past multibyte text: more bytes than characters before it) right after plain-04.
      const bytes = readFileSync(file);
      expect(bytes.subarray(0, checkpoint.bytes).toString('utf8').length).toBeLessThan(checkpoint.bytes);
      expect(bytes.subarray(checkpoint.bytes).toString('utf8')).toMatch(format === 'json' ? /^,\s*\{\s*"id": "plain-05"/ : /^\{"id":"plain-05"/);
      expect(secondRun).toMatchObject({ finished: true, records: 3, imported: 3, quarantined: 0 });
      expect(resumed.batches.at(-1)!.position!.records).toBe(8);
      const whole = await stored(repositories, 'whole');
      expect(whole.assets).toHaveLength(7);
      expect(whole.quarantine).toEqual([{ record: 'tiered', reason: `${file}: ${format === 'json' ? 'assets[3]' : 'line 4'}.criticality: expected one of low|medium|high` }]);
      expect(await stored(repositories, 'resumed')).toEqual(whole);
    });
  }

  it('stores what was read before a document breaks off, then throws naming the file', async () => {
    // Prepare
    const repositories = await tables.next();
    const file = join(scratch(), 'cut.json');
    const text = JSON.stringify({ assets: estate });
    writeFileSync(file, text.slice(0, text.indexOf('"id":"plain-05"') + 8));
    const run = recording(repositories);

    // Act
    const importing = importInventoryItems(run.deps, { tenant: 'acme', items: read(file), batchSize: 3 });

    // Assess
    await expect(importing).rejects.toThrow(`${file}: not valid JSON: the "assets" array is not closed: the file ends early`);
    expect((await repositories.assets.getMany('acme', ids)).map((asset) => asset.id).sort()).toEqual(['café-01', 'kanji-02', 'plain-04', 'rocket-03']);
    expect(run.batches.map((batch) => batch.records)).toEqual([3, 4]);
    expect(run.changes.flat().map((change) => change.id)).toContain('plain-04');
  });
});
