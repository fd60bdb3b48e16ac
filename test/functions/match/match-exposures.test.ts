import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageKeyOfCpe } from '../../../functions/match/cpe.ts';
import { MAX_EVENT_REASONS, matchExposures, VulnerabilityNotFound } from '../../../functions/match/match-exposures.ts';
import { AssetSchema, type Asset } from '../../../functions/model/asset.ts';
import { ExposureDetectedSchema, MAX_INLINE_ASSETS, type ExposureDetected } from '../../../functions/model/events.ts';
import type { Exposure } from '../../../functions/model/exposure.ts';
import type { Vulnerability } from '../../../functions/model/vulnerability.ts';
import { describeSoftware } from '../../../functions/store/keys.ts';
import type { AssetRepository, ComponentRow, ExposureRepository, VulnerabilityRepository } from '../../../functions/store/ports.ts';
import { asset, vulnerabilityFrom } from './nvd-fixtures.ts';

/** The three repositories matching uses, in memory, with the store's putMany semantics. */
class MemoryStore {
  readonly vulnerabilityRecords = new Map<string, Vulnerability>();
  readonly assetRecords = new Map<string, Asset>();
  readonly exposureRecords = new Map<string, Exposure>();
  readonly packageLookups: string[][] = [];

  readonly vulnerabilities: VulnerabilityRepository = {
    get: async (tenant, id) => structuredClone(this.vulnerabilityRecords.get(`${tenant}|${id}`)),
    put: async (record) => {
      this.vulnerabilityRecords.set(`${record.tenant}|${record.id}`, record);
      return true;
    },
  };

  readonly assets: AssetRepository = {
    put: async (tenant, a) => {
      const created = !this.assetRecords.has(`${tenant}|${a.id}`);
      this.assetRecords.set(`${tenant}|${a.id}`, a);
      return { created, changed: true, packageKeys: [] };
    },
    get: async (tenant, id) => structuredClone(this.assetRecords.get(`${tenant}|${id}`)),
    // No outbox here: these fakes serve matching, which never records pending changes.
    putMany: async (tenant, assets) => ({ results: await Promise.all(assets.map((asset) => this.assets.put(tenant, asset))), pending: [] }),
    pendingChanges: async () => [],
    settlePending: async () => undefined,
    getMany: async (tenant, ids) => ids.flatMap((id) => this.assetRecords.get(`${tenant}|${id}`) ?? []).map((a) => structuredClone(a)),
    componentsByPackage: async (tenant, packageKeys) => {
      this.packageLookups.push([...packageKeys]);
      const rows: ComponentRow[] = [];
      for (const [key, a] of this.assetRecords) {
        if (!key.startsWith(`${tenant}|`)) continue;
        for (const software of a.software) {
          if (!('cpe' in software)) continue;
          const packageKey = packageKeyOfCpe(software.cpe);
          if (packageKeys.includes(packageKey)) rows.push({ tenant, assetId: a.id, packageKey, identifier: software.cpe, version: '' });
        }
      }
      return rows;
    },
    componentPages: (tenant, packageKey, pageSize = 1000) => {
      this.packageLookups.push([packageKey]);
      const rows: ComponentRow[] = [];
      for (const [key, a] of this.assetRecords) {
        if (!key.startsWith(`${tenant}|`)) continue;
        for (const software of a.software) {
          const described = describeSoftware(software);
          if (described.packageKey === packageKey) rows.push({ tenant, assetId: a.id, ...described });
        }
      }
      return (async function* pages() {
        for (let start = 0; start < rows.length; start += pageSize) yield rows.slice(start, start + pageSize);
      })();
    },
    assetIdsByIdentity: async () => new Map(),
  };

  readonly exposures: ExposureRepository = {
    putMany: async (exposures) => {
      const changed: Exposure[] = [];
      for (const exposure of exposures) {
        const previous = this.exposureRecords.get(exposure.id);
        const next = previous ? { ...exposure, detectedAt: previous.detectedAt } : exposure;
        if (!previous || previous.decision !== next.decision || previous.state !== next.state) changed.push(next);
        this.exposureRecords.set(exposure.id, structuredClone(next));
      }
      return changed;
    },
    listByVulnerability: async (tenant, vulnerability) =>
      [...this.exposureRecords.values()].filter((e) => e.tenant === tenant && e.vulnerability === vulnerability).map((e) => structuredClone(e)),
    listByStateAndDecision: async (tenant, state, decision) =>
      [...this.exposureRecords.values()].filter((e) => e.tenant === tenant && e.state === state && e.decision === decision),
    getMany: async (tenant, keys) => [...this.exposureRecords.values()].filter((e) => e.tenant === tenant && keys.some((k) => k.vulnerability === e.vulnerability && k.asset === e.asset)),
    pagesByVulnerability: (tenant, vulnerability) => {
      const all = [...this.exposureRecords.values()].filter((e) => e.tenant === tenant && e.vulnerability === vulnerability).map((e) => structuredClone(e));
      return (async function* pages() {
        if (all.length > 0) yield all;
      })();
    },
    setResponse: async () => 0,
    transition: async () => ({ changed: [], refused: [] }),
  };

  loadAssets(assets: readonly Asset[], tenant = 'default'): void {
    this.assetRecords.clear();
    for (const a of assets) this.assetRecords.set(`${tenant}|${a.id}`, a);
  }
}

function estate(file: string): Asset[] {
  const json = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/estate', file), 'utf8')) as { assets: unknown[] };
  return json.assets.map((a) => AssetSchema.parse(a));
}

function setup(assets: readonly Asset[], vulnerability: Vulnerability = vulnerabilityFrom('CVE-2023-4966.json')) {
  const store = new MemoryStore();
  store.vulnerabilityRecords.set(`${vulnerability.tenant}|${vulnerability.id}`, vulnerability);
  store.loadAssets(assets);
  const published: Array<{ detailType: string; detail: unknown }> = [];
  let clock = new Date('2023-10-18T02:00:05.000Z');
  const deps = {
    repositories: store,
    publishEvents: async (entries: Array<{ detailType: string; detail: unknown }>) => {
      published.push(...entries);
    },
    now: () => clock,
  };
  const details = () => published.map((entry) => ExposureDetectedSchema.parse(entry.detail));
  return { store, deps, published, details, setClock: (iso: string) => (clock = new Date(iso)) };
}

const INPUT = { tenant: 'default', vulnerabilityId: 'CVE-2023-4966' };

describe('matchExposures', () => {
  it('stores the exposures of the demo estate and publishes one Exposure Detected per decision', async () => {
    const { store, deps, published, details } = setup(estate('estate.json'));
    const summary = await matchExposures(deps, INPUT);

    expect(summary).toEqual({
      tenant: 'default',
      vulnerabilityId: 'CVE-2023-4966',
      packageKeys: ['cpe:citrix:netscaler_application_delivery_controller', 'cpe:citrix:netscaler_gateway'],
      unindexedCriteria: [],
      // 61 NetScaler component rows (some assets name both products) on 53 assets; rows on fixed
      // builds are refused on the row itself, so only the 47 affected assets are read.
      componentRows: 61,
      candidateAssets: 47,
      affectedAssets: 47,
      fixed: 0,
      changed: 47,
      events: [
        { decision: 'act', assetCount: 8 },
        { decision: 'attend', assetCount: 39 },
      ],
      problems: [],
      problemCount: 0,
    });
    expect(store.packageLookups).toEqual([['cpe:citrix:netscaler_application_delivery_controller'], ['cpe:citrix:netscaler_gateway']]);
    expect(store.exposureRecords.size).toBe(47);
    expect(published.map((e) => e.detailType)).toEqual(['Exposure Detected', 'Exposure Detected']);

    const [act] = details() as [ExposureDetected];
    expect(act).toMatchObject({
      version: '1',
      tenant: 'default',
      vulnerability: {
        id: 'CVE-2023-4966',
        name: 'Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability',
        kev: true,
        cvss: 7.5,
        dueDate: '2023-11-08',
      },
      decision: 'act',
      assetCount: 8,
      detectedAt: '2023-10-18T02:00:05.000Z',
    });
    expect(act.vulnerability.requiredAction).toMatch(/^Apply mitigations and kill all active and persistent sessions/);
    expect(act.assetIds).toEqual(['nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03', 'nsgw-edge-04', 'nsgw-edge-05', 'nsgw-edge-06', 'nsgw-edge-07', 'nsgw-edge-08']);
    expect(act.exposureIds).toEqual(act.assetIds.map((id) => `CVE-2023-4966|${id}`));
    // The distinct union: the shared reasons appear once, each matched build once.
    expect(new Set(act.reasons).size).toBe(act.reasons.length);
    expect(act.reasons).toContain('exploitation: active - in CISA KEV since 2023-10-18; known use in ransomware campaigns');
    expect(act.reasons).toContain('mission & well-being: high - internet-facing asset of high criticality');
    expect(act.reasons).toContain('mission & well-being: high - internet-facing asset of medium criticality');
    expect(act.reasons.filter((r) => r.startsWith('decision: act'))).toHaveLength(1);
  });

  it('publishes and changes nothing when re-run on an unchanged estate', async () => {
    const { deps, published, setClock } = setup(estate('estate.json'));
    await matchExposures(deps, INPUT);
    published.length = 0;
    setClock('2023-10-18T03:00:00.000Z');
    const summary = await matchExposures(deps, INPUT);
    expect(summary).toMatchObject({ affectedAssets: 47, changed: 0, fixed: 0, events: [] });
    expect(published).toEqual([]);
  });

  it('marks exposures remediated once the inventory shows fixed builds, keeping the first detection time', async () => {
    const { store, deps, published, setClock } = setup(estate('estate.json'));
    await matchExposures(deps, INPUT);
    published.length = 0;
    store.loadAssets(estate('estate-patched.json'));
    setClock('2023-10-19T09:30:00.000Z');

    const summary = await matchExposures(deps, INPUT);
    expect(summary).toMatchObject({ affectedAssets: 39, fixed: 8, changed: 8, events: [] });
    expect(published).toEqual([]);
    const edge = store.exposureRecords.get('CVE-2023-4966|nsgw-edge-01');
    expect(edge).toMatchObject({
      state: 'remediated',
      detectedAt: '2023-10-18T02:00:05.000Z',
      updatedAt: '2023-10-19T09:30:00.000Z',
      timeline: { intelPublishedAt: '2023-10-10T14:15:10.977Z', remediatedAt: '2023-10-19T09:30:00.000Z' },
    });
    expect(edge?.reasons.at(-1)).toBe('remediated: on 2023-10-19T09:30:00.000Z the inventory no longer shows an affected version on asset nsgw-edge-01');
    expect(store.exposureRecords.get('CVE-2023-4966|nsgw-lab-01')?.state).toBe('open');

    // Remediated stays remediated on the next run: no new reasons, nothing changed.
    const again = await matchExposures(deps, INPUT);
    expect(again).toMatchObject({ fixed: 0, changed: 0 });
    expect(store.exposureRecords.get('CVE-2023-4966|nsgw-edge-01')?.reasons.filter((r) => r.startsWith('remediated:'))).toHaveLength(1);
  });

  it('a removed asset no longer counts as exposed', async () => {
    const { store, deps } = setup(estate('estate.json'));
    await matchExposures(deps, INPUT);
    store.assetRecords.delete('default|adc-int-01');
    const summary = await matchExposures(deps, INPUT);
    expect(summary).toMatchObject({ fixed: 1, affectedAssets: 46 });
    expect(store.exposureRecords.get('CVE-2023-4966|adc-int-01')?.state).toBe('remediated');
  });

  it('publishes only the exposures whose decision changed', async () => {
    const internal = asset({ id: 'adc-1', criticality: 'high', cpes: ['cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*'] });
    const other = asset({ id: 'adc-2', criticality: 'high', cpes: ['cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*'] });
    const { store, deps, details } = setup([internal, other]);
    await matchExposures(deps, INPUT);
    expect(details().map((d) => [d.decision, d.assetIds])).toEqual([['attend', ['adc-1', 'adc-2']]]);

    store.assetRecords.set('default|adc-1', { ...internal, internetFacing: true });
    await matchExposures(deps, INPUT);
    expect(details().map((d) => [d.decision, d.assetIds])).toEqual([
      ['attend', ['adc-1', 'adc-2']],
      ['act', ['adc-1']],
    ]);
  });

  it('caps inline asset ids and reasons, and counts every asset', async () => {
    const many = Array.from({ length: 150 }, (_, i) =>
      asset({
        id: `adc-${String(i).padStart(3, '0')}`,
        internetFacing: true,
        criticality: 'high',
        cpes: [`cpe:2.3:a:citrix:netscaler_application_delivery_controller:13.1-${i % 49}.${i}:*:*:*:-:*:*:*`],
      }),
    );
    const { deps, details } = setup(many);
    const summary = await matchExposures(deps, INPUT);
    expect(summary.events).toEqual([{ decision: 'act', assetCount: 150 }]);
    const [event] = details() as [ExposureDetected];
    expect(event.assetCount).toBe(150);
    expect(event.assetIds).toHaveLength(MAX_INLINE_ASSETS);
    expect(event.exposureIds).toHaveLength(MAX_INLINE_ASSETS);
    expect(event.reasons).toHaveLength(MAX_EVENT_REASONS);
    expect(event.reasons.at(-1)).toMatch(/^\.\.\. and \d+ more reasons on the stored exposures$/);
  });

  it('looks nothing up for a vulnerability without NVD configurations', async () => {
    const pending = { ...vulnerabilityFrom('CVE-2024-3400.json'), kev: undefined };
    const { store, deps, published } = setup(estate('estate.json'), pending);
    const summary = await matchExposures(deps, { tenant: 'default', vulnerabilityId: 'CVE-2024-3400' });
    expect(summary).toMatchObject({ packageKeys: [], candidateAssets: 0, affectedAssets: 0, events: [] });
    expect(store.packageLookups).toEqual([]);
    expect(published).toEqual([]);
  });

  it('fails with VulnerabilityNotFound for an unknown vulnerability', async () => {
    const { deps } = setup([]);
    await expect(matchExposures(deps, { tenant: 'default', vulnerabilityId: 'CVE-2099-0001' })).rejects.toThrow(VulnerabilityNotFound);
    await expect(matchExposures(deps, { tenant: 'default', vulnerabilityId: 'CVE-2099-0001' })).rejects.toThrow(
      'vulnerability CVE-2099-0001 of tenant default is not in the store',
    );
  });
});
