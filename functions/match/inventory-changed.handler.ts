import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { parseInventoryChangedEvent, rematchInventory, type RematchInventorySummary } from './rematch-inventory.ts';

const observability = createObservability('forestall-inventory-rematch');

const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), EVENT_BUS_NAME: z.string().min(1) }));
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const { logger } = observability;

/**
 * EventBridge target of `Inventory Changed` (EventPatterns.inventoryChanged): re-matches the changed
 * assets against the vulnerabilities of their changed packages, stores the exposures (new ones, and
 * `remediated` for patched assets) and publishes `Exposure Detected` per vulnerability and decision.
 */
async function handle(event: unknown): Promise<RematchInventorySummary> {
  const change = parseInventoryChangedEvent(event);
  const summary = await rematchInventory({ repositories, publishEvents, now: () => new Date() }, { tenant: change.tenant, assets: change.assets });
  logger.info('inventory re-matched', { ...summary, changedAt: change.changedAt, assets: change.assets.length });
  return summary;
}

export const handler = lambdaHandler(observability, handle);
