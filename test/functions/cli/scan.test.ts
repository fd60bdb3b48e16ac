import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { referenceFile } from '../../reference-data.ts';
import { asJsonArray, osvRecords } from '../ingest/sources/osv/fixtures.ts';
import { cve5Record } from '../ingest/sources/cve5-adp/fixtures.ts';
import { epssDailyCsv } from '../ingest/sources/epss/fixtures.ts';
import { feodoJson } from '../ingest/sources/feodo/fixtures.ts';
import { forestallIntelText } from '../ingest/sources/forestall-json/fixtures.ts';
import { mispEvent } from '../ingest/sources/misp/fixtures.ts';
import { bundleText, indicatorBundle } from '../ingest/sources/stix/fixtures.ts';
import { threatfoxExport } from '../ingest/sources/threatfox/fixtures.ts';
import { urlhausCsv } from '../ingest/sources/urlhaus/fixtures.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');
const KEV = join(fixtures, 'intel/kev-catalogue.json');
const NVD_4966 = join(fixtures, 'intel/nvd/CVE-2023-4966.json');
const NVD_PAGE = join(fixtures, 'intel/nvd/nvd-cve-api-response-page.json');
const ESTATE = join(fixtures, 'estate/estate.json');

interface ScanJson {
  exposures: Array<{ vulnerability: string; asset: string; component: string; version: string; decision: string; internetFacing: boolean; kev: boolean; reasons: string[] }>;
  quarantined: Array<{ source: string; record: string; reason: string }>;
}

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function runCli(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(args, out.stream, err.stream);
  return { code, stdout: out.text(), stderr: err.text() };
}

const scratch = () => mkdtempSync(join(tmpdir(), 'forestall-scan-'));
const estateAssets = () => (JSON.parse(readFileSync(ESTATE, 'utf8')) as { assets: Array<Record<string, unknown>> }).assets;

describe('forestall scan', () => {
  it('finds the 47 assets on affected NetScaler builds, acting on the 8 internet-facing ones', async () => {
    const { code, stdout, stderr } = await runCli(['scan', '--intel', KEV, '--intel', NVD_4966, '--inventory', ESTATE, '--json']);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ScanJson;
    expect(result.quarantined).toEqual([]);
    expect(result.exposures).toHaveLength(47);
    const act = result.exposures.filter((e) => e.decision === 'act');
    expect(act.map((e) => e.asset).sort()).toEqual(['nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03', 'nsgw-edge-04', 'nsgw-edge-05', 'nsgw-edge-06', 'nsgw-edge-07', 'nsgw-edge-08']);
    expect(act.every((e) => e.internetFacing && e.kev && e.vulnerability === 'CVE-2023-4966')).toBe(true);
    expect(result.exposures.filter((e) => e.decision !== 'act').every((e) => e.decision === 'attend')).toBe(true);
    // 14.1-8.50 is the fix; a string comparison would call it older than the affected 14.1-8.6.
    expect(result.exposures.some((e) => e.asset.startsWith('adc-fixed-'))).toBe(false);
    expect(result.exposures.find((e) => e.asset === 'nsgw-edge-02')).toMatchObject({
      component: 'cpe:2.3:a:citrix:netscaler_application_delivery_controller:14.1-8.6:*:*:*:-:*:*:*',
      version: '14.1-8.6',
    });
    expect(act[0]!.reasons.join(' ')).toMatch(/KEV/);
  });

  it('reads NVD API response pages as intel and reports nothing for an estate they do not touch', async () => {
    const { code, stdout } = await runCli(['scan', '--intel', NVD_PAGE, '--inventory', ESTATE, '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as ScanJson).exposures).toEqual([]);
  });

  it('quarantines an invalid asset with the file and field named, exits 2, and still matches the valid ones', async () => {
    const dir = scratch();
    const inventory = join(dir, 'inventory.json');
    const assets = estateAssets();
    assets[0] = { ...assets[0], criticality: 'urgent' };
    assets[1] = { ...assets[1], colour: 'blue' };
    writeFileSync(inventory, JSON.stringify({ assets }));

    const { code, stdout, stderr } = await runCli(['scan', '--intel', KEV, '--intel', NVD_4966, '--inventory', inventory, '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain(`${inventory}: assets[0].criticality`);
    expect(stderr).toMatch(/assets\[1\].*colour/);
    const result = JSON.parse(stdout) as ScanJson;
    expect(result.quarantined.map((q) => [q.source, q.record])).toEqual([
      [inventory, expect.stringContaining('nsgw-edge-01')],
      [inventory, expect.stringContaining('nsgw-edge-02')],
    ]);
    expect(result.exposures).toHaveLength(45);
    expect(result.exposures.filter((e) => e.decision === 'act')).toHaveLength(6);
  });

  it('quarantines a component with a malformed CPE at import, with the same parser the matcher uses, and matches the rest', async () => {
    const dir = scratch();
    const inventory = join(dir, 'inventory.json');
    const netscaler = (version: string) => `cpe:2.3:a:citrix:netscaler_application_delivery_controller:${version}:*:*:*:-:*:*:*`;
    const base = { ips: [], internetFacing: true, criticality: 'high', tags: {} };
    const assets = [
      ...estateAssets(),
      { ...base, id: 'adc-wildcard-in-version', software: [{ cpe: netscaler('13.1-4?.47') }] },
      { ...base, id: 'adc-empty-version', software: [{ cpe: netscaler('') }] },
    ];
    writeFileSync(inventory, JSON.stringify({ assets }));

    const { code, stdout, stderr } = await runCli(['scan', '--intel', KEV, '--intel', NVD_4966, '--inventory', inventory, '--json']);

    expect(code).toBe(2);
    const result = JSON.parse(stdout) as ScanJson;
    expect(result.quarantined.map(({ record, reason }) => [record, reason])).toEqual([
      ['adc-wildcard-in-version', expect.stringMatching(/assets\[\d+\]\.software\[0\]\.cpe: .*version "13\.1-4\?\.47" has an unquoted \? that is not at its start or end/)],
      ['adc-empty-version', expect.stringMatching(/assets\[\d+\]\.software\[0\]\.cpe: .*version is empty \(use \* for ANY or - for NA\)/)],
    ]);
    expect(stderr).toContain(`${inventory}: assets[`);
    expect(result.exposures).toHaveLength(47);
  });

  it('says what KEV-only intel needs instead of reporting no exposures, and --online fetches the NVD records', async () => {
    const kevOnly = await runCli(['scan', '--intel', KEV, '--inventory', ESTATE]);
    expect(kevOnly.code).toBe(0);
    expect(kevOnly.stdout).toMatch(/^No exposures found among the vulnerabilities that could be matched\.\n/);
    expect(kevOnly.stdout).toMatch(/\n\d+ vulnerability\(ies\) could not be matched:\n/);
    expect(kevOnly.stdout).toContain('CVE-2023-4966 (KEV): needs NVD configurations: add its NVD record to --intel, or scan with --online');

    // NVD answers the hasKev page with the one record it has; the other KEV entries stay unmatched.
    const record = JSON.parse(readFileSync(NVD_4966, 'utf8')) as unknown;
    const requests: string[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      const url = new URL(String(input));
      requests.push(url.search);
      const cves = url.searchParams.has('cveId') ? [] : [record];
      return Response.json({ resultsPerPage: cves.length, startIndex: 0, totalResults: cves.length, format: 'NVD_CVE', version: '2.0', timestamp: '2026-11-30T00:00:00.000', vulnerabilities: cves.map((cve) => ({ cve })) });
    };
    const out = sink();
    const err = sink();
    const code = await main(['scan', '--intel', KEV, '--inventory', ESTATE, '--online', '--json'], out.stream, err.stream, { fetch, env: { NVD_API_URL: 'https://nvd.test/rest/json/cves/2.0', NVD_API_KEY: 'test-key' } });
    const online = JSON.parse(out.text()) as ScanJson & { unmatched: Array<{ vulnerability: string; reason: string }> };
    expect(requests[0]).toBe('?hasKev&resultsPerPage=2000&startIndex=0');
    expect(online.exposures).toHaveLength(47);
    expect(online.unmatched.find((u) => u.vulnerability === 'CVE-2023-6549')?.reason).toBe('needs review: NVD does not know it');
    expect(err.text()).toMatch(/NVD: looked up 40 of \d+ records one by one; scan again for the rest/);
    expect(code).toBe(2);
  });

  it('accepts every intel format beside KEV and NVD, told apart by content, and keeps its JSON shape', async () => {
    const dir = scratch();
    const files = {
      'epss.csv': epssDailyCsv({ count: 5 }),
      'cve5.json': JSON.stringify(cve5Record()),
      'osv.json': asJsonArray(osvRecords({ count: 2 })),
      'stix.json': bundleText(indicatorBundle({ count: 3 }).objects as unknown[]),
      'misp.json': JSON.stringify(mispEvent()),
      'threatfox.json': threatfoxExport({ count: 3 }),
      'urlhaus.csv': urlhausCsv({ count: 3 }),
      'feodo.json': feodoJson({ count: 3 }),
      'forestall.json': forestallIntelText(),
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const intel = Object.keys(files).flatMap((name) => ['--intel', join(dir, name)]);

    const { code, stdout, stderr } = await runCli(['scan', '--intel', KEV, '--intel', NVD_4966, ...intel, '--inventory', ESTATE, '--json']);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ScanJson;
    expect(Object.keys(result).sort()).toEqual(['exposures', 'quarantined', 'unmatched']);
    expect(result.exposures).toHaveLength(47);
    expect(result.quarantined).toEqual([]);
  });

  it('names the file when it is not JSON or not intel, and still processes the other files', async () => {
    const dir = scratch();
    const broken = join(dir, 'broken.json');
    const notIntel = join(dir, 'not-intel.json');
    writeFileSync(broken, '{"assets": [');
    writeFileSync(notIntel, JSON.stringify({ hello: 'world' }));

    const { code, stdout, stderr } = await runCli(['scan', '--intel', notIntel, '--intel', NVD_4966, '--inventory', broken, '--inventory', ESTATE, '--json']);

    expect(code).toBe(2);
    expect(stderr).toContain(`${broken}: not valid JSON`);
    expect(stderr).toContain(`${notIntel}: not an intel format forestall reads (CISA Known Exploited Vulnerabilities catalogue; NVD CVE API 2.0;`);
    expect((JSON.parse(stdout) as ScanJson).exposures).toHaveLength(47);
  });

  it('quarantines a malformed KEV entry by its index and field while storing the rest', async () => {
    const dir = scratch();
    const kev = JSON.parse(readFileSync(KEV, 'utf8')) as { vulnerabilities: Array<Record<string, unknown>> };
    const index = kev.vulnerabilities.findIndex((entry) => entry.cveID === 'CVE-2023-4966');
    kev.vulnerabilities[0] = { ...kev.vulnerabilities[0], dateAdded: 'yesterday' };
    const file = join(dir, 'kev.json');
    writeFileSync(file, JSON.stringify(kev));

    const { code, stdout, stderr } = await runCli(['scan', '--intel', file, '--intel', NVD_4966, '--inventory', ESTATE, '--json']);

    expect(code).toBe(2);
    expect(stderr).toMatch(/vulnerabilities\[0\]\.dateAdded/);
    const result = JSON.parse(stdout) as ScanJson;
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({ source: file });
    expect(index).toBeGreaterThan(0);
    expect(result.exposures.every((e) => e.kev)).toBe(true);
  });

  it('keeps what an earlier run stored when a later run brings only bad input', async () => {
    const store = join(scratch(), 'store');
    const first = await runCli(['scan', '--intel', KEV, '--intel', NVD_4966, '--inventory', ESTATE, '--store', store, '--json']);
    expect(first.code).toBe(0);

    const dir = scratch();
    const bad = join(dir, 'bad-inventory.json');
    writeFileSync(bad, JSON.stringify({ assets: [{ id: 'nsgw-edge-01', criticality: 'urgent' }] }));
    const second = await runCli(['scan', '--intel', NVD_4966, '--inventory', bad, '--store', store, '--json']);

    expect(second.code).toBe(2);
    const result = JSON.parse(second.stdout) as ScanJson;
    // nsgw-edge-01 keeps its stored, valid record (the bad replacement was quarantined, not half-written),
    // and the CVE keeps the KEV facts the first run stored although this run brought only the NVD record.
    expect(result.exposures).toHaveLength(47);
    expect(result.exposures.find((e) => e.asset === 'nsgw-edge-01')?.decision).toBe('act');
  });

  it('rejects a missing file list and a bad tenant with exit code 2', async () => {
    expect((await runCli(['scan', '--inventory', ESTATE])).code).toBe(2);
    const badTenant = await runCli(['scan', '--intel', NVD_4966, '--inventory', ESTATE, '--tenant', 'Bad Tenant!']);
    expect(badTenant.code).toBe(2);
    expect(badTenant.stderr).toContain('--tenant');
    expect((await runCli(['scan', '--intel', NVD_4966, '--inventory', ESTATE, '--colour'])).code).toBe(2);
  });
});

const REAL_KEV = referenceFile('intel/known_exploited_vulnerabilities.json', 'forestall scan on the real KEV catalogue and NVD records');
const REAL_NVD_4966 = referenceFile('intel/nvd/CVE-2023-4966.json', 'forestall scan on the real KEV catalogue and NVD records');
const REAL_NVD_PAGE = referenceFile('intel/nvd/nvd-api2-response-page-38cves-vunnel.json', 'forestall scan on the real KEV catalogue and NVD records');
describe.skipIf(REAL_KEV === undefined || REAL_NVD_4966 === undefined || REAL_NVD_PAGE === undefined)('forestall scan on the real KEV catalogue and NVD records', () => {
  it('finds the same 47 exposures and 8 actions in the 1,404-entry catalogue with NVD\'s record of CVE-2023-4966', async () => {
    const { code, stdout, stderr } = await runCli(['scan', '--intel', REAL_KEV as string, '--intel', REAL_NVD_4966 as string, '--inventory', ESTATE, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ScanJson;
    expect(result.quarantined).toEqual([]);
    expect(result.exposures).toHaveLength(47);
    expect(result.exposures.filter((e) => e.decision === 'act').map((e) => e.asset).sort()).toEqual([
      'nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03', 'nsgw-edge-04', 'nsgw-edge-05', 'nsgw-edge-06', 'nsgw-edge-07', 'nsgw-edge-08',
    ]);
  });

  it('reports nothing for the estate from the real 38-CVE response page', async () => {
    const { code, stdout } = await runCli(['scan', '--intel', REAL_NVD_PAGE as string, '--inventory', ESTATE, '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as ScanJson).exposures).toEqual([]);
  });
});

describe('forestall import', () => {
  it('stores the valid assets where a later scan finds them, quarantining the invalid one with file and field', async () => {
    const store = join(scratch(), 'store');
    const inventory = join(scratch(), 'inventory.json');
    const assets = estateAssets();
    assets[2] = { ...assets[2], criticality: 'urgent' };
    writeFileSync(inventory, JSON.stringify({ assets }));

    const imported = await runCli(['import', '--inventory', inventory, '--store', store]);
    expect(imported.code).toBe(2);
    expect(imported.stdout).toContain(`${inventory}: 55 asset(s) imported`);
    expect(imported.stderr).toContain(`${inventory}: assets[2].criticality`);

    // The scan brings an empty inventory of its own: the estate comes from the store.
    const empty = join(scratch(), 'empty.json');
    writeFileSync(empty, JSON.stringify({ assets: [] }));
    const scanned = await runCli(['scan', '--intel', KEV, '--intel', NVD_4966, '--inventory', empty, '--store', store, '--json']);
    expect(scanned.code).toBe(0);
    const result = JSON.parse(scanned.stdout) as ScanJson;
    expect(result.exposures).toHaveLength(46);
    expect(result.exposures.some((e) => e.asset === 'nsgw-edge-03')).toBe(false);
  });
});
