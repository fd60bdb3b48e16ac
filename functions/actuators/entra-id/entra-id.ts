import { z } from 'zod';
import type { ActuatorPlugin, Unit } from '../../action-kernel/actuator-plugin.ts';
import type { GuardrailPolicy } from '../../model/tenant.ts';
import { VendorRequestFailed } from '../../vendor/vendor-errors.ts';
import { EntraTargetSchema, type EntraTarget } from './definition.ts';
import type { EntraUserRef, GraphClient } from './graph-client.ts';

const UnitSchema = z.object({
  directoryId: z.string().min(1),
  userId: z.string().min(1),
  userPrincipalName: z.string().min(1),
  assetIds: z.array(z.string()),
});
/** One user in one directory, however many admin groups and assets name it. */
export type EntraUserUnit = z.infer<typeof UnitSchema>;

const BeforeSchema = z.object({
  accountEnabled: z.boolean(),
  /** Graph's signInSessionsValidFromDateTime: tokens issued before it are invalid. */
  signInSessionsValidFrom: z.string().nullable(),
});
/** The account as Graph shows it: recorded before the change, and read again to reconcile and confirm. */
export type EntraAccountState = z.infer<typeof BeforeSchema>;

const ChangeSchema = z.object({ disable: z.literal(true), revokeSessions: z.literal(true) });
/** Disable the account, then revoke its sign-in sessions (a follow-up call). */
export type EntraAccountChange = z.infer<typeof ChangeSchema>;

/** What the kernel records for a unit: its key, e.g. `entra-user:<directory id>/<object id>`. */
export const entraUserKey = (directoryId: string, userId: string) => `entra-user:${directoryId}/${userId}`;
const describeUser = (unit: EntraUserUnit) => `Entra account ${unit.userPrincipalName} (${unit.userId}, asset ${unit.assetIds.join(', ')})`;

/**
 * The account was disabled but Graph refused to revoke its sessions. Deliberately not a VendorRequestFailed:
 * the kernel records a refused unit as `failed` and frees it, which would leave an account forestall disabled
 * with no hold, never enabled again. As any other error it stops the request with the record `applying`, so
 * a retry sends the revoke again and a release (the run failing) settles the record and enables the account.
 */
export class SessionRevocationFailed extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionRevocationFailed';
  }
}

/** The `entra-user:` identities that protect this user: its object id, its principal name, or its key. */
function isProtected(policy: GuardrailPolicy, unit: EntraUserUnit): boolean {
  // Object ids and principal names are case-insensitive in Entra ID.
  const names = new Set([`entra-user:${unit.userId}`, `entra-user:${unit.userPrincipalName}`, entraUserKey(unit.directoryId, unit.userId)].map((name) => name.toLowerCase()));
  return policy.protectedIdentities.some((identity) => names.has(identity.toLowerCase()));
}

/**
 * Admin accounts in Microsoft Entra ID as a kernel plugin. A unit is one user, a member of a target's admin
 * group; protected identities (break-glass accounts) are never touched, and when more users than the
 * tenant's `maxUsersPerIdentityAction` would be disabled, none are. The change disables the account
 * (PATCH accountEnabled false) and then, as the follow-up the kernel repeats on a reconciling retry, revokes
 * its sign-in sessions. An account already disabled is left alone and never enabled by forestall. A revert
 * enables the account again; revoked sessions stay revoked (the user signs in again).
 */
export function entraId(graph: GraphClient): ActuatorPlugin<EntraTarget, EntraUserUnit, EntraAccountState, EntraAccountChange> {
  return {
    name: 'entra-id',
    reversible: true,
    targetSchema: EntraTargetSchema,
    unitSchema: UnitSchema,
    beforeSchema: BeforeSchema,
    changeSchema: ChangeSchema,

    async units(targets, { policy }) {
      const skipped: Array<{ key: string; reason: string }> = [];
      const byUser = new Map<string, EntraUserUnit>();
      for (const target of targets) {
        const group = `entra-group:${target.adminGroupId}`;
        const groupKey = `entra-group:${target.directoryId}/${target.adminGroupId}`;
        if (policy.protectedIdentities.some((identity) => identity.toLowerCase() === group.toLowerCase())) {
          skipped.push({ key: groupKey, reason: `guardrail: ${group} is a protected identity; none of its members are disabled` });
          continue;
        }
        let members: EntraUserRef[];
        try {
          members = await graph.listGroupUsers(target.directoryId, target.adminGroupId);
        } catch (error) {
          // A group Graph does not know (a stale inventory) leaves that target out, not the others.
          if (error instanceof VendorRequestFailed && (error.status === undefined || error.status < 500)) {
            skipped.push({ key: groupKey, reason: `admin group ${target.adminGroupId} of directory ${target.directoryId} (asset ${target.assetIds.join(', ')}) could not be listed: ${error.message}` });
            continue;
          }
          throw error;
        }
        for (const member of members) {
          const key = entraUserKey(target.directoryId, member.id);
          if (member.userPrincipalName === null) {
            // Without the name, protections by principal name cannot be checked: never act blind.
            skipped.push({ key, reason: `guardrail: Graph withheld the userPrincipalName of ${member.id} (is User.Read.All consented?), so protected identities cannot be checked; not disabled` });
            continue;
          }
          const unit = byUser.get(key) ?? { directoryId: target.directoryId, userId: member.id, userPrincipalName: member.userPrincipalName, assetIds: [] };
          for (const assetId of target.assetIds) if (!unit.assetIds.includes(assetId)) unit.assetIds.push(assetId);
          byUser.set(key, unit);
        }
      }

      const candidates: Array<Unit<EntraUserUnit>> = [];
      for (const [key, unit] of byUser) {
        if (isProtected(policy, unit)) skipped.push({ key, reason: `guardrail: ${unit.userPrincipalName} (${unit.userId}) is a protected identity; never disabled` });
        else candidates.push({ key, unit, label: describeUser(unit) });
      }
      if (candidates.length > policy.maxUsersPerIdentityAction) {
        const reason = `guardrail: ${candidates.length} Entra accounts would be disabled, more than maxUsersPerIdentityAction (${policy.maxUsersPerIdentityAction}); none are`;
        return { units: [], skipped: [...skipped, ...candidates.map(({ key }) => ({ key, reason }))] };
      }
      return { units: candidates, skipped };
    },

    // `since` is not needed: whether the change stands is read from accountEnabled (see isApplied).
    async read(unit) {
      const user = await graph.getUser(unit.directoryId, unit.userId);
      return { accountEnabled: user.accountEnabled, signInSessionsValidFrom: user.signInSessionsValidFromDateTime };
    },

    plan(unit, before) {
      if (!before.accountEnabled) {
        return { nothing: `${describeUser(unit)} was already disabled, not by forestall; left as it is and never enabled by forestall` };
      }
      return {
        change: { disable: true, revokeSessions: true },
        describe: `disable ${describeUser(unit)} and revoke its sign-in sessions (was enabled; sessions valid from ${before.signInSessionsValidFrom ?? 'unknown'})`,
      };
    },

    // Called only when the latest read showed the account enabled (a first attempt, or a retry whose PATCH
    // never took effect), so the PATCH is always what is still needed; setting false twice is harmless.
    async apply(unit) {
      await graph.setAccountEnabled(unit.directoryId, unit.userId, false);
      return { vendorObjectId: unit.userId, detail: `disabled ${describeUser(unit)} (was enabled) and revoked its sign-in sessions` };
    },

    // Runs after the PATCH and again on every retry that finds the account disabled, so a throttled or
    // failed revoke is sent again rather than lost. Revoking twice only moves the validity time forward.
    async followUp(unit, change) {
      if (!change.revokeSessions) return;
      try {
        await graph.revokeSignInSessions(unit.directoryId, unit.userId);
      } catch (error) {
        if (error instanceof VendorRequestFailed) {
          throw new SessionRevocationFailed(`${describeUser(unit)} is disabled but its sign-in sessions were not revoked: ${error.message}`, { cause: error });
        }
        throw error;
      }
    },

    // The lasting part of the change is the disabled account. The revoke time is deliberately not part of
    // the check: the kernel treats "not applied" as "nothing was changed", so a disabled account whose revoke
    // had not yet happened would be recorded as unchanged and then mistaken for one a person disabled (never
    // enabled again); and joining runs are checked against the time of joining, which no revoke precedes.
    // The revoke itself is made sure of by followUp, which the kernel repeats on a reconciling retry.
    isApplied(_unit, _change, current) {
      return !current.accountEnabled;
    },

    inverse(unit) {
      return {
        operation: 'enable_account',
        parameters: { directoryId: unit.directoryId, userId: unit.userId },
        description: `enable ${describeUser(unit)} again (accountEnabled true, as before); the revoked sign-in sessions stay revoked: the user signs in again`,
      };
    },

    async revert(unit) {
      await graph.setAccountEnabled(unit.directoryId, unit.userId, true);
      return { detail: `enabled ${describeUser(unit)} again; its revoked sign-in sessions stay revoked` };
    },

    confirm(_unit, before, _change, current) {
      if (current.accountEnabled === before.accountEnabled) return { verdict: 'restored', observed: 'account enabled' };
      return { verdict: 'differs', observed: 'account still disabled, was enabled' };
    },
  };
}
