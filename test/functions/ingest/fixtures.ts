import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fixtures = fileURLToPath(new URL('../../fixtures/intel/', import.meta.url));

export const readIntelFixture = (name: string): unknown => JSON.parse(readFileSync(`${fixtures}${name}`, 'utf8'));
export const intelFixturePath = (name: string) => `${fixtures}${name}`;

export interface KevCatalogueJson {
  title: string;
  catalogVersion: string;
  dateReleased: string;
  count: number;
  vulnerabilities: Array<Record<string, unknown>>;
}

/** A fresh deep copy of the real CISA KEV catalogue (1404 entries), safe to modify. */
export const kevCatalogue = (): KevCatalogueJson => readIntelFixture('known_exploited_vulnerabilities.json') as KevCatalogueJson;

/** NVD cve objects of the bundled fixtures, by CVE id. */
export function nvdRecords(): Map<string, unknown> {
  const records = new Map<string, unknown>();
  for (const name of ['CVE-2023-4966', 'CVE-2023-34362', 'CVE-2021-34527', 'CVE-2024-3400']) {
    records.set(name, readIntelFixture(`nvd/${name}.json`));
  }
  const response = readIntelFixture('nvd/nvd-api2-response-CVE-2024-23113.json') as { vulnerabilities: Array<{ cve: unknown }> };
  records.set('CVE-2024-23113', response.vulnerabilities[0]!.cve);
  return records;
}
