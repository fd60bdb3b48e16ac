import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../../../functions/cli/scan.ts';
import { openLocalStore } from '../../../functions/cli/local-store.ts';
import { scanEstate, type ScanExposure } from '../../../functions/scan/scan-estate.ts';
import { runCli } from '../cli/cli-harness.ts';
import { ghsaRecord } from '../ingest/sources/osv/fixtures.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');
const KEV = join(fixtures, 'intel/kev-catalogue.json');
const NVD_4966 = join(fixtures, 'intel/nvd/CVE-2023-4966.json');
const ESTATE = join(fixtures, 'estate/estate.json');
const NOW = new Date('2023-10-18T02:00:00.000Z');
const scratch = () => mkdtempSync(join(tmpdir(), 'forestall-scan-estate-'));

/** Log4Shell as GHSA states it: log4j-core from 2.0-beta9, fixed in 2.15.0 (restated facts). */
const LOG4SHELL = ghsaRecord({
  id: 'GHSA-jfh8-c2jp-5v3q',
  cve: 'CVE-2021-44228',
  ecosystem: 'Maven',
  name: 'org.apache.logging.log4j:log4j-core',
  ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0-beta9' }, { fixed: '2.15.0' }] }],
});

/** A CycloneDX 1.5 SBOM of one application, with an optional VEX analysis of Log4Shell on log4j-core. */
function cycloneDx(log4jVersion: string, analysis?: Record<string, unknown>) {
  const ref = `pkg:maven/org.apache.logging.log4j/log4j-core@${log4jVersion}`;
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { type: 'application', name: 'billing', version: '4.2.0' } },
    components: [
      { type: 'library', 'bom-ref': ref, name: 'log4j-core', group: 'org.apache.logging.log4j', version: log4jVersion, purl: ref },
      { type: 'library', 'bom-ref': 'pkg:npm/left-pad@1.3.0', name: 'left-pad', version: '1.3.0', purl: 'pkg:npm/left-pad@1.3.0' },
    ],
    ...(analysis ? { vulnerabilities: [{ id: 'CVE-2021-44228', source: { name: 'NVD' }, analysis, affects: [{ ref }] }] } : {}),
  };
}

function files(dir: string, entries: Record<string, unknown>): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(entries)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], typeof content === 'string' ? content : JSON.stringify(content));
  }
  return paths;
}

const key = (e: ScanExposure) => `${e.vulnerability}|${e.asset}|${e.decision}|${e.version}|${e.internetFacing}|${e.state}`;

describe('scanEstate (forestall scan in memory)', () => {
  it('finds exactly what the store-backed scan finds on the demo estate, without a store', async () => {
    const inMemory = await scanEstate({ tenant: 'default', intelFiles: [KEV, NVD_4966], inventoryFiles: [ESTATE], now: NOW });
    const store = await openLocalStore();
    try {
      const stored = await scan({ repositories: store.repositories, now: () => NOW }, { tenant: 'default', intelFiles: [KEV, NVD_4966], inventoryFiles: [ESTATE] });
      expect(inMemory.exposures.map(key)).toEqual(stored.exposures.map(key));
      expect(inMemory.exposures.map((e) => e.reasons)).toEqual(stored.exposures.map((e) => e.reasons));
      expect(inMemory.unmatched).toEqual(stored.unmatched);
    } finally {
      await store.close();
    }
    expect(inMemory.exposures).toHaveLength(47);
    expect(inMemory.exposures.filter((e) => e.decision === 'act')).toHaveLength(8);
    // Only the NetScaler components were parsed: every other component stopped at its fast key.
    const components = (JSON.parse(readFileSync(ESTATE, 'utf8')) as { assets: Array<{ software: unknown[] }> }).assets.reduce((n, a) => n + a.software.length, 0);
    expect(inMemory.stats.components).toBe(components);
    expect(inMemory.stats.candidateComponents).toBeLessThan(components);
  });

  it('matches an SBOM by purl against OSV ranges, with the advisory as evidence', async () => {
    const paths = files(scratch(), { 'osv.json': [LOG4SHELL], 'billing.cdx.json': cycloneDx('2.14.1') });
    const result = await scanEstate({ tenant: 'default', intelFiles: [paths['osv.json']!], inventoryFiles: [paths['billing.cdx.json']!], now: NOW });
    expect(result.problems).toEqual([]);
    expect(result.exposures).toHaveLength(1);
    const [exposure] = result.exposures as [ScanExposure];
    expect(exposure).toMatchObject({
      vulnerability: 'CVE-2021-44228',
      asset: 'billing',
      component: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      version: '2.14.1',
      state: 'open',
    });
    expect(exposure.evidence.filter((e) => e.about === 'match')).toEqual([
      { about: 'match', value: 'affected', source: 'osv:GHSA-jfh8-c2jp-5v3q', detail: expect.stringContaining('2.14.1 is in a ECOSYSTEM range') },
    ]);
  });

  it('does not match the fixed version, nor a version before the range opens', async () => {
    const dir = scratch();
    const paths = files(dir, { 'osv.json': [LOG4SHELL], 'fixed.cdx.json': cycloneDx('2.15.0'), 'old.cdx.json': cycloneDx('1.2.17') });
    const result = await scanEstate({ tenant: 'default', intelFiles: [paths['osv.json']!], inventoryFiles: [paths['fixed.cdx.json']!, paths['old.cdx.json']!], now: NOW });
    expect(result.exposures).toEqual([]);
    expect(result.stats.assets).toBe(2);
  });

  it.each([
    [{ state: 'not_affected', justification: 'code_not_reachable', detail: 'JNDI lookups disabled' }, 'not-affected', /not affected: VEX statement on .*log4j-core@2\.14\.1: not_affected, justification code_not_reachable \(JNDI lookups disabled\)/],
    [{ state: 'resolved' }, 'remediated', /remediated: VEX statement on .*: resolved/],
    [{ state: 'exploitable' }, 'open', undefined],
  ])('a VEX analysis %j makes the exposure %s and says why', async (analysis, state, reason) => {
    const paths = files(scratch(), { 'osv.json': [LOG4SHELL], 'billing.cdx.json': cycloneDx('2.14.1', analysis) });
    const result = await scanEstate({ tenant: 'default', intelFiles: [paths['osv.json']!], inventoryFiles: [paths['billing.cdx.json']!], now: NOW });
    const [exposure] = result.exposures as [ScanExposure];
    expect(exposure.state).toBe(state);
    expect(exposure.evidence.filter((e) => e.about === 'vex').map((e) => e.value)).toEqual([analysis.state]);
    if (reason) expect(exposure.reasons).toContainEqual(expect.stringMatching(reason));
  });

  it('reads JSON lines of assets, and quarantines a bad line naming file and line while matching the rest', async () => {
    const assets = (JSON.parse(readFileSync(ESTATE, 'utf8')) as { assets: unknown[] }).assets;
    const lines = [...assets.map((a) => JSON.stringify(a)), '{"id": "broken", "criticality": "extreme"}', '{not json'].join('\n');
    const paths = files(scratch(), { 'estate.jsonl': lines });
    const result = await scanEstate({ tenant: 'default', intelFiles: [KEV, NVD_4966], inventoryFiles: [paths['estate.jsonl']!], now: NOW });
    expect(result.exposures).toHaveLength(47);
    expect(result.quarantined.map((q) => q.reason)).toEqual([
      expect.stringMatching(new RegExp(`estate\\.jsonl: line ${assets.length + 1}\\.criticality: `)),
      expect.stringMatching(new RegExp(`estate\\.jsonl: line ${assets.length + 2}: not valid JSON`)),
    ]);
  });

  it('quarantines a second asset with the same id across files, keeping the first', async () => {
    const asset = { id: 'dup', software: [{ purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' }] };
    const paths = files(scratch(), { 'osv.json': [LOG4SHELL], 'a.json': { assets: [asset] }, 'b.json': { assets: [asset] } });
    const result = await scanEstate({ tenant: 'default', intelFiles: [paths['osv.json']!], inventoryFiles: [paths['a.json']!, paths['b.json']!], now: NOW });
    expect(result.exposures).toHaveLength(1);
    expect(result.quarantined).toEqual([{ source: paths['b.json'], record: 'dup', reason: `${paths['b.json']}: assets[0].id: "dup" appears more than once; the first asset was kept` }]);
  });

  it('streams exposures to a sink instead of keeping them, and reports progress', async () => {
    const seen: ScanExposure[] = [];
    const progress: number[] = [];
    const result = await scanEstate({
      tenant: 'default',
      intelFiles: [KEV, NVD_4966],
      inventoryFiles: [ESTATE],
      now: NOW,
      sink: (e) => seen.push(e),
      onProgress: (stats) => progress.push(stats.assets),
      progressEvery: 20,
    });
    expect(result.exposures).toEqual([]);
    expect(seen).toHaveLength(47);
    expect(result.stats.exposures).toBe(47);
    expect(progress.at(-1)).toBe(result.stats.assets);
    expect(progress.slice(0, 2)).toEqual([20, 40]);
  });
});

describe('forestall scan and explain on SBOMs', () => {
  it('scan --json streams exposures with state and evidence, and keeps its keys', async () => {
    const paths = files(scratch(), { 'osv.json': [LOG4SHELL], 'billing.cdx.json': cycloneDx('2.14.1') });
    const { code, stdout } = await runCli(['scan', '--intel', paths['osv.json']!, '--intel', KEV, '--inventory', paths['billing.cdx.json']!, '--inventory', ESTATE, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { exposures: ScanExposure[]; unmatched: unknown[]; quarantined: unknown[] };
    expect(Object.keys(result)).toEqual(['exposures', 'unmatched', 'quarantined']);
    expect(result.exposures.map((e) => [e.vulnerability, e.asset, e.state])).toEqual([['CVE-2021-44228', 'billing', 'open']]);
    expect(result.exposures[0]?.evidence.map((e) => e.about)).toContain('exploitation');
  });

  it('explain prints why, from files matched in memory, and exits 1 for an exposure that is not there', async () => {
    const paths = files(scratch(), { 'osv.json': [LOG4SHELL], 'billing.cdx.json': cycloneDx('2.14.1', { state: 'not_affected', justification: 'code_not_reachable' }) });
    const args = ['--intel', paths['osv.json']!, '--inventory', paths['billing.cdx.json']!];
    const explained = await runCli(['explain', 'CVE-2021-44228', 'billing', ...args]);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/^CVE-2021-44228 on billing: \S+ \(state not-affected\)/);
    expect(explained.stdout).toContain('[osv:GHSA-jfh8-c2jp-5v3q] affected: pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1 is within GHSA-jfh8-c2jp-5v3q (Maven)');
    expect(explained.stdout).toContain('VEX:\n    [sbom (NVD)] not_affected: not affected: VEX statement on');
    expect(explained.stdout).toContain('What would change the decision:');

    const missing = await runCli(['explain', 'CVE-2021-44228|nobody', ...args]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no exposure of nobody to CVE-2021-44228 in these files');
    expect((await runCli(['explain', 'CVE-2021-44228'])).code).toBe(2);
  });
});
