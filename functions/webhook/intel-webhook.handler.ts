import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { S3Client } from '@aws-sdk/client-s3';
import { s3PayloadArchive } from '../ingest/payload-archive.ts';
import { acceptPushedIntel } from '../ingest/push-intel.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { apiGatewayResult, webhookRequestFromApiGateway } from './api-gateway-proxy.ts';
import { DEFAULT_MAX_BODY_BYTES, receiveIntel } from './receive-intel.ts';
import { cachedTenantSecrets } from './tenant-secrets.ts';

const observability = createObservability('forestall-intel-webhook');
const { logger, metrics, tracer } = observability;


const env = readEnv(
  z.object({
    TABLE_NAME: z.string().min(1),
    EVENT_BUS_NAME: z.string().min(1),
    WEBHOOK_SECRET_PREFIX: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,448}$/, 'a Secrets Manager name prefix, e.g. forestall/webhook/'),
    MAX_BODY_BYTES: z.coerce.number().int().positive().max(DEFAULT_MAX_BODY_BYTES).default(DEFAULT_MAX_BODY_BYTES),
    ARCHIVE_BUCKET: z.string().optional(),
  }),
);
const repositories = createDynamoRepositories(createDocumentClient(tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const publishEvents = createEventBridgePublisher(tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const secretsManager = tracer.captureAWSv3Client(new SecretsManagerClient({}));
const archive = env.ARCHIVE_BUCKET ? s3PayloadArchive(tracer.captureAWSv3Client(new S3Client({})), env.ARCHIVE_BUCKET) : undefined;

const tenantSecrets = cachedTenantSecrets({
  prefix: env.WEBHOOK_SECRET_PREFIX,
  nowMs: () => Date.now(),
  readSecret: async (name) => {
    try {
      const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: name }));
      if (SecretString === undefined) throw new Error(`webhook secret ${name} holds binary data, not a string`);
      return SecretString;
    } catch (error) {
      // No secret under the tenant's name: the tenant is unknown (answered as a bad signature).
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  },
});

/** API Gateway REST proxy: `POST /intel/{tenant}`, signed with the tenant's secret. */
async function handle(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const answer = await receiveIntel(webhookRequestFromApiGateway(event), {
    tenantSecrets,
    accept: (push) => acceptPushedIntel({ repositories, publishEvents, ...(archive ? { archive } : {}), now: () => new Date() }, push),
    nowSeconds: () => Date.now() / 1000,
    maxBodyBytes: env.MAX_BODY_BYTES,
    log: (level, message, detail) => logger[level](message, { ...detail }),
  });
  if (answer.status === 202) {
    metrics.addMetric('IntelPushesAccepted', MetricUnit.Count, 1);
    metrics.addMetric('IntelRecordsAccepted', MetricUnit.Count, Number(answer.body.accepted));
    metrics.addMetric('IntelRecordsRejected', MetricUnit.Count, Number(answer.body.rejected));
  } else if (answer.status === 401) {
    metrics.addMetric('WebhookSignaturesRefused', MetricUnit.Count, 1);
  } else if (answer.status >= 500) {
    metrics.addMetric('WebhookInternalErrors', MetricUnit.Count, 1);
  }
  return apiGatewayResult(answer);
}

export const handler = lambdaHandler(observability, handle);
