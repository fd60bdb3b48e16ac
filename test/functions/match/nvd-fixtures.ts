import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NvdCveSchema, nvdFactsOf } from '../../../functions/ingest/sources/nvd/nvd-record.ts';
import { AssetSchema, type Asset } from '../../../functions/model/asset.ts';
import { KevFactsSchema, type KevFacts, type NvdConfiguration, type Vulnerability } from '../../../functions/model/vulnerability.ts';

const NVD_DIR = join(import.meta.dirname, '../../fixtures/intel/nvd');

/** The generated NVD documents (test/fixtures/intel/nvd/make-nvd-records.ts) the tests name. */
export const NVD_RESPONSE_FILE = 'nvd-cve-api-response-CVE-2024-23113.json';
export const NVD_PAGE_FILE = 'nvd-cve-api-response-page.json';

/**
 * The `cve` object of a CVE in an NVD fixture (a name in the fixture folder, or an absolute path such as
 * a reference data file): either a per-CVE file (the `cve` object itself) or a CVE API 2.0 response
 * (`vulnerabilities[].cve`), picked by id.
 */
export function nvdCve(file: string, id?: string): unknown {
  const json = JSON.parse(readFileSync(resolve(NVD_DIR, file), 'utf8')) as { id?: string; vulnerabilities?: Array<{ cve: { id: string } }> };
  if (json.vulnerabilities === undefined) return json;
  const found = id === undefined ? json.vulnerabilities[0] : json.vulnerabilities.find((v) => v.cve.id === id);
  if (found === undefined) throw new Error(`${id} is not in ${file}`);
  return found.cve;
}

/** The generated KEV catalogue (test/fixtures/intel/make-kev-catalogue.ts). */
export const KEV_CATALOGUE_FILE = join(import.meta.dirname, '../../fixtures/intel/kev-catalogue.json');

const catalogues = new Map<string, Array<{ cveID: string }>>();
const catalogueEntries = (file: string) => {
  if (!catalogues.has(file)) catalogues.set(file, (JSON.parse(readFileSync(file, 'utf8')) as { vulnerabilities: Array<{ cveID: string }> }).vulnerabilities);
  return catalogues.get(file)!;
};

/** The CISA KEV catalogue entry of a CVE (the generated catalogue, or the one `catalogue` names), as the record stores it. */
export function kevFacts(id: string, catalogue = KEV_CATALOGUE_FILE): KevFacts | undefined {
  const entry = catalogueEntries(catalogue).find((v) => v.cveID === id);
  return entry === undefined ? undefined : KevFactsSchema.parse(entry);
}

/** A stored vulnerability record built from an NVD fixture the way ingest builds it (nvdFactsOf). */
export function vulnerabilityFrom(file: string, options: { id?: string; kev?: boolean; kevCatalogue?: string; tenant?: string } = {}): Vulnerability {
  const cve = NvdCveSchema.parse(nvdCve(file, options.id));
  const kev = options.kev === false ? undefined : kevFacts(cve.id, options.kevCatalogue);
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
