import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { ForestallBus } from './forestall-bus.ts';
import type { ForestallFunction } from './forestall-function.ts';
import type { IntelArchive } from './intel-archive.ts';
import { IntelSourceIngest } from './intel-source-ingest.ts';
import type { ForestallTable } from './forestall-table.ts';
import { validateHttpsUrl, validateSecretName, validateTenantId } from './construct-validation.ts';

/** CISA's Known Exploited Vulnerabilities catalogue (JSON). */
export const DEFAULT_KEV_URL = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';
/** NVD CVE API 2.0. */
export const DEFAULT_NVD_API_URL = 'https://services.nvd.nist.gov/rest/json/cves/2.0';

/** Properties of {@link KevIngest}. */
export interface KevIngestProps {
  /** Where intel, cursors and quarantine records are stored. */
  readonly table: ForestallTable;
  /** Where `Intel Changed` events go. */
  readonly bus: ForestallBus;
  /**
   * Tenant the catalogue is ingested for (`TENANT_ID`).
   * @default 'default'
   */
  readonly tenantId?: string;
  /**
   * KEV catalogue URL (`KEV_URL`), https.
   * @default DEFAULT_KEV_URL
   */
  readonly kevUrl?: string;
  /**
   * NVD CVE API 2.0 URL (`NVD_API_URL`), https.
   * @default DEFAULT_NVD_API_URL
   */
  readonly nvdApiUrl?: string;
  /**
   * NVD records fetched per run (`NVD_LOOKUPS_PER_RUN`); NVD allows 5 requests per 30 s without a key and
   * 50 with one, and the rest wait for the next run.
   * @default 10
   */
  readonly nvdLookupsPerRun?: number;
  /**
   * Name of a Secrets Manager secret holding an NVD API key (`NVD_API_KEY_SECRET_ARN`). Only the name is
   * configured; the value never passes through the stack.
   * @default - no key
   */
  readonly nvdApiKeySecretName?: string;
  /**
   * How often the catalogue is polled (a conditional GET, so unchanged polls cost no writes); whole
   * minutes, 5 minutes to 1 day. An event not delivered before the next poll goes to the dead-letter queue.
   * @default Duration.hours(1)
   */
  readonly interval?: Duration;
  /**
   * Where raw catalogues are archived.
   * @default - not archived
   */
  readonly archive?: IntelArchive;
  /**
   * Key for the function's log group.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * Scheduled CISA KEV ingest with NVD enrichment: polls the catalogue, stores changed entries, looks up
 * NVD records within the rate budget, and emits `Intel Changed`. A poll EventBridge cannot deliver, or
 * that fails every asynchronous retry, lands in the function's dead-letter queue (alarmed).
 */
export class KevIngest extends Construct {
  readonly handler: ForestallFunction;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: KevIngestProps) {
    super(scope, id);
    const kevUrl = validateHttpsUrl('KevIngest', 'kevUrl', props.kevUrl ?? DEFAULT_KEV_URL);
    const nvdApiUrl = validateHttpsUrl('KevIngest', 'nvdApiUrl', props.nvdApiUrl ?? DEFAULT_NVD_API_URL);
    const tenantId = validateTenantId('KevIngest', props.tenantId ?? 'default');
    const lookups = props.nvdLookupsPerRun ?? 10;
    if (!Number.isInteger(lookups) || lookups < 0 || lookups > 1000) {
      throw new Error(`KevIngest: nvdLookupsPerRun must be an integer between 0 and 1000, got ${lookups}`);
    }
    const nvdApiKeySecretName =
      props.nvdApiKeySecretName === undefined ? undefined : validateSecretName('KevIngest', 'nvdApiKeySecretName', props.nvdApiKeySecretName);
    // NVD allows 5 requests per 30 s without a key and 50 with one: the run must fit the lookups it is
    // allowed, within Lambda's 15-minute limit, with 3 minutes for the catalogue itself.
    const secondsPerLookup = nvdApiKeySecretName === undefined ? 6 : 0.6;
    const maxLookups = Math.floor((12 * 60) / secondsPerLookup);
    if (lookups > maxLookups) {
      throw new Error(
        `KevIngest: nvdLookupsPerRun ${lookups} cannot finish within Lambda's 15 minutes at NVD's rate ` +
          `${nvdApiKeySecretName === undefined ? 'without an API key (at most 120; set nvdApiKeySecretName for up to 1000)' : 'with an API key (at most 1000)'}`,
      );
    }
    const timeout = Duration.seconds(Math.max(300, Math.ceil(180 + lookups * secondsPerLookup)));
    const interval = props.interval ?? Duration.hours(1);
    const minutes = interval.toMinutes({ integral: false });
    if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440) {
      throw new Error(`KevIngest: interval must be a whole number of minutes between 5 and 1440, got ${minutes}`);
    }

    const ingest = new IntelSourceIngest(this, 'KevIngest', {
      table: props.table,
      bus: props.bus,
      source: 'cisa-kev',
      settings: { url: kevUrl, nvdApiUrl, nvdLookupsPerRun: lookups },
      ...(nvdApiKeySecretName === undefined ? {} : { secretNames: { NVD_API_KEY: nvdApiKeySecretName } }),
      everyMinutes: minutes,
      tenantId,
      timeout,
      archive: props.archive,
      logEncryptionKey: props.logEncryptionKey,
      serviceName: 'kev-ingest',
      description: 'Polls CISA KEV, enriches from NVD, stores changed intel and emits Intel Changed',
    });
    this.handler = ingest.handler;
    this.schedule = ingest.schedule;
  }
}
