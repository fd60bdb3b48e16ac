import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ForestallFunction } from './forestall-function.ts';
import { findingArn, secretReadSuppression } from './nag-findings.ts';
import type { ForestallBus } from './forestall-bus.ts';
import type { ForestallTable } from './forestall-table.ts';
import { validateHttpsUrl, validateSecretName } from './construct-validation.ts';

/** CrowdStrike Falcon's US-1 API; other clouds (us-2, eu-1, gov) have their own base URL. */
export const DEFAULT_CROWDSTRIKE_BASE_URL = 'https://api.crowdstrike.com';

/** Secret names used when none are configured; create the secrets before the first run. */
export const DEFAULT_SECRET_NAMES = {
  oktaApiToken: 'forestall/okta/api-token',
  crowdStrikeClient: 'forestall/crowdstrike/api-credentials',
  slackToken: 'forestall/slack/bot-token',
} as const;

const TAG_KEY = /^[A-Za-z0-9 +\-=._:/@]{1,127}$/;

/** A tag a security group must carry before the EC2 actuator may change it. */
export interface SecurityGroupTagCondition {
  /** Tag key, e.g. `forestall:managed`. */
  readonly key: string;
  /** Required tag value, e.g. `true`. */
  readonly value: string;
}

/** Properties of {@link Actuators}. */
export interface ActuatorsProps {
  /** Where action records (audit, idempotency keys, inverse operations) are stored. */
  readonly table: ForestallTable;
  /**
   * The bus on which the EC2, Okta and CrowdStrike actuators announce what they changed (`Action Taken`,
   * `Action Reverted`); they may put events on it and on nothing else.
   */
  readonly bus: ForestallBus;
  /**
   * Okta org URL (`OKTA_ORG_URL`), e.g. `https://example.okta.com`. Without it the stack synthesizes
   * with a warning and the Okta actuator refuses to start.
   * @default - unset
   */
  readonly oktaOrgUrl?: string;
  /**
   * Secrets Manager secret name holding the Okta API token (`OKTA_API_TOKEN_SECRET_ARN`).
   * @default DEFAULT_SECRET_NAMES.oktaApiToken
   */
  readonly oktaApiTokenSecretName?: string;
  /**
   * CrowdStrike API base URL (`CROWDSTRIKE_BASE_URL`).
   * @default DEFAULT_CROWDSTRIKE_BASE_URL
   */
  readonly crowdStrikeBaseUrl?: string;
  /**
   * Secrets Manager secret name holding `{"clientId","clientSecret"}` (`CROWDSTRIKE_CLIENT_SECRET_ARN`).
   * @default DEFAULT_SECRET_NAMES.crowdStrikeClient
   */
  readonly crowdStrikeClientSecretName?: string;
  /**
   * Secrets Manager secret name holding the Slack bot token (`SLACK_TOKEN_SECRET_ARN`).
   * @default DEFAULT_SECRET_NAMES.slackToken
   */
  readonly slackTokenSecretName?: string;
  /**
   * Slack channel id for notifications (`SLACK_CHANNEL`). Without it the stack synthesizes with a
   * warning and the notifier refuses to start.
   * @default - unset
   */
  readonly slackChannel?: string;
  /**
   * When set, the EC2 actuator may only change security groups carrying this tag.
   * @default - any security group in the account and the allowed regions
   */
  readonly securityGroupTag?: SecurityGroupTagCondition;
  /**
   * Regions (of this account) whose security groups the EC2 actuator may change; an asset elsewhere
   * fails with VendorAuthFailed rather than being changed.
   * @default - the stack's region
   */
  readonly securityGroupRegions?: string[];
  /**
   * Key for the functions' log groups.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The four actuators the cve-exposure-response playbook calls: EC2 security-group ingress, Okta
 * sessions, CrowdStrike containment and Slack notification. Each gets only its own vendor secret (by
 * name; values never pass through the stack), the table for its action records, and for EC2 only the
 * security-group calls it makes. The three that change vendor state may put events on the forestall
 * bus to announce those changes; the Slack notifier changes nothing and may not.
 */
export class Actuators extends Construct {
  readonly securityGroup: ForestallFunction;
  readonly oktaSessions: ForestallFunction;
  readonly crowdStrikeContainment: ForestallFunction;
  readonly slackNotify: ForestallFunction;

  constructor(scope: Construct, id: string, props: ActuatorsProps) {
    super(scope, id);
    // Every prop is checked before any function is bundled.
    const crowdStrikeBaseUrl = validateHttpsUrl('Actuators', 'crowdStrikeBaseUrl', props.crowdStrikeBaseUrl ?? DEFAULT_CROWDSTRIKE_BASE_URL);
    const oktaOrgUrl = props.oktaOrgUrl === undefined ? undefined : validateHttpsUrl('Actuators', 'oktaOrgUrl', props.oktaOrgUrl);
    if (props.slackChannel !== undefined && !/^[A-Za-z0-9#_-]{1,80}$/.test(props.slackChannel)) {
      throw new Error(`Actuators: slackChannel "${props.slackChannel}" is not a Slack channel id or name`);
    }
    if (props.securityGroupTag && (!TAG_KEY.test(props.securityGroupTag.key) || props.securityGroupTag.value.length > 255)) {
      throw new Error('Actuators: securityGroupTag needs a valid tag key (1-127 characters) and a value of at most 255 characters');
    }
    const secretNames = {
      okta: validateSecretName('Actuators', 'oktaApiTokenSecretName', props.oktaApiTokenSecretName ?? DEFAULT_SECRET_NAMES.oktaApiToken),
      crowdStrike: validateSecretName(
        'Actuators',
        'crowdStrikeClientSecretName',
        props.crowdStrikeClientSecretName ?? DEFAULT_SECRET_NAMES.crowdStrikeClient,
      ),
      slack: validateSecretName('Actuators', 'slackTokenSecretName', props.slackTokenSecretName ?? DEFAULT_SECRET_NAMES.slackToken),
    };
    const regions = props.securityGroupRegions ?? [Stack.of(this).region];
    if (regions.length === 0 || regions.some((region) => !Token.isUnresolved(region) && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))) {
      throw new Error(`Actuators: securityGroupRegions must list AWS region names, got ${JSON.stringify(regions)}`);
    }

    this.securityGroup = new ForestallFunction(this, 'SecurityGroup', {
      entry: 'functions/actuators/ec2/security-group.handler.ts',
      serviceName: 'actuator-ec2-security-group',
      description: 'Restricts and restores internet ingress on EC2 security groups',
      timeout: Duration.seconds(60),
      wildcardResourceReasons: [
        'ec2:DescribeSecurityGroups, ec2:DescribeSecurityGroupRules and ec2:DescribeNetworkInterfaces do not support resource-level permissions.',
      ],
      logEncryptionKey: props.logEncryptionKey,
    });
    this.grantSecurityGroupChanges(this.securityGroup, props.securityGroupTag, regions);

    this.oktaSessions = new ForestallFunction(this, 'OktaSessions', {
      entry: 'functions/actuators/okta/okta-sessions.handler.ts',
      serviceName: 'actuator-okta-sessions',
      description: "Clears Okta sessions of an application's admins",
      timeout: Duration.seconds(60),
      logEncryptionKey: props.logEncryptionKey,
      environment: oktaOrgUrl ? { OKTA_ORG_URL: oktaOrgUrl } : {},
    });
    this.grantSecret(this.oktaSessions, 'OktaApiToken', secretNames.okta, 'OKTA_API_TOKEN_SECRET_ARN');
    if (!oktaOrgUrl) {
      Annotations.of(this.oktaSessions).addWarningV2(
        'forestall:okta-org-url',
        'No Okta org URL configured (context forestall:oktaOrgUrl): the Okta actuator will fail at start with a configuration error.',
      );
    }

    this.crowdStrikeContainment = new ForestallFunction(this, 'CrowdStrikeContainment', {
      entry: 'functions/actuators/crowdstrike/crowdstrike-containment.handler.ts',
      serviceName: 'actuator-crowdstrike-containment',
      description: 'Network-contains hosts in CrowdStrike Falcon and lifts containment',
      timeout: Duration.seconds(60),
      logEncryptionKey: props.logEncryptionKey,
      environment: { CROWDSTRIKE_BASE_URL: crowdStrikeBaseUrl },
    });
    this.grantSecret(this.crowdStrikeContainment, 'CrowdStrikeClient', secretNames.crowdStrike, 'CROWDSTRIKE_CLIENT_SECRET_ARN');

    this.slackNotify = new ForestallFunction(this, 'SlackNotify', {
      entry: 'functions/actuators/slack/slack-notify.handler.ts',
      serviceName: 'actuator-slack-notify',
      description: 'Posts what forestall did, why, and how to undo it to Slack',
      timeout: Duration.seconds(30),
      logEncryptionKey: props.logEncryptionKey,
      environment: props.slackChannel ? { SLACK_CHANNEL: props.slackChannel } : {},
    });
    this.grantSecret(this.slackNotify, 'SlackToken', secretNames.slack, 'SLACK_TOKEN_SECRET_ARN');
    if (!props.slackChannel) {
      Annotations.of(this.slackNotify).addWarningV2(
        'forestall:slack-channel',
        'No Slack channel configured (context forestall:slackChannel): the Slack notifier will fail at start with a configuration error.',
      );
    }

    for (const fn of this.all) props.table.grantReadWrite(fn);
    for (const fn of this.changing) props.bus.grantPutEvents(fn);
  }

  /** The actuators that change vendor state, and announce it on the bus. */
  get changing(): ForestallFunction[] {
    return [this.securityGroup, this.oktaSessions, this.crowdStrikeContainment];
  }

  /** All four actuator functions. */
  get all(): ForestallFunction[] {
    return [this.securityGroup, this.oktaSessions, this.crowdStrikeContainment, this.slackNotify];
  }

  private grantSecret(fn: ForestallFunction, id: string, secretName: string, variable: string): void {
    const secret = secretsmanager.Secret.fromSecretNameV2(this, id, secretName);
    secret.grantRead(fn.role);
    fn.addEnvironment(variable, secret.secretArn);
    fn.suppressRolePolicyFindings([secretReadSuppression(this, secretName)]);
  }

  private grantSecurityGroupChanges(fn: ForestallFunction, tag: SecurityGroupTagCondition | undefined, regions: string[]): void {
    const stack = Stack.of(this);
    const arns = (resource: string) => regions.map((region) => stack.formatArn({ service: 'ec2', region, resource, resourceName: '*' }));
    const securityGroups = arns('security-group');
    const securityGroupRules = arns('security-group-rule');
    const changes = ['ec2:RevokeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateTags'];

    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeSecurityGroups',
        // Network interfaces show who else uses a group before it is restricted.
        actions: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeNetworkInterfaces'],
        resources: ['*'],
      }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ChangeSecurityGroupIngress',
        actions: changes,
        resources: securityGroups,
        ...(tag ? { conditions: { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value } } } : {}),
      }),
    );
    // Rules are their own resource type: revoking by rule id, and tagging the rules a revert restores
    // (TagSpecifications with the action id), are authorized against them too.
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ChangeSecurityGroupRules',
        actions: changes,
        resources: securityGroupRules,
      }),
    );
    fn.suppressRolePolicyFindings([
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'The security groups to restrict are chosen at run time from the exposure (any group of an affected instance in this account and region); guardrails and the optional tag condition limit which ones change.',
        appliesTo: regions.flatMap((region) => [
          `Resource::${findingArn(this, 'ec2', 'security-group/*', region)}`,
          `Resource::${findingArn(this, 'ec2', 'security-group-rule/*', region)}`,
        ]),
      },
    ]);
  }
}
