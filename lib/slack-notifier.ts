import { Annotations, Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { validateSecretName } from './construct-validation.ts';
import { ForestallFunction } from './forestall-function.ts';
import type { ForestallTable } from './forestall-table.ts';
import { secretReadSuppression } from './nag-findings.ts';

/** The Slack bot token's secret name when none is configured; create the secret before the first run. */
export const DEFAULT_SLACK_TOKEN_SECRET_NAME = 'forestall/slack/bot-token';

const SLACK_CHANNEL = /^[A-Za-z0-9#_-]{1,80}$/;

/** Properties of {@link SlackNotifier}. */
export interface SlackNotifierProps {
  /** Where the action records it reports on are (read/write: it records what it posted). */
  readonly table: ForestallTable;
  /**
   * Slack channel id for notifications (`SLACK_CHANNEL`). Without it the stack synthesizes with a
   * warning and the notifier refuses to start.
   * @default - unset
   */
  readonly slackChannel?: string;
  /**
   * Secrets Manager secret name holding the Slack bot token (`SLACK_TOKEN_SECRET_ARN`).
   * @default DEFAULT_SLACK_TOKEN_SECRET_NAME
   */
  readonly slackTokenSecretName?: string;
  /**
   * Key for the function's log group.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * Posts what forestall did, why, and how to undo it to Slack; the playbook and the expiry sweeper call
 * it. It changes no vendor state and so may not put events on the bus.
 */
export class SlackNotifier extends Construct {
  readonly handler: ForestallFunction;

  constructor(scope: Construct, id: string, props: SlackNotifierProps) {
    super(scope, id);
    if (props.slackChannel !== undefined && !SLACK_CHANNEL.test(props.slackChannel)) {
      throw new Error(`SlackNotifier: slackChannel "${props.slackChannel}" is not a Slack channel id or name`);
    }
    const secretName = validateSecretName('SlackNotifier', 'slackTokenSecretName', props.slackTokenSecretName ?? DEFAULT_SLACK_TOKEN_SECRET_NAME);

    this.handler = new ForestallFunction(this, 'SlackNotify', {
      entry: 'functions/notify/slack/slack-notify.handler.ts',
      serviceName: 'slack-notify',
      description: 'Posts what forestall did, why, and how to undo it to Slack',
      timeout: Duration.seconds(30),
      logEncryptionKey: props.logEncryptionKey,
      environment: props.slackChannel ? { SLACK_CHANNEL: props.slackChannel } : {},
    });
    const secret = secretsmanager.Secret.fromSecretNameV2(this, 'SlackToken', secretName);
    secret.grantRead(this.handler.role);
    this.handler.addEnvironment('SLACK_TOKEN_SECRET_ARN', secret.secretArn);
    this.handler.suppressRolePolicyFindings([secretReadSuppression(this, secretName)]);
    props.table.grantReadWrite(this.handler);

    if (!props.slackChannel) {
      Annotations.of(this.handler).addWarningV2(
        'forestall:slack-channel',
        'No Slack channel configured (context forestall:slackChannel): the Slack notifier will fail at start with a configuration error.',
      );
    }
  }

  /** The function's ARN (unqualified). */
  get functionArn(): string {
    return this.handler.function.functionArn;
  }
}
