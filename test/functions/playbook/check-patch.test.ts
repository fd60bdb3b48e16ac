import { beforeEach, describe, expect, it } from 'vitest';
import { checkPatch, PatchCheckSchema } from '../../../functions/playbook/check-patch.ts';
import { VulnerabilityNotFound } from '../../../functions/playbook/playbook-errors.ts';
import type { Asset } from '../../../functions/model/asset.ts';
import type { Exposure } from '../../../functions/model/exposure.ts';
import { citrixBleed, InMemoryStore, loadEstate } from './in-memory-store.ts';
import { storedExposure } from './stored-exposures.ts';

const TENANT = 'default';
const CVE = 'CVE-2023-4966';
const EDGE = ['nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03', 'nsgw-edge-04', 'nsgw-edge-05', 'nsgw-edge-06', 'nsgw-edge-07', 'nsgw-edge-08'];
const NOW = new Date('2023-10-20T09:00:00Z');

let store: InMemoryStore;
beforeEach(async () => {
  store = new InMemoryStore();
  await store.vulnerabilities.put(citrixBleed(TENANT));
  for (const asset of loadEstate()) await store.assets.put(TENANT, asset);
});

const check = (assetIds: string[], attempt?: number) =>
  checkPatch({ repositories: store, now: () => NOW }, { tenant: TENANT, vulnerability: CVE, assetIds, ...(attempt ? { attempt } : {}) });

/** Replaces the named assets with their record from the patched inventory, as a re-import would. */
async function importPatched(ids: readonly string[]): Promise<void> {
  for (const asset of loadEstate('estate-patched.json')) if (ids.includes(asset.id)) await store.assets.put(TENANT, asset);
}

describe('checkPatch', () => {
  it('reports every gateway as still affected while the inventory shows vulnerable builds', async () => {
    const result = await check(EDGE, 1);

    expect(PatchCheckSchema.parse(result)).toEqual(result);
    expect(result).toEqual({ patched: false, stillAffected: EDGE, missing: [], checkedAt: NOW.toISOString(), attempt: 1, remediatedByInventory: [] });
  });

  it('reports patched once the inventory shows fixed builds on every contained asset', async () => {
    await importPatched(EDGE);

    expect(await check(EDGE, 4)).toMatchObject({ patched: true, stillAffected: [], attempt: 4 });
  });

  it('keeps waiting while some gateways are fixed and others are not', async () => {
    await importPatched(['nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03']);

    const result = await check(EDGE);

    expect(result.patched).toBe(false);
    expect(result.stillAffected).toEqual(EDGE.slice(3));
    expect(result.attempt).toBe(1);
  });

  it('does not take 14.1-8.6 for newer than the fixed 14.1-8.50', async () => {
    // nsgw-edge-02 runs 14.1-8.6, which a string comparison would order after the fix.
    expect(store.assetsById.get('nsgw-edge-02')?.software).toContainEqual({
      cpe: 'cpe:2.3:a:citrix:netscaler_application_delivery_controller:14.1-8.6:*:*:*:-:*:*:*',
    });

    expect(await check(['nsgw-edge-02'])).toMatchObject({ patched: false, stillAffected: ['nsgw-edge-02'] });
  });

  it('counts an asset that left the inventory as still affected: no evidence of a fix, no release', async () => {
    await importPatched(EDGE);
    store.assetsById.delete('nsgw-edge-05');

    const result = await check(EDGE);

    expect(result).toMatchObject({ patched: false, stillAffected: ['nsgw-edge-05'], missing: ['nsgw-edge-05'] });
  });

  it('takes exposures an inventory change already made remediated as fixed, without matching them again', async () => {
    const estate = new Map(loadEstate().map((asset) => [asset.id, asset]));
    const exposure = (id: string, state: Exposure['state']) => storedExposure(estate.get(id) as Asset, 'act', state);
    // The matcher saw the fixed builds of 01-03 (remediated, or verified by an earlier run); 04 is still contained.
    await store.exposures.putMany([exposure('nsgw-edge-01', 'remediated'), exposure('nsgw-edge-02', 'remediated'), exposure('nsgw-edge-03', 'verified'), exposure('nsgw-edge-04', 'contained')]);
    // The assets themselves are not read again for them: gone from this store, they would count as missing.
    for (const id of ['nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03']) store.assetsById.delete(id);

    const result = await check(EDGE.slice(0, 4), 2);

    expect(result).toMatchObject({ patched: false, stillAffected: ['nsgw-edge-04'], missing: [], remediatedByInventory: ['nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03'] });
    expect(store.getManyCalls.at(-1)).toEqual(['nsgw-edge-04']);

    // Once the inventory shows 04 fixed too, the run is patched; a check of remediated assets only reads no vulnerability.
    await importPatched(['nsgw-edge-04']);
    expect(await check(EDGE.slice(0, 4), 3)).toMatchObject({ patched: true, stillAffected: [] });
    store.vulnerabilityById.clear();
    expect(await check(EDGE.slice(0, 3), 4)).toMatchObject({ patched: true, remediatedByInventory: EDGE.slice(0, 3) });
  });

  it('matches every asset again when it is given no exposure repository (the expiry sweeper)', async () => {
    await store.exposures.putMany([storedExposure(loadEstate()[0] as Asset, 'act', 'remediated')]);

    const result = await checkPatch({ repositories: { assets: store.assets, vulnerabilities: store.vulnerabilities }, now: () => NOW }, { tenant: TENANT, vulnerability: CVE, assetIds: EDGE });

    expect(result).toMatchObject({ patched: false, stillAffected: EDGE, remediatedByInventory: [] });
  });

  it('fails by name when the vulnerability is not in the store', async () => {
    const attempt = checkPatch({ repositories: store }, { tenant: TENANT, vulnerability: 'CVE-2099-0001', assetIds: EDGE });

    await expect(attempt).rejects.toThrow(VulnerabilityNotFound);
    await expect(attempt).rejects.toMatchObject({ name: 'VulnerabilityNotFound' });
  });
});
