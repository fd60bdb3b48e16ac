import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Actuators } from './actuators.ts';
import { CveExposureResponsePlaybook } from './cve-exposure-response-playbook.ts';
import { ExposureMatch } from './exposure-match.ts';
import { ForestallBus } from './forestall-bus.ts';
import type { ForestallConfig } from './forestall-config.ts';
import { ForestallLogsKey } from './forestall-logs-key.ts';
import { ForestallTable } from './forestall-table.ts';
import { InventoryImport } from './inventory-import.ts';
import { KevIngest } from './kev-ingest.ts';

/** Properties of {@link ForestallStack}: standard stack props plus the deployment settings. */
export interface ForestallStackProps extends StackProps, ForestallConfig {}

/**
 * The forestall walking skeleton: KEV ingest -> table -> exposure matching -> bus ->
 * cve-exposure-response playbook -> actuators (EC2, Okta, CrowdStrike, Slack).
 */
export class ForestallStack extends Stack {
  readonly table: ForestallTable;
  readonly bus: ForestallBus;
  readonly logsKey: ForestallLogsKey;
  readonly kevIngest: KevIngest;
  readonly inventoryImport: InventoryImport;
  readonly exposureMatch: ExposureMatch;
  readonly actuators: Actuators;
  readonly playbook: CveExposureResponsePlaybook;

  constructor(scope: Construct, id: string, props: ForestallStackProps = {}) {
    super(scope, id, { description: 'forestall: preemptive security operations', ...props });
    const logEncryptionKey = (this.logsKey = new ForestallLogsKey(this, 'LogsKey')).key;

    this.table = new ForestallTable(this, 'Table');
    this.bus = new ForestallBus(this, 'Bus', {
      putEventsAccountIds: props.putEventsAccountIds,
      putEventsOrganizationId: props.putEventsOrganizationId,
      subscriberAccountIds: props.subscriberAccountIds,
    });

    this.kevIngest = new KevIngest(this, 'KevIngest', {
      table: this.table,
      bus: this.bus,
      tenantId: props.tenantId,
      kevUrl: props.kevUrl,
      nvdApiUrl: props.nvdApiUrl,
      nvdLookupsPerRun: props.nvdLookupsPerRun,
      nvdApiKeySecretName: props.nvdApiKeySecretName,
      logEncryptionKey,
    });
    this.inventoryImport = new InventoryImport(this, 'InventoryImport', {
      table: this.table,
      tenantId: props.tenantId,
      logEncryptionKey,
    });
    this.exposureMatch = new ExposureMatch(this, 'ExposureMatch', {
      table: this.table,
      bus: this.bus,
      logEncryptionKey,
    });
    this.actuators = new Actuators(this, 'Actuators', {
      table: this.table,
      bus: this.bus,
      oktaOrgUrl: props.oktaOrgUrl,
      oktaApiTokenSecretName: props.oktaApiTokenSecretName,
      crowdStrikeBaseUrl: props.crowdStrikeBaseUrl,
      crowdStrikeClientSecretName: props.crowdStrikeClientSecretName,
      slackTokenSecretName: props.slackTokenSecretName,
      slackChannel: props.slackChannel,
      securityGroupTag: props.securityGroupTag,
      securityGroupRegions: props.securityGroupRegions,
      logEncryptionKey,
    });
    this.playbook = new CveExposureResponsePlaybook(this, 'CveExposureResponse', {
      table: this.table,
      bus: this.bus,
      actuators: this.actuators,
      guardrails: props.guardrails,
      logEncryptionKey,
    });
  }
}
