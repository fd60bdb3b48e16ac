import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { AccountIdSchema, AccountTenantsEnvSchema } from '../config/account-tenants.ts';
import { readEnv } from '../config/env.ts';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { createUploadCheckpointRepository } from '../store/upload-checkpoint-repository.ts';
import { INVENTORY_SOURCE } from './parse-inventory.ts';
import { importUpload, type ImportUploadOutcome } from './upload/import-upload.ts';
import { readUploadEvent } from './upload/upload-event.ts';

const observability = createObservability('forestall-inventory-upload');

const env = readEnv(
  z.object({
    TABLE_NAME: z.string().min(1),
    EVENT_BUS_NAME: z.string().min(1),
    UPLOAD_BUCKET: z.string().min(1),
    OWN_ACCOUNT_ID: AccountIdSchema,
    /** Other accounts that may upload, each for its one tenant. */
    ACCOUNT_TENANTS: AccountTenantsEnvSchema,
    /** Tenant of the quarantine record of an upload whose key names no tenant. */
    TENANT_ID: TenantIdSchema.default(DEFAULT_TENANT),
  }),
);
const doc = createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({})));
const repositories = createDynamoRepositories(doc, env.TABLE_NAME);
const checkpoints = createUploadCheckpointRepository(doc, env.TABLE_NAME);
const s3 = observability.tracer.captureAWSv3Client(new S3Client({}));
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const { logger, metrics } = observability;

/** Stop taking batches with this much time left: one batch, its checkpoint and the announcement fit easily. */
const STOP_MARGIN_MS = 90_000;

/**
 * Target of S3 `Object Created` in the upload bucket and of the function's own running `Inventory Upload
 * Progressed`: imports the object from its checkpoint until done or short of time (see import-upload.ts).
 */
async function handle(event: unknown, context: { getRemainingTimeInMillis(): number }): Promise<ImportUploadOutcome | { status: 'refused'; reason: string }> {
  const request = readUploadEvent(event, { bucket: env.UPLOAD_BUCKET, ownAccount: env.OWN_ACCOUNT_ID, accountTenants: env.ACCOUNT_TENANTS });
  if (request.kind === 'refused') {
    logger.error('inventory upload refused', { record: request.record, reason: request.reason });
    await repositories.quarantine.put({ tenant: env.TENANT_ID, source: INVENTORY_SOURCE, record: request.record, reason: request.reason, quarantinedAt: new Date().toISOString() });
    metrics.addMetric('InventoryUploadsRefused', MetricUnit.Count, 1);
    return { status: 'refused', reason: request.reason };
  }
  const { tenant, object } = request;
  const outcome = await importUpload(
    {
      s3,
      repositories,
      checkpoints,
      publishEvents,
      now: () => new Date(),
      shouldStop: () => context.getRemainingTimeInMillis() < STOP_MARGIN_MS,
      onProgress: (checkpoint) =>
        logger.info('inventory upload progress', { tenant, key: object.key, records: checkpoint.position.records, bytes: checkpoint.position.bytes, size: checkpoint.size, imported: checkpoint.imported, quarantined: checkpoint.quarantined }),
    },
    tenant,
    object,
  );
  for (const { record, reason } of outcome.examples) logger.warn('inventory record quarantined', { tenant, key: object.key, record, reason });
  const log = outcome.status === 'failed' ? logger.error.bind(logger) : outcome.status === 'missing' ? logger.warn.bind(logger) : logger.info.bind(logger);
  log('inventory upload invocation ended', { tenant, key: object.key, etag: object.etag, status: outcome.status, reason: outcome.checkpoint?.reason });
  if (outcome.checkpoint) metrics.addMetric('InventoryUploadRecords', MetricUnit.Count, outcome.checkpoint.position.records);
  if (outcome.status === 'failed') metrics.addMetric('InventoryUploadsFailed', MetricUnit.Count, 1);
  return outcome;
}

export const handler = lambdaHandler(observability, handle);
