import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importInventory } from '../../../functions/inventory/import-inventory.ts';
import { matchExposures } from '../../../functions/match/match-exposures.ts';
import { parseInventoryChangedEvent, rematchInventory } from '../../../functions/match/rematch-inventory.ts';
import { DetailType, ExposureDetectedSchema, InventoryChangedSchema, type InventoryChanged } from '../../../functions/model/events.ts';
import { compileEventPattern } from '../../../functions/routing/event-pattern.ts';
import { rulePattern } from '../../../functions/routing/rules.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';
import { vulnerabilityFrom } from './nvd-fixtures.ts';

const OWN_ACCOUNT = '111122223333';
const CVE = 'CVE-2023-4966';

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
});
afterAll(async () => {
  await table?.close();
});

interface Published {
  detailType: string;
  detail: unknown;
}

function harness(tenant: string) {
  const published: Published[] = [];
  let clock = new Date('2023-10-18T02:00:00Z');
  const publishEvents = async (entries: Published[]) => void published.push(...entries);
  const deps = { repositories: table.repositories, publishEvents, now: () => clock };
  const inventoryChanged = () => published.filter((entry) => entry.detailType === DetailType.InventoryChanged).map((entry) => InventoryChangedSchema.parse(entry.detail));
  const exposureDetected = () => published.filter((entry) => entry.detailType === DetailType.ExposureDetected).map((entry) => ExposureDetectedSchema.parse(entry.detail));
  /** Delivers the events published so far the way the stack's rule would; what the re-match publishes stays. */
  const deliver = async () => {
    const matches = compileEventPattern(rulePattern('inventoryChanged', OWN_ACCOUNT));
    const details = inventoryChanged();
    published.length = 0;
    const summaries = [];
    for (const detail of details) {
      const event = envelope(detail);
      expect(matches(event)).toBe(true);
      const parsed = parseInventoryChangedEvent(event);
      summaries.push(await rematchInventory(deps, { tenant: parsed.tenant, assets: parsed.assets }));
    }
    return summaries;
  };
  return {
    deps,
    published,
    inventoryChanged,
    exposureDetected,
    deliver,
    tick: (iso: string) => (clock = new Date(iso)),
    importAssets: (assets: unknown[]) => importInventory(deps, { tenant, inventory: { assets } }),
  };
}

const envelope = (detail: InventoryChanged, account = OWN_ACCOUNT) => ({
  version: '0',
  id: 'b0f5f0a8-4f0e-4d8c-9d35-2a4d6f3a1c11',
  'detail-type': DetailType.InventoryChanged,
  source: 'forestall',
  account,
  time: detail.changedAt,
  region: 'eu-west-1',
  resources: [] as string[],
  detail,
});

const gateway = (id: string, build: string) => ({
  id,
  hostname: `${id}.corp.example.com`,
  internetFacing: true,
  criticality: 'high',
  software: [{ cpe: `cpe:2.3:a:citrix:netscaler_gateway:${build}:*:*:*:*:*:*:*` }],
});

describe('re-matching on inventory change (found on main: assets imported after Intel Changed were never matched)', () => {
  it('matches a new asset against a CVE stored and matched before it arrived, then remediates it once patched, with no intel event', async () => {
    const tenant = 'found';
    const h = harness(tenant);
    await table.repositories.vulnerabilities.put(vulnerabilityFrom('CVE-2023-4966.json', { tenant }));
    // The intel arrived first: matching found nothing, the estate was empty.
    expect(await matchExposures(h.deps, { tenant, vulnerabilityId: CVE })).toMatchObject({ affectedAssets: 0, changed: 0 });

    // A new gateway on an affected build is imported afterwards.
    h.tick('2023-10-19T09:00:00Z');
    await h.importAssets([gateway('nsgw-late-01', '13.1-48.47')]);
    expect(h.inventoryChanged()).toEqual([
      { version: '1', tenant, assets: [{ id: 'nsgw-late-01', packageKeys: ['cpe:citrix:netscaler_gateway'] }], changedAt: '2023-10-19T09:00:00.000Z' },
    ]);
    const [first] = await h.deliver();
    expect(first).toMatchObject({ tenant, vulnerabilities: 1, assetsMatched: 1, affected: 1, new: 1, remediated: 0 });

    const [exposure] = await table.repositories.exposures.getMany(tenant, [{ vulnerability: CVE, asset: 'nsgw-late-01' }]);
    expect(exposure).toMatchObject({ state: 'open', version: '13.1-48.47', detectedAt: '2023-10-19T09:00:00.000Z' });
    expect(h.exposureDetected()).toEqual([expect.objectContaining({ tenant, vulnerability: expect.objectContaining({ id: CVE }), assetIds: ['nsgw-late-01'], assetCount: 1 })]);
    h.published.length = 0;

    // Patched: the same asset now shows the fixed build.
    h.tick('2023-10-20T10:00:00Z');
    await h.importAssets([gateway('nsgw-late-01', '13.1-49.15')]);
    expect(h.inventoryChanged()).toEqual([
      { version: '1', tenant, assets: [{ id: 'nsgw-late-01', packageKeys: ['cpe:citrix:netscaler_gateway'] }], changedAt: '2023-10-20T10:00:00.000Z' },
    ]);
    const [second] = await h.deliver();
    expect(second).toMatchObject({ vulnerabilities: 1, assetsMatched: 1, affected: 0, new: 0, remediated: 1 });
    const [patched] = await table.repositories.exposures.getMany(tenant, [{ vulnerability: CVE, asset: 'nsgw-late-01' }]);
    expect(patched).toMatchObject({ state: 'remediated', detectedAt: '2023-10-19T09:00:00.000Z', timeline: { remediatedAt: '2023-10-20T10:00:00.000Z' } });
    // Remediation is not an exposure to act on: nothing is announced.
    expect(h.exposureDetected()).toEqual([]);
  });

  it('announces a new open exposure with Exposure Detected once: the same change again publishes nothing', async () => {
    const tenant = 'announce';
    const h = harness(tenant);
    await table.repositories.vulnerabilities.put(vulnerabilityFrom('CVE-2023-4966.json', { tenant }));
    await h.importAssets([gateway('nsgw-a', '13.1-48.47')]);
    const [detail] = h.inventoryChanged();
    const [summary] = await h.deliver();
    expect(summary!.events).toEqual([{ vulnerability: CVE, decision: expect.any(String), assetCount: 1 }]);
    expect(h.exposureDetected()).toEqual([expect.objectContaining({ tenant, vulnerability: expect.objectContaining({ id: CVE, kev: true }), assetIds: ['nsgw-a'], assetCount: 1 })]);

    h.published.length = 0;
    const again = await rematchInventory(h.deps, { tenant, assets: detail!.assets });
    expect(again).toMatchObject({ new: 0, changed: 0, events: [] });
    expect(h.published).toEqual([]);
  });

  it('publishes nothing when an import changes no software', async () => {
    const tenant = 'unchanged';
    const h = harness(tenant);
    await h.importAssets([gateway('nsgw-a', '13.1-48.47')]);
    h.published.length = 0;
    await h.importAssets([gateway('nsgw-a', '13.1-48.47')]);
    await h.importAssets([{ ...gateway('nsgw-a', '13.1-48.47'), owner: 'network-edge' }]);
    expect(h.published).toEqual([]);
  });

  it('reads only the changed assets, whatever the size of the estate', async () => {
    const tenant = 'reads';
    const h = harness(tenant);
    await table.repositories.vulnerabilities.put(vulnerabilityFrom('CVE-2023-4966.json', { tenant }));
    await h.importAssets(Array.from({ length: 40 }, (_, i) => gateway(`nsgw-${String(i).padStart(2, '0')}`, '13.1-48.47')));
    await h.deliver();

    await h.importAssets([gateway('nsgw-new', '13.1-48.47')]);
    const [detail] = h.inventoryChanged();
    table.counter.reset();
    const assetReads: string[][] = [];
    const exposureReads: string[] = [];
    const { assets, exposures } = table.repositories;
    const counting = {
      ...table.repositories,
      assets: { ...assets, getMany: (t: string, ids: readonly string[]) => (assetReads.push([...ids]), assets.getMany(t, ids)) },
      exposures: {
        ...exposures,
        getMany: (t: string, keys: ReadonlyArray<{ vulnerability: string; asset: string }>) => (exposureReads.push(...keys.map((k) => k.asset)), exposures.getMany(t, keys)),
      },
    };
    const summary = await rematchInventory({ ...h.deps, repositories: counting }, { tenant, assets: detail!.assets });
    expect(summary).toMatchObject({ packageKeys: 1, vulnerabilities: 1, assetsMatched: 1, new: 1 });
    expect(assetReads).toEqual([['nsgw-new']]);
    expect(exposureReads).toEqual(['nsgw-new']);
    // On the wire: the index query, the CVE's rows, the asset, its exposure (read, then again by putMany)
    // and one exposure write; never the 40 other gateways.
    expect(table.counter.reads).toBe(5);
    expect(table.counter.writes).toBe(1);
    expect(table.counter.requests.Scan).toBeUndefined();
  });

  it('refuses an Inventory Changed event from another account at the rule, and a malformed one at the handler', () => {
    const detail: InventoryChanged = { version: '1', tenant: 'default', assets: [{ id: 'a1', packageKeys: ['cpe:citrix:netscaler_gateway'] }], changedAt: '2023-10-18T02:00:00Z' };
    const matches = compileEventPattern(rulePattern('inventoryChanged', OWN_ACCOUNT));
    expect(matches(envelope(detail))).toBe(true);
    expect(matches(envelope(detail, '999999999999'))).toBe(false);
    expect(matches({ ...envelope(detail), source: 'aws.inspector2' })).toBe(false);
    expect(() => parseInventoryChangedEvent({ ...envelope(detail), detail: { ...detail, assets: [] } })).toThrow(/detail\.assets/);
  });

  it('does nothing for a package no stored vulnerability names', async () => {
    const tenant = 'unrelated';
    const h = harness(tenant);
    await table.repositories.vulnerabilities.put(vulnerabilityFrom('CVE-2023-4966.json', { tenant }));
    await h.importAssets([{ id: 'web-1', criticality: 'low', software: [{ purl: 'pkg:npm/left-pad@1.3.0' }] }]);
    const [summary] = await h.deliver();
    expect(summary).toMatchObject({ vulnerabilities: 0, assetsMatched: 0, new: 0, remediated: 0 });
  });
});
