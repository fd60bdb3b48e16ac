import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetSchema, assetIdentities, type Asset } from '../../../functions/model/asset.ts';
import type { Decision, Exposure } from '../../../functions/model/exposure.ts';
import { ExposureTransitionRefused, transitionExposure } from '../../../functions/match/exposure-lifecycle.ts';
import { NvdConfigurationSchema, type Vulnerability } from '../../../functions/model/vulnerability.ts';
import type { AssetRepository, ComponentRow, ExposureRepository, VulnerabilityRepository } from '../../../functions/store/ports.ts';

/**
 * Port implementations over plain maps, for unit tests of playbook cores (the DynamoDB implementations
 * are tested against dynalite on their own).
 */
export class InMemoryStore {
  readonly assetsById = new Map<string, Asset>();
  readonly exposureList: Exposure[] = [];
  readonly vulnerabilityById = new Map<string, Vulnerability>();
  /** Every getMany call, to show how the core reads. */
  readonly getManyCalls: string[][] = [];

  readonly assets: AssetRepository = {
    put: async (_tenant, asset) => {
      const created = !this.assetsById.has(asset.id);
      this.assetsById.set(asset.id, structuredClone(asset));
      return { created, changed: true, packageKeys: [] };
    },
    get: async (_tenant, id) => structuredClone(this.assetsById.get(id)),
    // No outbox here: these fakes serve matching, which never records pending changes.
    putMany: async (tenant, assets) => ({ results: await Promise.all(assets.map((asset) => this.assets.put(tenant, asset))), pending: [] }),
    pendingChanges: async () => [],
    settlePending: async () => undefined,
    getMany: async (_tenant, ids) => {
      this.getManyCalls.push([...ids]);
      return ids.flatMap((id) => {
        const asset = this.assetsById.get(id);
        return asset ? [structuredClone(asset)] : [];
      });
    },
    componentsByPackage: async (): Promise<ComponentRow[]> => [],
    componentPages: () => (async function* none(): AsyncGenerator<ComponentRow[]> {})(),
    assetIdsByIdentity: async (_tenant, identities) =>
      new Map(identities.map((identity) => [identity, [...this.assetsById.values()].filter((asset) => assetIdentities(asset).includes(identity)).map((asset) => asset.id)])),
  };

  readonly exposures: ExposureRepository = {
    putMany: async (exposures) => {
      this.exposureList.push(...exposures.map((exposure) => structuredClone(exposure)));
      return [...exposures];
    },
    listByVulnerability: async (tenant, vulnerability) =>
      this.exposureList.filter((exposure) => exposure.tenant === tenant && exposure.vulnerability === vulnerability),
    pagesByVulnerability: (tenant, vulnerability) => {
      const all = this.exposureList.filter((exposure) => exposure.tenant === tenant && exposure.vulnerability === vulnerability);
      return (async function* pages() {
        if (all.length > 0) yield all;
      })();
    },
    listByStateAndDecision: async (tenant, state, decision: Decision) =>
      this.exposureList.filter((exposure) => exposure.tenant === tenant && exposure.state === state && exposure.decision === decision),
    getMany: async (tenant, keys) =>
      this.exposureList.filter((exposure) => exposure.tenant === tenant && keys.some((key) => key.vulnerability === exposure.vulnerability && key.asset === exposure.asset)),
    setResponse: async (tenant, vulnerability, assets, response) => {
      const matching = this.exposureList.filter((exposure) => exposure.tenant === tenant && exposure.vulnerability === vulnerability && assets.includes(exposure.asset));
      for (const exposure of matching) exposure.response = response;
      return matching.length;
    },
    transition: async (tenant, vulnerability, assets, transition) => {
      const changed: Exposure[] = [];
      const refused: Array<{ asset: string; reason: string }> = [];
      for (const asset of new Set(assets)) {
        const index = this.exposureList.findIndex((exposure) => exposure.tenant === tenant && exposure.vulnerability === vulnerability && exposure.asset === asset);
        const current = this.exposureList[index];
        if (!current) {
          refused.push({ asset, reason: `no stored exposure of ${vulnerability} on asset ${asset}` });
          continue;
        }
        try {
          const next = transitionExposure(current, transition);
          this.exposureList[index] = structuredClone(next);
          changed.push(next);
        } catch (error) {
          if (!(error instanceof ExposureTransitionRefused)) throw error;
          refused.push({ asset, reason: error.message });
        }
      }
      return { changed, refused };
    },
  };

  readonly vulnerabilities: VulnerabilityRepository = {
    get: async (_tenant, id) => structuredClone(this.vulnerabilityById.get(id)),
    put: async (record) => {
      this.vulnerabilityById.set(record.id, structuredClone(record));
      return true;
    },
  };
}

const fixtures = join(import.meta.dirname, '../../fixtures');

/** The demo estate (test/fixtures/estate), parsed as the inventory import would. */
export function loadEstate(file: 'estate.json' | 'estate-patched.json' = 'estate.json'): Asset[] {
  const raw = JSON.parse(readFileSync(join(fixtures, 'estate', file), 'utf8')) as { assets: unknown[] };
  return raw.assets.map((asset) => AssetSchema.parse(asset));
}

/** CVE-2023-4966 (Citrix Bleed) as stored after ingest: its NVD record's facts and configurations. */
export function citrixBleed(tenant: string): Vulnerability {
  const nvd = JSON.parse(readFileSync(join(fixtures, 'intel', 'nvd', 'CVE-2023-4966.json'), 'utf8')) as {
    id: string;
    published: string;
    lastModified: string;
    vulnStatus: string;
    configurations: unknown[];
  };
  return {
    tenant,
    id: nvd.id,
    nvd: {
      published: nvd.published,
      lastModified: nvd.lastModified,
      vulnStatus: nvd.vulnStatus,
      cvss: [],
      configurations: nvd.configurations.map((configuration) => NvdConfigurationSchema.parse(configuration)),
    },
    enrichment: 'done',
    sources: ['nvd'],
    updatedAt: nvd.lastModified,
  };
}
