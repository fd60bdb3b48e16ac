import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { Actuators } from './actuators.ts';
import { validateTenantId, type TenantPolicySettings } from './construct-validation.ts';
import { ForestallFunction } from './forestall-function.ts';
import type { ForestallTable } from './forestall-table.ts';
import type { SlackNotifier } from './slack-notifier.ts';

/** The sweeper's Powertools service name: the `service` dimension of its metrics. */
export const EXPIRY_SWEEPER_SERVICE = 'expiry-sweeper';

/** Properties of {@link ExpirySweeper}. */
export interface ExpirySweeperProps {
  /** Where actions, holds and their expiries are stored (read/write). */
  readonly table: ForestallTable;
  /** The actuators it invokes to revert or renew an expired change. */
  readonly actuators: Actuators;
  /** The notifier it invokes for actions whose policy is to tell people. */
  readonly slackNotifier: SlackNotifier;
  /** The checked guardrail policies (each tenant's expiry policy per actuator). */
  readonly policies: TenantPolicySettings;
  /** The tenants whose expired actions are swept (`TENANTS`): the configured tenant and every tenant with a policy. */
  readonly tenants: readonly string[];
  /**
   * How often it runs.
   * @default Duration.minutes(5)
   */
  readonly interval?: Duration;
  /**
   * Key for the function's log group.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * Releases, renews or reports actions whose expiry has passed, every five minutes. A schedule event
 * that cannot be delivered, and an invocation that fails every retry, land in the function's
 * dead-letter queue (alarmed); so do actions it could not handle (metric `ExpirySweepFailures`, alarmed).
 */
export class ExpirySweeper extends Construct {
  readonly handler: ForestallFunction;
  readonly schedule: events.Rule;
  readonly failuresAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ExpirySweeperProps) {
    super(scope, id);
    const tenants = [...new Set(props.tenants)].map((tenant) => validateTenantId('ExpirySweeper', tenant));
    if (tenants.length === 0) throw new Error('ExpirySweeper: tenants must name at least one tenant');
    const interval = props.interval ?? Duration.minutes(5);
    const minutes = interval.toMinutes({ integral: false });
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60) {
      throw new Error(`ExpirySweeper: interval must be a whole number of minutes between 1 and 60, got ${minutes}`);
    }
    const stack = Stack.of(this);

    this.handler = new ForestallFunction(this, 'ExpirySweeper', {
      entry: 'functions/expiry/expiry-sweeper.handler.ts',
      serviceName: EXPIRY_SWEEPER_SERVICE,
      description: 'Releases, renews or reports actions whose expiry has passed',
      timeout: Duration.minutes(Math.min(4, minutes)),
      logEncryptionKey: props.logEncryptionKey,
      deadLetterQueue: true,
      environment: {
        TENANTS: tenants.join(','),
        ACTUATOR_FUNCTION_ARNS: stack.toJsonString(props.actuators.functionArns()),
        SLACK_NOTIFY_FUNCTION_ARN: props.slackNotifier.functionArn,
        GUARDRAILS: props.policies.guardrailsJson,
        TENANT_POLICIES: props.policies.tenantPoliciesJson,
      },
    });
    props.table.grantReadWrite(this.handler);
    // It invokes by unqualified ARN, synchronously, and only these functions.
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeActuatorsAndNotifier',
        actions: ['lambda:InvokeFunction'],
        resources: [...props.actuators.all.map((actuator) => actuator.functionArn), props.slackNotifier.functionArn],
      }),
    );

    this.schedule = this.handler.addSchedule('Schedule', 'forestall: sweep expired actions', interval);

    this.failuresAlarm = new cloudwatch.Alarm(this, 'FailuresAlarm', {
      alarmDescription: 'forestall expiry-sweeper: expired actions could not be released, renewed or reported',
      metric: new cloudwatch.Metric({
        namespace: 'forestall',
        metricName: 'ExpirySweepFailures',
        dimensionsMap: { service: EXPIRY_SWEEPER_SERVICE },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
