import { z } from 'zod';
import type { ActuatorPlugin, Unit } from '../../action-kernel/actuator-plugin.ts';
import { AccountNotEnrolled } from '../../vendor/vendor-errors.ts';
import { Ec2SecurityGroupTargetSchema, type Ec2SecurityGroupTarget } from './definition.ts';
import type { Ec2Api, IngressRule } from './ec2-client.ts';

/** The tag forestall puts on a group it restricted, and on the rules it restores. */
export const ACTION_ID_TAG = 'forestall:action-id';
/** How many of a shared group's other users the guardrail detail names. */
const NAMED_USERS = 5;

/** An ingress rule open to the internet, with what is needed to authorize it again. */
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

/** One security group, and the targeted instances that use it. */
const GroupUnitSchema = z.object({ account: z.string(), region: z.string(), groupId: z.string(), instanceIds: z.array(z.string()) });
export type GroupUnit = z.infer<typeof GroupUnitSchema>;
/** The group's ingress open to 0.0.0.0/0 or ::/0. */
const GroupStateSchema = z.object({ openRules: z.array(RevokedRuleSchema) });
export type GroupState = z.infer<typeof GroupStateSchema>;
const RevocationSchema = z.object({ revoke: z.array(RevokedRuleSchema).min(1) });
export type Revocation = z.infer<typeof RevocationSchema>;

const groupKey = (unit: Pick<GroupUnit, 'account' | 'region' | 'groupId'>) => `aws-security-group:${unit.account}/${unit.region}/${unit.groupId}`;
const describeGroup = (unit: GroupUnit) => `security group ${unit.groupId} (${unit.account}/${unit.region}; ${unit.instanceIds.join(', ')})`;

type RuleShape = Pick<IngressRule, 'ipProtocol' | 'fromPort' | 'toPort' | 'cidrIpv4' | 'cidrIpv6'>;

function describeRule(rule: RuleShape): string {
  const protocol = rule.ipProtocol === '-1' ? 'all traffic' : rule.ipProtocol;
  const ports = rule.fromPort === undefined || rule.fromPort === -1 ? '' : rule.fromPort === rule.toPort ? ` ${rule.fromPort}` : ` ${rule.fromPort}-${rule.toPort}`;
  return `${protocol}${ports} from ${rule.cidrIpv4 ?? rule.cidrIpv6}`;
}
const describeRules = (rules: readonly RuleShape[]) => rules.map(describeRule).join(', ');

/** The same rule by what it allows (protocol, ports, range): rule ids change when a rule is added again. */
function sameRule(a: RuleShape, b: RuleShape): boolean {
  const port = (value: number | undefined) => value ?? -1;
  return a.ipProtocol === b.ipProtocol && port(a.fromPort) === port(b.fromPort) && port(a.toPort) === port(b.toPort) && a.cidrIpv4 === b.cidrIpv4 && a.cidrIpv6 === b.cidrIpv6;
}
const isIn = (rules: readonly RuleShape[]) => (rule: RuleShape) => rules.some((other) => sameRule(other, rule));

/**
 * Internet ingress on EC2 security groups as a kernel plugin. A unit is one security group, however many
 * targeted instances use it. Apply revokes exactly the ingress rules open to 0.0.0.0/0 or ::/0 (recorded
 * as the before-state) and tags the group with the action id; a revert authorizes those rules again,
 * except any a person has re-opened meanwhile. A group that is a protected identity, is used by a
 * protected instance, or is used by anything the request does not target, is left alone (`guardrail: ...`).
 */
export function ec2SecurityGroup(api: Ec2Api): ActuatorPlugin<Ec2SecurityGroupTarget, GroupUnit, GroupState, Revocation> {
  /** Why the group is left alone, or undefined when only protected-free targets use it. */
  async function guardrail(unit: GroupUnit, protectedIdentities: readonly string[]): Promise<string | undefined> {
    const identity = `aws-security-group:${unit.groupId}`;
    if (protectedIdentities.includes(identity)) return `guardrail: ${identity} is a protected identity; not changed`;
    const isProtected = (user: string) => protectedIdentities.includes(`aws-instance:${user}`);
    const protectedTarget = unit.instanceIds.find(isProtected);
    if (protectedTarget) return `guardrail: ${unit.groupId} is used by protected instance aws-instance:${protectedTarget}; not changed`;
    const users = await api.groupUsers(unit);
    const protectedUser = users.find(isProtected);
    if (protectedUser) return `guardrail: ${unit.groupId} is used by protected instance aws-instance:${protectedUser}; not changed`;
    // Against cutting off hosts that are not affected: an instance the request targets only through
    // another group counts as another user of this one.
    const others = users.filter((user) => !unit.instanceIds.includes(user));
    if (others.length === 0) return undefined;
    const named = others.slice(0, NAMED_USERS).join(', ');
    const more = others.length > NAMED_USERS ? ` and ${others.length - NAMED_USERS} more` : '';
    return `guardrail: ${unit.groupId} is shared with ${named}${more} (not affected); not changed. Give the affected instances their own group or restrict it by hand`;
  }

  return {
    name: 'ec2-security-group',
    reversible: true,
    targetSchema: Ec2SecurityGroupTargetSchema,
    unitSchema: GroupUnitSchema,
    beforeSchema: GroupStateSchema,
    changeSchema: RevocationSchema,

    async units(targets, { policy }) {
      const byGroup = new Map<string, GroupUnit>();
      // The assets behind each group: its records name only their exposures, and expiry renews on them.
      const assetsOf = new Map<string, Set<string>>();
      for (const target of targets) {
        for (const groupId of target.securityGroups) {
          const key = groupKey({ account: target.account, region: target.region, groupId });
          const unit = byGroup.get(key) ?? { account: target.account, region: target.region, groupId, instanceIds: [] };
          if (!unit.instanceIds.includes(target.instanceId)) unit.instanceIds.push(target.instanceId);
          byGroup.set(key, unit);
          assetsOf.set(key, (assetsOf.get(key) ?? new Set()).add(target.assetId));
        }
      }
      const units: Array<Unit<GroupUnit>> = [];
      const skipped: Array<{ key: string; reason: string }> = [];
      for (const [key, unit] of byGroup) {
        let reason: string | undefined;
        try {
          reason = await guardrail(unit, policy.protectedIdentities);
        } catch (error) {
          // Nothing can be read or changed in an account forestall cannot act in: the unit goes on, its
          // read refuses the same way, and the kernel records that unit failed while the rest go on.
          if (!(error instanceof AccountNotEnrolled)) throw error;
        }
        if (reason) skipped.push({ key, reason });
        else units.push({ key, unit, label: describeGroup(unit), assetIds: [...(assetsOf.get(key) ?? [])] });
      }
      return { units, skipped };
    },

    async read(unit) {
      return { openRules: await api.internetIngressRules(unit) };
    },

    plan(unit, before) {
      if (before.openRules.length === 0) return { nothing: `no ingress open to the internet on ${unit.groupId} (0.0.0.0/0 or ::/0); nothing to revoke` };
      return {
        change: { revoke: before.openRules },
        describe: `revoke ${before.openRules.length} internet ingress rule(s) on ${describeGroup(unit)}: ${describeRules(before.openRules)}`,
      };
    },

    async apply(unit, change) {
      // Listed again, so a retry after a partial revoke sends only what is still open.
      const open = await api.internetIngressRules(unit);
      const still = open.filter(isIn(change.revoke));
      if (still.length === 0) return { vendorObjectId: unit.groupId, detail: `${describeRules(change.revoke)} no longer open on ${unit.groupId}; nothing sent` };
      await api.revokeIngressRules(unit, still.map((rule) => rule.ruleId));
      const gone = change.revoke.filter((rule) => !isIn(still)(rule));
      return {
        vendorObjectId: unit.groupId,
        detail: `revoked ${describeRules(still)} on ${unit.groupId}${gone.length > 0 ? ` (${describeRules(gone)} already closed)` : ''}`,
      };
    },

    async followUp(unit, _change, { actionId }) {
      await api.tagGroup(unit, { [ACTION_ID_TAG]: actionId });
    },

    isApplied(_unit, change, current) {
      return !change.revoke.some(isIn(current.openRules));
    },

    inverse(unit, before) {
      return {
        operation: 'AuthorizeSecurityGroupIngress',
        parameters: { account: unit.account, region: unit.region, groupId: unit.groupId, rules: before.openRules },
        description: `authorize again on security group ${unit.groupId} (${unit.account}/${unit.region}) the internet ingress forestall revoked: ${describeRules(before.openRules)}`,
      };
    },

    async revert(unit, before, _change, current, { actionId }) {
      // A rule a person re-opened meanwhile is left as it is: authorizing it again would be a duplicate.
      const missing = before.openRules.filter((rule) => !isIn(current.openRules)(rule));
      const present = before.openRules.filter(isIn(current.openRules));
      const kept = present.length > 0 ? `; ${describeRules(present)} already open again, not added twice` : '';
      if (missing.length === 0) return { detail: `nothing to restore on ${unit.groupId}${kept}` };
      const specs = missing.map(({ ruleId: _id, description: _description, ...rule }) => rule);
      const created = await api.authorizeIngressRules(unit, specs, `restored by forestall ${actionId}`, { [ACTION_ID_TAG]: actionId });
      return { detail: `restored ${describeRules(missing)} on ${unit.groupId}${created.length > 0 ? ` as ${created.join(', ')}` : ''}${kept}` };
    },

    confirm(unit, before, _change, current) {
      const missing = before.openRules.filter((rule) => !isIn(current.openRules)(rule));
      if (missing.length === 0) return { verdict: 'restored', observed: `${describeRules(before.openRules)} open on ${unit.groupId} again` };
      return { verdict: 'differs', observed: `still missing on ${unit.groupId}: ${describeRules(missing)}` };
    },
  };
}
