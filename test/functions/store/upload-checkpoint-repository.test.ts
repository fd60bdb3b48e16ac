import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadCheckpoint } from '../../../functions/model/upload-checkpoint.ts';
import { createUploadCheckpointRepository } from '../../../functions/store/upload-checkpoint-repository.ts';
import { startLocalTable, type LocalTable } from './local-table.ts';

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
});
afterAll(async () => {
  await table.close();
});

const checkpoint = (records: number, overrides: Partial<UploadCheckpoint> = {}): UploadCheckpoint => ({
  tenant: 'acme',
  bucket: 'uploads',
  key: 'uploads/acme/estate #1.jsonl',
  etag: 'abc-2',
  status: 'running',
  position: { records, bytes: records * 100 },
  size: 100_000,
  imported: records,
  quarantined: 0,
  changedAssets: 0,
  invocations: 1,
  startedAt: '2026-12-02T02:00:00.000Z',
  updatedAt: '2026-12-02T02:00:00.000Z',
  ...overrides,
});

describe('upload checkpoints', () => {
  it('round-trips, and never moves back behind a checkpoint further on', async () => {
    const repository = createUploadCheckpointRepository(table.doc, table.tableName);
    expect(await repository.get('acme', 'uploads/acme/estate #1.jsonl', 'abc-2')).toBeUndefined();
    expect(await repository.save(checkpoint(200))).toBe(true);
    // A duplicate delivery running behind.
    expect(await repository.save(checkpoint(100))).toBe(false);
    expect(await repository.get('acme', 'uploads/acme/estate #1.jsonl', 'abc-2')).toEqual(checkpoint(200));
    expect(await repository.save(checkpoint(300))).toBe(true);
    // Another ETag is another upload.
    expect(await repository.get('acme', 'uploads/acme/estate #1.jsonl', 'def-1')).toBeUndefined();
  });

  it('keeps a final status final', async () => {
    const repository = createUploadCheckpointRepository(table.doc, table.tableName);
    const key = { key: 'uploads/acme/final.jsonl' };
    expect(await repository.save(checkpoint(10, { ...key, status: 'done' }))).toBe(true);
    expect(await repository.save(checkpoint(20, key))).toBe(false);
    expect(await repository.save(checkpoint(20, { ...key, status: 'failed', reason: 'x' }))).toBe(false);
    expect((await repository.get('acme', 'uploads/acme/final.jsonl', 'abc-2'))?.status).toBe('done');
  });
});
