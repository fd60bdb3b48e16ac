import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createObservability, lambdaHandler } from '../../config/lambda-handler.ts';
import { z } from 'zod';
import { readEnv, ConfigurationError } from '../../config/env.ts';
import { readSecret, secretSourceFromEnv } from '../../config/secrets.ts';
import { createDocumentClient } from '../../store/document-client.ts';
import { createDynamoRepositories } from '../../store/dynamo-repositories.ts';
import { createEventBridgePublisher } from '../../routing/event-publisher.ts';
import { CrowdStrikeRequestSchema, parseActuatorInput } from '../actuator-request.ts';
import type { ActuatorResponse } from '../actuator-request.ts';
import { setContainment } from './crowdstrike-containment.ts';
import { createFalconClient } from './falcon-client.ts';
import type { FalconClient } from './falcon-client.ts';

const observability = createObservability('forestall-crowdstrike-containment');

const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), EVENT_BUS_NAME: z.string().min(1), CROWDSTRIKE_BASE_URL: z.url().default('https://api.crowdstrike.com') }));
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
// Real changes are announced on the bus (Action Taken / Action Reverted) for rules in other accounts.
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const log = (level: 'warn', message: string, detail?: Record<string, unknown>) => observability.logger[level](message, { ...detail });
const credentialSource = secretSourceFromEnv('CROWDSTRIKE_CLIENT');
if (!credentialSource) throw new ConfigurationError('CROWDSTRIKE_CLIENT_SECRET_ARN (or CROWDSTRIKE_CLIENT / CROWDSTRIKE_CLIENT_FILE locally) is not set');

const CredentialsSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) });

// Built once: the client caches its OAuth2 token across invocations of a warm Lambda.
let client: Promise<FalconClient> | undefined;
function falcon(): Promise<FalconClient> {
  client ??= readSecret(credentialSource as NonNullable<typeof credentialSource>).then((text) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigurationError('CROWDSTRIKE_CLIENT secret is not JSON {"clientId","clientSecret"}');
    }
    const credentials = CredentialsSchema.safeParse(parsed);
    if (!credentials.success) throw new ConfigurationError('CROWDSTRIKE_CLIENT secret must be JSON {"clientId","clientSecret"} with both set');
    return createFalconClient({ baseUrl: env.CROWDSTRIKE_BASE_URL, ...credentials.data });
  });
  client.catch(() => {
    client = undefined;
  });
  return client;
}

/** Network-contains (apply) or releases (revert) the targets' hosts. */
async function handle(event: unknown): Promise<ActuatorResponse> {
  const request = parseActuatorInput(CrowdStrikeRequestSchema, event, 'crowdstrike-containment actuator request');
  return setContainment({ actions: repositories.actions, publishEvents, log, falcon: await falcon() }, request);
}

export const handler = lambdaHandler(observability, handle);
