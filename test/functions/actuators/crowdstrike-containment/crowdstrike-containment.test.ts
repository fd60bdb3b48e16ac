import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { actionId, type ActuatorRequest } from '../../../../functions/action-kernel/actuator-request.ts';
import { runActuator, type KernelDeps } from '../../../../functions/action-kernel/run-actuator.ts';
import { crowdStrikeContainment } from '../../../../functions/actuators/crowdstrike-containment/crowdstrike-containment.ts';
import type { CrowdStrikeTarget } from '../../../../functions/actuators/crowdstrike-containment/definition.ts';
import { createFalconClient, type FalconClient } from '../../../../functions/actuators/crowdstrike-containment/falcon-client.ts';
import { startCrowdStrikeSimulator } from '../../../../functions/actuators/crowdstrike-containment/falcon-simulator.ts';
import { startLocalEventBridgeEndpoint, type ReceivedEvent } from '../../../../functions/local/eventbridge-endpoint.ts';
import { GuardrailPolicySchema } from '../../../../functions/model/tenant.ts';
import { createEventBridgePublisher } from '../../../../functions/routing/event-publisher.ts';
import { TargetBusy } from '../../../../functions/store/ports.ts';
import { staticCredential, type SecretCredential } from '../../../../functions/vendor/secret-credential.ts';
import { VendorAuthFailed, VendorRateLimited, VendorUnavailable } from '../../../../functions/vendor/vendor-errors.ts';
import { failingActionUpdate, startActionStore } from '../action-store.ts';

const AID = '5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0';
const OTHER = '0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5';
const UNKNOWN = 'ffffffffffffffffffffffffffffffff';
const RUN_1 = { id: 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:run-1', label: 'CVE-2023-4966' };
const RUN_2 = { id: 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:run-2', label: 'CVE-2023-6549' };
const CREDENTIALS = JSON.stringify({ clientId: 'client-id', clientSecret: 'client-secret' });

function apply(hold = RUN_1, overrides: Partial<Extract<ActuatorRequest<CrowdStrikeTarget>, { operation: 'apply' }>> = {}): ActuatorRequest<CrowdStrikeTarget> {
  return {
    operation: 'apply',
    tenant: 'default',
    execution: hold.id,
    mode: 'enforce',
    reason: `${hold.label} exploited; host internet-facing`,
    hold,
    exposureIds: [`${hold.label}|netscaler-1`],
    expiry: { expiresAt: '2023-10-21T02:00:00.000Z', onExpiry: 'renew' },
    targets: [{ assetId: 'netscaler-1', deviceId: AID }],
    ...overrides,
  };
}

function release(hold = RUN_1): ActuatorRequest<CrowdStrikeTarget> {
  return { operation: 'release', tenant: 'default', execution: hold.id, reason: 'patch verified', hold };
}

describe('CrowdStrike containment through the action kernel', () => {
  let sim: Awaited<ReturnType<typeof startCrowdStrikeSimulator>>;
  let store: Awaited<ReturnType<typeof startActionStore>>;
  let falcon: FalconClient;
  let deps: KernelDeps;
  const status = (id = AID) => sim.state.devices.get(id)?.status;
  const contains = () => sim.state.actions.filter((action) => action.action === 'contain').length;
  const lifts = () => sim.state.actions.filter((action) => action.action === 'lift_containment').length;
  const run = (request: ActuatorRequest<CrowdStrikeTarget>, overrides: Partial<KernelDeps> = {}) => runActuator({ ...deps, ...overrides }, crowdStrikeContainment(falcon), request);

  beforeEach(async () => {
    sim = await startCrowdStrikeSimulator({ clientId: 'client-id', clientSecret: 'client-secret', devices: [AID, OTHER] });
    store = await startActionStore();
    falcon = createFalconClient({ baseUrl: sim.url, credentials: staticCredential(CREDENTIALS), timeoutMs: 300 });
    deps = { actions: store.actions, targets: store.targets };
  });
  afterEach(async () => {
    await sim.close();
    await store.close();
  });

  it('records the before-state before containing, and the inverse from it; every request passes the API description', async () => {
    const { actions, summary } = await run(apply());
    expect(summary).toEqual({ done: 1 });
    expect(actions[0]).toMatchObject({
      status: 'done',
      target: `crowdstrike-device:${AID}`,
      before: { status: 'normal' },
      change: { action: 'contain' },
      vendorObjectId: AID,
      inverse: { operation: 'lift_containment', parameters: { deviceId: AID } },
      holds: [{ id: RUN_1.id, label: 'CVE-2023-4966' }],
      expiresAt: '2023-10-21T02:00:00.000Z',
      onExpiry: 'renew',
    });
    expect(status()).toBe('containment_pending');
    expect(sim.requests.every((r) => r.violations === undefined && r.status < 300)).toBe(true);
  });

  it('makes no second containment call when the same run applies again', async () => {
    await run(apply());
    const second = await run(apply());
    expect(second.actions[0]?.status).toBe('done');
    expect(contains()).toBe(1);
  });

  describe('fault injection: exactly one change, and a release that restores the before-state', () => {
    async function expectOneContainmentAndARestoringRelease() {
      expect(contains()).toBe(1);
      const [record] = await store.actions.listByExecution('default', RUN_1.id);
      expect(record).toMatchObject({ status: 'done', before: { status: 'normal' }, inverse: { operation: 'lift_containment' } });
      const released = await run(release());
      expect(released.actions[0]).toMatchObject({ status: 'reverted', confirmation: { verdict: 'pending' } });
      expect(lifts()).toBe(1);
      await falcon.getDeviceStatus([AID]); // lift_containment_pending settles
      expect(status()).toBe('normal');
    }

    it('fails before the call (503 before Falcon acts): the retry contains once', async () => {
      sim.fault({ operation: 'PerformActionV2', when: 'before-change', status: 503 });
      await expect(run(apply())).rejects.toBeInstanceOf(VendorUnavailable);
      expect((await store.actions.listByExecution('default', RUN_1.id))[0]).toMatchObject({ status: 'applying', before: { status: 'normal' } });
      expect(status()).toBe('normal');
      await run(apply());
      await expectOneContainmentAndARestoringRelease();
    });

    it('Falcon contained the host but answered 502: the retry sees the containment and does not send it again', async () => {
      sim.fault({ operation: 'PerformActionV2', when: 'after-change', status: 502 });
      await expect(run(apply())).rejects.toBeInstanceOf(VendorUnavailable);
      expect(status()).toBe('containment_pending');
      const retried = await run(apply());
      expect(retried.actions[0]).toMatchObject({ status: 'done', detail: expect.stringContaining('confirmed on retry') });
      await expectOneContainmentAndARestoringRelease();
    });

    it('Falcon contained the host but the answer timed out: the same', async () => {
      sim.fault({ operation: 'PerformActionV2', when: 'after-change', hangMs: 1500 });
      const error = await run(apply()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(VendorUnavailable);
      expect((error as Error).message).toContain('no answer within 300 ms');
      await run(apply());
      await expectOneContainmentAndARestoringRelease();
    });

    it('Falcon answered but the record update failed: the retry finishes the record from the vendor state', async () => {
      const actions = failingActionUpdate(store.actions, (record) => record.status === 'done');
      await expect(run(apply(), { actions })).rejects.toThrow('simulated DynamoDB outage');
      expect(actions.failures).toBe(1);
      await run(apply());
      await expectOneContainmentAndARestoringRelease();
    });

    it('the follow-up read is throttled during a release: the retry sends no second lift and confirms', async () => {
      await run(apply());
      await falcon.getDeviceStatus([AID]); // settles to contained
      // The lift goes through; the confirming read after it is throttled (429 without a reset).
      sim.fault({ operation: 'GetDeviceDetailsV2', when: 'before-change', status: 429, skip: 1 });
      const first = await run(release()).catch((caught: unknown) => caught);
      expect(first).toBeInstanceOf(VendorRateLimited);
      expect(lifts()).toBe(1);
      expect((await store.actions.listByExecution('default', RUN_1.id)).find((a) => a.operation === 'release')).toMatchObject({ status: 'reverting', before: { status: 'normal' } });
      const retried = await run(release());
      // The retry's first read sees the lift pending (no second lift); the confirming read sees it settled.
      expect(retried.actions[0]).toMatchObject({ status: 'reverted', confirmation: { verdict: 'restored', observed: 'host status normal' } });
      expect(lifts()).toBe(1);
      expect(status()).toBe('normal');
    });
  });

  describe('holds', () => {
    it('a second run holds the containment; the first run releasing it leaves the host contained for the second', async () => {
      await run(apply(RUN_1));
      const second = await run(apply(RUN_2));
      expect(second.actions[0]).toMatchObject({ status: 'held', detail: expect.stringContaining('already changed by forestall for CVE-2023-4966') });
      expect(contains()).toBe(1);

      const first = await run(release(RUN_1));
      expect(first.actions[0]).toMatchObject({ status: 'released', detail: 'hold of CVE-2023-4966 released; the change stands: still held for CVE-2023-6549', holds: [{ label: 'CVE-2023-6549' }] });
      expect(lifts()).toBe(0);
      expect(['contained', 'containment_pending']).toContain(status());
      const run1Apply = await store.actions.get('default', actionId('default', RUN_1.id, 'crowdstrike-containment', 'apply', `crowdstrike-device:${AID}`));
      expect(run1Apply?.status).toBe('released');

      const last = await run(release(RUN_2));
      expect(last.actions[0]).toMatchObject({ status: 'reverted' });
      expect(lifts()).toBe(1);
      const run1After = await store.actions.get('default', run1Apply?.id ?? '');
      expect(run1After?.status).toBe('reverted');
    });

    it('a host a person contained is never released by forestall', async () => {
      const device = sim.state.devices.get(AID);
      if (device) device.status = 'contained';
      const applied = await run(apply());
      expect(applied.actions[0]).toMatchObject({ status: 'skipped', detail: expect.stringContaining('not by forestall') });
      expect(applied.actions[0]?.inverse).toBeUndefined();
      const released = await run(release());
      expect(released.actions[0]).toMatchObject({ status: 'skipped' });
      expect(sim.state.actions).toEqual([]);
      expect(status()).toBe('contained');
    });

    it('releases one at a time: a target whose lease another action holds answers TargetBusy, and the retry goes on', async () => {
      const now = new Date();
      await store.targets.acquire('default', 'crowdstrike-containment', `crowdstrike-device:${AID}`, 'someone-else', now.toISOString(), new Date(now.getTime() + 60_000).toISOString());
      await expect(run(apply())).rejects.toBeInstanceOf(TargetBusy);
      expect(sim.state.actions).toEqual([]);
      await store.targets.releaseLease('default', 'crowdstrike-containment', `crowdstrike-device:${AID}`, 'someone-else');
      expect((await run(apply())).actions[0]?.status).toBe('done');
    });

    it('an apply whose invocation died is settled by the next action on the target before it acts', async () => {
      // Run 1's invocation contained the host and died before recording it; its lease has expired.
      const clock = { now: new Date('2023-10-18T02:00:00Z') };
      const crashed = failingActionUpdate(store.actions, (record) => record.status === 'done');
      await expect(run(apply(RUN_1), { actions: crashed, now: () => clock.now, targets: { ...store.targets, releaseLease: async () => undefined } })).rejects.toThrow();
      clock.now = new Date('2023-10-18T02:10:00Z');
      const second = await run(apply(RUN_2), { now: () => clock.now });
      expect(second.actions[0]).toMatchObject({ status: 'held' });
      const run1 = await store.actions.get('default', actionId('default', RUN_1.id, 'crowdstrike-containment', 'apply', `crowdstrike-device:${AID}`));
      expect(run1).toMatchObject({ status: 'done', detail: expect.stringContaining('interrupted, then confirmed') });
      expect(contains()).toBe(1);
      // Both holds stand: one release keeps the host contained.
      await run(release(RUN_2), { now: () => clock.now });
      expect(lifts()).toBe(0);
    });
  });

  it('in shadow mode records and announces what it would do and changes nothing', async () => {
    const received: ReceivedEvent[] = [];
    const endpoint = await startLocalEventBridgeEndpoint((events) => void received.push(...events));
    onTestFinished(() => endpoint.close());
    const client = new EventBridgeClient({ endpoint: endpoint.url, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    onTestFinished(() => client.destroy());
    const { actions } = await run(apply(RUN_1, { mode: 'shadow' }), { publishEvents: createEventBridgePublisher(client, 'forestall') });
    expect(actions[0]).toMatchObject({ status: 'skipped', dryRun: true, detail: `shadow: would network-contain host ${AID} (asset netscaler-1) (was normal)` });
    expect(sim.state.actions).toEqual([]);
    expect(received.map((event) => [event.detailType, (event.detail as { dryRun: boolean }).dryRun])).toEqual([['Action Taken', true]]);
  });

  it('announces the containment and the lift that undoes it, paired by action id', async () => {
    const received: ReceivedEvent[] = [];
    const endpoint = await startLocalEventBridgeEndpoint((events) => void received.push(...events));
    onTestFinished(() => endpoint.close());
    const client = new EventBridgeClient({ endpoint: endpoint.url, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    onTestFinished(() => client.destroy());
    const publishEvents = createEventBridgePublisher(client, 'forestall');
    const applied = await run(apply(), { publishEvents });
    await run(release(), { publishEvents });
    expect(received.map((event) => [event.detailType, (event.detail as { actionId: string }).actionId])).toEqual([
      ['Action Taken', applied.actions[0]?.id],
      ['Action Reverted', applied.actions[0]?.id],
    ]);
  });

  it('records an unknown host as failed and contains the rest of the batch', async () => {
    const { actions, summary } = await run(
      apply(RUN_1, {
        targets: [
          { assetId: 'ghost', deviceId: UNKNOWN },
          { assetId: 'netscaler-1', deviceId: AID },
        ],
      }),
    );
    expect(summary).toEqual({ failed: 1, done: 1 });
    expect(actions.find((action) => action.status === 'failed')?.detail).toContain('is not known to Falcon');
    expect(status()).toBe('containment_pending');
  });

  it('treats two inventory records naming one host as one unit, and never contains a protected identity', async () => {
    const policy = GuardrailPolicySchema.parse({ protectedIdentities: [`crowdstrike-device:${OTHER}`] });
    const { actions } = await run(
      apply(RUN_1, {
        targets: [
          { assetId: 'netscaler-1', deviceId: AID },
          { assetId: 'netscaler-1-dup', deviceId: AID },
          { assetId: 'jump-host', deviceId: OTHER },
        ],
      }),
      { policyFor: () => policy },
    );
    expect(actions.map((action) => [action.target, action.status])).toEqual([
      [`crowdstrike-device:${OTHER}`, 'skipped'],
      [`crowdstrike-device:${AID}`, 'done'],
    ]);
    expect(actions[0]?.detail).toContain('protected identity');
    expect(status(OTHER)).toBe('normal');
    expect(sim.state.actions).toEqual([{ action: 'contain', ids: [AID] }]);
  });

  it('reads the secret again once when Falcon refuses the credentials, then acts', async () => {
    let reads = 0;
    const rotated: SecretCredential = {
      get: async () => JSON.stringify({ clientId: 'client-id', clientSecret: 'before-rotation' }),
      refresh: async () => {
        reads += 1;
        return CREDENTIALS;
      },
    };
    falcon = createFalconClient({ baseUrl: sim.url, credentials: rotated });
    expect((await run(apply())).actions[0]?.status).toBe('done');
    expect(reads).toBe(1);
    const wrong = createFalconClient({ baseUrl: sim.url, credentials: staticCredential(JSON.stringify({ clientId: 'client-id', clientSecret: 'wrong' })) });
    await expect(wrong.getDeviceStatus([AID])).rejects.toBeInstanceOf(VendorAuthFailed);
  });

  it('waits out a short rate-limit reset in the invocation and surfaces a long one as VendorRateLimited', async () => {
    const waits: number[] = [];
    falcon = createFalconClient({ baseUrl: sim.url, credentials: staticCredential(CREDENTIALS), maxInProcessWaitSeconds: 30, sleep: async (ms) => void waits.push(ms) });
    sim.throttle(1); // Falcon's reset is 20 s ahead
    expect((await run(apply())).actions[0]?.status).toBe('done');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(15_000);

    falcon = createFalconClient({ baseUrl: sim.url, credentials: staticCredential(CREDENTIALS), maxInProcessWaitSeconds: 5 });
    sim.throttle(1);
    const error = await run(release()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VendorRateLimited);
    expect((error as VendorRateLimited).retryAfterSeconds).toBeGreaterThan(15);
  });
});
