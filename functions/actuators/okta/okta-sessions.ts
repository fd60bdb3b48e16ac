import type { ActionRecord } from '../../model/action.ts';
import { runAction } from '../actuator-request.ts';
import type { ActionFlowDeps, OktaRequest } from '../actuator-request.ts';
import type { OktaClient, OktaUserRef } from './okta-client.ts';

const ACTUATOR = 'okta-sessions';

/** Cleared sessions cannot be given back: the inverse is recorded as `none` with this explanation. */
export const NO_INVERSE_DESCRIPTION = 'none: users sign in again; sessions cannot be restored';

export interface OktaSessionsDeps extends ActionFlowDeps {
  okta: OktaClient;
}

/**
 * Signs out the users of each target application: the members of its admin group when one is given
 * (the accounts an attacker most wants), otherwise every assigned user. One action per user, so a retry
 * skips the users already signed out. Revert is a no-op that says why.
 */
export async function clearAppSessions(deps: OktaSessionsDeps, request: OktaRequest): Promise<{ actions: ActionRecord[] }> {
  const actions: ActionRecord[] = [];
  if (request.operation === 'revert') {
    for (const target of request.targets) {
      actions.push(
        await runAction(
          deps,
          request,
          { actuator: ACTUATOR, operation: 'revert', target: `okta-app:${target.appId}`, wouldDo: 'do nothing: cleared sessions cannot be restored' },
          async () => ({ status: 'skipped', detail: 'nothing to revert: cleared sessions cannot be restored; users sign in again' }),
        ),
      );
    }
    return { actions };
  }

  const seen = new Set<string>();
  for (const target of request.targets) {
    const source = target.adminGroupId ? `admin group ${target.adminGroupId} of app ${target.appId}` : `app ${target.appId}`;
    const users: OktaUserRef[] = target.adminGroupId ? await deps.okta.listGroupUsers(target.adminGroupId) : await deps.okta.listAppUsers(target.appId);
    for (const user of users) {
      // A user in several targets is signed out once.
      if (seen.has(user.id)) continue;
      seen.add(user.id);
      const who = user.login ? `${user.login} (${user.id})` : user.id;
      actions.push(
        await runAction(
          deps,
          request,
          {
            actuator: ACTUATOR,
            operation: 'apply',
            target: `okta-user:${user.id}`,
            request: { method: 'DELETE', path: `/api/v1/users/${user.id}/sessions`, oauthTokens: true },
            wouldDo: `clear the sessions and OAuth tokens of ${who}, member of ${source}`,
            inverse: { operation: 'none', parameters: { userId: user.id }, description: NO_INVERSE_DESCRIPTION },
          },
          async () => {
            await deps.okta.clearUserSessions(user.id);
            return {
              vendorObjectId: user.id,
              detail: `cleared sessions and OAuth tokens of ${who} (${source})`,
              inverse: { operation: 'none', parameters: { userId: user.id }, description: NO_INVERSE_DESCRIPTION },
            };
          },
        ),
      );
    }
  }
  return { actions };
}
