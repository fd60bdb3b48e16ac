import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DetailType, EVENT_VERSION, InventoryUploadProgressedSchema, type InventoryUploadProgressed, type UploadStatus } from '../../model/events.ts';
import { TenantIdSchema } from '../../model/tenant.ts';
import type { UploadCheckpoint } from '../../model/upload-checkpoint.ts';
import type { PublishEvents } from '../../routing/event-publisher.ts';
import { readInventory, type InventoryItem } from '../../scan/inventory-stream.ts';
import type { Repositories } from '../../store/ports.ts';
import type { UploadCheckpointRepository } from '../../store/upload-checkpoint-repository.ts';
import type { CsvMapping } from '../csv/csv-inventory.ts';
import { readCsvInventory } from '../csv/csv-stream.ts';
import { importInventoryItems, type StreamImportProgress } from '../stream-import.ts';
import { s3Source, unquoteEtag, UploadReplaced, type UploadObject } from './s3-source.ts';

/**
 * Imports of any size through S3: an inventory uploaded under `uploads/<tenant>/` is read as a stream
 * (ranged GETs), stored in batches, checkpointed after each batch and, when the invocation runs short of
 * time, continued by the next one from the checkpoint. A crash or a retry resumes there too.
 */

/** Objects under this prefix are imported; the next path segment is the tenant. */
export const UPLOAD_PREFIX = 'uploads/';
/** Object metadata (`x-amz-meta-asset-id`) naming the asset an SBOM describes; the file name otherwise. */
export const ASSET_ID_METADATA = 'asset-id';
/** Object metadata (`x-amz-meta-csv-mapping`) holding a CSV's header mapping as JSON (`CsvMappingSchema`). */
export const CSV_MAPPING_METADATA = 'csv-mapping';

/** How to read the object: a CSV by its mapping, anything else by content. A `.csv` without a mapping is a problem. */
function csvMappingOf(key: string, metadata: Record<string, string> | undefined): { mapping?: unknown } | { problem: string } {
  const text = metadata?.[CSV_MAPPING_METADATA];
  if (text === undefined) {
    return /\.csv$/i.test(key) ? { problem: `a CSV upload needs its header mapping as object metadata ${CSV_MAPPING_METADATA} (JSON, as forestall import --map takes)` } : {};
  }
  try {
    return { mapping: JSON.parse(text) as unknown };
  } catch (error) {
    return { problem: `metadata ${CSV_MAPPING_METADATA}: not valid JSON: ${(error as Error).message}` };
  }
}

/** The tenant an object key belongs to, or why the key names none. */
export function uploadTenant(key: string): { tenant: string } | { problem: string } {
  if (!key.startsWith(UPLOAD_PREFIX)) return { problem: `key "${key}" is not under ${UPLOAD_PREFIX}<tenant>/` };
  const [tenant, ...rest] = key.slice(UPLOAD_PREFIX.length).split('/');
  if (rest.length === 0 || rest.join('/') === '') return { problem: `key "${key}" names no file after ${UPLOAD_PREFIX}<tenant>/` };
  const parsed = TenantIdSchema.safeParse(tenant);
  if (!parsed.success) return { problem: `key "${key}": "${tenant}" is not a tenant id (lower-case letters, digits and dashes)` };
  return { tenant: parsed.data };
}

/** A problem with the file itself (not an inventory, broken off): retrying cannot help, so the upload fails. */
class UploadDocumentProblem extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
    this.name = 'UploadDocumentProblem';
  }
}

/** AWS SDK errors (throttling, network) carry `$metadata`; they are worth a retry, unlike a bad document. */
const isServiceError = (error: unknown) => typeof error === 'object' && error !== null && '$metadata' in error;

async function* documentProblems(items: AsyncIterable<InventoryItem>): AsyncGenerator<InventoryItem> {
  try {
    yield* items;
  } catch (error) {
    if (isServiceError(error) || error instanceof UploadReplaced || !(error instanceof Error)) throw error;
    throw new UploadDocumentProblem(error);
  }
}

export interface ImportUploadDeps {
  s3: S3Client;
  repositories: Pick<Repositories, 'assets' | 'quarantine'>;
  checkpoints: UploadCheckpointRepository;
  publishEvents: PublishEvents;
  now(): Date;
  /** True once this invocation should stop after the batch in hand (its remaining time is short). */
  shouldStop(): boolean;
  /** Each batch's progress, for the logs. */
  onProgress?(checkpoint: UploadCheckpoint): void;
}

export interface ImportUploadOptions {
  /** @default 100 */
  batchSize?: number;
}

export interface ImportUploadOutcome {
  /** `replaced`: a newer upload of the key has its own event; `missing`: the object is gone (deleted since). */
  status: UploadStatus | 'replaced' | 'missing' | 'already-final';
  checkpoint?: UploadCheckpoint;
  /** The first quarantined records of this invocation. */
  examples: Array<{ record: string; reason: string }>;
}

/**
 * Imports one uploaded object for `tenant`, from its checkpoint on. Publishes `Inventory Changed` per
 * batch and `Inventory Upload Progressed` at the end of the invocation: `running` (the upload function
 * picks it up and goes on), `done` or `failed`. An upload already final (a duplicate delivery) or
 * replaced by a newer one is left alone. Storage and S3 errors propagate: the retry resumes.
 */
export async function importUpload(deps: ImportUploadDeps, tenant: string, object: UploadObject, options: ImportUploadOptions = {}): Promise<ImportUploadOutcome> {
  const stored = await deps.checkpoints.get(tenant, object.key, object.etag);
  if (stored && stored.status !== 'running') return { status: 'already-final', checkpoint: stored, examples: [] };

  let head;
  try {
    head = await deps.s3.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key, IfMatch: `"${object.etag}"` }));
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    // Replaced since the event (412): the newer upload has an event of its own. Gone (404): deleted since.
    if (status === 412) return { status: 'replaced', examples: [] };
    if (status === 404) return { status: 'missing', examples: [] };
    throw error;
  }
  if (head.ETag && unquoteEtag(head.ETag) !== object.etag) return { status: 'replaced', examples: [] };
  const size = head.ContentLength ?? object.size;
  const assetId = head.Metadata?.[ASSET_ID_METADATA]?.trim();
  const csv = csvMappingOf(object.key, head.Metadata);

  const now = deps.now().toISOString();
  let checkpoint: UploadCheckpoint = stored
    ? { ...stored, invocations: stored.invocations + 1, updatedAt: now }
    : {
        tenant,
        bucket: object.bucket,
        key: object.key,
        etag: object.etag,
        status: 'running',
        position: { records: 0, bytes: 0 },
        size,
        imported: 0,
        quarantined: 0,
        changedAssets: 0,
        invocations: 1,
        startedAt: now,
        updatedAt: now,
      };
  const base = checkpoint;
  const save = async (next: UploadCheckpoint) => {
    checkpoint = next;
    await deps.checkpoints.save(next);
    deps.onProgress?.(next);
  };
  const advance = (progress: StreamImportProgress): UploadCheckpoint => ({
    ...base,
    position: progress.position ?? checkpoint.position,
    imported: base.imported + progress.imported,
    quarantined: base.quarantined + progress.quarantined,
    changedAssets: base.changedAssets + progress.changedAssets,
    updatedAt: deps.now().toISOString(),
  });
  if (!stored) await save(checkpoint);

  const examples: ImportUploadOutcome['examples'] = [];
  const resumed = base.position.bytes > 0;
  const source = s3Source(deps.s3, { ...object, size });
  const from = resumed ? { from: base.position } : {};
  const fail = async (reason: string): Promise<ImportUploadOutcome> => {
    await save({ ...checkpoint, status: 'failed', reason, updatedAt: deps.now().toISOString() });
    await announce(deps, checkpoint);
    return { status: 'failed', checkpoint, examples };
  };
  if ('problem' in csv) return fail(`${source.name}: ${csv.problem}`);
  const items =
    csv.mapping !== undefined
      ? readCsvInventory(source, new Set(), { mapping: csv.mapping as CsvMapping, positions: true, ...from })
      : readInventory(source, new Set(), { positions: true, ...from, ...(assetId ? { sbomAssetId: assetId } : {}) });
  let finished: boolean;
  try {
    const summary = await importInventoryItems(
      {
        repositories: deps.repositories,
        now: deps.now,
        publishEvents: deps.publishEvents,
        onQuarantined: ({ record, reason }) => {
          if (examples.length < 20) examples.push({ record, reason });
        },
        onBatch: (progress) => save(advance(progress)),
      },
      {
        tenant,
        items: documentProblems(items),
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
        // The same time on every invocation: a quarantine write repeated by a resumed run is the same item.
        quarantinedAt: base.startedAt,
        shouldStop: deps.shouldStop,
      },
    );
    finished = summary.finished;
  } catch (error) {
    if (error instanceof UploadReplaced) return { status: 'replaced', checkpoint, examples };
    if (!(error instanceof UploadDocumentProblem)) throw error;
    return fail(error.message);
  }
  await save({ ...checkpoint, status: finished ? 'done' : 'running', updatedAt: deps.now().toISOString() });
  await announce(deps, checkpoint);
  return { status: checkpoint.status, checkpoint, examples };
}

function progressEvent(checkpoint: UploadCheckpoint): InventoryUploadProgressed {
  return InventoryUploadProgressedSchema.parse({
    version: EVENT_VERSION,
    tenant: checkpoint.tenant,
    bucket: checkpoint.bucket,
    key: checkpoint.key,
    etag: checkpoint.etag,
    status: checkpoint.status,
    records: checkpoint.position.records,
    imported: checkpoint.imported,
    quarantined: checkpoint.quarantined,
    changedAssets: checkpoint.changedAssets,
    bytes: checkpoint.status === 'done' ? checkpoint.size : checkpoint.position.bytes,
    size: checkpoint.size,
    ...(checkpoint.reason ? { reason: checkpoint.reason } : {}),
    at: checkpoint.updatedAt,
  });
}

async function announce(deps: Pick<ImportUploadDeps, 'publishEvents'>, checkpoint: UploadCheckpoint): Promise<void> {
  await deps.publishEvents([{ detailType: DetailType.InventoryUploadProgressed, detail: progressEvent(checkpoint) }]);
}
