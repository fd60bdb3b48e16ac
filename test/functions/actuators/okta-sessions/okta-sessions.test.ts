import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { ActuatorRequest } from '../../../../functions/action-kernel/actuator-request.ts';
import { runActuator, type KernelDeps } from '../../../../functions/action-kernel/run-actuator.ts';
import { oktaSessionsDefinition, type OktaSessionsTarget } from '../../../../functions/actuators/okta-sessions/definition.ts';
import { startLocal } from '../../../../functions/actuators/okta-sessions/local.ts';
import { createOktaClient, type OktaClient, type OktaClientOptions } from '../../../../functions/actuators/okta-sessions/okta-client.ts';
import { NO_INVERSE_DESCRIPTION, oktaSessions, type OktaSessionsOptions } from '../../../../functions/actuators/okta-sessions/okta-sessions.ts';
import { startOktaSimulator } from '../../../../functions/actuators/okta-sessions/okta-simulator.ts';
import { ConfigurationError } from '../../../../functions/config/env.ts';
import { startLocalEventBridgeEndpoint, type ReceivedEvent } from '../../../../functions/local/eventbridge-endpoint.ts';
import { AssetSchema } from '../../../../functions/model/asset.ts';
import { GuardrailPolicySchema, type GuardrailPolicyInput } from '../../../../functions/model/tenant.ts';
import { createEventBridgePublisher } from '../../../../functions/routing/event-publisher.ts';
import { staticCredential, type SecretCredential } from '../../../../functions/vendor/secret-credential.ts';
import { VendorAuthFailed, VendorRateLimited, VendorUnavailable } from '../../../../functions/vendor/vendor-errors.ts';
import { failingActionUpdate, startActionStore } from '../action-store.ts';

const TOKEN = '00-simulated-okta-token';
const APP = '0oa1netscaler000001';
const ADMINS = '00g1netscaleradmins';
const OTHER_APP = '0oa1vpn000000000002';
const OTHER_ADMINS = '00g1vpnadmins000002';
const [ALICE, BOB, CAROL, DAVE, ERIN] = ['00u1alice', '00u1bob', '00u1carol', '00u1dave', '00u1erin'] as const;
const RUN_1 = { id: 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:run-1', label: 'CVE-2023-4966' };
const RUN_2 = { id: 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:run-2', label: 'CVE-2023-6549' };
const TARGET: OktaSessionsTarget = { appId: APP, adminGroupId: ADMINS, assetIds: ['netscaler-1'] };

function apply(hold = RUN_1, overrides: Partial<Extract<ActuatorRequest<OktaSessionsTarget>, { operation: 'apply' }>> = {}): ActuatorRequest<OktaSessionsTarget> {
  return {
    operation: 'apply',
    tenant: 'default',
    execution: hold.id,
    mode: 'enforce',
    reason: `${hold.label}: session hijack on NetScaler Gateway`,
    hold,
    exposureIds: [`${hold.label}|netscaler-1`],
    targets: [TARGET],
    ...overrides,
  };
}

function release(hold = RUN_1): ActuatorRequest<OktaSessionsTarget> {
  return { operation: 'release', tenant: 'default', execution: hold.id, reason: 'patch verified', hold };
}

describe('Okta sessions through the action kernel', () => {
  let sim: Awaited<ReturnType<typeof startOktaSimulator>>;
  let store: Awaited<ReturnType<typeof startActionStore>>;
  let okta: OktaClient;
  let pluginOptions: OktaSessionsOptions;
  let deps: KernelDeps;
  // Page size 2, so every list takes several pages (Link rel="next").
  const client = (overrides: Partial<OktaClientOptions> = {}) => createOktaClient({ orgUrl: sim.url, apiToken: staticCredential(TOKEN), pageSize: 2, timeoutMs: 300, ...overrides });
  const policy = (input: GuardrailPolicyInput) => () => GuardrailPolicySchema.parse(input);
  const run = (request: ActuatorRequest<OktaSessionsTarget>, overrides: Partial<KernelDeps> = {}) => runActuator({ ...deps, ...overrides }, oktaSessions(okta, pluginOptions), request);
  const clears = (userId: string) => sim.state.revocations.filter((revocation) => revocation.userId === userId).length;
  const requests = (operation: string) => sim.requests.filter((request) => request.operation === operation);
  const record = async (userId: string, hold = RUN_1) => (await store.actions.listByExecution('default', hold.id)).find((action) => action.target === `okta-user:${userId}`);

  beforeEach(async () => {
    sim = await startOktaSimulator({
      apps: { [APP]: [ALICE, BOB, CAROL, DAVE, ERIN], [OTHER_APP]: [BOB, DAVE] },
      groups: { [ADMINS]: [ALICE, BOB, CAROL], [OTHER_ADMINS]: [BOB, DAVE] },
      token: TOKEN,
    });
    store = await startActionStore();
    okta = client();
    // The simulated System Log shows a clear at once; the wait for a lagging log has its own test.
    pluginOptions = { systemLogDelaySeconds: 0 };
    deps = { actions: store.actions, targets: store.targets };
  });
  afterEach(async () => {
    await sim.close();
    await store.close();
  });

  it("signs out the admin group's members, one action per user with the inverse `none`; every request passes the API description", async () => {
    const { actions, summary } = await run(apply());
    expect(summary).toEqual({ done: 3 });
    expect(actions.map((action) => action.target)).toEqual([`okta-user:${ALICE}`, `okta-user:${BOB}`, `okta-user:${CAROL}`]);
    expect(actions[0]).toMatchObject({
      status: 'done',
      before: { status: 'ACTIVE', lastLogin: '2024-06-01T00:00:00.000Z' },
      change: { clearSessions: true, oauthTokens: true },
      vendorObjectId: ALICE,
      inverse: { operation: 'none', parameters: { userId: ALICE }, description: NO_INVERSE_DESCRIPTION },
      detail: `cleared the sessions and OAuth tokens of Okta user ${ALICE}@example.com (${ALICE}), admin group ${ADMINS} of app ${APP}`,
    });
    // One-shot: no holds, no expiry.
    expect(actions[0]?.holds).toEqual([]);
    expect(actions[0]?.expiresAt).toBeUndefined();
    expect(sim.state.revocations).toEqual([
      { userId: ALICE, oauthTokens: true },
      { userId: BOB, oauthTokens: true },
      { userId: CAROL, oauthTokens: true },
    ]);
    expect(sim.state.sessions.get(DAVE)).toBe(1);
    expect(sim.state.logEvents.map((event) => [event.eventType, event.target[0]?.id])).toEqual([
      ['user.session.clear', ALICE],
      ['user.session.clear', BOB],
      ['user.session.clear', CAROL],
    ]);
    // Two pages for three members.
    expect(requests('listGroupUsers')).toHaveLength(2);
    expect(sim.requests.every((request) => request.violations === undefined && request.status < 300)).toBe(true);
  });

  it('makes no second clear when the same run applies again, and has nothing to undo on release', async () => {
    await run(apply());
    const again = await run(apply());
    expect(again.summary).toEqual({ done: 3 });
    expect(requests('revokeUserSessions')).toHaveLength(3);

    const released = await run(release());
    expect(released.summary).toEqual({ skipped: 3 });
    expect(released.actions[0]?.detail).toBe(`nothing to release: okta-user:${ALICE} was done by a one-shot change that cannot be undone`);
    expect(requests('revokeUserSessions')).toHaveLength(3);
  });

  it('a later run signs the users out again: each run is its own one-shot change', async () => {
    await run(apply(RUN_1));
    const second = await run(apply(RUN_2));
    expect(second.summary).toEqual({ done: 3 });
    expect(clears(ALICE)).toBe(2);
  });

  it('treats a user in several targets as one unit', async () => {
    const exposureIds = ['CVE-2023-4966|netscaler-1', 'CVE-2023-4966|vpn-1'];
    const { actions } = await run(apply(RUN_1, { exposureIds, targets: [TARGET, { appId: OTHER_APP, adminGroupId: OTHER_ADMINS, assetIds: ['vpn-1'] }] }));
    expect(actions.map((action) => action.target)).toEqual([`okta-user:${ALICE}`, `okta-user:${BOB}`, `okta-user:${CAROL}`, `okta-user:${DAVE}`]);
    expect(actions[1]?.unit).toEqual({
      userId: BOB,
      login: `${BOB}@example.com`,
      sources: [`admin group ${ADMINS} of app ${APP}`, `admin group ${OTHER_ADMINS} of app ${OTHER_APP}`],
      assetIds: ['netscaler-1', 'vpn-1'],
    });
    expect(clears(BOB)).toBe(1);
    // Each record names the exposures of the assets behind its user's applications.
    expect(actions.map((action) => action.exposureIds)).toEqual([[exposureIds[0]], exposureIds, [exposureIds[0]], [exposureIds[1]]]);
  });

  describe('fault injection: exactly one session clear per user', () => {
    async function expectOneClearEach() {
      // What Okta did, whatever it answered: one clear per user, and no one else's.
      expect([ALICE, BOB, CAROL].map(clears)).toEqual([1, 1, 1]);
      expect(sim.state.revocations).toHaveLength(3);
      const records = await store.actions.listByExecution('default', RUN_1.id);
      expect(records.map((action) => action.status)).toEqual(['done', 'done', 'done']);
      expect(records.every((action) => action.inverse?.operation === 'none')).toBe(true);
    }

    it('the DELETE fails before Okta acts (503): the retry finds no clear in the System Log and clears once', async () => {
      sim.fault({ operation: 'revokeUserSessions', when: 'before-change', status: 503 });
      await expect(run(apply())).rejects.toBeInstanceOf(VendorUnavailable);
      expect(await record(ALICE)).toMatchObject({ status: 'applying', before: { status: 'ACTIVE' }, change: { clearSessions: true } });
      expect(sim.state.revocations).toEqual([]);
      await run(apply());
      // The retry asked the System Log before clearing again.
      expect(requests('listLogEvents').length).toBeGreaterThan(0);
      await expectOneClearEach();
    });

    it('Okta cleared the sessions but answered 502: the retry sees the clear in the System Log and does not clear again', async () => {
      sim.fault({ operation: 'revokeUserSessions', when: 'after-change', status: 502 });
      await expect(run(apply())).rejects.toBeInstanceOf(VendorUnavailable);
      expect(clears(ALICE)).toBe(1);
      const retried = await run(apply());
      expect(retried.actions[0]).toMatchObject({ status: 'done', detail: expect.stringContaining('confirmed on retry') });
      await expectOneClearEach();
    });

    it('Okta cleared the sessions but the answer timed out: the same', async () => {
      sim.fault({ operation: 'revokeUserSessions', when: 'after-change', hangMs: 1500 });
      const error = await run(apply()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(VendorUnavailable);
      expect((error as Error).message).toContain('no answer within 300 ms');
      await run(apply());
      await expectOneClearEach();
    });

    it('Okta answered but the record update failed: the retry finishes the record from the System Log', async () => {
      const actions = failingActionUpdate(store.actions, (action) => action.status === 'done');
      await expect(run(apply(), { actions })).rejects.toThrow('simulated DynamoDB outage');
      expect(actions.failures).toBe(1);
      expect(await record(ALICE)).toMatchObject({ status: 'applying' });
      const retried = await run(apply());
      expect(retried.actions[0]).toMatchObject({ status: 'done', detail: expect.stringContaining('confirmed on retry') });
      await expectOneClearEach();
    });

    it('the System Log read is throttled during the reconcile: that retry stops, the next one confirms without clearing again', async () => {
      sim.fault({ operation: 'revokeUserSessions', when: 'after-change', status: 502 });
      await expect(run(apply())).rejects.toBeInstanceOf(VendorUnavailable);
      sim.fault({ operation: 'listLogEvents', when: 'before-change', status: 429 });
      const throttled = await run(apply()).catch((caught: unknown) => caught);
      expect(throttled).toBeInstanceOf(VendorRateLimited);
      expect(clears(ALICE)).toBe(1);
      expect(await record(ALICE)).toMatchObject({ status: 'applying' });
      const retried = await run(apply());
      expect(retried.actions[0]).toMatchObject({ status: 'done', detail: expect.stringContaining('confirmed on retry') });
      await expectOneClearEach();
    });

    it('a System Log that shows the clear late: the retry waits for it instead of clearing again', async () => {
      sim.state.logLagMs = 400;
      pluginOptions = { systemLogDelaySeconds: 1 };
      sim.fault({ operation: 'revokeUserSessions', when: 'after-change', status: 502 });
      await expect(run(apply())).rejects.toBeInstanceOf(VendorUnavailable);
      const retried = await run(apply());
      expect(retried.actions[0]).toMatchObject({ status: 'done', detail: expect.stringContaining('confirmed on retry') });
      await expectOneClearEach();
    });

    it('without that wait, a lagging System Log would make the retry clear a second time (why the wait exists)', async () => {
      sim.state.logLagMs = 5_000;
      sim.fault({ operation: 'revokeUserSessions', when: 'after-change', status: 502 });
      await expect(run(apply())).rejects.toBeInstanceOf(VendorUnavailable);
      await run(apply());
      expect(clears(ALICE)).toBe(2);
    });

    it('an unknown user fails alone and the rest are signed out', async () => {
      sim.state.sessions.delete(CAROL);
      const { summary, actions } = await run(apply());
      expect(summary).toEqual({ done: 2, failed: 1 });
      expect(actions.find((action) => action.status === 'failed')?.detail).toContain('E0000007');
    });

    it('a clear Okta forbids for one user (403: an admin above the token) fails that user alone', async () => {
      sim.fault({ operation: 'revokeUserSessions', when: 'before-change', status: 403, skip: 1 });
      const { summary, actions } = await run(apply());
      expect(summary).toEqual({ done: 2, failed: 1 });
      expect(actions.find((action) => action.status === 'failed')).toMatchObject({ target: `okta-user:${BOB}`, detail: expect.stringContaining('HTTP 403') });
      expect(sim.state.revocations.map((revocation) => revocation.userId)).toEqual([ALICE, CAROL]);
    });
  });

  describe('guardrails', () => {
    it('an app with no admin group signs out nobody unless signOutAllAppUsers', async () => {
      const { actions } = await run(apply(RUN_1, { targets: [{ appId: APP, assetIds: ['netscaler-1'] }] }));
      expect(actions).toEqual([
        expect.objectContaining({
          status: 'skipped',
          target: `okta-app:${APP}`,
          detail: `guardrail: app ${APP} has no admin group; signing out every assigned user needs signOutAllAppUsers`,
        }),
      ]);
      expect(sim.state.revocations).toEqual([]);
      expect(requests('listApplicationUsers')).toEqual([]);
    });

    it('with signOutAllAppUsers, every assigned user is signed out (the list pages, the logins embedded)', async () => {
      const { summary } = await run(apply(RUN_1, { targets: [{ appId: APP, assetIds: ['netscaler-1'] }] }), { policyFor: policy({ signOutAllAppUsers: true }) });
      expect(summary).toEqual({ done: 5 });
      expect(requests('listApplicationUsers')).toHaveLength(3);
      expect(requests('listApplicationUsers').every((request) => new URL(request.url, sim.url).searchParams.get('expand') === 'user')).toBe(true);
      expect(sim.requests.every((request) => request.violations === undefined)).toBe(true);
    });

    it('never signs out a protected identity, named by id or by login', async () => {
      const { actions, summary } = await run(apply(RUN_1, { targets: [{ appId: APP, assetIds: [] }] }), {
        policyFor: policy({ signOutAllAppUsers: true, protectedIdentities: [`okta-user:${ALICE}`, `okta-user:${BOB.toUpperCase()}@Example.com`] }),
      });
      expect(summary).toEqual({ skipped: 2, done: 3 });
      expect(actions.filter((action) => action.status === 'skipped').map((action) => [action.target, action.detail])).toEqual([
        [`okta-user:${ALICE}`, `guardrail: Okta user ${ALICE}@example.com (${ALICE}) is a protected identity; not signed out`],
        [`okta-user:${BOB}`, `guardrail: Okta user ${BOB}@example.com (${BOB}) is a protected identity; not signed out`],
      ]);
      expect(clears(ALICE) + clears(BOB)).toBe(0);
      expect(sim.state.revocations.map((revocation) => revocation.userId)).toEqual([CAROL, DAVE, ERIN]);
    });

    it('never signs anyone out of a protected application', async () => {
      const { actions } = await run(apply(), { policyFor: policy({ protectedIdentities: [`okta-app:${APP}`] }) });
      expect(actions).toEqual([expect.objectContaining({ status: 'skipped', target: `okta-app:${APP}`, detail: expect.stringMatching(/^guardrail: okta-app:.* is a protected identity/) })]);
      expect(sim.requests).toEqual([]);
    });

    it('above the user cap signs out nobody, and says how many and the cap', async () => {
      const { actions } = await run(apply(), { policyFor: policy({ maxUsersPerIdentityAction: 2 }) });
      expect(actions).toEqual([
        expect.objectContaining({
          status: 'skipped',
          target: `okta-app:${APP}`,
          detail: `guardrail: 3 users to sign out exceed maxUsersPerIdentityAction (2); nobody signed out (3 of them from app ${APP})`,
        }),
      ]);
      expect(sim.state.revocations).toEqual([]);
    });

    it('protected users do not count towards the cap', async () => {
      const { summary } = await run(apply(), { policyFor: policy({ maxUsersPerIdentityAction: 2, protectedIdentities: [`okta-user:${ALICE}`] }) });
      expect(summary).toEqual({ skipped: 1, done: 2 });
    });
  });

  describe('credentials and rate limits', () => {
    it('reads the secret again once when Okta refuses the token, then acts', async () => {
      let current = 'before-rotation';
      let refreshes = 0;
      const rotated: SecretCredential = {
        get: async () => current,
        refresh: async () => {
          refreshes += 1;
          current = TOKEN;
          return current;
        },
      };
      okta = client({ apiToken: rotated });
      expect((await run(apply())).summary).toEqual({ done: 3 });
      expect(refreshes).toBe(1);
      expect(sim.requests.filter((request) => request.status === 401)).toHaveLength(1);
    });

    it('a second 401 is VendorAuthFailed, and nothing is signed out', async () => {
      let refreshes = 0;
      okta = client({ apiToken: { get: async () => 'wrong', refresh: async () => ((refreshes += 1), 'still-wrong') } });
      const error = await run(apply()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(VendorAuthFailed);
      expect((error as VendorAuthFailed).message).toContain('E0000011');
      expect(refreshes).toBe(1);
      expect(sim.requests).toHaveLength(2);
      expect(sim.state.revocations).toEqual([]);
    });

    it("waits out a short X-Rate-Limit-Reset in the invocation and surfaces a long one as VendorRateLimited", async () => {
      const waits: number[] = [];
      okta = client({ sleep: async (ms) => void waits.push(ms) });
      sim.state.rateLimitResetSeconds = 2;
      sim.throttle(1);
      expect((await run(apply())).summary).toEqual({ done: 3 });
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThan(0);
      expect(waits[0]).toBeLessThanOrEqual(2_000);

      okta = client();
      sim.state.rateLimitResetSeconds = 30;
      sim.throttle(1);
      const error = await run(apply(RUN_2)).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'VendorRateLimited', vendor: 'okta' });
      expect((error as VendorRateLimited).retryAfterSeconds).toBeGreaterThan(25);
      expect((error as VendorRateLimited).retryAfterSeconds).toBeLessThanOrEqual(31);
    });

    it('refuses an org URL that would carry the token without TLS', () => {
      expect(() => createOktaClient({ orgUrl: 'http://example.okta.com', apiToken: staticCredential(TOKEN) })).toThrow(ConfigurationError);
      expect(() => createOktaClient({ orgUrl: 'https://example.okta.com', apiToken: staticCredential(TOKEN) })).not.toThrow();
    });

    it('sends the token to no origin but the org, whatever a Link header says', async () => {
      const foreign: string[] = [];
      const server = createServer((request, response) => {
        foreign.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`);
        response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const elsewhere = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const rewriting: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        const link = response.headers.get('link');
        if (!link) return response;
        const headers = new Headers(response.headers);
        headers.set('link', link.replaceAll(sim.url, elsewhere));
        return new Response(response.body, { status: response.status, headers });
      };
      okta = client({ fetch: rewriting });
      await expect(run(apply())).rejects.toThrow(`refusing to follow ${elsewhere}, which is not the org ${sim.url}`);
      expect(foreign).toEqual([]);
      expect(sim.state.revocations).toEqual([]);
    });
  });

  it('in shadow mode records and announces whom it would sign out and signs out no one', async () => {
    const received: ReceivedEvent[] = [];
    const endpoint = await startLocalEventBridgeEndpoint((events) => void received.push(...events));
    onTestFinished(() => endpoint.close());
    const eventBridge = new EventBridgeClient({ endpoint: endpoint.url, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    onTestFinished(() => eventBridge.destroy());
    const { actions, summary } = await run(apply(RUN_1, { mode: 'shadow' }), { publishEvents: createEventBridgePublisher(eventBridge, 'forestall') });
    expect(summary).toEqual({ skipped: 3 });
    expect(actions[0]).toMatchObject({
      dryRun: true,
      detail: `shadow: would clear the sessions and OAuth tokens of Okta user ${ALICE}@example.com (${ALICE}), admin group ${ADMINS} of app ${APP} (status ACTIVE, last sign-in 2024-06-01T00:00:00.000Z)`,
    });
    expect(requests('revokeUserSessions')).toEqual([]);
    expect(sim.state.revocations).toEqual([]);
    expect(received.map((event) => [event.detailType, (event.detail as { dryRun: boolean }).dryRun])).toEqual([
      ['Action Taken', true],
      ['Action Taken', true],
      ['Action Taken', true],
    ]);
  });

  describe('the simulator', () => {
    it('rejects a request without credentials with 400 naming the violation', async () => {
      const response = await fetch(`${sim.url}/api/v1/users/${ALICE}/sessions`, { method: 'DELETE' });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain('authorization: no documented credentials present');
    });

    it('answers System Log queries by time and filter, and refuses filters it does not understand', async () => {
      const before = new Date().toISOString();
      await okta.clearUserSessions(ALICE);
      await okta.clearUserSessions(BOB);
      expect(await okta.listSessionClears(ALICE, before)).toHaveLength(1);
      expect(await okta.listSessionClears(CAROL, before)).toEqual([]);
      expect(await okta.listSessionClears(ALICE, new Date(Date.now() + 60_000).toISOString())).toEqual([]);
      const response = await fetch(`${sim.url}/api/v1/logs?filter=${encodeURIComponent(`actor.id eq "${ALICE}"`)}`, { headers: { authorization: `SSWS ${TOKEN}` } });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errorSummary: string }).errorSummary).toContain('filter');
    });
  });
});

describe('the Okta sessions definition and local stand-in', () => {
  const estate = [
    { id: 'netscaler-1', idp: { vendor: 'okta', appId: APP } },
    { id: 'netscaler-2', idp: { vendor: 'okta', appId: APP, adminGroupId: ADMINS } },
    { id: 'vpn-1', idp: { vendor: 'okta', appId: OTHER_APP, adminGroupId: OTHER_ADMINS } },
    { id: 'entra-app', idp: { vendor: 'entra', directoryId: '6b1a3e64-8f7a-4a4e-9a51-1d2f3c4b5a69', adminGroupId: '0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f' } },
    { id: 'web-1' },
  ].map((asset) => AssetSchema.parse(asset));

  it('gives one target per Okta application, with its admin group and every asset behind it', () => {
    const targets = oktaSessionsDefinition.targetsFor(estate);
    expect(targets).toEqual([
      { appId: APP, adminGroupId: ADMINS, assetIds: ['netscaler-1', 'netscaler-2'] },
      { appId: OTHER_APP, adminGroupId: OTHER_ADMINS, assetIds: ['vpn-1'] },
    ]);
    expect(targets.map((target) => oktaSessionsDefinition.assetIdsOf(target))).toEqual([['netscaler-1', 'netscaler-2'], ['vpn-1']]);
    expect(oktaSessionsDefinition.targetSchema.safeParse({ ...targets[0], extra: true }).success).toBe(false);
    expect(oktaSessionsDefinition).toMatchObject({ name: 'okta-sessions', surface: 'identity', reversible: false });
  });

  it('starts an org knowing the estate, which the handler environment points at', async () => {
    const local = await startLocal({ assets: estate });
    onTestFinished(() => local.close());
    expect(local.env).toEqual({ OKTA_ORG_URL: local.simulator.url, OKTA_API_TOKEN: 'local-okta-token' });
    const store = await startActionStore();
    onTestFinished(() => store.close());
    const okta = createOktaClient({ orgUrl: local.env.OKTA_ORG_URL ?? '', apiToken: staticCredential(local.env.OKTA_API_TOKEN ?? '') });
    const { summary } = await runActuator({ actions: store.actions, targets: store.targets }, oktaSessions(okta), apply(RUN_1, { targets: oktaSessionsDefinition.targetsFor(estate) }));
    // Two admins per app, both apps with the same two: two users, each signed out once.
    expect(summary).toEqual({ done: 2 });
    expect(local.describe()).toBe('2 Okta sessions cleared');
  });
});
