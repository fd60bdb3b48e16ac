/**
 * How long matching a 2,000-component SBOM against every OSV record of the reference data takes
 * (/work/shared/data/intel/osv/: GHSA and PyPI advisories). The SBOM is built from the real CycloneDX
 * SBOMs' components (juice-shop, keycloak, dropwizard, laravel), topped up to 2,000 with versions of
 * packages the advisories name, so range evaluation runs, not only package-key misses.
 *
 * `benchSbomOsv()` returns the numbers (undefined when the reference data is absent); run the file
 * directly (`npx tsx test/bench/sbom-osv.bench.ts`) for a Markdown line. No timed assertions anywhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { VulnerabilityIntelDraft } from '../../functions/ingest/intel-draft.ts';
import { OSV_SOURCE, parseOsvRecord } from '../../functions/ingest/sources/osv/osv-parser.ts';
import { sbomToAsset } from '../../functions/inventory/sbom/sbom-to-asset.ts';
import { compiledPackagesOf, matchPackages, packageComponent, type PackageComponent } from '../../functions/match/package-match.ts';
import type { Vulnerability } from '../../functions/model/vulnerability.ts';
import { assembleVulnerability } from '../../functions/store/intel-repository.ts';
import { referenceFile } from '../reference-data.ts';

export interface SbomOsvBench {
  components: number;
  /** OSV records read (each file one record; the PyPI JSON array repeats the YAML files and is not read). */
  osvRecords: number;
  /** Copies of every record matched (1: the reference data as it is; more: a larger database of the same shape). */
  copies: number;
  vulnerabilities: number;
  /** Reading and parsing the OSV files, and assembling the vulnerability views. */
  osvParseMs: number;
  /** sbomToAsset on the 2,000-component CycloneDX document, then purl -> component. */
  sbomMs: number;
  /** Every vulnerability against every component, entries compiled on the way (a cold Lambda). */
  firstMatchMs: number;
  /** Median of 5 further runs with the compiled entries cached (a warm Lambda). */
  warmMatchMs: number;
  matches: number;
  undecided: number;
}

const now = '2026-01-15T00:00:00Z';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The OSV record files of the reference data, or undefined when it is absent. */
export function referenceOsvFiles(whatNeedsIt: string): string[] | undefined {
  const folders = ['intel/osv/ghsa', 'intel/osv/ghsa-trivy-db-testdata', 'intel/osv/pypi'].map((folder) => referenceFile(folder, whatNeedsIt));
  if (folders.some((folder) => folder === undefined)) return undefined;
  return (folders as string[]).flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => /\.(json|ya?ml)$/.test(name))
      .sort()
      .map((name) => join(folder, name)),
  );
}

/** Each file's record as the stored vulnerability view (one per file: the files' CVEs differ). */
export function referenceOsvVulnerabilities(files: readonly string[]): Vulnerability[] {
  return files.flatMap((file) => {
    const parsed = parseOsvRecord(readFileSync(file, 'utf8'), { source: OSV_SOURCE, now });
    if (parsed.rejected.length > 0) throw new Error(`${file}: ${parsed.rejected.map((r) => r.reason).join('; ')}`);
    return parsed.drafts.map((draft) => {
      const facts = (draft as VulnerabilityIntelDraft).facts;
      const view = assembleVulnerability('default', draft.id, [
        { tenant: 'default', kind: 'vulnerability', id: draft.id, source: OSV_SOURCE, facts, aliases: draft.aliases ?? [], observedAt: now },
      ]);
      if (!view) throw new Error(`${file}: no vulnerability assembled`);
      return view;
    });
  });
}

const SBOM_FILES = ['cdx-juice-shop-11.1.2.json', 'cdx-keycloak-10.0.2.json', 'cdx-dropwizard-1.3.15.json', 'cdx-laravel-7.12.0-spec1.4.json'];

/** A CycloneDX document of `size` components: the real SBOMs' purls, then versions of advised packages. */
function benchSbom(size: number, whatNeedsIt: string): object | undefined {
  const purls = new Set<string>();
  for (const name of SBOM_FILES) {
    const file = referenceFile(`sbom/${name}`, whatNeedsIt);
    if (file === undefined) return undefined;
    const { asset } = sbomToAsset(JSON.parse(readFileSync(file, 'utf8')), { assetId: 'bench-source', fileName: name });
    for (const software of asset.software) if ('purl' in software) purls.add(software.purl);
  }
  const advised = ['pkg:npm/lodash', 'pkg:maven/org.springframework/spring-beans', 'pkg:pypi/django', 'pkg:golang/golang.org/x/crypto', 'pkg:maven/org.apache.logging.log4j/log4j-core'];
  for (let i = 0; purls.size < size; i += 1) purls.add(`${advised[i % advised.length]}@${Math.floor(i / advised.length) % 10}.${i % 30}.${i}`);
  const components = [...purls].slice(0, size).map((purl, index) => {
    const at = purl.lastIndexOf('@');
    const name = purl.slice(purl.lastIndexOf('/', at) + 1, at);
    return { type: 'library', 'bom-ref': `c${index}`, name: decodeURIComponent(name), version: decodeURIComponent(purl.slice(at + 1).split('?')[0]!), purl };
  });
  return { bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, metadata: { component: { type: 'application', name: 'bench', version: '1.0.0' } }, components };
}

/** Copies of a vulnerability under other ids, each with its own facts object (compiled on its own). */
function copiesOf(vulnerabilities: readonly Vulnerability[], copies: number): Vulnerability[] {
  if (copies <= 1) return [...vulnerabilities];
  return Array.from({ length: copies }, (_, copy) => vulnerabilities.map((v) => ({ ...structuredClone(v), id: `${v.id}-copy${copy}` }))).flat();
}

export async function benchSbomOsv(options: { size?: number; copies?: number } = {}): Promise<SbomOsvBench | undefined> {
  const size = options.size ?? 2_000;
  const copies = options.copies ?? 1;
  const whatNeedsIt = 'the SBOM x OSV matching benchmark';

  const parseStart = performance.now();
  const files = referenceOsvFiles(whatNeedsIt);
  if (files === undefined) return undefined;
  const vulnerabilities = copiesOf(referenceOsvVulnerabilities(files), copies);
  const osvParseMs = performance.now() - parseStart;

  const document = benchSbom(size, whatNeedsIt);
  if (document === undefined) return undefined;
  const sbomStart = performance.now();
  const { asset } = sbomToAsset(document, { assetId: 'bench', fileName: 'bench.cdx.json' });
  const components = asset.software.flatMap((software) => ('purl' in software ? [packageComponent(software.purl)] : [])).filter((c): c is PackageComponent => c !== undefined);
  const sbomMs = performance.now() - sbomStart;

  let matches = 0;
  let undecided = 0;
  const run = () => {
    const start = performance.now();
    matches = 0;
    undecided = 0;
    for (const vulnerability of vulnerabilities) {
      const result = matchPackages(compiledPackagesOf(vulnerability), components);
      matches += result.matches.length;
      undecided += result.undecided.length;
    }
    return performance.now() - start;
  };
  const firstMatchMs = run();
  const warm = Array.from({ length: 5 }, run);
  return {
    components: components.length,
    osvRecords: files.length,
    copies,
    vulnerabilities: vulnerabilities.length,
    osvParseMs,
    sbomMs,
    firstMatchMs,
    warmMatchMs: median(warm),
    matches,
    undecided,
  };
}

export function describeSbomOsvBench(result: SbomOsvBench): string {
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  return (
    `${result.components} components x ${result.vulnerabilities} OSV vulnerabilities (${result.osvRecords} records x ${result.copies}): ` +
    `OSV parse ${f(result.osvParseMs)}, SBOM conversion ${f(result.sbomMs)}, matching cold ${f(result.firstMatchMs)}, ` +
    `warm median ${f(result.warmMatchMs)}; ${result.matches} matches, ${result.undecided} undecided`
  );
}

async function main() {
  for (const copies of [1, 100]) {
    const result = await benchSbomOsv({ copies });
    process.stdout.write(result ? `- ${describeSbomOsvBench(result)}\n` : '- reference data absent: not measured\n');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
