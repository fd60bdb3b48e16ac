import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActuatorRequest } from '../../../functions/action-kernel/actuator-request.ts';
import { runActuator } from '../../../functions/action-kernel/run-actuator.ts';
import { crowdStrikeContainment } from '../../../functions/actuators/crowdstrike-containment/crowdstrike-containment.ts';
import type { CrowdStrikeTarget } from '../../../functions/actuators/crowdstrike-containment/definition.ts';
import { createFalconClient } from '../../../functions/actuators/crowdstrike-containment/falcon-client.ts';
import { startCrowdStrikeSimulator } from '../../../functions/actuators/crowdstrike-containment/falcon-simulator.ts';
import { ACTUATORS } from '../../../functions/actuators/registry.ts';
import { sweepExpiredActions, type SweepDeps } from '../../../functions/expiry/sweep-expired-actions.ts';
import type { Asset } from '../../../functions/model/asset.ts';
import type { OnExpiry } from '../../../functions/model/tenant.ts';
import { GuardrailPolicySchema } from '../../../functions/model/tenant.ts';
import { staticCredential } from '../../../functions/vendor/secret-credential.ts';
import { startActionStore } from '../actuators/action-store.ts';
import { citrixBleed, loadEstate } from '../playbook/in-memory-store.ts';

const TENANT = 'default';
const CVE = 'CVE-2023-4966';
const APPLIED_AT = new Date('2023-10-18T02:00:00Z');
const EXPIRES_AT = '2023-10-21T02:00:00.000Z';
const AFTER_EXPIRY = new Date('2023-10-21T02:05:00Z');
const estate = loadEstate();
const edge = (n: number) => estate.find((asset) => asset.id === `nsgw-edge-0${n}`) as Asset;

describe('expiry sweeper', () => {
  let sim: Awaited<ReturnType<typeof startCrowdStrikeSimulator>>;
  let store: Awaited<ReturnType<typeof startActionStore>>;
  let notified: string[][];
  let invocations: number;
  let failNext: Error | undefined;

  const plugin = () => crowdStrikeContainment(createFalconClient({ baseUrl: sim.url, credentials: staticCredential(JSON.stringify({ clientId: 'c', clientSecret: 's' })) }));
  const status = (asset: Asset) => sim.state.devices.get(asset.edr?.deviceId ?? '')?.status;

  async function contain(run: string, assets: Asset[], onExpiry: OnExpiry) {
    const request: ActuatorRequest<CrowdStrikeTarget> = {
      operation: 'apply',
      tenant: TENANT,
      execution: run,
      mode: 'enforce',
      reason: CVE,
      hold: { id: run, label: CVE },
      exposureIds: assets.map((asset) => `${CVE}|${asset.id}`),
      expiry: { expiresAt: EXPIRES_AT, onExpiry },
      targets: assets.map((asset) => ({ assetId: asset.id, deviceId: asset.edr?.deviceId as string })),
    };
    return runActuator({ actions: store.actions, targets: store.targets, now: () => APPLIED_AT }, plugin(), request);
  }

  function deps(now: Date, limit?: number): SweepDeps {
    return {
      repositories: store.repositories,
      actuators: ACTUATORS,
      policyFor: () => GuardrailPolicySchema.parse({}),
      now: () => now,
      ...(limit === undefined ? {} : { limit }),
      async invokeActuator(actuator, request) {
        invocations += 1;
        if (failNext) {
          const error = failNext;
          failNext = undefined;
          throw error;
        }
        expect(actuator).toBe('crowdstrike-containment');
        return runActuator({ actions: store.actions, targets: store.targets, now: () => now }, plugin(), request as ActuatorRequest<CrowdStrikeTarget>);
      },
      async notify(_tenant, _sweep, actionIds) {
        notified.push(actionIds);
      },
    };
  }

  beforeEach(async () => {
    store = await startActionStore();
    sim = await startCrowdStrikeSimulator({ clientId: 'c', clientSecret: 's', devices: estate.flatMap((asset) => (asset.edr ? [asset.edr.deviceId] : [])) });
    notified = [];
    invocations = 0;
    failNext = undefined;
    await store.repositories.vulnerabilities.put(citrixBleed(TENANT));
    for (const asset of estate) await store.repositories.assets.put(TENANT, asset);
  });
  afterEach(async () => {
    await sim.close();
    await store.close();
  });

  it('renews a containment while its asset is still affected, then reverts it once the inventory shows the fix', async () => {
    await contain('run-1', [edge(1)], 'renew');

    const first = await sweepExpiredActions(deps(AFTER_EXPIRY), [TENANT]);
    expect(first).toEqual([expect.objectContaining({ did: 'renewed', detail: 'renewed until 2023-10-24T02:05:00.000Z' })]);
    expect(status(edge(1))).not.toBe('normal');
    const [renewed] = await store.actions.listByExecution(TENANT, 'run-1');
    expect(renewed).toMatchObject({ status: 'done', expiresAt: '2023-10-24T02:05:00.000Z', detail: expect.stringContaining('still affected on nsgw-edge-01') });
    expect(notified).toEqual([]);
    // Nothing is due again before the new expiry.
    expect(await sweepExpiredActions(deps(AFTER_EXPIRY), [TENANT])).toEqual([]);

    for (const asset of loadEstate('estate-patched.json').filter((a) => a.id === 'nsgw-edge-01')) await store.repositories.assets.put(TENANT, asset);
    const later = new Date('2023-10-24T02:10:00Z');
    const second = await sweepExpiredActions(deps(later), [TENANT]);
    expect(second).toEqual([expect.objectContaining({ did: 'released', detail: expect.stringMatching(/^reverted: containment lift requested/) })]);
    expect(['normal', 'lift_containment_pending']).toContain(status(edge(1)));
    // The release is recorded under the sweep, and the apply has left the expiry index.
    const sweep = await store.actions.listByExecution(TENANT, `sweeper:${later.toISOString()}`);
    expect(sweep).toEqual([expect.objectContaining({ operation: 'release', status: 'reverted', reason: 'expired 2023-10-24T02:05:00.000Z; no longer affected' })]);
    expect(await store.actions.listExpiringBefore(TENANT, '2030-01-01T00:00:00.000Z')).toEqual([]);
    expect(notified).toEqual([[renewed?.id]]);
  });

  it('reverts on expiry when the policy says revert, even while still affected', async () => {
    await contain('run-1', [edge(1), edge(2)], 'revert');

    const outcomes = await sweepExpiredActions(deps(AFTER_EXPIRY), [TENANT]);

    expect(outcomes.map((o) => o.did)).toEqual(['released', 'released']);
    expect(sim.state.actions.filter((a) => a.action === 'lift_containment')).toHaveLength(2);
  });

  it('releases only the expired hold: a containment another run still holds stands', async () => {
    await contain('run-1', [edge(1)], 'revert');
    const second = await contain('run-2', [edge(1)], 'revert');
    expect(second.actions[0]?.status).toBe('held');
    // Run 2's hold expires later.
    const run2Apply = second.actions[0];
    if (run2Apply) await store.actions.update({ ...run2Apply, expiresAt: '2023-10-25T00:00:00.000Z' });

    const outcomes = await sweepExpiredActions(deps(AFTER_EXPIRY), [TENANT]);

    expect(outcomes).toEqual([expect.objectContaining({ did: 'released', detail: 'released: hold of CVE-2023-4966 released; the change stands: still held for CVE-2023-4966' })]);
    expect(sim.state.actions.filter((a) => a.action === 'lift_containment')).toHaveLength(0);
  });

  it('tells people about a change left standing on purpose (notify), once, and leaves it', async () => {
    await contain('run-1', [edge(3)], 'notify');

    const outcomes = await sweepExpiredActions(deps(AFTER_EXPIRY), [TENANT]);

    expect(outcomes).toEqual([expect.objectContaining({ did: 'notified' })]);
    expect(notified).toHaveLength(1);
    expect(invocations).toBe(0);
    expect(status(edge(3))).not.toBe('normal');
    expect(await sweepExpiredActions(deps(new Date('2023-10-30T00:00:00Z')), [TENANT])).toEqual([]);
  });

  it('goes on past an action it cannot handle, and sweeps a bounded number per run', async () => {
    await contain('run-1', [edge(1), edge(2), edge(4)], 'revert');
    failNext = Object.assign(new Error('crowdstrike unavailable (HTTP 503)'), { name: 'VendorUnavailable' });

    const outcomes = await sweepExpiredActions(deps(AFTER_EXPIRY, 2), [TENANT]);

    expect(outcomes.map((o) => o.did)).toEqual(['failed', 'released']);
    expect(outcomes[0]?.detail).toBe('VendorUnavailable: crowdstrike unavailable (HTTP 503)');
    // The failed one and the one beyond the limit are due again on the next sweep.
    expect((await sweepExpiredActions(deps(AFTER_EXPIRY), [TENANT])).map((o) => o.did)).toEqual(['released', 'released']);
  });
});
