import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { z } from 'zod';
import type { Construct } from 'constructs';
import { Actuators } from './actuators.ts';
import { CloudFindings } from './cloud-findings.ts';
import { tenantPolicySettings, type TenantPolicySettings } from './construct-validation.ts';
import { CveExposureResponsePlaybook } from './cve-exposure-response-playbook.ts';
import { ExpirySweeper } from './expiry-sweeper.ts';
import { ExposureMatch } from './exposure-match.ts';
import { ForestallAlarms } from './forestall-alarms.ts';
import { ForestallBus } from './forestall-bus.ts';
import type { ForestallConfig } from './forestall-config.ts';
import { ForestallLogsKey } from './forestall-logs-key.ts';
import { ForestallTable } from './forestall-table.ts';
import { IndicatorMatch } from './indicator-match.ts';
import { InventoryImport } from './inventory-import.ts';
import { InventoryUpload } from './inventory-upload.ts';
import { InventoryRematch } from './inventory-rematch.ts';
import { IntelArchive } from './intel-archive.ts';
import { IntelPush } from './intel-push.ts';
import { IntelSourceIngest, type IntelSourceIngestProps } from './intel-source-ingest.ts';
import { KevIngest } from './kev-ingest.ts';
import { SlackNotifier } from './slack-notifier.ts';

/** Properties of {@link ForestallStack}: standard stack props plus the deployment settings. */
export interface ForestallStackProps extends StackProps, Omit<ForestallConfig, 'centralAccountId' | 'findingsBusArn'> {}

/**
 * forestall: intel sources (KEV, NVD, EPSS and those configured; signed webhook) -> table -> exposure matching -> bus -> cve-exposure-response playbook ->
 * actuators (one per registry entry) and the Slack notifier; an expiry sweeper for changes whose time is
 * up; every alarm to one encrypted SNS topic. Tenants start in shadow mode unless their policy says enforce.
 */
export class ForestallStack extends Stack {
  readonly table: ForestallTable;
  readonly bus: ForestallBus;
  readonly logsKey: ForestallLogsKey;
  readonly alarms: ForestallAlarms;
  readonly policies: TenantPolicySettings;
  readonly kevIngest: KevIngest;
  readonly intelArchive: IntelArchive;
  /** The scheduled intel sources besides KEV, by source name. */
  readonly intelSources: Record<string, IntelSourceIngest>;
  readonly intelPush: IntelPush;
  readonly inventoryImport: InventoryImport;
  /** Inventory files of any size uploaded to S3: streamed, checkpointed, resumed. */
  readonly inventoryUpload: InventoryUpload;
  readonly exposureMatch: ExposureMatch;
  readonly inventoryRematch: InventoryRematch;
  /** Indicator relevance: `Indicators Changed` -> `Indicator Relevant`. */
  readonly indicatorMatch: IndicatorMatch;
  /** Inspector and Security Hub findings from this and the member accounts -> inventory (`Inventory Changed`). */
  readonly cloudFindings: CloudFindings;
  readonly actuators: Actuators;
  readonly slackNotifier: SlackNotifier;
  readonly playbook: CveExposureResponsePlaybook;
  readonly expirySweeper: ExpirySweeper;

  constructor(scope: Construct, id: string, props: ForestallStackProps = {}) {
    super(scope, id, { description: 'forestall: preemptive security operations', ...props });
    // Policies first: a bad one fails synth before anything is bundled.
    this.policies = tenantPolicySettings('ForestallStack', props.guardrails, props.tenants);
    const tenantId = props.tenantId ?? 'default';

    const logEncryptionKey = (this.logsKey = new ForestallLogsKey(this, 'LogsKey')).key;
    this.alarms = new ForestallAlarms(this, 'Alarms', { emails: props.alarmEmails });
    // Every alarm in this stack, whoever adds it and whenever, notifies the topic.
    this.alarms.notifyEveryAlarm(this);

    this.table = new ForestallTable(this, 'Table');
    this.bus = new ForestallBus(this, 'Bus', {
      putEventsAccountIds: props.putEventsAccountIds,
      putEventsOrganizationId: props.putEventsOrganizationId,
      subscriberAccountIds: props.subscriberAccountIds,
    });

    this.intelArchive = new IntelArchive(this, 'IntelArchive', { retentionDays: props.intelArchiveRetentionDays });
    this.kevIngest = new KevIngest(this, 'KevIngest', {
      archive: this.intelArchive,
      table: this.table,
      bus: this.bus,
      tenantId,
      kevUrl: props.kevUrl,
      nvdApiUrl: props.nvdApiUrl,
      nvdLookupsPerRun: props.nvdLookupsPerRun,
      nvdApiKeySecretName: props.nvdApiKeySecretName,
      logEncryptionKey,
    });
    this.intelSources = Object.fromEntries(
      Object.entries(intelSourceSettings(props)).map(([name, settings]) => [
        name,
        new IntelSourceIngest(this, `IntelSource-${name}`, { ...settings, source: name, table: this.table, bus: this.bus, tenantId, archive: this.intelArchive, logEncryptionKey }),
      ]),
    );
    this.intelPush = new IntelPush(this, 'IntelPush', {
      table: this.table,
      bus: this.bus,
      archive: this.intelArchive,
      ...(props.webhookSecretPrefix ? { secretPrefix: props.webhookSecretPrefix } : {}),
      logEncryptionKey,
    });
    this.inventoryImport = new InventoryImport(this, 'InventoryImport', {
      table: this.table,
      bus: this.bus,
      tenantId,
      logEncryptionKey,
    });
    this.inventoryUpload = new InventoryUpload(this, 'InventoryUpload', { table: this.table, bus: this.bus, tenantId, accountTenants: props.accountTenants, logEncryptionKey });
    this.exposureMatch = new ExposureMatch(this, 'ExposureMatch', {
      table: this.table,
      bus: this.bus,
      logEncryptionKey,
    });
    this.inventoryRematch = new InventoryRematch(this, 'InventoryRematch', {
      table: this.table,
      bus: this.bus,
      logEncryptionKey,
    });
    this.indicatorMatch = new IndicatorMatch(this, 'IndicatorMatch', {
      table: this.table,
      bus: this.bus,
      policies: this.policies,
      logEncryptionKey,
    });
    this.cloudFindings = new CloudFindings(this, 'CloudFindings', {
      table: this.table,
      bus: this.bus,
      tenantId,
      memberAccountIds: props.memberAccountIds,
      accountTenants: props.accountTenants,
      logEncryptionKey,
    });
    this.actuators = new Actuators(this, 'Actuators', {
      table: this.table,
      bus: this.bus,
      settings: props.actuatorSettings,
      policies: this.policies,
      logEncryptionKey,
    });
    this.slackNotifier = new SlackNotifier(this, 'SlackNotifier', {
      table: this.table,
      slackChannel: props.slackChannel,
      slackTokenSecretName: props.slackTokenSecretName,
      logEncryptionKey,
    });
    this.playbook = new CveExposureResponsePlaybook(this, 'CveExposureResponse', {
      table: this.table,
      bus: this.bus,
      actuators: this.actuators,
      slackNotifier: this.slackNotifier,
      policies: this.policies,
      logEncryptionKey,
    });
    this.expirySweeper = new ExpirySweeper(this, 'ExpirySweeper', {
      table: this.table,
      actuators: this.actuators,
      slackNotifier: this.slackNotifier,
      policies: this.policies,
      tenants: [tenantId, ...this.policies.tenants],
      logEncryptionKey,
    });

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('EventBusName', this.bus.eventBusName, 'forestall event bus: rules in subscriber accounts and PutEvents from senders name it');
    output('EventBusArn', this.bus.bus.eventBusArn, 'forestall event bus ARN');
    output('TableName', this.table.tableName, 'forestall table: intel, assets, exposures and the action audit trail');
    output('PlaybookStateMachineArn', this.playbook.stateMachine.stateMachineArn, 'cve-exposure-response state machine');
    output('InventoryImportFunctionName', this.inventoryImport.handler.function.functionName, 'invoke with {tenant?, inventory: {assets: [...]}} to import assets');
    output('InventoryUploadBucket', this.inventoryUpload.bucket.bucketName, 'upload inventories of any size to s3://<bucket>/uploads/<tenant>/<file> (x-amz-meta-asset-id names an SBOM\'s asset)');
    output('AlarmTopicArn', this.alarms.topic.topicArn, 'every forestall alarm publishes here: subscribe email, AWS Chatbot or a pager');
    output('IntelWebhookUrl', `${this.intelPush.webhook.api.url}intel/`, 'POST signed intel to <url><tenant> (docs/intel-push.md); tenant secrets live at the webhook secret prefix');
    output('IntelArchiveBucket', this.intelArchive.bucket.bucketName, 'raw intel payloads, by source and time, for re-ingest');
    output('ExpirySweeperFunctionName', this.expirySweeper.handler.function.functionName, 'releases, renews or reports expired actions every five minutes');
  }
}

const IntelSourceEntrySchema = z.strictObject({
  settings: z.record(z.string(), z.unknown()).optional(),
  secretNames: z.record(z.string(), z.string()).optional(),
  everyMinutes: z.number().int().optional(),
  timeoutMinutes: z.number().int().min(1).max(15).optional(),
});

/**
 * The scheduled sources besides KEV: `intelSources` as configured, else NVD (incremental sync and the
 * lookups still due, with the KEV ingest's API key) and EPSS. NVD gets 15 minutes: its backlog run stops
 * between lookups when the time is nearly up and resumes on the next run.
 */
function intelSourceSettings(props: ForestallStackProps): Record<string, Omit<IntelSourceIngestProps, 'source' | 'table' | 'bus'>> {
  const configured = props.intelSources ?? { nvd: props.nvdApiKeySecretName ? { secretNames: { NVD_API_KEY: props.nvdApiKeySecretName } } : {}, epss: {} };
  return Object.fromEntries(
    Object.entries(configured).map(([name, value]) => {
      if (name === 'cisa-kev') throw new Error('ForestallStack: intelSources: cisa-kev is configured by kevUrl, nvdLookupsPerRun and nvdApiKeySecretName');
      const parsed = IntelSourceEntrySchema.safeParse(value);
      if (!parsed.success) {
        throw new Error(`ForestallStack: intelSources.${name}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(entry)'}: ${issue.message}`).join('; ')}`);
      }
      const { timeoutMinutes, ...entry } = parsed.data;
      const minutes = timeoutMinutes ?? (name === 'nvd' ? 15 : 5);
      return [name, { ...entry, timeout: Duration.minutes(minutes) }];
    }),
  );
}
