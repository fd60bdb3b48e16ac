import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { intelSource } from '../functions/ingest/sources/registry.ts';
import { validateSecretName, validateTenantId } from './construct-validation.ts';
import type { ForestallBus } from './forestall-bus.ts';
import { ForestallFunction } from './forestall-function.ts';
import type { ForestallTable } from './forestall-table.ts';
import type { IntelArchive } from './intel-archive.ts';
import { secretReadSuppression } from './nag-findings.ts';

/** Properties of {@link IntelSourceIngest}. */
export interface IntelSourceIngestProps {
  readonly table: ForestallTable;
  readonly bus: ForestallBus;
  /** A scheduled source of `functions/ingest/sources/registry.ts` (`nvd`, `epss`, `threatfox`, ...). */
  readonly source: string;
  /**
   * The source's settings, checked against its schema at synth (URLs, collection ids).
   * @default - the source's defaults
   */
  readonly settings?: Record<string, unknown>;
  /**
   * Secrets Manager secret names by the source's secret (`{ NVD_API_KEY: 'forestall/nvd/api-key' }`).
   * @default - none: the source runs without them (NVD at the keyless rate)
   */
  readonly secretNames?: Record<string, string>;
  /**
   * How often to poll, in whole minutes between 5 and 1440.
   * @default the source's own interval
   */
  readonly everyMinutes?: number;
  /**
   * Tenant the source is ingested for.
   * @default 'default'
   */
  readonly tenantId?: string;
  /**
   * Run time per poll; a poll that needs longer stops between pages and resumes from its cursor.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  readonly archive?: IntelArchive;
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Powertools service name.
   * @default `<source>-ingest`
   */
  readonly serviceName?: string;
  readonly description?: string;
}

/**
 * One scheduled intel source: the generic intel-source function running that source, on its schedule,
 * with a dead-letter queue, read-write on the table, PutEvents on the bus, PutObject under the source's
 * prefix in the archive, and read on exactly the secrets it declares.
 */
export class IntelSourceIngest extends Construct {
  readonly handler: ForestallFunction;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: IntelSourceIngestProps) {
    super(scope, id);
    const source = intelSource(props.source);
    if (!source.poll) throw new Error(`IntelSourceIngest: source ${source.name} is not polled (${source.modes.join(', ')}); push it to the webhook instead`);
    const settings = source.settingsSchema ? source.settingsSchema.safeParse(props.settings ?? {}) : { success: true as const, data: props.settings ?? {} };
    if (!settings.success) {
      throw new Error(`IntelSourceIngest ${source.name}: settings: ${settings.error.issues.map((issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`).join('; ')}`);
    }
    const tenantId = validateTenantId(`IntelSourceIngest ${source.name}`, props.tenantId ?? 'default');
    const everyMinutes = props.everyMinutes ?? source.everyMinutes ?? 60;
    if (!Number.isInteger(everyMinutes) || everyMinutes < 5 || everyMinutes > 1440) {
      throw new Error(`IntelSourceIngest ${source.name}: everyMinutes must be a whole number between 5 and 1440, got ${everyMinutes}`);
    }
    const unknownSecrets = Object.keys(props.secretNames ?? {}).filter((name) => !source.secrets?.includes(name));
    if (unknownSecrets.length > 0) {
      throw new Error(`IntelSourceIngest ${source.name}: the source reads no secret ${unknownSecrets.join(', ')} (it reads ${source.secrets?.join(', ') || 'none'})`);
    }

    this.handler = new ForestallFunction(this, 'Function', {
      entry: 'functions/ingest/intel-source.handler.ts',
      serviceName: props.serviceName ?? `${source.name}-ingest`,
      description: props.description ?? `Polls ${source.title}, stores what changed and announces it`,
      memorySize: 1024,
      timeout: props.timeout ?? Duration.minutes(5),
      // One run at a time: runs share the cursor and the source's rate limits.
      reservedConcurrentExecutions: 1,
      logEncryptionKey: props.logEncryptionKey,
      deadLetterQueue: true,
      environment: { TENANT_ID: tenantId, INTEL_SOURCES: JSON.stringify({ [source.name]: settings.data }) },
    });
    props.table.grantReadWrite(this.handler);
    props.bus.grantPutEvents(this.handler);
    props.archive?.grantArchive(this.handler, source.name);
    for (const [variable, secretName] of Object.entries(props.secretNames ?? {})) {
      const name = validateSecretName(`IntelSourceIngest ${source.name}`, `secretNames.${variable}`, secretName);
      const secret = secretsmanager.Secret.fromSecretNameV2(this, `Secret${variable}`, name);
      secret.grantRead(this.handler.role);
      this.handler.addEnvironment(`${variable}_SECRET_ARN`, secret.secretArn);
      this.handler.suppressRolePolicyFindings([secretReadSuppression(this, name)]);
    }
    this.schedule = this.handler.addSchedule('Schedule', `forestall: poll ${source.title}`, Duration.minutes(everyMinutes));
  }
}
