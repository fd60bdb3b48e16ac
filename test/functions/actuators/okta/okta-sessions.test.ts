import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OktaRequest } from '../../../../functions/actuators/actuator-request.ts';
import { createOktaClient } from '../../../../functions/actuators/okta/okta-client.ts';
import { clearAppSessions, NO_INVERSE_DESCRIPTION } from '../../../../functions/actuators/okta/okta-sessions.ts';
import { VendorAuthFailed, VendorRateLimited } from '../../../../functions/actuators/vendor-errors.ts';
import { startOktaSimulator } from '../../../../functions/local/simulators/okta-simulator.ts';
import { startActionStore } from '../action-store.ts';

const TOKEN = '00-simulated-okta-token';

function request(overrides: Partial<OktaRequest> = {}): OktaRequest {
  return {
    tenant: 'default',
    execution: 'exec-okta-1',
    operation: 'apply',
    dryRun: false,
    reason: 'CVE-2023-4966: session hijack on NetScaler Gateway',
    exposureIds: ['CVE-2023-4966|netscaler-1'],
    targets: [{ appId: '0oa-netscaler', adminGroupId: '00g-netscaler-admins', assetIds: ['netscaler-1'] }],
    ...overrides,
  };
}

describe('Okta sessions actuator', () => {
  let sim: Awaited<ReturnType<typeof startOktaSimulator>>;
  let store: Awaited<ReturnType<typeof startActionStore>>;
  let deps: Parameters<typeof clearAppSessions>[0];

  beforeEach(async () => {
    sim = await startOktaSimulator({
      apps: { '0oa-netscaler': ['00u-alice', '00u-bob', '00u-carol', '00u-dave', '00u-erin'] },
      groups: { '00g-netscaler-admins': ['00u-alice', '00u-bob', '00u-carol'] },
      token: TOKEN,
    });
    store = await startActionStore();
    // Page size 2 so every list takes several pages (Link rel="next").
    deps = { actions: store.actions, okta: createOktaClient({ orgUrl: sim.url, apiToken: TOKEN, pageSize: 2 }) };
  });
  afterEach(async () => {
    await sim.close();
    await store.close();
  });

  it('clears the sessions of every admin-group member, one action per user, with no inverse', async () => {
    const { actions } = await clearAppSessions(deps, request());
    expect(actions.map((action) => action.target)).toEqual(['okta-user:00u-alice', 'okta-user:00u-bob', 'okta-user:00u-carol']);
    expect(actions.every((action) => action.status === 'done' && action.inverse?.operation === 'none')).toBe(true);
    expect(actions[0]?.inverse?.description).toBe(NO_INVERSE_DESCRIPTION);
    expect(sim.state.revocations).toEqual([
      { userId: '00u-alice', oauthTokens: true },
      { userId: '00u-bob', oauthTokens: true },
      { userId: '00u-carol', oauthTokens: true },
    ]);
    expect(sim.state.sessions.get('00u-dave')).toBe(1);
    // Two pages for three members, and every request matched Okta's API document.
    expect(sim.requests.filter((r) => r.operation === 'listGroupUsers')).toHaveLength(2);
    expect(sim.requests.every((r) => r.violations === undefined && r.status < 300)).toBe(true);
  });

  it('falls back to all app users when no admin group is known', async () => {
    const { actions } = await clearAppSessions(deps, request({ targets: [{ appId: '0oa-netscaler', assetIds: [] }] }));
    expect(actions).toHaveLength(5);
    expect(sim.requests.filter((r) => r.operation === 'listApplicationUsers')).toHaveLength(3);
  });

  it('does not sign anyone out twice when the same execution is retried', async () => {
    await clearAppSessions(deps, request());
    const second = await clearAppSessions(deps, request());
    expect(second.actions).toHaveLength(3);
    expect(sim.state.revocations).toHaveLength(3);
    expect(sim.requests.filter((r) => r.method === 'DELETE')).toHaveLength(3);
  });

  it('in dry-run lists who would be signed out and signs out no one', async () => {
    const { actions } = await clearAppSessions(deps, request({ dryRun: true }));
    expect(actions.map((action) => action.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(actions[0]?.detail).toMatch(/^dry-run: would clear the sessions and OAuth tokens of 00u-alice@example.com/);
    expect(sim.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('revert is a recorded no-op that explains why', async () => {
    const { actions } = await clearAppSessions(deps, request({ operation: 'revert' }));
    expect(actions).toEqual([expect.objectContaining({ status: 'skipped', operation: 'revert', detail: expect.stringContaining('cannot be restored') })]);
    expect(sim.requests).toHaveLength(0);
  });

  it('turns 429 into VendorRateLimited with the reset time, and marks the action failed', async () => {
    // Let the two list pages through, then throttle the first DELETE.
    const okta = createOktaClient({ orgUrl: sim.url, apiToken: TOKEN, pageSize: 200 });
    const members = await okta.listGroupUsers('00g-netscaler-admins');
    expect(members.map((member) => member.id)).toEqual(['00u-alice', '00u-bob', '00u-carol']);
    sim.throttle(1);
    await expect(okta.clearUserSessions('00u-alice')).rejects.toBeInstanceOf(VendorRateLimited);
    sim.throttle(2);
    const error = await clearAppSessions({ ...deps, okta }, request()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'VendorRateLimited', vendor: 'okta' });
    expect((error as VendorRateLimited).retryAfterSeconds).toBeGreaterThan(0);
    expect((error as VendorRateLimited).retryAfterSeconds).toBeLessThanOrEqual(31);
  });

  it('turns a rejected token into VendorAuthFailed', async () => {
    const okta = createOktaClient({ orgUrl: sim.url, apiToken: 'wrong' });
    await expect(okta.listAppUsers('0oa-netscaler')).rejects.toBeInstanceOf(VendorAuthFailed);
  });

  it('rejects a request without credentials with 400 naming the violation', async () => {
    const response = await fetch(`${sim.url}/api/v1/users/00u-alice/sessions`, { method: 'DELETE' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('authorization: no documented credentials present');
  });
});
