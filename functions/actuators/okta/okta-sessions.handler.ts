import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createObservability, lambdaHandler } from '../../config/lambda-handler.ts';
import { z } from 'zod';
import { readEnv, ConfigurationError } from '../../config/env.ts';
import { readSecret, secretSourceFromEnv } from '../../config/secrets.ts';
import { createDocumentClient } from '../../store/document-client.ts';
import { createDynamoRepositories } from '../../store/dynamo-repositories.ts';
import { createEventBridgePublisher } from '../../routing/event-publisher.ts';
import { OktaRequestSchema, parseActuatorInput } from '../actuator-request.ts';
import type { ActuatorResponse } from '../actuator-request.ts';
import { createOktaClient } from './okta-client.ts';
import type { OktaClient } from './okta-client.ts';
import { clearAppSessions } from './okta-sessions.ts';

const observability = createObservability('forestall-okta-sessions');

const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), EVENT_BUS_NAME: z.string().min(1), OKTA_ORG_URL: z.url() }));
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
// Real changes are announced on the bus (Action Taken / Action Reverted) for rules in other accounts.
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const log = (level: 'warn', message: string, detail?: Record<string, unknown>) => observability.logger[level](message, { ...detail });
const tokenSource = secretSourceFromEnv('OKTA_API_TOKEN');
if (!tokenSource) throw new ConfigurationError('OKTA_API_TOKEN_SECRET_ARN (or OKTA_API_TOKEN / OKTA_API_TOKEN_FILE locally) is not set');

// Built on first use (the token is read asynchronously) and reused by later invocations.
let client: Promise<OktaClient> | undefined;
function okta(): Promise<OktaClient> {
  client ??= readSecret(tokenSource as NonNullable<typeof tokenSource>).then((apiToken) => createOktaClient({ orgUrl: env.OKTA_ORG_URL, apiToken }));
  client.catch(() => {
    client = undefined;
  });
  return client;
}

/** Clears the sessions of the targets' application admins (apply); revert is a recorded no-op. */
async function handle(event: unknown): Promise<ActuatorResponse> {
  const request = parseActuatorInput(OktaRequestSchema, event, 'okta-sessions actuator request');
  return clearAppSessions({ actions: repositories.actions, publishEvents, log, okta: await okta() }, request);
}

export const handler = lambdaHandler(observability, handle);
