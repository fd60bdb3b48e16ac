import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { AnyActuatorDefinition } from '../functions/action-kernel/actuator-definition.ts';
import { actuatorDefinition } from '../functions/actuators/registry.ts';
import { EventPatterns } from '../functions/routing/rules.ts';
import { ACTUATOR_TAG_KEY } from './actuator-function.ts';
import { validateSetting } from './construct-validation.ts';
import { toCdkEventPattern } from './forestall-bus.ts';
import { translatePermissions } from './permission-statements.ts';

/** The actuator whose member-account role this stack creates. */
export const MEMBER_ACTUATOR = 'ec2-security-group';
/** The role name when none is configured (context `forestall:ec2MemberRoleName` names it for both stacks). */
export const DEFAULT_MEMBER_ROLE_NAME = 'forestall-ec2-actuator';

/** Properties of {@link ForestallMemberStack}. */
export interface ForestallMemberStackProps extends StackProps {
  /** The account the central forestall stack runs in: only its EC2 actuator may assume the role. */
  readonly centralAccountId: string;
  /**
   * The role's name; the central stack's `ec2MemberRoleName` setting must name the same.
   * @default - the actuator's role-name setting in `actuatorSettings`, else DEFAULT_MEMBER_ROLE_NAME
   */
  readonly roleName?: string;
  /**
   * The EC2 actuator's settings (context keys without `forestall:`), so the role allows what the central
   * function would (`securityGroupRegions`, `securityGroupTag`). Keys the actuator does not declare are ignored.
   * @default - the definition's defaults
   */
  readonly actuatorSettings?: Readonly<Record<string, string | undefined>>;
  /**
   * The actuator definition the permissions come from.
   * @default the registry's `ec2-security-group` entry
   */
  readonly definition?: AnyActuatorDefinition;
  /**
   * ARN of the central forestall bus (the central stack's `EventBusArn` output, in `centralAccountId`).
   * When given, this account's Amazon Inspector ("Inspector2 Finding") and Security Hub ("Security Hub
   * Findings - Imported") events are forwarded from its default bus to it, where `CloudFindings` takes
   * them into the inventory (the central stack must list this account in `memberAccountIds` or `accountTenants`).
   * @default - findings are not forwarded
   */
  readonly findingsBusArn?: string;
}

const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:[a-z]{2}(-[a-z]+)+-\d:(\d{12}):event-bus\/[A-Za-z0-9._\-/]{1,256}$/;

/**
 * Deployed in each member account whose security groups forestall may restrict: one role, trusted by the
 * central account only for principals tagged `forestall:actuator=ec2-security-group` (the central EC2
 * actuator's role), allowed exactly the EC2 statements the actuator's definition lists, in this account.
 * With `findingsBusArn`, also a rule forwarding this account's Inspector and Security Hub findings to the
 * central bus.
 */
export class ForestallMemberStack extends Stack {
  readonly role: iam.Role;
  /** The rule forwarding findings to the central bus, when `findingsBusArn` is given. */
  readonly findingsRule?: events.Rule;

  constructor(scope: Construct, id: string, props: ForestallMemberStackProps) {
    super(scope, id, { description: 'forestall member account: the role the central EC2 actuator assumes', ...props });
    if (!/^\d{12}$/.test(props.centralAccountId)) {
      throw new Error(`ForestallMember: centralAccountId "${props.centralAccountId}" is not a 12-digit AWS account id`);
    }
    const definition = props.definition ?? actuatorDefinition(MEMBER_ACTUATOR);
    if (!definition) throw new Error(`ForestallMember: functions/actuators/registry.ts has no actuator named ${MEMBER_ACTUATOR}`);
    if (!definition.deployment.permissions) throw new Error(`ForestallMember: actuator ${definition.name} declares no permissions`);
    // The setting through which the central function learns the member role's name (ec2MemberRoleName).
    const roleSetting = definition.deployment.settings.find((setting) => setting.kind === 'role-name');
    const configuredName = roleSetting ? props.actuatorSettings?.[roleSetting.key]?.trim() || undefined : undefined;
    const roleName = validateSetting('ForestallMember', 'roleName', 'role-name', props.roleName ?? configuredName ?? DEFAULT_MEMBER_ROLE_NAME)!;
    if (roleSetting && configuredName !== roleName) {
      Annotations.of(this).addWarningV2(
        'forestall:member-role-name',
        `The central stack assumes this role only when its context forestall:${roleSetting.key} is "${roleName}"; ` +
          `without it the ${definition.name} actuator refuses targets in other accounts.`,
      );
    }

    // The definition's settings with defaults filled, checked as the central stack checks them.
    const settings: Record<string, string | undefined> = {};
    for (const setting of definition.deployment.settings) {
      const given = props.actuatorSettings?.[setting.key];
      const raw = given !== undefined && given.trim() !== '' ? given : setting.default;
      settings[setting.key] = raw === undefined ? undefined : validateSetting('ForestallMember', setting.key, setting.kind, raw);
    }
    // Only the EC2 statements: assuming roles elsewhere is the central function's business, not this role's.
    const ec2Statements = definition.deployment
      .permissions(settings, { account: this.account, region: this.region })
      .filter((statement) => statement.actions.every((action) => action.startsWith('ec2:')));
    if (ec2Statements.length === 0) throw new Error(`ForestallMember: actuator ${definition.name} lists no EC2 statements`);
    const permissions = translatePermissions(this, `ForestallMember(${definition.name})`, ec2Statements);

    this.role = new iam.Role(this, 'Ec2ActuatorRole', {
      roleName,
      description: `forestall ${definition.name} actuator, assumed from account ${props.centralAccountId}`,
      assumedBy: new iam.AccountPrincipal(props.centralAccountId).withConditions({
        StringEquals: { [`aws:PrincipalTag/${ACTUATOR_TAG_KEY}`]: definition.name },
      }),
      inlinePolicies: { SecurityGroups: new iam.PolicyDocument({ statements: permissions.statements }) },
    });
    NagSuppressions.addResourceSuppressions(this.role, [
      ...(permissions.starReasons.length > 0 ? [{ id: 'AwsSolutions-IAM5', reason: permissions.starReasons.join(' '), appliesTo: ['Resource::*'] }] : []),
      ...permissions.suppressions,
    ]);

    new CfnOutput(this, 'RoleArn', { value: this.role.roleArn, description: `the role forestall's ${definition.name} actuator assumes in this account` });

    if (props.findingsBusArn !== undefined) this.findingsRule = this.forwardFindings(props.findingsBusArn, props.centralAccountId);
  }

  /**
   * A rule on this account's default bus sending Inspector and Security Hub finding events, unchanged, to
   * the central bus (the pattern is the central rule's, `EventPatterns.cloudFindings`). EventBridge keeps
   * the event's `account`, so the central function knows which account sent it; it needs a role allowed
   * to put events on that one bus.
   */
  private forwardFindings(findingsBusArn: string, centralAccountId: string): events.Rule {
    const arn = EVENT_BUS_ARN.exec(findingsBusArn);
    if (!arn) throw new Error(`ForestallMember: findingsBusArn "${findingsBusArn}" is not an EventBridge event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`);
    if (arn[2] !== centralAccountId) {
      throw new Error(`ForestallMember: findingsBusArn is in account ${arn[2]}, not the central account ${centralAccountId}`);
    }
    const bus = events.EventBus.fromEventBusArn(this, 'ForestallBus', findingsBusArn);
    const role = new iam.Role(this, 'FindingsForwarderRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'forestall: EventBridge forwards this account\'s Inspector and Security Hub findings to the central forestall bus',
    });
    const rule = new events.Rule(this, 'ForwardFindings', {
      description: 'forestall: Inspector2 and Security Hub findings -> the central forestall bus (inventory)',
      eventPattern: toCdkEventPattern(EventPatterns.cloudFindings),
      // The target adds events:PutEvents on exactly this bus to the role.
      targets: [new targets.EventBus(bus, { role })],
    });
    new CfnOutput(this, 'FindingsRuleArn', { value: rule.ruleArn, description: 'forwards Inspector and Security Hub findings to the central forestall bus' });
    return rule;
  }
}
