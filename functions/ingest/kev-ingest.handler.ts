import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { readSecret, secretSourceFromEnv } from '../config/secrets.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { conditionalGet } from './http-fetch.ts';
import { ingestKev, type KevIngestSummary } from './kev-ingest.ts';
import { createNvdClient, DEFAULT_NVD_API_URL, type NvdClient } from './nvd-client.ts';

const observability = createObservability('forestall-kev-ingest');

export const CISA_KEV_URL = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';

const env = readEnv(
  z.object({
    TABLE_NAME: z.string().min(1),
    EVENT_BUS_NAME: z.string().min(1),
    TENANT_ID: TenantIdSchema.default(DEFAULT_TENANT),
    KEV_URL: z.string().min(1).default(CISA_KEV_URL),
    NVD_API_URL: z.url().default(DEFAULT_NVD_API_URL),
    NVD_LOOKUPS_PER_RUN: z.coerce.number().int().min(0).max(1000).default(10),
  }),
);
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const { logger } = observability;
const { metrics } = observability;

// The NVD API key is optional (it raises the rate limit); read once, on the first run, never logged.
let nvdClient: Promise<NvdClient> | undefined;
function nvd(): Promise<NvdClient> {
  nvdClient ??= (async () => {
    const source = secretSourceFromEnv('NVD_API_KEY');
    const apiKey = source ? await readSecret(source) : undefined;
    return createNvdClient({ apiUrl: env.NVD_API_URL, ...(apiKey ? { apiKey } : {}) });
  })();
  return nvdClient;
}

/** EventBridge Scheduler / scheduled rule payload; a local run may name another tenant. */
const ScheduledInputSchema = z.looseObject({ tenant: TenantIdSchema.optional() }).nullish();

/** Scheduled: polls the KEV catalogue, stores changed entries, looks them up in NVD, emits `Intel Changed`. */
async function handle(event: unknown): Promise<KevIngestSummary> {
  const input = ScheduledInputSchema.parse(event);
  const tenant = input?.tenant ?? env.TENANT_ID;
  const summary = await ingestKev(
    {
      repositories,
      fetchCatalogue: (validators) => conditionalGet(env.KEV_URL, validators),
      nvd: await nvd(),
      publishEvents,
      now: () => new Date(),
      log: (level, message, detail) => logger[level](message, { ...detail }),
    },
    { tenant, nvdLookupsPerRun: env.NVD_LOOKUPS_PER_RUN },
  );
  logger.info('KEV poll finished', { tenant, ...summary });
  // Flushed by the logMetrics middleware after the invocation, on success and on error.
  metrics.addDimension('tenant', tenant);
  metrics.addMetric('KevRecordsWritten', MetricUnit.Count, summary.written);
  metrics.addMetric('KevRecordsQuarantined', MetricUnit.Count, summary.quarantined);
  metrics.addMetric('NvdLookups', MetricUnit.Count, summary.lookedUp);
  metrics.addMetric('NvdPendingEnrichment', MetricUnit.Count, summary.pendingEnrichment);
  metrics.addMetric('IntelChangedEmitted', MetricUnit.Count, summary.emitted);
  return summary;
}

export const handler = lambdaHandler(observability, handle);
