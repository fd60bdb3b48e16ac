import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importUpload, type ImportUploadDeps } from '../../../../functions/inventory/upload/import-upload.ts';
import { DetailType, InventoryChangedSchema, InventoryUploadProgressedSchema } from '../../../../functions/model/events.ts';
import { createUploadCheckpointRepository } from '../../../../functions/store/upload-checkpoint-repository.ts';
import { startLocalTable, type LocalTable } from '../../store/local-table.ts';
import { startLocalS3, type LocalS3 } from './local-s3.ts';

let table: LocalTable;
let s3: LocalS3;
beforeAll(async () => {
  [table, s3] = await Promise.all([startLocalTable(), startLocalS3()]);
});
afterAll(async () => {
  await Promise.all([table.close(), s3.close()]);
});

// Names with multi-byte characters, so byte offsets and character offsets differ before every checkpoint.
const host = (tenant: string, n: number) => ({
  id: `${tenant}-host-${n}`,
  owner: `équipe ${n} ✓`,
  software: [{ purl: `pkg:npm/lodash@4.17.${n % 21}` }, { cpe: `cpe:2.3:a:openssl:openssl:3.0.${n % 9}:*:*:*:*:*:*:*` }],
});
const hosts = (tenant: string, count: number) => Array.from({ length: count }, (_, n) => host(tenant, n));
const jsonLines = (assets: unknown[]) => assets.map((asset) => JSON.stringify(asset)).join('\n') + '\n';

function harness(options: { stopAfterBatches?: number; failPublishAt?: number } = {}) {
  const published: Array<{ detailType: string; detail: unknown }> = [];
  let batches = 0;
  let publishes = 0;
  const deps: ImportUploadDeps = {
    s3: s3.client,
    repositories: table.repositories,
    checkpoints: createUploadCheckpointRepository(table.doc, table.tableName),
    now: () => new Date('2026-12-02T02:00:00Z'),
    publishEvents: async (entries) => {
      publishes += 1;
      if (options.failPublishAt === publishes) throw new Error('EventBridge unavailable');
      published.push(...entries);
    },
    shouldStop: () => options.stopAfterBatches !== undefined && batches >= options.stopAfterBatches,
    onProgress: () => void (batches += 1),
  };
  const changedIds = () =>
    new Set(published.filter((entry) => entry.detailType === DetailType.InventoryChanged).flatMap((entry) => InventoryChangedSchema.parse(entry.detail).assets.map((asset) => asset.id)));
  const progressed = () => published.filter((entry) => entry.detailType === DetailType.InventoryUploadProgressed).map((entry) => InventoryUploadProgressedSchema.parse(entry.detail));
  return { deps, published, changedIds, progressed };
}

async function storedIds(tenant: string, count: number) {
  const assets = await table.repositories.assets.getMany(tenant, Array.from({ length: count }, (_, n) => `${tenant}-host-${n}`));
  return assets;
}

describe('importUpload', () => {
  for (const [format, render] of [
    ['JSON lines', jsonLines],
    ['an {"assets": [...]} document', (assets: unknown[]) => JSON.stringify({ assets }, null, 1)],
  ] as const) {
    it(`stops short of time and goes on from the checkpoint to the same result: ${format}`, async () => {
      const tenant = format === 'JSON lines' ? 'lines' : 'array';
      const assets = hosts(tenant, 230);
      const object = await s3.put(`uploads/${tenant}/estate.json`, render(assets));

      // onProgress sees the initial checkpoint, then one per batch: stop after the second batch.
      const first = harness({ stopAfterBatches: 3 });
      const stopped = await importUpload(first.deps, tenant, object, { batchSize: 50 });
      expect(stopped.status).toBe('running');
      expect(stopped.checkpoint).toMatchObject({ status: 'running', imported: 100, position: { records: 100 }, invocations: 1 });
      expect(stopped.checkpoint!.position.bytes).toBeLessThan(object.size);
      expect(first.progressed()).toEqual([expect.objectContaining({ status: 'running', records: 100, imported: 100, bytes: stopped.checkpoint!.position.bytes, size: object.size })]);
      expect(await storedIds(tenant, 230)).toHaveLength(100);

      const second = harness();
      const done = await importUpload(second.deps, tenant, object, { batchSize: 50 });
      expect(done.checkpoint).toMatchObject({ status: 'done', imported: 230, quarantined: 0, position: { records: 230 }, invocations: 2 });
      const stored = await storedIds(tenant, 230);
      expect(stored.map((asset) => asset.id).sort()).toEqual(assets.map((asset) => asset.id).sort());
      expect(stored.find((asset) => asset.id === `${tenant}-host-101`)?.owner).toBe('équipe 101 ✓');
      // Nothing was read twice: the second run announced only what it stored.
      expect(second.changedIds().size).toBe(130);
      expect(first.changedIds().size).toBe(100);
      expect(second.progressed().map((event) => event.status)).toEqual(['done']);
    });
  }

  it('resumes after a crash and announces the batch whose announcement was lost', async () => {
    const tenant = 'crash';
    const assets = hosts(tenant, 150);
    const object = await s3.put(`uploads/${tenant}/estate.jsonl`, jsonLines(assets));

    // The second batch is stored, then publishing its Inventory Changed fails: the invocation fails.
    const crashed = harness({ failPublishAt: 2 });
    await expect(importUpload(crashed.deps, tenant, object, { batchSize: 50 })).rejects.toThrow('EventBridge unavailable');
    expect(crashed.changedIds().size).toBe(50);

    const retry = harness();
    const done = await importUpload(retry.deps, tenant, object, { batchSize: 50 });
    expect(done.checkpoint).toMatchObject({ status: 'done', imported: 150, position: { records: 150 } });
    // Every asset was announced at least once, the lost batch included.
    expect(new Set([...crashed.changedIds(), ...retry.changedIds()]).size).toBe(150);
    expect(retry.changedIds().has(`${tenant}-host-50`)).toBe(true);
  });

  it('leaves a finished upload alone when its event comes again', async () => {
    const tenant = 'again';
    const object = await s3.put(`uploads/${tenant}/estate.jsonl`, jsonLines(hosts(tenant, 3)));
    expect((await importUpload(harness().deps, tenant, object)).status).toBe('done');
    table.counter.reset();
    const repeat = harness();
    const outcome = await importUpload(repeat.deps, tenant, object);
    expect(outcome.status).toBe('already-final');
    expect(table.counter.writes).toBe(0);
    expect(repeat.published).toEqual([]);
  });

  it('quarantines a bad record naming the object, line and field, and imports the rest', async () => {
    const tenant = 'mixed';
    const text = jsonLines([host(tenant, 0), { id: `${tenant}-bad`, criticality: 'extreme', software: [] }, host(tenant, 2)]);
    const object = await s3.put(`uploads/${tenant}/estate.jsonl`, text);
    const outcome = await importUpload(harness().deps, tenant, object);
    expect(outcome.checkpoint).toMatchObject({ status: 'done', imported: 2, quarantined: 1 });
    expect(outcome.examples).toEqual([{ record: `${tenant}-bad`, reason: expect.stringContaining(`s3://${s3.bucket}/uploads/${tenant}/estate.jsonl: line 2.criticality`) }]);
    expect((await table.repositories.quarantine.list(tenant, 'inventory')).map((record) => record.record)).toEqual([`${tenant}-bad`]);
  });

  it('fails an upload that is not an inventory, saying why, without retrying', async () => {
    const tenant = 'text';
    const object = await s3.put(`uploads/${tenant}/hosts.txt`, 'web-01 10.0.0.1\n');
    const run = harness();
    const outcome = await importUpload(run.deps, tenant, object);
    expect(outcome.status).toBe('failed');
    expect(outcome.checkpoint?.reason).toBe(`s3://${s3.bucket}/uploads/${tenant}/hosts.txt: not an inventory: expected {"assets": [...]}, JSON lines of assets, or a CycloneDX/SPDX SBOM`);
    expect(run.progressed()).toEqual([expect.objectContaining({ status: 'failed', reason: outcome.checkpoint?.reason })]);
    expect((await importUpload(harness().deps, tenant, object)).status).toBe('already-final');
  });

  it('reads a CSV by the header mapping in its metadata, resumed across invocations; a CSV without one fails saying so', async () => {
    const tenant = 'csv';
    const mapping = { id: 'Hostname', ips: 'IP', owner: 'Team', software: 'Packages' };
    const rows = Array.from({ length: 120 }, (_, n) => `csv-host-${n},10.0.${n % 200}.1,"équipe ${n}",pkg:npm/lodash@4.17.${n % 21}`);
    rows.splice(60, 0, 'csv-bad,10.0.0.999,x,');
    const object = await s3.put(`uploads/${tenant}/hosts.csv`, ['Hostname,IP,Team,Packages', ...rows].join('\r\n'), { 'csv-mapping': JSON.stringify(mapping) });

    const first = await importUpload(harness({ stopAfterBatches: 2 }).deps, tenant, object, { batchSize: 50 });
    expect(first.checkpoint).toMatchObject({ status: 'running', imported: 50, position: { records: 52 } });
    const done = await importUpload(harness().deps, tenant, object, { batchSize: 50 });
    expect(done.checkpoint).toMatchObject({ status: 'done', imported: 120, quarantined: 1 });
    expect(done.examples).toEqual([{ record: 'csv-bad', reason: `s3://${s3.bucket}/uploads/${tenant}/hosts.csv: line 62, column "IP" (2): ips: not an IP address: "10.0.0.999"` }]);
    expect((await table.repositories.assets.get(tenant, 'csv-host-119'))?.owner).toBe('équipe 119');

    const bare = await s3.put(`uploads/${tenant}/bare.csv`, 'Hostname\nweb-01\n');
    const outcome = await importUpload(harness().deps, tenant, bare);
    expect(outcome.checkpoint?.reason).toBe(`s3://${s3.bucket}/uploads/${tenant}/bare.csv: a CSV upload needs its header mapping as object metadata csv-mapping (JSON, as forestall import --map takes)`);
  });

  it('stores what came before a truncated document and fails it naming the object', async () => {
    const tenant = 'cut';
    const text = JSON.stringify({ assets: hosts(tenant, 4) });
    const object = await s3.put(`uploads/${tenant}/estate.json`, text.slice(0, text.lastIndexOf('{')));
    const outcome = await importUpload(harness().deps, tenant, object);
    expect(outcome.status).toBe('failed');
    expect(outcome.checkpoint).toMatchObject({ imported: 3, position: { records: 3 } });
    expect(outcome.checkpoint?.reason).toMatch(new RegExp(`^s3://${s3.bucket}/uploads/${tenant}/estate\\.json: .*file ends early`));
  });

  it('attaches an SBOM to the asset its metadata names', async () => {
    const tenant = 'sbom';
    const sbom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      components: [{ type: 'library', name: 'log4j-core', group: 'org.apache.logging.log4j', version: '2.14.1', purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' }],
    };
    const object = await s3.put(`uploads/${tenant}/build-417.cdx.json`, JSON.stringify(sbom), { 'asset-id': 'payments-api' });
    const outcome = await importUpload(harness().deps, tenant, object);
    expect(outcome.checkpoint).toMatchObject({ status: 'done', imported: 1 });
    const asset = await table.repositories.assets.get(tenant, 'payments-api');
    expect(asset?.software).toEqual([expect.objectContaining({ purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' })]);
  });

  it('says an object deleted since its event is missing, and imports nothing', async () => {
    const tenant = 'deleted';
    const object = await s3.put(`uploads/${tenant}/estate.jsonl`, jsonLines(hosts(tenant, 2)));
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: object.key }));
    const run = harness();
    expect((await importUpload(run.deps, tenant, object)).status).toBe('missing');
    expect(run.published).toEqual([]);
    expect(await storedIds(tenant, 2)).toEqual([]);
  });

  it('leaves an upload replaced since its event to the newer upload', async () => {
    const tenant = 'replaced';
    const old = await s3.put(`uploads/${tenant}/estate.jsonl`, jsonLines(hosts(tenant, 2)));
    await s3.put(`uploads/${tenant}/estate.jsonl`, jsonLines(hosts(tenant, 5)));
    const run = harness();
    expect((await importUpload(run.deps, tenant, old)).status).toBe('replaced');
    expect(run.published).toEqual([]);
    expect(await storedIds(tenant, 5)).toEqual([]);
  });
});
