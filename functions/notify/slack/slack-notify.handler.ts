import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { parseActuatorInput } from '../../action-kernel/actuator-request.ts';
import { ConfigurationError, readEnv } from '../../config/env.ts';
import { createObservability, lambdaHandler } from '../../config/lambda-handler.ts';
import { secretSourceFromEnv } from '../../config/secrets.ts';
import type { ActionRecord } from '../../model/action.ts';
import { createDocumentClient } from '../../store/document-client.ts';
import { createDynamoRepositories } from '../../store/dynamo-repositories.ts';
import { secretCredential } from '../../vendor/secret-credential.ts';
import { VendorAuthFailed } from '../../vendor/vendor-errors.ts';
import { SlackNotifyRequestSchema } from './slack-message.ts';
import { createSlackClient, notifySlack } from './slack-notify.ts';

const observability = createObservability('forestall-slack-notify');

const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), SLACK_CHANNEL: z.string().min(1), SLACK_API_URL: z.url().optional() }));
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const tokenSource = secretSourceFromEnv('SLACK_TOKEN');
if (!tokenSource) throw new ConfigurationError('SLACK_TOKEN_SECRET_ARN (or SLACK_TOKEN / SLACK_TOKEN_FILE locally) is not set');
const token = secretCredential(tokenSource);

// Built once and reused by later invocations; built again from the secret as it is now after a refusal.
let client: Promise<WebClient> | undefined;
function slack(fresh = false): Promise<WebClient> {
  if (fresh || !client) {
    client = (fresh ? token.refresh() : token.get()).then((value) => createSlackClient({ token: value, ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}) }));
    client.catch(() => {
      client = undefined;
    });
  }
  return client;
}

/**
 * Posts what the playbook did, why, and how to undo it. A refused token is read from the secret again
 * once (it may have been rotated) before the refusal stands.
 */
async function handle(event: unknown): Promise<{ actions: ActionRecord[] }> {
  const request = parseActuatorInput(SlackNotifyRequestSchema, event, 'slack notification request');
  const post = async (fresh: boolean) => notifySlack({ actions: repositories.actions, slack: await slack(fresh), channel: env.SLACK_CHANNEL }, request);
  try {
    return await post(false);
  } catch (error) {
    if (!(error instanceof VendorAuthFailed)) throw error;
    return post(true);
  }
}

export const handler = lambdaHandler(observability, handle);
