import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { importInventory, type ImportInventorySummary } from './import-inventory.ts';
import { InvalidInputError } from './parse-inventory.ts';
import { describeIssues } from '../ingest/describe-issues.ts';

const observability = createObservability('forestall-inventory-import');

const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), EVENT_BUS_NAME: z.string().min(1), TENANT_ID: TenantIdSchema.default(DEFAULT_TENANT) }));
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const { logger } = observability;

const InventoryImportRequestSchema = z.object({
  tenant: TenantIdSchema.optional(),
  /** Named in quarantine reasons, e.g. the uploaded file's name. */
  source: z.string().min(1).optional(),
  inventory: z.unknown(),
});

/**
 * Direct invoke `{tenant?, inventory: {assets: [...]}}`: stores valid assets, quarantines invalid ones and
 * announces the assets whose software changed with `Inventory Changed` (re-matched by inventory-rematch).
 */
async function handle(event: unknown): Promise<ImportInventorySummary> {
  const request = InventoryImportRequestSchema.safeParse(event);
  if (!request.success) {
    throw new InvalidInputError('inventory import request', 'request', describeIssues(request.error.issues).join('; '));
  }
  const tenant = request.data.tenant ?? env.TENANT_ID;
  const summary = await importInventory(
    { repositories, publishEvents, now: () => new Date() },
    { tenant, inventory: request.data.inventory, sourceName: request.data.source ?? 'inventory' },
  );
  logger.info('inventory imported', { tenant, imported: summary.imported, changedAssets: summary.changedAssets, quarantined: summary.quarantined.length });
  for (const { record, reason } of summary.quarantined) logger.warn('inventory record quarantined', { tenant, record, reason });
  return summary;
}

export const handler = lambdaHandler(observability, handle);
