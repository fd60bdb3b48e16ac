import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { createFindingLedgerRepository } from '../store/finding-ledger-repository.ts';
import { CloudFindingsEnvSchema, importCloudFindings, type CloudFindingsSummary } from './cloud/import-findings.ts';

const observability = createObservability('forestall-cloud-findings');

// The allow-list and the account -> tenant map are checked here, at init: a bad entry stops the function, named.
const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), EVENT_BUS_NAME: z.string().min(1) }));
const settings = readEnv(CloudFindingsEnvSchema);
const doc = createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({})));
const repositories = createDynamoRepositories(doc, env.TABLE_NAME);
const findingLedger = createFindingLedgerRepository(doc, env.TABLE_NAME);
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const { logger, metrics } = observability;

/**
 * EventBridge target of Amazon Inspector and Security Hub finding events (EventPatterns.cloudFindings,
 * from member accounts): merges the instances' software into the inventory, quarantines what it cannot
 * read or may not take, and announces the assets whose software changed with `Inventory Changed`.
 */
async function handle(event: unknown): Promise<CloudFindingsSummary> {
  const summary = await importCloudFindings({ repositories, findingLedger, publishEvents, now: () => new Date() }, event, settings);
  const { eventId, source, account, tenant } = summary;
  if (summary.refused) {
    // Refused events are not retried: they would be refused again. The quarantine keeps them.
    logger.warn('cloud finding event refused', { eventId, source, account, tenant, reason: summary.refused });
    metrics.addMetric('CloudFindingEventsRefused', MetricUnit.Count, 1);
    return summary;
  }
  metrics.addMetric('CloudFindingAssetsChanged', MetricUnit.Count, summary.changedAssets);
  logger.info('cloud findings imported', { eventId, source, account, tenant, assets: summary.assetIds.length, changedAssets: summary.changedAssets, quarantined: summary.quarantined.length, ignored: summary.ignored.length });
  for (const { record, reason } of summary.quarantined) logger.warn('cloud finding quarantined', { eventId, tenant, record, reason });
  return summary;
}

export const handler = lambdaHandler(observability, handle);
