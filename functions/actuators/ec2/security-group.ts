import {
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { EC2Client, IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { ActionRecord } from '../../model/action.ts';
import { actionId, findApplyRecord, markReverted, runAction } from '../actuator-request.ts';
import type { ActionFlowDeps, Ec2Request } from '../actuator-request.ts';
import type { Ec2ClientFor } from './ec2-clients.ts';
import { ec2VendorError } from './ec2-clients.ts';

const ACTUATOR = 'ec2-security-group';
export const ACTION_ID_TAG = 'forestall:action-id';
const INTERNET = new Set(['0.0.0.0/0', '::/0']);
/** How many of a shared group's other users the guardrail detail names. */
const NAMED_USERS = 5;

export interface SecurityGroupDeps extends ActionFlowDeps {
  ec2For: Ec2ClientFor;
}

/** An ingress rule as revoked, with what is needed to authorize it again. */
export const RevokedRuleSchema = z.object({
  ruleId: z.string(),
  ipProtocol: z.string(),
  fromPort: z.number().int().optional(),
  toPort: z.number().int().optional(),
  cidrIpv4: z.string().optional(),
  cidrIpv6: z.string().optional(),
  description: z.string().optional(),
});
export type RevokedRule = z.infer<typeof RevokedRuleSchema>;

const InverseParametersSchema = z.object({
  account: z.string(),
  region: z.string(),
  groupId: z.string(),
  rules: z.array(RevokedRuleSchema),
});

interface GroupRef {
  account: string;
  region: string;
  groupId: string;
}

function groupTarget(group: GroupRef): string {
  return `${group.account}/${group.region}/${group.groupId}`;
}

/** Security groups of all targets, once each (instances often share a group). */
function uniqueGroups(request: Ec2Request): GroupRef[] {
  const groups = new Map<string, GroupRef>();
  for (const target of request.targets) {
    for (const groupId of target.securityGroups) {
      const group = { account: target.account, region: target.region, groupId };
      groups.set(groupTarget(group), group);
    }
  }
  return [...groups.values()];
}

/**
 * Everything using the group: instances by id, and network interfaces without an instance (load
 * balancers, NAT gateways, Lambda functions) by interface id. Managed interfaces are included so a
 * service-owned user hidden by default still counts.
 */
async function groupUsers(client: EC2Client, groupId: string): Promise<string[]> {
  const users = new Set<string>();
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: 'group-id', Values: [groupId] }],
          MaxResults: 1000,
          IncludeManagedResources: true,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const eni of page.NetworkInterfaces ?? []) {
        const user = eni.Attachment?.InstanceId ?? eni.NetworkInterfaceId;
        if (user) users.add(user);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    throw ec2VendorError(error);
  }
  return [...users];
}

/**
 * The guardrail against cutting off hosts that are not affected: when anything but the request's
 * targets uses the group, says why the group is left alone; undefined when only targets use it.
 */
async function sharedGroupGuardrail(client: EC2Client, request: Ec2Request, group: GroupRef): Promise<string | undefined> {
  const targets = new Set(
    request.targets
      .filter((target) => target.account === group.account && target.region === group.region && target.securityGroups.includes(group.groupId))
      .map((target) => target.instanceId),
  );
  const others = (await groupUsers(client, group.groupId)).filter((user) => !targets.has(user));
  if (others.length === 0) return undefined;
  const named = others.slice(0, NAMED_USERS).join(', ');
  const more = others.length > NAMED_USERS ? ` and ${others.length - NAMED_USERS} more` : '';
  return `guardrail: ${group.groupId} is shared with ${named}${more} (not affected); not changed. Give the affected instances their own group or restrict it by hand`;
}

function describeRule(rule: Pick<RevokedRule, 'ipProtocol' | 'fromPort' | 'toPort' | 'cidrIpv4' | 'cidrIpv6'>): string {
  const protocol = rule.ipProtocol === '-1' ? 'all traffic' : rule.ipProtocol;
  const ports = rule.fromPort === undefined || rule.fromPort === -1 ? '' : rule.fromPort === rule.toPort ? ` ${rule.fromPort}` : ` ${rule.fromPort}-${rule.toPort}`;
  return `${protocol}${ports} from ${rule.cidrIpv4 ?? rule.cidrIpv6}`;
}

/** Ingress rules of a group open to the whole internet (0.0.0.0/0 or ::/0). */
async function internetIngress(client: EC2Client, groupId: string): Promise<RevokedRule[]> {
  const rules: SecurityGroupRule[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 1000, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      rules.push(...(page.SecurityGroupRules ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    throw ec2VendorError(error);
  }
  return rules
    .filter((rule) => !rule.IsEgress && rule.SecurityGroupRuleId && INTERNET.has(rule.CidrIpv4 ?? rule.CidrIpv6 ?? ''))
    .map((rule) => ({
      ruleId: rule.SecurityGroupRuleId as string,
      ipProtocol: rule.IpProtocol ?? '-1',
      ...(rule.FromPort === undefined ? {} : { fromPort: rule.FromPort }),
      ...(rule.ToPort === undefined ? {} : { toPort: rule.ToPort }),
      ...(rule.CidrIpv4 ? { cidrIpv4: rule.CidrIpv4 } : {}),
      ...(rule.CidrIpv6 ? { cidrIpv6: rule.CidrIpv6 } : {}),
      ...(rule.Description ? { description: rule.Description } : {}),
    }));
}

function sameRule(a: Pick<RevokedRule, 'ipProtocol' | 'fromPort' | 'toPort' | 'cidrIpv4' | 'cidrIpv6'>, b: typeof a): boolean {
  const port = (value: number | undefined) => value ?? -1;
  return a.ipProtocol === b.ipProtocol && port(a.fromPort) === port(b.fromPort) && port(a.toPort) === port(b.toPort) && a.cidrIpv4 === b.cidrIpv4 && a.cidrIpv6 === b.cidrIpv6;
}

async function applyToGroup(deps: SecurityGroupDeps, request: Ec2Request, group: GroupRef): Promise<ActionRecord> {
  const client = deps.ec2For(group.account, group.region);
  const target = groupTarget(group);
  const id = actionId(request.execution, ACTUATOR, 'apply', target);
  return runAction(
    deps,
    request,
    {
      actuator: ACTUATOR,
      operation: 'apply',
      target,
      request: { action: 'RevokeSecurityGroupIngress', groupId: group.groupId, internetOnly: true },
      wouldDo: async () => {
        const guardrail = await sharedGroupGuardrail(client, request, group);
        if (guardrail) return `change nothing on ${group.groupId}: ${guardrail}`;
        const open = await internetIngress(client, group.groupId);
        return open.length === 0
          ? `change nothing on ${group.groupId}: no ingress open to the internet`
          : `revoke ${open.length} internet ingress rule(s) on ${group.groupId}: ${open.map(describeRule).join(', ')}`;
      },
    },
    async () => {
      const guardrail = await sharedGroupGuardrail(client, request, group);
      if (guardrail) return { status: 'skipped', detail: guardrail };
      const open = await internetIngress(client, group.groupId);
      if (open.length === 0) return { status: 'skipped', detail: `no ingress rule on ${group.groupId} is open to 0.0.0.0/0 or ::/0` };
      try {
        await client.send(new RevokeSecurityGroupIngressCommand({ GroupId: group.groupId, SecurityGroupRuleIds: open.map((rule) => rule.ruleId) }));
        await client.send(new CreateTagsCommand({ Resources: [group.groupId], Tags: [{ Key: ACTION_ID_TAG, Value: id }] }));
      } catch (error) {
        throw ec2VendorError(error);
      }
      return {
        vendorObjectId: group.groupId,
        detail: `revoked ${open.map(describeRule).join(', ')}`,
        inverse: {
          operation: 'AuthorizeSecurityGroupIngress',
          parameters: { account: group.account, region: group.region, groupId: group.groupId, rules: open },
          description: `re-open ${open.map(describeRule).join(', ')} on ${group.groupId} (action ${id})`,
        },
      };
    },
  );
}

async function revertGroup(deps: SecurityGroupDeps, request: Ec2Request, group: GroupRef): Promise<ActionRecord> {
  const target = groupTarget(group);
  const apply = await findApplyRecord(deps.actions, request, ACTUATOR, 'apply', target);
  const revertId = actionId(request.execution, ACTUATOR, 'revert', target);
  const parameters = apply?.status === 'done' && apply.inverse ? InverseParametersSchema.safeParse(apply.inverse.parameters) : undefined;
  return runAction(
    deps,
    request,
    {
      actuator: ACTUATOR,
      operation: 'revert',
      target,
      request: { action: 'AuthorizeSecurityGroupIngress', applyActionId: apply?.id },
      wouldDo: parameters?.success ? `restore ${parameters.data.rules.map(describeRule).join(', ')} on ${group.groupId}` : `change nothing on ${group.groupId}: no applied restriction recorded`,
    },
    async () => {
      if (!apply) return { status: 'skipped', detail: `no apply action recorded for ${target}; nothing to restore` };
      if (apply.status === 'reverted') return { status: 'skipped', detail: `apply action ${apply.id} was already reverted` };
      if (!parameters) return { status: 'skipped', detail: `apply action ${apply.id} is ${apply.status}${apply.dryRun ? ' (dry-run)' : ''}; nothing to restore` };
      if (!parameters.success) throw new Error(`apply action ${apply.id} has an unreadable inverse: ${parameters.error.message}`);
      const client = deps.ec2For(parameters.data.account, parameters.data.region);
      // Someone may have re-opened a rule by hand since; authorizing it again would fail as a duplicate.
      const present = await internetIngress(client, group.groupId);
      const missing = parameters.data.rules.filter((rule) => !present.some((existing) => sameRule(existing, rule)));
      const description = `restored by forestall ${apply.id}`;
      const permissions: IpPermission[] = missing.map((rule) => ({
        IpProtocol: rule.ipProtocol,
        ...(rule.fromPort === undefined ? {} : { FromPort: rule.fromPort }),
        ...(rule.toPort === undefined ? {} : { ToPort: rule.toPort }),
        ...(rule.cidrIpv4 ? { IpRanges: [{ CidrIp: rule.cidrIpv4, Description: description }] } : {}),
        ...(rule.cidrIpv6 ? { Ipv6Ranges: [{ CidrIpv6: rule.cidrIpv6, Description: description }] } : {}),
      }));
      let created: string[] = [];
      if (permissions.length > 0) {
        try {
          const result = await client.send(
            new AuthorizeSecurityGroupIngressCommand({
              GroupId: group.groupId,
              IpPermissions: permissions,
              TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: ACTION_ID_TAG, Value: revertId }] }],
            }),
          );
          created = (result.SecurityGroupRules ?? []).map((rule) => rule.SecurityGroupRuleId ?? '').filter(Boolean);
        } catch (error) {
          throw ec2VendorError(error);
        }
      }
      const reverted = await markReverted(deps.actions, apply, revertId, (deps.now ?? (() => new Date()))());
      return {
        vendorObjectId: created.join(',') || group.groupId,
        detail: `restored ${missing.map(describeRule).join(', ') || 'nothing (all rules already present)'} on ${group.groupId}`,
        reverted,
      };
    },
  );
}

/**
 * Restricts (apply) or restores (revert) internet ingress on the security groups of the targets. Apply
 * revokes exactly the ingress rules open to 0.0.0.0/0 or ::/0, records them as the inverse and tags the
 * group with the action id; a group also used by anything that is not a target (another instance, or a
 * network interface without an instance) is left unchanged and its record `skipped` with a
 * `guardrail: ...` detail; revert authorizes the recorded rules again (description
 * `restored by forestall <apply action id>`), found through the apply's deterministic id.
 */
export async function restrictInternetIngress(deps: SecurityGroupDeps, request: Ec2Request): Promise<{ actions: ActionRecord[] }> {
  const actions: ActionRecord[] = [];
  for (const group of uniqueGroups(request)) {
    actions.push(request.operation === 'apply' ? await applyToGroup(deps, request, group) : await revertGroup(deps, request, group));
  }
  return { actions };
}
