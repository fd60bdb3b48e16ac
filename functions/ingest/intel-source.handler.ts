import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { readSecret, secretSourceFromEnv } from '../config/secrets.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { runSource, type IngestSummary } from './ingest-runner.ts';
import { folderPayloadArchive, s3PayloadArchive } from './payload-archive.ts';
import { intelSource } from './sources/registry.ts';

const observability = createObservability('forestall-intel-ingest');

const env = readEnv(
  z.object({
    TABLE_NAME: z.string().min(1),
    EVENT_BUS_NAME: z.string().min(1),
    TENANT_ID: TenantIdSchema.default(DEFAULT_TENANT),
    /** The sources this function polls, with their settings: `{"cisa-kev": {"url": "..."}}`. */
    INTEL_SOURCES: z
      .string()
      .min(2)
      .transform((text, ctx) => {
        try {
          return z.record(z.string(), z.record(z.string(), z.unknown())).parse(JSON.parse(text));
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `not a JSON object of source settings: ${(error as Error).message}` });
          return z.NEVER;
        }
      }),
    ARCHIVE_BUCKET: z.string().optional(),
    ARCHIVE_FOLDER: z.string().optional(),
  }),
);
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const archive = env.ARCHIVE_BUCKET
  ? s3PayloadArchive(observability.tracer.captureAWSv3Client(new S3Client({})), env.ARCHIVE_BUCKET)
  : env.ARCHIVE_FOLDER
    ? folderPayloadArchive(env.ARCHIVE_FOLDER)
    : undefined;
const { logger, metrics } = observability;

/** Scheduler payload: which of this function's sources to poll (the only one, by default) and for which tenant. */
const ScheduledInputSchema = z.looseObject({ tenant: TenantIdSchema.optional(), source: z.string().optional() }).nullish();

// Leave a minute for the last page's writes and the announcements after the time check says stop.
const STOP_BEFORE_END_MS = 60_000;

/** Scheduled: polls one intel source from its cursor, stores what changed, announces it. */
async function handle(event: unknown, context?: Context): Promise<IngestSummary> {
  const input = ScheduledInputSchema.parse(event);
  const tenant = input?.tenant ?? env.TENANT_ID;
  const configured = Object.keys(env.INTEL_SOURCES);
  const name = input?.source ?? configured[0];
  if (!name || !configured.includes(name)) throw new Error(`source "${name}" is not configured for this function (${configured.join(', ')})`);
  const source = intelSource(name);
  const settings = source.settingsSchema ? source.settingsSchema.parse(env.INTEL_SOURCES[name]) : (env.INTEL_SOURCES[name] ?? {});
  const secrets = new Map<string, Promise<string | undefined>>();
  const summary = await runSource(
    source,
    { intel: repositories.intel, quarantine: repositories.quarantine, cursors: repositories.cursors, assets: repositories.assets, publishEvents, ...(archive ? { archive } : {}), now: () => new Date(), log: (level, message, detail) => logger[level](message, { ...detail }) },
    {
      tenant,
      settings,
      // Read once per container, never logged.
      secret: (secretName) => {
        if (!source.secrets?.includes(secretName)) return Promise.resolve(undefined);
        if (!secrets.has(secretName)) {
          const from = secretSourceFromEnv(secretName);
          secrets.set(secretName, from ? readSecret(from) : Promise.resolve(undefined));
        }
        return secrets.get(secretName) as Promise<string | undefined>;
      },
      fetch,
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      shouldStop: () => (context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY) < STOP_BEFORE_END_MS,
      log: (level, message, detail) => logger[level](message, { ...detail }),
    },
  );
  logger.info('intel poll finished', { tenant, ...summary });
  metrics.addDimensions({ tenant, source: source.name });
  metrics.addMetric('IntelRecordsAdded', MetricUnit.Count, summary.added);
  metrics.addMetric('IntelRecordsUpdated', MetricUnit.Count, summary.updated);
  metrics.addMetric('IntelRecordsRevoked', MetricUnit.Count, summary.revoked);
  metrics.addMetric('IntelRecordsQuarantined', MetricUnit.Count, summary.quarantined + summary.trimmed);
  metrics.addMetric('IntelChangesAnnounced', MetricUnit.Count, summary.announced);
  // Stored but not announced: the outbox keeps the changes; failing the run makes the alarm see it.
  if (summary.announceError) throw new Error(`stored changes could not be announced (kept in the outbox): ${summary.announceError}`);
  return summary;
}

export const handler = lambdaHandler(observability, handle);
