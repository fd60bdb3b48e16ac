import { z } from 'zod';
import type { ActuatorPlugin, Unit } from '../../action-kernel/actuator-plugin.ts';
import type { GuardrailPolicy } from '../../model/tenant.ts';
import { OktaSessionsTargetSchema, type OktaSessionsTarget } from './definition.ts';
import type { OktaClient, OktaUserRef } from './okta-client.ts';

/** Cleared sessions cannot be given back: the inverse is recorded as `none` with this explanation. */
export const NO_INVERSE_DESCRIPTION = 'none: users sign in again; sessions cannot be restored';

const UnitSchema = z.object({
  userId: z.string().min(1),
  login: z.string().optional(),
  /** Why this user is signed out: `admin group <g> of app <a>`, one entry per target naming them. */
  sources: z.array(z.string()),
  assetIds: z.array(z.string()),
});
type UserUnit = z.infer<typeof UnitSchema>;

const BeforeSchema = z.object({
  status: z.string(),
  lastLogin: z.string().nullable(),
  /** Only when read to reconcile an attempt: System Log `user.session.clear` times at or after it. */
  sessionClears: z.array(z.string()).optional(),
});
type UserState = z.infer<typeof BeforeSchema>;

const ChangeSchema = z.object({ clearSessions: z.literal(true), oauthTokens: z.literal(true) });
type SessionClear = z.infer<typeof ChangeSchema>;

export interface OktaSessionsOptions {
  /**
   * How long the System Log may take to show a session clear (Okta calls it near real-time). A retry that
   * finds no clear for an attempt younger than this waits until the attempt is that old and looks once
   * more, rather than signing the user out a second time. Default 10 s.
   */
  systemLogDelaySeconds?: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

const userKey = (userId: string) => `okta-user:${userId}`;
const appKey = (appId: string) => `okta-app:${appId}`;
const describeUser = (unit: Pick<UserUnit, 'userId' | 'login'>) => (unit.login ? `Okta user ${unit.login} (${unit.userId})` : `Okta user ${unit.userId}`);

/** Break-glass and service accounts: named by id or by login (Okta logins are case-insensitive). */
function isProtectedUser(policy: GuardrailPolicy, user: OktaUserRef): boolean {
  if (policy.protectedIdentities.includes(userKey(user.id))) return true;
  const login = user.login === undefined ? undefined : userKey(user.login).toLowerCase();
  return login !== undefined && policy.protectedIdentities.some((identity) => identity.toLowerCase() === login);
}

/**
 * Signing users out of Okta as a kernel plugin: a one-shot change per user (sessions and OAuth tokens
 * cleared), with nothing to undo. A unit is one user, however many targeted applications name them.
 * Only an application's admin group is signed out unless the tenant allows signing out every assigned
 * user; protected identities are never signed out, and above the tenant's user cap nobody is. A retry of
 * an attempt whose answer was lost reads Okta's System Log for the clear instead of clearing again.
 */
export function oktaSessions(okta: OktaClient, options: OktaSessionsOptions = {}): ActuatorPlugin<OktaSessionsTarget, UserUnit, UserState, SessionClear> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const logDelayMs = (options.systemLogDelaySeconds ?? 10) * 1000;

  return {
    name: 'okta-sessions',
    reversible: false,
    targetSchema: OktaSessionsTargetSchema,
    unitSchema: UnitSchema,
    beforeSchema: BeforeSchema,
    changeSchema: ChangeSchema,

    async units(targets, { policy }) {
      const byUser = new Map<string, UserUnit>();
      const usersOfApp = new Map<string, Set<string>>();
      const skipped: Array<{ key: string; reason: string }> = [];
      for (const target of targets) {
        const app = appKey(target.appId);
        if (policy.protectedIdentities.includes(app)) {
          skipped.push({ key: app, reason: `guardrail: ${app} is a protected identity; nobody signed out of it` });
          continue;
        }
        let users: OktaUserRef[];
        let source: string;
        if (target.adminGroupId) {
          users = await okta.listGroupUsers(target.adminGroupId);
          source = `admin group ${target.adminGroupId} of app ${target.appId}`;
        } else if (policy.signOutAllAppUsers) {
          users = await okta.listAppUsers(target.appId);
          source = `assigned to app ${target.appId} (signOutAllAppUsers)`;
        } else {
          // Without an admin group the only choice is everyone assigned: never by default.
          skipped.push({ key: app, reason: `guardrail: app ${target.appId} has no admin group; signing out every assigned user needs signOutAllAppUsers` });
          continue;
        }
        const ofApp = usersOfApp.get(target.appId) ?? new Set<string>();
        usersOfApp.set(target.appId, ofApp);
        for (const user of users) {
          ofApp.add(user.id);
          const unit = byUser.get(user.id) ?? { userId: user.id, ...(user.login ? { login: user.login } : {}), sources: [], assetIds: [] };
          if (!unit.sources.includes(source)) unit.sources.push(source);
          for (const assetId of target.assetIds) if (!unit.assetIds.includes(assetId)) unit.assetIds.push(assetId);
          byUser.set(user.id, unit);
        }
      }

      // A protected login must be matched even where the list did not give the login.
      if (policy.protectedIdentities.some((identity) => identity.startsWith('okta-user:'))) {
        for (const unit of byUser.values()) {
          if (unit.login === undefined) {
            const { login } = await okta.getUser(unit.userId);
            if (login) unit.login = login;
          }
        }
      }

      const candidates: UserUnit[] = [];
      for (const unit of byUser.values()) {
        if (isProtectedUser(policy, { id: unit.userId, ...(unit.login ? { login: unit.login } : {}) })) {
          skipped.push({ key: userKey(unit.userId), reason: `guardrail: ${describeUser(unit)} is a protected identity; not signed out` });
        } else {
          candidates.push(unit);
        }
      }

      const cap = policy.maxUsersPerIdentityAction;
      if (candidates.length > cap) {
        // All or none: signing out an arbitrary first few would be a choice nobody made. One record per
        // application, not per user, so a very large app cannot outlast the invocation writing them.
        const signedOut = new Set(candidates.map((unit) => unit.userId));
        for (const [appId, ids] of usersOfApp) {
          const fromApp = [...ids].filter((id) => signedOut.has(id)).length;
          if (fromApp === 0) continue;
          skipped.push({
            key: appKey(appId),
            reason: `guardrail: ${candidates.length} users to sign out exceed maxUsersPerIdentityAction (${cap}); nobody signed out (${fromApp} of them from app ${appId})`,
          });
        }
        return { units: [], skipped };
      }
      const units: Array<Unit<UserUnit>> = candidates.map((unit) => ({ key: userKey(unit.userId), unit, label: describeUser(unit), assetIds: unit.assetIds }));
      return { units, skipped };
    },

    async read(unit, since) {
      const user = await okta.getUser(unit.userId);
      const state: UserState = { status: user.status, lastLogin: user.lastLogin };
      if (since === undefined) return state;
      let clears = await okta.listSessionClears(unit.userId, since);
      const settlesIn = Date.parse(since) + logDelayMs - now().getTime();
      if (clears.length === 0 && settlesIn > 0) {
        // The clear may have happened and not be logged yet: one more look once the log has caught up.
        await sleep(settlesIn);
        clears = await okta.listSessionClears(unit.userId, since);
      }
      return { ...state, sessionClears: clears };
    },

    plan(unit, before) {
      return {
        change: { clearSessions: true, oauthTokens: true },
        describe: `clear the sessions and OAuth tokens of ${describeUser(unit)}, ${unit.sources.join('; ')} (status ${before.status}, last sign-in ${before.lastLogin ?? 'never'})`,
      };
    },

    async apply(unit) {
      await okta.clearUserSessions(unit.userId);
      return { vendorObjectId: unit.userId, detail: `cleared the sessions and OAuth tokens of ${describeUser(unit)}, ${unit.sources.join('; ')}` };
    },

    isApplied(_unit, _change, current, attemptedAt) {
      const attempted = Date.parse(attemptedAt);
      return (current.sessionClears ?? []).some((time) => Date.parse(time) >= attempted);
    },

    inverse(unit) {
      return { operation: 'none', parameters: { userId: unit.userId }, description: NO_INVERSE_DESCRIPTION };
    },
  };
}
