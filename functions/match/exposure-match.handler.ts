import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { parseIntelChangedEvent } from './intel-changed-event.ts';
import { matchExposures, type MatchExposuresSummary } from './match-exposures.ts';

const observability = createObservability('forestall-exposure-match');

const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), EVENT_BUS_NAME: z.string().min(1) }));
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const { logger } = observability;

/**
 * EventBridge target of `Intel Changed` (EventPatterns.intelChanged): matches the vulnerability
 * against the tenant's estate, stores the exposures and publishes `Exposure Detected` per decision.
 */
async function handle(event: unknown): Promise<MatchExposuresSummary> {
  const intel = parseIntelChangedEvent(event);
  const summary = await matchExposures(
    { repositories, publishEvents, now: () => new Date() },
    { tenant: intel.tenant, vulnerabilityId: intel.id },
  );
  logger.info('exposures matched', { ...summary, source: intel.source, changedFields: intel.changedFields });
  return summary;
}

export const handler = lambdaHandler(observability, handle);
