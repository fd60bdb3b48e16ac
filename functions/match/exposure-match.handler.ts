import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { parseIntelChangedEvent } from './intel-changed-event.ts';
import { matchExposures, type MatchExposuresSummary } from './match-exposures.ts';

const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), EVENT_BUS_NAME: z.string().min(1) }));
const repositories = createDynamoRepositories(createDocumentClient(), env.TABLE_NAME);
const publishEvents = createEventBridgePublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME);
const logger = new Logger();

/**
 * EventBridge target of `Intel Changed` (EventPatterns.intelChanged): matches the vulnerability
 * against the tenant's estate, stores the exposures and publishes `Exposure Detected` per decision.
 */
export async function handler(event: unknown): Promise<MatchExposuresSummary> {
  const intel = parseIntelChangedEvent(event);
  const summary = await matchExposures(
    { repositories, publishEvents, now: () => new Date() },
    { tenant: intel.tenant, vulnerabilityId: intel.id },
  );
  logger.info('exposures matched', { ...summary, source: intel.source, changedFields: intel.changedFields });
  return summary;
}
