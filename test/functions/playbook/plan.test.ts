import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTUATORS } from '../../../functions/actuators/registry.ts';
import type { Asset } from '../../../functions/model/asset.ts';
import type { ExposureDetected } from '../../../functions/model/events.ts';
import { GuardrailPolicySchema, type GuardrailPolicyInput } from '../../../functions/model/tenant.ts';
import { PlanInputSchema, PlaybookPlanSchema, planResponse, type PlanDeps } from '../../../functions/playbook/plan.ts';
import type { Repositories } from '../../../functions/store/ports.ts';
import { citrixBleedExposureDetected } from '../../fixtures/sample-events.ts';
import { startLocalTables } from '../store/local-table.ts';
import { citrixBleed, loadEstate } from './in-memory-store.ts';
import { storedExposure } from './stored-exposures.ts';

const TENANT = 'default';
const CVE = 'CVE-2023-4966';
const EXECUTION = 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:citrix-bleed';
const OWN_ACCOUNT = '111122223333';
const EDGE = ['nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03', 'nsgw-edge-04', 'nsgw-edge-05', 'nsgw-edge-06', 'nsgw-edge-07', 'nsgw-edge-08'];
const NOW = new Date('2023-10-18T02:00:00Z');
const FUNCTION_ARNS = Object.fromEntries(ACTUATORS.map((definition) => [definition.name, `arn:aws:lambda:eu-west-1:111122223333:function:${definition.name}`]));

let tables: Awaited<ReturnType<typeof startLocalTables>>;
let repositories: Repositories;

beforeAll(async () => {
  tables = await startLocalTables();
});
afterAll(() => tables.close());

// Each test gets its own table: the estate, Citrix Bleed, and the exposures the matcher would have stored.
beforeEach(async () => {
  repositories = await tables.next();
  const estate = loadEstate();
  for (const asset of estate) await repositories.assets.put(TENANT, asset);
  await repositories.vulnerabilities.put(citrixBleed(TENANT));
  await repositories.exposures.putMany(estate.filter((a) => a.id.startsWith('nsgw-edge-')).map((a) => storedExposure(a, 'act')));
  await repositories.exposures.putMany(estate.filter((a) => a.id.startsWith('adc-int-')).map((a) => storedExposure(a, 'attend')));
});

function deps(policy: GuardrailPolicyInput = { mode: 'enforce' }, overrides: Partial<PlanDeps> = {}): PlanDeps {
  const parsed = GuardrailPolicySchema.parse(policy);
  return { repositories, policyFor: () => parsed, actuators: ACTUATORS, functionArns: FUNCTION_ARNS, ownAccount: OWN_ACCOUNT, now: () => NOW, ...overrides };
}

const plan = (assetIds: string[], policy?: GuardrailPolicyInput, overrides: Partial<ExposureDetected> = {}, execution = EXECUTION, depOverrides: Partial<PlanDeps> = {}) =>
  planResponse(deps(policy, depOverrides), { detail: citrixBleedExposureDetected(assetIds, overrides), account: OWN_ACCOUNT, execution });

const targetsOf = (result: Awaited<ReturnType<typeof plan>>, actuator: string) => (result.steps.find((step) => step.actuator === actuator)?.request.targets ?? []) as Array<Record<string, unknown>>;

describe('planResponse', () => {
  it('turns the stored act exposures into one step per actuator, from the registry, with this run as the hold', async () => {
    const result = await plan(EDGE);

    expect(PlaybookPlanSchema.parse(result)).toEqual(result);
    expect(result).toMatchObject({ tenant: TENANT, execution: EXECUTION, hold: { id: EXECUTION, label: CVE }, decision: 'act', mode: 'enforce', dryRun: false, assetCount: 8, targetCount: 17, skipped: [] });
    expect(result.steps.map((step) => step.actuator)).toEqual(['ec2-security-group', 'okta-sessions', 'crowdstrike-containment']);
    expect(targetsOf(result, 'ec2-security-group')[0]).toEqual({ assetId: 'nsgw-edge-01', account: '111122223333', region: 'eu-west-1', instanceId: 'i-05dd3f89c85366a76', securityGroups: ['sg-0d4b6f39eebaa35e6'] });
    expect(targetsOf(result, 'crowdstrike-containment')).toContainEqual({ assetId: 'nsgw-edge-01', deviceId: '03b7ea67e79b56347c86ca657ec76588' });
    // One Okta app fronts the eight gateways: its admins are signed out once.
    expect(targetsOf(result, 'okta-sessions')).toEqual([{ appId: '0oa8citrixgw0remote7', adminGroupId: '00g8netscaleradmins7', assetIds: expect.arrayContaining(EDGE) }]);
    expect(result.steps[0]).toMatchObject({ functionArn: FUNCTION_ARNS['ec2-security-group'], request: { operation: 'apply', tenant: TENANT, execution: EXECUTION, mode: 'enforce', hold: { id: EXECUTION, label: CVE } } });
    expect(result.targetAssetIds.toSorted()).toEqual(EDGE);
    expect(result.exposureIds.toSorted()).toEqual(EDGE.map((asset) => `${CVE}|${asset}`));
    expect(result.plannedAt).toBe(NOW.toISOString());
    expect(result).toMatchObject({ patchCheckIntervalSeconds: 3600, maxPatchChecks: 72 });
  });

  it('sets every reversible change an expiry from the policy, releases in reverse order, and compensates network changes', async () => {
    const result = await plan(EDGE, { mode: 'enforce', actuators: { 'crowdstrike-containment': { expiresAfterHours: 24, onExpiry: 'notify' } } });

    expect(result.expiry).toEqual({
      'ec2-security-group': { expiresAt: '2023-10-21T02:00:00.000Z', onExpiry: 'renew', onFailure: 'revert' },
      'crowdstrike-containment': { expiresAt: '2023-10-19T02:00:00.000Z', onExpiry: 'notify', onFailure: 'keep' },
    });
    expect(result.steps.find((s) => s.actuator === 'crowdstrike-containment')?.request.expiry).toEqual({ expiresAt: '2023-10-19T02:00:00.000Z', onExpiry: 'notify' });
    // Signing users out is one-shot: nothing to expire, release or compensate.
    expect(result.steps.find((s) => s.actuator === 'okta-sessions')?.request.expiry).toBeUndefined();
    expect(result.releaseSteps.map((s) => [s.actuator, s.request.operation])).toEqual([
      ['crowdstrike-containment', 'release'],
      ['ec2-security-group', 'release'],
    ]);
    expect(result.compensationSteps.map((s) => s.actuator)).toEqual(['ec2-security-group']);
    expect(result.compensationSteps[0]?.request).toMatchObject({ operation: 'release', hold: { id: EXECUTION }, reason: 'compensation: the playbook run failed' });
  });

  describe('only forestall\'s own findings start action (found on main: a forged event contained hosts it named)', () => {
    it('reads the vulnerability and the decision back from the store; the event\'s words count for nothing', async () => {
      const result = await plan(EDGE, undefined, { vulnerability: { id: CVE, name: 'made up', kev: false, cvss: 1 }, reasons: ['forged reason'] });

      expect(result.vulnerability).toMatchObject({ id: CVE, kev: false });
      expect(result.vulnerability.name).toBeUndefined();
      expect(result.reasons).not.toContain('forged reason');
      expect(result.reasons).toContain('internet-facing nsgw-edge-01');
    });

    it('acts on nothing for a CVE forestall has not stored', async () => {
      const result = await plan(EDGE, undefined, { vulnerability: { id: 'CVE-2099-0001', kev: true } });

      expect(result.targetCount).toBe(0);
      expect(result.steps).toEqual([]);
      expect(result.skipped[0]?.reason).toBe("CVE-2099-0001 is not in forestall's store for tenant default: nothing is done on an event's word");
    });

    it('skips every asset id without a stored open act exposure, naming why', async () => {
      const result = await plan(['nsgw-edge-01', 'adc-int-01', 'web-01', 'nsgw-lab-01']);

      expect(result.targetAssetIds).toEqual(['nsgw-edge-01']);
      expect(result.skipped).toEqual([
        { assetId: 'adc-int-01', reason: 'the stored exposure is open, decided attend, not open and act' },
        { assetId: 'web-01', reason: `no stored exposure of ${CVE} on this asset (an event's asset ids are hints only)` },
        { assetId: 'nsgw-lab-01', reason: `no stored exposure of ${CVE} on this asset (an event's asset ids are hints only)` },
      ]);
    });

    it('acts on nothing for an event from another account', async () => {
      const result = await planResponse(deps(), { detail: citrixBleedExposureDetected(EDGE), account: '999999999999', execution: EXECUTION });

      expect(result.targetCount).toBe(0);
      expect(result.skipped).toHaveLength(8);
      expect(result.reason).toBe('the event came from account 999999999999: only findings of this account (111122223333) start action');
    });

    it('refuses a tenant that is not a tenant id, and asset ids that would make keys ambiguous', () => {
      const input = (overrides: Partial<ExposureDetected>) => ({ detail: citrixBleedExposureDetected(EDGE, overrides), account: OWN_ACCOUNT, execution: EXECUTION });
      expect(PlanInputSchema.safeParse(input({ tenant: 'Acme Corp' })).success).toBe(false);
      expect(PlanInputSchema.safeParse(input({ tenant: 'acme#ASSET#x' })).success).toBe(false);
      expect(PlanInputSchema.safeParse(input({ assetIds: ['b#ASSET#c'] })).error?.issues[0]?.message).toBe('must not contain "#" (a key delimiter)');
      expect(PlanInputSchema.safeParse(input({ assetIds: ['edge\u202e10-sgw'] })).error?.issues[0]?.message).toBe('must not contain bidirectional or invisible formatting character U+202E');
    });
  });

  describe('guardrails', () => {
    it('never touches an asset carrying a never-touch tag, nor what it shares with others (the app in front of it)', async () => {
      const asset = (await repositories.assets.get(TENANT, 'nsgw-edge-03')) as Asset;
      await repositories.assets.put(TENANT, { ...asset, tags: { ...asset.tags, 'forestall:never-touch': 'true' } });

      const result = await plan(EDGE);

      expect(result.skipped[0]).toEqual({ assetId: 'nsgw-edge-03', reason: 'never-touch tag forestall:never-touch=true' });
      // The Okta app fronts the protected gateway too: its admins are not signed out for the others either.
      expect(result.skipped.slice(1).toSorted((a, b) => a.assetId.localeCompare(b.assetId))).toEqual(
        EDGE.filter((id) => id !== 'nsgw-edge-03').map((assetId) => ({ assetId, reason: 'okta-sessions: protected: okta-app:0oa8citrixgw0remote7 is named by asset nsgw-edge-03, which carries forestall:never-touch=true' })),
      );
      expect(result.steps.map((step) => [step.actuator, (step.request.targets as unknown[]).length])).toEqual([
        ['ec2-security-group', 7],
        ['crowdstrike-containment', 7],
      ]);
      expect(JSON.stringify(result.steps)).not.toContain(asset.cloud?.instanceId);
      expect(result.exposureIds).not.toContain(`${CVE}|nsgw-edge-03`);
    });

    it('keeps a host protected whichever inventory record names it (found on main: a second record made it a target)', async () => {
      const edge = (await repositories.assets.get(TENANT, 'nsgw-edge-03')) as Asset;
      // The protected record of the host, and the unprotected record of the same host under another id.
      await repositories.assets.put(TENANT, { ...edge, id: 'edge-03-cmdb', tags: { 'forestall:never-touch': 'true' }, software: [], idp: undefined, cloud: undefined });
      const other = (await repositories.assets.get(TENANT, 'nsgw-edge-05')) as Asset;
      await repositories.assets.put(TENANT, { ...other, id: 'edge-05-cmdb', tags: { 'forestall:never-touch': 'true' }, software: [], edr: undefined, idp: undefined, cloud: other.cloud ? { ...other.cloud, securityGroups: [] } : undefined });

      const result = await plan(EDGE);

      expect(result.skipped.toSorted((a, b) => a.assetId.localeCompare(b.assetId))).toEqual([
        { assetId: 'nsgw-edge-03', reason: `crowdstrike-containment: protected: crowdstrike-device:${edge.edr?.deviceId} is named by asset edge-03-cmdb, which carries forestall:never-touch=true` },
        { assetId: 'nsgw-edge-05', reason: `ec2-security-group: protected: aws-instance:${other.cloud?.instanceId} is named by asset edge-05-cmdb, which carries forestall:never-touch=true` },
      ]);
      expect(JSON.stringify(targetsOf(result, 'crowdstrike-containment'))).not.toContain(String(edge.edr?.deviceId));
      expect(JSON.stringify(targetsOf(result, 'ec2-security-group'))).not.toContain(String(other.cloud?.instanceId));
      // What the protected records do not name is still done: the gateways stay in the other steps.
      expect(JSON.stringify(targetsOf(result, 'ec2-security-group'))).toContain('nsgw-edge-03');
      expect(JSON.stringify(targetsOf(result, 'crowdstrike-containment'))).toContain('nsgw-edge-05');
    });

    it('keeps the identities the policy protects', async () => {
      const edge = (await repositories.assets.get(TENANT, 'nsgw-edge-02')) as Asset;
      const group = `aws-security-group:${edge.cloud?.securityGroups[0]}`;
      const result = await plan(EDGE, { mode: 'enforce', protectedIdentities: [group] });

      expect(result.skipped).toEqual([{ assetId: 'nsgw-edge-02', reason: `ec2-security-group: protected: ${group} is a protected identity in the tenant policy` }]);
      expect(targetsOf(result, 'ec2-security-group')).toHaveLength(7);
      expect(targetsOf(result, 'crowdstrike-containment')).toHaveLength(8);
    });

    it('caps the blast radius per run, acting on the most critical assets and reporting the rest', async () => {
      const result = await plan(EDGE, { mode: 'enforce', maxAssetsPerRun: 5 });

      expect(result.targetAssetIds).toHaveLength(5);
      expect(result.skipped.map((s) => s.reason)).toEqual(Array(3).fill('blast-radius cap of 5 assets per run reached'));
      // nsgw-edge-03 and -06 are the medium-criticality gateways: they wait, the high ones do not.
      expect(result.skipped.map((s) => s.assetId)).toEqual(expect.arrayContaining(['nsgw-edge-03', 'nsgw-edge-06']));
    });

    it('caps the assets acted on per tenant over the time window, across runs (found on main: six events acted on all)', async () => {
      const policy = { mode: 'enforce' as const, maxAssetsPerRun: 3, maxAssetsPerWindow: 5, windowHours: 24 };
      const acted: string[] = [];
      for (const [index, ids] of [EDGE.slice(0, 3), EDGE.slice(3, 6), EDGE.slice(6)].entries()) {
        const result = await plan(ids, policy, {}, `${EXECUTION}-${index}`);
        acted.push(...result.targetAssetIds);
      }
      expect(acted).toHaveLength(5);
      // The same asset again takes no new place; a day later the window has room again.
      expect((await plan([EDGE[0] as string], policy, {}, `${EXECUTION}-again`)).targetAssetIds).toEqual([EDGE[0]]);
      const later = await plan([EDGE[7] as string], policy, {}, `${EXECUTION}-later`, { now: () => new Date(NOW.getTime() + 25 * 3_600_000) });
      expect(later.targetAssetIds).toEqual([EDGE[7]]);
    });

    it('does not let runs planned at the same moment share the last places of the window', async () => {
      const policy = { mode: 'enforce' as const, maxAssetsPerWindow: 4 };
      const results = await Promise.all([plan(EDGE.slice(0, 4), policy, {}, 'run-a'), plan(EDGE.slice(4), policy, {}, 'run-b')]);
      expect(results.flatMap((r) => r.targetAssetIds)).toHaveLength(4);
      expect(results.flatMap((r) => r.skipped.map((s) => s.reason))).toEqual(Array(4).fill('blast-radius cap of 4 assets per 24 h for the tenant reached'));
    });

    it('starts in shadow mode by default: plans the same, takes no place in the window, every request in shadow', async () => {
      const result = await plan(EDGE, {});

      expect(result).toMatchObject({ mode: 'shadow', dryRun: true, targetCount: 17 });
      expect(result.steps.every((step) => step.request.mode === 'shadow')).toBe(true);
      expect((await repositories.guardrailWindows.get(TENANT)).acted).toEqual({});
    });

    it('leaves out an actuator the policy disables, and one the stack did not deploy', async () => {
      const disabled = await plan(EDGE, { mode: 'enforce', actuators: { 'okta-sessions': { enabled: false } } });
      expect(disabled.steps.map((s) => s.actuator)).toEqual(['ec2-security-group', 'crowdstrike-containment']);

      const { 'crowdstrike-containment': _missing, ...partial } = FUNCTION_ARNS;
      const undeployed = await plan(['nsgw-edge-01'], { mode: 'enforce' }, {}, EXECUTION, { functionArns: partial });
      expect(undeployed.steps.map((s) => s.actuator)).toEqual(['ec2-security-group', 'okta-sessions']);
      expect(undeployed.skipped).toEqual([{ assetId: 'nsgw-edge-01', reason: 'crowdstrike-containment is not deployed' }]);
    });
  });

  it('reads the stored act exposures beyond the inline asset ids, open ones only', async () => {
    const estate = loadEstate();
    await repositories.exposures.putMany([storedExposure(estate.find((a) => a.id === 'nsgw-edge-07') as Asset, 'act', 'remediated')]);

    const result = await plan(['nsgw-edge-01', 'nsgw-edge-02'], undefined, { assetCount: 8 });

    expect(result.targetAssetIds.toSorted()).toEqual(EDGE.filter((id) => id !== 'nsgw-edge-07'));
  });

  it('reports assets the inventory no longer has and assets with nothing to act on', async () => {
    const bare = { id: 'appliance-without-bindings', ips: [], internetFacing: true, criticality: 'high' as const, tags: {}, software: [] };
    await repositories.assets.put(TENANT, bare);
    await repositories.exposures.putMany([storedExposure(bare), storedExposure({ ...bare, id: 'decommissioned-gw' })]);

    const result = await plan(['nsgw-edge-01', 'decommissioned-gw', 'appliance-without-bindings']);

    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { assetId: 'decommissioned-gw', reason: 'asset not found in the inventory' },
        { assetId: 'appliance-without-bindings', reason: 'no cloud, EDR or IdP binding to act on' },
      ]),
    );
    expect(result.targetAssetIds).toEqual(['nsgw-edge-01']);
  });

  it('uses the patch-watch policy it is given', async () => {
    const result = await plan(EDGE, undefined, {}, EXECUTION, { patchWatch: { intervalSeconds: 900, maxChecks: 8 } });
    expect(result).toMatchObject({ patchCheckIntervalSeconds: 900, maxPatchChecks: 8 });
  });
});
