import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('../../fixtures/intel/', import.meta.url));

export const readIntelFixture = (name: string): unknown => JSON.parse(readFileSync(`${fixtures}${name}`, 'utf8'));
export const intelFixturePath = (name: string) => `${fixtures}${name}`;

/** The generated KEV catalogue (test/fixtures/intel/make-kev-catalogue.ts). */
export const KEV_CATALOGUE_FIXTURE = 'kev-catalogue.json';
/** Entries in it: 8 restated from CISA's catalogue, 129 synthetic. */
export const KEV_CATALOGUE_ENTRIES = 137;
/** The generated NVD CVE API 2.0 documents (test/fixtures/intel/nvd/make-nvd-records.ts). */
export const NVD_RESPONSE_FIXTURE = 'nvd/nvd-cve-api-response-CVE-2024-23113.json';
export const NVD_PAGE_FIXTURE = 'nvd/nvd-cve-api-response-page.json';
/** CVEs in the page: 10 synthetic, CVE-2022-22377 and CVE-2023-5631. */
export const NVD_PAGE_ENTRIES = 12;

export interface KevCatalogueJson {
  title: string;
  catalogVersion: string;
  dateReleased: string;
  count: number;
  vulnerabilities: Array<Record<string, unknown>>;
}

/** A fresh deep copy of the generated KEV catalogue (137 entries), safe to modify. */
export const kevCatalogue = (): KevCatalogueJson => readIntelFixture(KEV_CATALOGUE_FIXTURE) as KevCatalogueJson;

/** NVD cve objects of the bundled fixtures, by CVE id. */
export function nvdRecords(): Map<string, unknown> {
  const records = new Map<string, unknown>();
  for (const name of ['CVE-2023-4966', 'CVE-2023-34362', 'CVE-2021-34527', 'CVE-2024-3400']) {
    records.set(name, readIntelFixture(`nvd/${name}.json`));
  }
  const response = readIntelFixture(NVD_RESPONSE_FIXTURE) as { vulnerabilities: Array<{ cve: unknown }> };
  records.set('CVE-2024-23113', response.vulnerabilities[0]!.cve);
  return records;
}
