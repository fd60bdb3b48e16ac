import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { CrowdStrikeRequest } from '../../../../functions/actuators/actuator-request.ts';
import { setContainment } from '../../../../functions/actuators/crowdstrike/crowdstrike-containment.ts';
import { createFalconClient } from '../../../../functions/actuators/crowdstrike/falcon-client.ts';
import { VendorAuthFailed, VendorRateLimited } from '../../../../functions/actuators/vendor-errors.ts';
import { startLocalEventBridgeEndpoint, type ReceivedEvent } from '../../../../functions/local/eventbridge-endpoint.ts';
import { startCrowdStrikeSimulator } from '../../../../functions/local/simulators/crowdstrike-simulator.ts';
import { createEventBridgePublisher } from '../../../../functions/routing/event-publisher.ts';
import { startActionStore } from '../action-store.ts';

const AID = '5f4e3d2c1b0a49f8a7b6c5d4e3f2a1b0';
const OTHER = '0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5';

function request(overrides: Partial<CrowdStrikeRequest> = {}): CrowdStrikeRequest {
  return {
    tenant: 'default',
    execution: 'exec-cs-1',
    operation: 'apply',
    dryRun: false,
    reason: 'CVE-2023-4966 exploited; host internet-facing',
    exposureIds: ['CVE-2023-4966|netscaler-1'],
    targets: [{ assetId: 'netscaler-1', deviceId: AID }],
    ...overrides,
  };
}

describe('CrowdStrike containment actuator', () => {
  let sim: Awaited<ReturnType<typeof startCrowdStrikeSimulator>>;
  let store: Awaited<ReturnType<typeof startActionStore>>;
  let deps: Parameters<typeof setContainment>[0];

  beforeEach(async () => {
    sim = await startCrowdStrikeSimulator({ clientId: 'client-id', clientSecret: 'client-secret', devices: [AID, OTHER] });
    store = await startActionStore();
    deps = { actions: store.actions, falcon: createFalconClient({ baseUrl: sim.url, clientId: 'client-id', clientSecret: 'client-secret' }) };
  });
  afterEach(async () => {
    await sim.close();
    await store.close();
  });

  it('contains the host, records lift_containment as the inverse, and reuses one token', async () => {
    const { actions } = await setContainment(deps, request());
    expect(actions[0]).toMatchObject({ status: 'done', vendorObjectId: AID, inverse: { operation: 'lift_containment', parameters: { deviceId: AID } } });
    expect(sim.state.devices.get(AID)?.status).toBe('containment_pending');
    expect(await deps.falcon.getDeviceStatus([AID])).toEqual(new Map([[AID, 'containment_pending']]));
    expect(await deps.falcon.getDeviceStatus([AID])).toEqual(new Map([[AID, 'contained']]));
    expect(sim.state.tokensIssued).toBe(1);
    expect(sim.requests.every((r) => r.violations === undefined && r.status < 300)).toBe(true);
  });

  it('makes no second containment call when the same execution applies again', async () => {
    await setContainment(deps, request());
    const second = await setContainment(deps, request());
    expect(second.actions[0]?.status).toBe('done');
    expect(sim.state.actions).toEqual([{ action: 'contain', ids: [AID] }]);
  });

  it('leaves an already contained host alone and will not release it', async () => {
    const device = sim.state.devices.get(AID);
    if (device) device.status = 'contained';
    const { actions } = await setContainment(deps, request());
    expect(actions[0]).toMatchObject({ status: 'skipped', detail: expect.stringContaining('already contained') });
    expect(actions[0]?.inverse).toBeUndefined();
    const revert = await setContainment(deps, request({ operation: 'revert' }));
    expect(revert.actions[0]?.status).toBe('skipped');
    expect(sim.state.actions).toEqual([]);
    expect(sim.state.devices.get(AID)?.status).toBe('contained');
  });

  it('in dry-run records what it would do and calls nothing', async () => {
    const { actions } = await setContainment(deps, request({ dryRun: true }));
    expect(actions[0]).toMatchObject({ status: 'skipped', dryRun: true, detail: `dry-run: would network-contain host ${AID} (asset netscaler-1)` });
    expect(sim.requests).toHaveLength(0);
  });

  it('revert lifts containment and the host returns to normal', async () => {
    await setContainment(deps, request());
    await deps.falcon.getDeviceStatus([AID]); // pending -> contained
    const { actions } = await setContainment(deps, request({ operation: 'revert' }));
    expect(actions[0]).toMatchObject({ status: 'done', operation: 'revert' });
    expect(await deps.falcon.getDeviceStatus([AID])).toEqual(new Map([[AID, 'lift_containment_pending']]));
    expect(await deps.falcon.getDeviceStatus([AID])).toEqual(new Map([[AID, 'normal']]));
    const apply = (await store.actions.listByExecution('default', 'exec-cs-1')).find((action) => action.operation === 'apply');
    expect(apply?.status).toBe('reverted');
  });

  it('announces the containment and its lift on the bus through PutEvents, and nothing for a host left alone', async () => {
    const received: ReceivedEvent[] = [];
    const endpoint = await startLocalEventBridgeEndpoint((events) => {
      received.push(...events);
    });
    onTestFinished(() => endpoint.close());
    const client = new EventBridgeClient({ endpoint: endpoint.url, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    onTestFinished(() => client.destroy());
    const announcing = { ...deps, publishEvents: createEventBridgePublisher(client, 'forestall') };
    const other = sim.state.devices.get(OTHER);
    if (other) other.status = 'contained';
    const targets = [
      { assetId: 'netscaler-1', deviceId: AID },
      { assetId: 'netscaler-2', deviceId: OTHER },
    ];

    const applied = await setContainment(announcing, request({ targets }));
    await deps.falcon.getDeviceStatus([AID]); // pending -> contained
    await setContainment(announcing, request({ operation: 'revert', targets }));

    const applyId = applied.actions.find((action) => action.status === 'done')?.id;
    expect(received.map((event) => [event.busName, event.source, event.detailType, (event.detail as { actionId: string }).actionId])).toEqual([
      ['forestall', 'forestall', 'Action Taken', applyId],
      ['forestall', 'forestall', 'Action Reverted', applyId],
    ]);
    expect(received[0]?.detail).toMatchObject({ tenant: 'default', actuator: 'crowdstrike-containment', target: `crowdstrike-device:${AID}`, operation: 'apply', dryRun: false, execution: 'exec-cs-1' });
  });

  it('turns 429 into VendorRateLimited using X-RateLimit-RetryAfter and marks the action failed', async () => {
    await deps.falcon.getDeviceStatus([AID]); // token cached
    sim.throttle(1);
    const error = await setContainment(deps, request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VendorRateLimited);
    expect((error as VendorRateLimited).retryAfterSeconds).toBeGreaterThan(0);
    expect((error as VendorRateLimited).retryAfterSeconds).toBeLessThanOrEqual(21);
    const [record] = await store.actions.listByExecution('default', 'exec-cs-1');
    expect(record).toMatchObject({ status: 'failed', detail: expect.stringContaining('VendorRateLimited') });
    // The playbook's retry then succeeds.
    const retried = await setContainment(deps, request());
    expect(retried.actions[0]?.status).toBe('done');
  });

  it('turns wrong client credentials into VendorAuthFailed', async () => {
    const falcon = createFalconClient({ baseUrl: sim.url, clientId: 'client-id', clientSecret: 'wrong' });
    await expect(falcon.getDeviceStatus([AID])).rejects.toBeInstanceOf(VendorAuthFailed);
  });

  it('rejects malformed requests with 400 naming the violation', async () => {
    const tokenResponse = await fetch(`${sim.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('client-id:client-secret').toString('base64')}` },
      body: 'client_id=client-id&client_secret=client-secret',
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const missingIds = await fetch(`${sim.url}/devices/entities/devices-actions/v2?action_name=contain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device_ids: [AID] }),
    });
    expect(missingIds.status).toBe(400);
    expect(JSON.stringify(await missingIds.json())).toContain('body.ids: is required');
    const wrongMethod = await fetch(`${sim.url}/devices/entities/devices-actions/v2?action_name=contain`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
    expect(wrongMethod.status).toBe(400);
    expect(JSON.stringify(await wrongMethod.json())).toContain('method PUT is not documented');
    const noAuth = await fetch(`${sim.url}/devices/entities/devices/v2?ids=${AID}`);
    expect(noAuth.status).toBe(400);
    expect(JSON.stringify(await noAuth.json())).toContain('authorization: no documented credentials present');
    const badToken = await fetch(`${sim.url}/devices/entities/devices/v2?ids=${AID}`, { headers: { authorization: 'Bearer forged' } });
    expect(badToken.status).toBe(401);
    expect(sim.state.actions).toEqual([]);
  });
});
