import { beforeEach, describe, expect, it } from 'vitest';
import type { ExposureDetected } from '../../../functions/model/events.ts';
import { exposureId, type Exposure } from '../../../functions/model/exposure.ts';
import { GuardrailPolicySchema, type GuardrailPolicy } from '../../../functions/model/tenant.ts';
import { PlaybookPlanSchema, planResponse } from '../../../functions/playbook/plan.ts';
import { InMemoryStore, loadEstate } from './in-memory-store.ts';
import { citrixBleedExposureDetected } from '../../fixtures/sample-events.ts';

const TENANT = 'default';
const CVE = 'CVE-2023-4966';
const EXECUTION = 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:citrix-bleed';
const EDGE = ['nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03', 'nsgw-edge-04', 'nsgw-edge-05', 'nsgw-edge-06', 'nsgw-edge-07', 'nsgw-edge-08'];
const NOW = new Date('2023-10-18T02:00:00Z');

const detail = citrixBleedExposureDetected;

function policy(overrides: Partial<GuardrailPolicy> = {}): GuardrailPolicy {
  return GuardrailPolicySchema.parse(overrides);
}

let store: InMemoryStore;
beforeEach(async () => {
  store = new InMemoryStore();
  for (const asset of loadEstate()) await store.assets.put(TENANT, asset);
});

const plan = (assetIds: string[], guardrails = policy(), overrides: Partial<ExposureDetected> = {}) =>
  planResponse({ repositories: store, guardrails, now: () => NOW }, { detail: detail(assetIds, overrides), execution: EXECUTION });

describe('planResponse', () => {
  it('turns the exposed gateways into network, endpoint and identity targets', async () => {
    const result = await plan(EDGE);

    expect(PlaybookPlanSchema.parse(result)).toEqual(result);
    expect(result).toMatchObject({ tenant: TENANT, execution: EXECUTION, decision: 'act', dryRun: false, assetCount: 8, targetCount: 17, skipped: [] });
    expect(result.targets.network).toHaveLength(8);
    expect(result.targets.network[0]).toEqual({
      assetId: 'nsgw-edge-01',
      account: '111122223333',
      region: 'eu-west-1',
      instanceId: 'i-05dd3f89c85366a76',
      securityGroups: ['sg-0d4b6f39eebaa35e6'],
    });
    expect(result.targets.endpoint).toContainEqual({ assetId: 'nsgw-edge-01', deviceId: '03b7ea67e79b56347c86ca657ec76588' });
    expect(result.targetAssetIds.toSorted()).toEqual(EDGE);
    expect(result.exposureIds.toSorted()).toEqual(EDGE.map((asset) => `${CVE}|${asset}`));
    expect(result.reason).toContain('CVE-2023-4966 (Citrix NetScaler ADC');
    expect(result.reason).toContain('SSVC act, known exploited (CISA KEV)');
    expect(result.plannedAt).toBe(NOW.toISOString());
    expect(result).toMatchObject({ patchCheckIntervalSeconds: 3600, maxPatchChecks: 72 });
  });

  it('clears sessions once per Okta app, however many gateways sit behind it', async () => {
    const result = await plan(EDGE);

    expect(result.targets.identity).toEqual([
      { appId: '0oa8citrixgw0remote7', adminGroupId: '00g8netscaleradmins7', assetIds: expect.arrayContaining(EDGE) },
    ]);
    expect(result.targets.identity[0]?.assetIds).toHaveLength(8);
  });

  it('never touches an asset carrying a never-touch tag, and says why', async () => {
    const protectedAsset = store.assetsById.get('nsgw-edge-03')!;
    protectedAsset.tags['forestall:never-touch'] = 'true';

    const result = await plan(EDGE);

    expect(result.skipped).toEqual([{ assetId: 'nsgw-edge-03', reason: 'never-touch tag forestall:never-touch=true' }]);
    expect(result.targetAssetIds).not.toContain('nsgw-edge-03');
    expect(JSON.stringify(result.targets)).not.toContain('nsgw-edge-03');
    expect(JSON.stringify(result.targets)).not.toContain(protectedAsset.cloud!.instanceId);
    expect(result.exposureIds).not.toContain(`${CVE}|nsgw-edge-03`);
  });

  it("applies the tenant's own never-touch tags", async () => {
    const result = await plan(['nsgw-edge-01', 'nsgw-lab-01'], policy({ neverTouchTags: { env: 'lab' } }));

    expect(result.skipped).toEqual([{ assetId: 'nsgw-lab-01', reason: 'never-touch tag env=lab' }]);
    expect(result.targetAssetIds).toEqual(['nsgw-edge-01']);
  });

  it('caps the blast radius, acting on the most critical assets and reporting the rest', async () => {
    const result = await plan(EDGE, policy({ maxAssetsPerRun: 5 }));

    expect(result.targetAssetIds).toHaveLength(5);
    expect(result.targets.network).toHaveLength(5);
    expect(result.targets.endpoint).toHaveLength(5);
    expect(result.skipped).toHaveLength(3);
    for (const skipped of result.skipped) expect(skipped.reason).toBe('blast-radius cap 5 reached');
    // nsgw-edge-03 and -06 are the two medium-criticality gateways: they wait, the high ones do not.
    expect(result.skipped.map((skipped) => skipped.assetId)).toEqual(expect.arrayContaining(['nsgw-edge-03', 'nsgw-edge-06']));
    expect(result.assetCount).toBe(8);
  });

  it('acts on nothing when the cap is zero', async () => {
    const result = await plan(EDGE, policy({ maxAssetsPerRun: 0 }));

    expect(result.targetCount).toBe(0);
    expect(result.targets).toEqual({ network: [], identity: [], endpoint: [] });
    expect(result.skipped).toHaveLength(8);
  });

  it('carries dry-run to every later step without changing what is planned', async () => {
    const result = await plan(EDGE, policy({ dryRun: true }));

    expect(result.dryRun).toBe(true);
    expect(result.targetCount).toBe(17);
  });

  it('reads the exposures beyond the inline asset ids from the store, same decision and still open only', async () => {
    const exposure = (asset: string, decision: Exposure['decision'], state: Exposure['state'] = 'open'): Exposure => ({
      tenant: TENANT,
      id: exposureId(CVE, asset),
      vulnerability: CVE,
      asset,
      component: 'cpe:citrix:netscaler_gateway',
      version: '13.1-48.47',
      internetFacing: true,
      criticality: 'high',
      kev: true,
      decision,
      ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'high' },
      reasons: [],
      state,
      detectedAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    await store.exposures.putMany([
      ...EDGE.slice(0, 6).map((asset) => exposure(asset, 'act')),
      exposure('nsgw-edge-07', 'act', 'fixed'),
      exposure('adc-int-01', 'attend'),
    ]);

    const result = await plan(['nsgw-edge-01', 'nsgw-edge-02'], policy(), { assetCount: 6 });

    expect(result.targetAssetIds.toSorted()).toEqual(EDGE.slice(0, 6));
    expect(result.assetCount).toBe(6);
  });

  it('reports assets the inventory no longer has and assets with nothing to act on', async () => {
    await store.assets.put(TENANT, {
      id: 'appliance-without-bindings',
      ips: [],
      internetFacing: true,
      criticality: 'high',
      tags: {},
      software: [],
    });

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
    const result = await planResponse(
      { repositories: store, guardrails: policy(), now: () => NOW, patchWatch: { intervalSeconds: 900, maxChecks: 8 } },
      { detail: detail(EDGE), execution: EXECUTION },
    );

    expect(result).toMatchObject({ patchCheckIntervalSeconds: 900, maxPatchChecks: 8 });
  });
});
