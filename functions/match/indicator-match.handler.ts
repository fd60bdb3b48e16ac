import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { tenantPoliciesFromEnv, tenantProfiles } from '../config/tenant-policy.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createAssetAddressReader } from '../store/dynamo-repositories.ts';
import { createIntelRepository } from '../store/intel-repository.ts';
import { parseIndicatorsChangedEvent } from './indicators/indicators-changed-event.ts';
import { matchIndicators, type MatchIndicatorsSummary } from './indicators/match-indicators.ts';

const observability = createObservability('forestall-indicator-match');

const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), EVENT_BUS_NAME: z.string().min(1) }));
const doc = createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({})));
const intel = createIntelRepository(doc, env.TABLE_NAME);
const assets = createAssetAddressReader(doc, env.TABLE_NAME);
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
// Profiles travel in the tenant policies (GUARDRAILS, TENANT_POLICIES): a bad one stops the function here, at init.
const profileOf = tenantProfiles(tenantPoliciesFromEnv());
const { logger, metrics } = observability;

/**
 * EventBridge target of `Indicators Changed` (EventPatterns.indicatorsChanged, this account only): reads
 * the named indicators, keeps the fresh and confident ones that name the tenant's addresses or domains or
 * target its sectors or regions, and publishes `Indicator Relevant` for each.
 */
async function handle(event: unknown): Promise<MatchIndicatorsSummary> {
  const change = parseIndicatorsChangedEvent(event);
  const summary = await matchIndicators({ intel, assets, profile: profileOf, publishEvents, now: () => new Date() }, change);
  metrics.addMetric('IndicatorsRelevant', MetricUnit.Count, summary.relevant.length);
  logger.info('indicators matched', {
    tenant: summary.tenant,
    source: change.source,
    change: change.change,
    requested: summary.requested,
    missing: summary.missing.length,
    stale: summary.stale,
    assetsRead: summary.assetsRead,
    relevant: summary.relevant.length,
    // A large poll can make hundreds relevant; the events carry them all, the log line the first few.
    firstRelevant: summary.relevant.slice(0, 20),
  });
  return summary;
}

export const handler = lambdaHandler(observability, handle);
