import { z } from 'zod';
import type { ActuatorDefinition, PermissionStatement } from '../../action-kernel/actuator-definition.ts';
import { EntityIdSchema } from '../../model/ids.ts';

/** An instance whose security groups lose their internet ingress: where it runs and which groups it has. */
export const Ec2SecurityGroupTargetSchema = z
  .object({
    assetId: EntityIdSchema,
    account: z.string().regex(/^\d{12}$/, '12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'AWS region such as eu-west-1'),
    instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, 'EC2 instance id such as i-0abc12345def67890'),
    securityGroups: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'security group id such as sg-0abc1234')),
  })
  .strict();
export type Ec2SecurityGroupTarget = z.infer<typeof Ec2SecurityGroupTargetSchema>;

const CHANGES = ['ec2:RevokeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateTags'];

/** `a, b ,c` -> `['a', 'b', 'c']`; unset or blank -> undefined. */
function listSetting(value: string | undefined): string[] | undefined {
  const items = (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

/** `key=value` (the value may contain `=`; an empty value is allowed) -> `{ key, value }`. */
function tagSetting(value: string | undefined): { key: string; value: string } | undefined {
  if (!value) return undefined;
  const at = value.indexOf('=');
  if (at <= 0) throw new Error(`ec2-security-group: securityGroupTag must be key=value, got "${value}"`);
  return { key: value.slice(0, at), value: value.slice(at + 1) };
}

// Checked here too: a `*` in either would widen the policy to every region or every role.
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * IAM for the actuator, as data: describing is unrestricted (EC2 has no resource-level permissions for
 * it); changing is limited to security groups and their rules in the allowed regions of the stack's
 * account, to groups carrying the tag when one is set, and to assuming the member role when one is named.
 */
function permissions(settings: Readonly<Record<string, string | undefined>>, stack: { account: string; region: string }): PermissionStatement[] {
  const listed = listSetting(settings.securityGroupRegions);
  const regions = listed ?? [stack.region];
  const badRegion = listed?.find((region) => !REGION.test(region));
  if (badRegion !== undefined) throw new Error(`ec2-security-group: securityGroupRegions must list AWS region names, got "${badRegion}"`);
  const tag = tagSetting(settings.securityGroupTag);
  const arns = (resource: string) => regions.map((region) => `arn:\${Partition}:ec2:${region}:\${Account}:${resource}/*`);
  const changeReason =
    'The security groups to restrict are chosen at run time from the exposure (any group of an affected instance in the allowed regions); guardrails and the optional tag condition limit which ones change.';
  const statements: PermissionStatement[] = [
    {
      sid: 'DescribeSecurityGroups',
      // Network interfaces show who else uses a group before it is restricted.
      actions: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeNetworkInterfaces'],
      resources: ['*'],
      wildcardReason: 'ec2:DescribeSecurityGroups, ec2:DescribeSecurityGroupRules and ec2:DescribeNetworkInterfaces do not support resource-level permissions.',
    },
    {
      sid: 'ChangeSecurityGroupIngress',
      actions: CHANGES,
      resources: arns('security-group'),
      ...(tag ? { conditions: { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value } } } : {}),
      wildcardReason: changeReason,
    },
    {
      // Rules are their own resource type: revoking by rule id, and tagging the rules a revert restores
      // (TagSpecifications with the action id), are authorized against them too.
      sid: 'ChangeSecurityGroupRules',
      actions: CHANGES,
      resources: arns('security-group-rule'),
      wildcardReason: changeReason,
    },
  ];
  const memberRole = settings.ec2MemberRoleName?.trim();
  if (memberRole) {
    if (!ROLE_NAME.test(memberRole)) throw new Error(`ec2-security-group: ec2MemberRoleName must be an IAM role name, got "${memberRole}"`);
    statements.push({
      sid: 'AssumeMemberAccountRole',
      actions: ['sts:AssumeRole'],
      resources: [`arn:\${Partition}:iam::*:role/${memberRole}`],
      wildcardReason: `Targets may be in any member account; only the role named ${memberRole} (forestall:ec2MemberRoleName) is assumed, and each member account's role trusts this function.`,
    });
  }
  return statements;
}

/**
 * Restricts internet ingress on the security groups of affected EC2 instances: ingress open to 0.0.0.0/0
 * or ::/0 is revoked (the group tagged with the action id) and authorized again when the last run
 * holding the change releases it.
 */
export const ec2SecurityGroupDefinition: ActuatorDefinition<Ec2SecurityGroupTarget> = {
  name: 'ec2-security-group',
  title: 'EC2 security groups (internet ingress)',
  surface: 'network',
  reversible: true,
  targetSchema: Ec2SecurityGroupTargetSchema,
  targetsFor: (assets) =>
    assets.flatMap((asset) =>
      asset.cloud?.provider === 'aws' && asset.cloud.securityGroups.length > 0
        ? [{ assetId: asset.id, account: asset.cloud.account, region: asset.cloud.region, instanceId: asset.cloud.instanceId, securityGroups: [...asset.cloud.securityGroups] }]
        : [],
    ),
  assetIdsOf: (target) => [target.assetId],
  identitiesOf: (target) => [`aws-instance:${target.instanceId}`, ...target.securityGroups.map((group) => `aws-security-group:${group}`)],
  // A failed run puts the rules back (closed ingress stops the service for its users), unlike host
  // containment, which stays until its expiry.
  policy: { expiresAfterHours: 72, onExpiry: 'renew', onFailure: 'revert' },
  deployment: {
    handler: 'functions/actuators/ec2-security-group/security-group.handler.ts',
    description: 'Restricts and restores internet ingress on EC2 security groups',
    timeoutSeconds: 60,
    settings: [
      {
        key: 'securityGroupRegions',
        variable: 'SECURITY_GROUP_REGIONS',
        kind: 'list',
        optional: true,
        description: 'Regions whose security groups may change, comma-separated (default: the stack region)',
      },
      {
        key: 'securityGroupTag',
        variable: 'SECURITY_GROUP_TAG',
        kind: 'tag',
        optional: true,
        description: 'key=value: only security groups carrying this tag may change (IAM condition aws:ResourceTag)',
      },
      {
        key: 'ec2MemberRoleName',
        variable: 'EC2_MEMBER_ROLE_NAME',
        kind: 'role-name',
        optional: true,
        description: 'Role the actuator assumes in member accounts to change their security groups (unset: only the stack account)',
      },
    ],
    secrets: [],
    permissions,
    local: 'functions/actuators/ec2-security-group/local.ts',
  },
};
