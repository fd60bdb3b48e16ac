import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createObservability, lambdaHandler } from '../../config/lambda-handler.ts';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { readEnv, ConfigurationError } from '../../config/env.ts';
import { readSecret, secretSourceFromEnv } from '../../config/secrets.ts';
import { createDocumentClient } from '../../store/document-client.ts';
import { createDynamoRepositories } from '../../store/dynamo-repositories.ts';
import { parseActuatorInput } from '../../action-kernel/actuator-request.ts';
import type { ActionRecord } from '../../model/action.ts';
import { SlackNotifyRequestSchema } from './slack-message.ts';
import { createSlackClient, notifySlack } from './slack-notify.ts';

const observability = createObservability('forestall-slack-notify');

const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), SLACK_CHANNEL: z.string().min(1), SLACK_API_URL: z.url().optional() }));
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const tokenSource = secretSourceFromEnv('SLACK_TOKEN');
if (!tokenSource) throw new ConfigurationError('SLACK_TOKEN_SECRET_ARN (or SLACK_TOKEN / SLACK_TOKEN_FILE locally) is not set');

let client: Promise<WebClient> | undefined;
function slack(): Promise<WebClient> {
  client ??= readSecret(tokenSource as NonNullable<typeof tokenSource>).then((token) => createSlackClient({ token, ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}) }));
  client.catch(() => {
    client = undefined;
  });
  return client;
}

/** Posts what the playbook did, why, and how to undo it. */
async function handle(event: unknown): Promise<{ actions: ActionRecord[] }> {
  const request = parseActuatorInput(SlackNotifyRequestSchema, event, 'slack notification request');
  return notifySlack({ actions: repositories.actions, slack: await slack(), channel: env.SLACK_CHANNEL }, request);
}

export const handler = lambdaHandler(observability, handle);
