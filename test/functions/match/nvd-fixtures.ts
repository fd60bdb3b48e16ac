import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NvdCveSchema, nvdFactsOf } from '../../../functions/ingest/nvd-record.ts';
import { AssetSchema, type Asset } from '../../../functions/model/asset.ts';
import { KevFactsSchema, type KevFacts, type NvdConfiguration, type Vulnerability } from '../../../functions/model/vulnerability.ts';

const NVD_DIR = join(import.meta.dirname, '../../fixtures/intel/nvd');

/**
 * The `cve` object of a CVE in an NVD fixture: either a per-CVE file (the `cve` object itself) or a
 * CVE API 2.0 response (`vulnerabilities[].cve`), picked by id.
 */
export function nvdCve(file: string, id?: string): unknown {
  const json = JSON.parse(readFileSync(join(NVD_DIR, file), 'utf8')) as { id?: string; vulnerabilities?: Array<{ cve: { id: string } }> };
  if (json.vulnerabilities === undefined) return json;
  const found = id === undefined ? json.vulnerabilities[0] : json.vulnerabilities.find((v) => v.cve.id === id);
  if (found === undefined) throw new Error(`${id} is not in ${file}`);
  return found.cve;
}

const KEV_CATALOGUE = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/intel/known_exploited_vulnerabilities.json'), 'utf8')) as {
  vulnerabilities: Array<{ cveID: string }>;
};

/** The CISA KEV catalogue entry of a CVE (catalogue fixture), as the record stores it. */
export function kevFacts(id: string): KevFacts | undefined {
  const entry = KEV_CATALOGUE.vulnerabilities.find((v) => v.cveID === id);
  return entry === undefined ? undefined : KevFactsSchema.parse(entry);
}

/** A stored vulnerability record built from an NVD fixture the way ingest builds it (nvdFactsOf). */
export function vulnerabilityFrom(file: string, options: { id?: string; kev?: boolean; tenant?: string } = {}): Vulnerability {
  const cve = NvdCveSchema.parse(nvdCve(file, options.id));
  const kev = options.kev === false ? undefined : kevFacts(cve.id);
  return {
    tenant: options.tenant ?? 'default',
    id: cve.id,
    ...(kev ? { kev } : {}),
    nvd: nvdFactsOf(cve),
    enrichment: 'done',
    sources: kev ? ['kev', 'nvd'] : ['nvd'],
    updatedAt: '2025-08-25T00:00:00.000Z',
  };
}

export function configurationsOf(file: string, id?: string): NvdConfiguration[] {
  return vulnerabilityFrom(file, { id, kev: false }).nvd?.configurations ?? [];
}

/** An asset through the inventory schema (defaults applied), for tests. */
export function asset(input: { id: string; cpes?: string[]; internetFacing?: boolean; criticality?: 'low' | 'medium' | 'high'; purls?: string[] }): Asset {
  return AssetSchema.parse({
    id: input.id,
    internetFacing: input.internetFacing ?? false,
    criticality: input.criticality ?? 'medium',
    software: [...(input.cpes ?? []).map((cpe) => ({ cpe })), ...(input.purls ?? []).map((purl) => ({ purl }))],
  });
}
