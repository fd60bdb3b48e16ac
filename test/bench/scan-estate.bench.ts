/**
 * The in-memory `forestall scan` at estate scale: writes a synthetic estate file and runs the scan in a
 * child process of its own, so its peak memory (max RSS) is the scan's alone.
 *
 *   tsx test/bench/scan-estate.bench.ts <assets> <components per asset>   prints one JSON line
 *
 * `run.ts` calls `benchScanEstate` for each size docs/benchmarks.md reports.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { scanEstate } from '../../functions/scan/scan-estate.ts';
import { ghsaRecord, osvRecords, ECOSYSTEM_PACKAGES } from '../functions/ingest/sources/osv/fixtures.ts';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures');
const NETSCALER_BUILDS = ['13.1-48.47', '13.1-49.15', '14.1-8.50', '14.1-12.35'];
const ECOSYSTEMS = ['npm', 'pypi', 'maven/org.example', 'golang/github.com/example', 'gem', 'nuget'];

/**
 * One asset of `components` software entries: mostly packages no intel names (the common case), every
 * 100th asset log4j-core 2.14.1 (affected by CVE-2021-44228), every 5th a NetScaler build (half of them
 * affected by CVE-2023-4966), and on every 500th asset two packages the 2,000 OSV records name (each
 * named by about 150 of them, most in range), so the version check runs too. About 0.9 exposures per
 * asset in all: a finding-dense estate, since every exposure is decided, explained and reported.
 */
function assetLine(index: number, components: number): string {
  const software: string[] = [];
  if (index % 100 === 0) software.push(`{"purl":"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}`);
  if (index % 5 === 0) software.push(`{"cpe":"cpe:2.3:a:citrix:netscaler_gateway:${NETSCALER_BUILDS[index % NETSCALER_BUILDS.length]}:*:*:*:*:*:*:*"}`);
  for (let k = 0; software.length < components; k += 1) {
    if (k < 2 && index % 500 === 1) {
      const pkg = ECOSYSTEM_PACKAGES[(index + k) % 8]!;
      software.push(`{"purl":"${pkg.purl!.split('?')[0]}@1.${(index + k) % 4}.0"}`);
      continue;
    }
    const ecosystem = ECOSYSTEMS[(index + k) % ECOSYSTEMS.length];
    software.push(`{"purl":"pkg:${ecosystem}/package-${(index * 31 + k * 17) % 20_000}@${k % 7}.${index % 13}.${k % 5}"}`);
  }
  return `{"id":"asset-${index}","ips":["10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}"],"internetFacing":${index % 7 === 0},"criticality":"${['low', 'medium', 'high'][index % 3]}","software":[${software.join(',')}]}`;
}

/** Writes `{"assets": [...]}` of `assets` x `components` to `file`, streaming, and returns its size in bytes. */
export async function writeEstate(file: string, assets: number, components: number): Promise<number> {
  const out = createWriteStream(file);
  out.write('{"assets":[\n');
  for (let i = 0; i < assets; i += 1) {
    if (!out.write(`${i > 0 ? ',\n' : ''}${assetLine(i, components)}`)) await once(out, 'drain');
  }
  out.end('\n]}\n');
  await once(out, 'finish');
  return statSync(file).size;
}

/** The intel every size is scanned against: the KEV catalogue fixture, NVD's CVE-2023-4966, Log4Shell and 2,000 OSV records. */
export function writeIntel(dir: string): string[] {
  const osv = join(dir, 'osv.json');
  const log4shell = ghsaRecord({
    id: 'GHSA-jfh8-c2jp-5v3q',
    cve: 'CVE-2021-44228',
    ecosystem: 'Maven',
    name: 'org.apache.logging.log4j:log4j-core',
    ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0-beta9' }, { fixed: '2.15.0' }] }],
  });
  writeFileSync(osv, JSON.stringify([log4shell, ...osvRecords({ count: 2000 })]));
  return [join(fixtures, 'intel/kev-catalogue.json'), join(fixtures, 'intel/nvd/CVE-2023-4966.json'), osv];
}

export interface ScanMeasure {
  assets: number;
  components: number;
  fileMiB: number;
  seconds: number;
  componentsPerSecond: number;
  /** Reading the intel (KEV catalogue, NVD record, 2,001 OSV records) before the first asset. */
  intelSeconds: number;
  /** Components per second once the intel is in memory: reading, parsing, matching and reporting the estate. */
  inventoryComponentsPerSecond: number;
  maxRssMiB: number;
  exposures: number;
  reportMiB: number;
  problems: number;
}

/** Child process: scans the given files and prints the measure as one JSON line. */
async function child(estate: string, intel: string[], fileBytes: number) {
  const start = performance.now();
  // Reported as `scan --json` reports them: each exposure serialised as it is found, nothing kept.
  let reportBytes = 0;
  const result = await scanEstate({ tenant: 'default', intelFiles: intel, inventoryFiles: [estate], sink: (exposure) => (reportBytes += JSON.stringify(exposure).length) });
  const seconds = (performance.now() - start) / 1000;
  const measure: ScanMeasure = {
    assets: result.stats.assets,
    components: result.stats.components,
    fileMiB: fileBytes / 2 ** 20,
    seconds,
    componentsPerSecond: result.stats.components / seconds,
    intelSeconds: result.stats.intelMs / 1000,
    inventoryComponentsPerSecond: result.stats.components / (seconds - result.stats.intelMs / 1000),
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    exposures: result.stats.exposures,
    reportMiB: reportBytes / 2 ** 20,
    problems: result.problems.length,
  };
  process.stdout.write(`${JSON.stringify(measure)}\n`);
}

/** Writes an estate of `assets` x `components`, scans it in a child process and returns what it measured. */
export async function benchScanEstate(assets: number, components: number): Promise<ScanMeasure> {
  const dir = mkdtempSync(join(tmpdir(), 'forestall-scan-bench-'));
  try {
    const estate = join(dir, 'estate.json');
    const bytes = await writeEstate(estate, assets, components);
    const intel = writeIntel(dir);
    const output = execFileSync(join(root, 'node_modules/.bin/tsx'), [import.meta.filename, '--child', estate, String(bytes), ...intel], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    return JSON.parse(output.trim().split('\n').at(-1)!) as ScanMeasure;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [, , , estate, bytes, ...intel] = process.argv;
  await child(estate!, intel, Number(bytes));
} else if (import.meta.filename === process.argv[1] && process.argv[2]) {
  process.stdout.write(`${JSON.stringify(await benchScanEstate(Number(process.argv[2]), Number(process.argv[3] ?? 20)))}\n`);
}
