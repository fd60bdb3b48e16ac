import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalStore } from '../../../functions/cli/local-store.ts';
import { INTEL_SOURCES } from '../../../functions/ingest/sources/registry.ts';
import { indicatorId } from '../../../functions/model/indicator.ts';
import { KEV_CATALOGUE_ENTRIES, kevCatalogue, nvdRecords } from '../ingest/fixtures.ts';
import { startKevServer, startLoopbackServer, startNvdServer } from '../ingest/loopback-server.ts';
import { fixtureUuid, mispAttribute, mispEvent, mixedMispEvent, SAMPLE_SHA256 } from '../ingest/sources/misp/fixtures.ts';
import { threatfoxExport } from '../ingest/sources/threatfox/fixtures.ts';
import { runCli, scratch } from './cli-harness.ts';

interface SummaryJson {
  source: string;
  added: number;
  updated: number;
  revoked: number;
  unchanged: number;
  quarantined: number;
  announced: number;
  lookedUp: number;
  pages: number;
  unchangedPages: number;
}

const THREATFOX_IOCS = 12;

/** The three formats of the task, written as a user would have them on disk. */
function intelFiles(dir: string) {
  const files = {
    kev: join(dir, 'known_exploited_vulnerabilities.json'),
    threatfox: join(dir, 'threatfox-recent.json'),
    misp: join(dir, 'misp-event.json'),
  };
  writeFileSync(files.kev, JSON.stringify(kevCatalogue()));
  writeFileSync(files.threatfox, threatfoxExport({ count: THREATFOX_IOCS }));
  writeFileSync(
    files.misp,
    JSON.stringify(
      mispEvent({
        uuid: fixtureUuid('e', 0x51),
        info: 'Synthetic: C2 infrastructure',
        attributes: [
          mispAttribute({ type: 'ip-dst', value: '203.0.113.50' }),
          mispAttribute({ type: 'domain', value: 'c2.example.net' }),
          mispAttribute({ type: 'sha256', value: SAMPLE_SHA256, category: 'Payload delivery' }),
        ],
      }),
    ),
  );
  return files;
}

function where(dir: string) {
  const store = join(dir, 'store');
  const archive = join(dir, 'archive');
  return { store, archive, flags: ['--store', store, '--archive', archive] };
}

const summaryOf = (stdout: string) => JSON.parse(stdout) as SummaryJson;

describe('forestall ingest --file', () => {
  it('stores a KEV catalogue, a ThreatFox export and a MISP event, and keeps each raw file in the archive', async () => {
    // Prepare
    const dir = scratch();
    const files = intelFiles(dir);
    const { store, archive, flags } = where(dir);

    // Act
    const kev = await runCli(['ingest', 'cisa-kev', '--file', files.kev, ...flags]);
    const threatfox = await runCli(['ingest', 'threatfox', '--file', files.threatfox, ...flags]);
    const misp = await runCli(['ingest', 'misp', '--file', files.misp, ...flags]);

    // Assess
    for (const run of [kev, threatfox, misp]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    expect(kev.stdout).toBe(`cisa-kev: ${KEV_CATALOGUE_ENTRIES} added, 0 updated, 0 revoked, 0 unchanged, 0 quarantined, ${KEV_CATALOGUE_ENTRIES} announced (tenant default, store ${store})\n`);
    expect(threatfox.stdout).toMatch(new RegExp(`^threatfox: ${THREATFOX_IOCS} added, 0 updated, 0 revoked, 0 unchanged, 0 quarantined, [1-9]\\d* announced`));
    expect(misp.stdout).toMatch(/^misp: 3 added, 0 updated, 0 revoked, 0 unchanged, 0 quarantined, 1 announced/);

    expect(readdirSync(join(archive, 'cisa-kev', 'default'))).toEqual([expect.stringMatching(/-known_exploited_vulnerabilities\.json$/)]);
    expect(readdirSync(join(archive, 'threatfox', 'default'))).toEqual([expect.stringMatching(/-threatfox-recent\.json$/)]);
    expect(readdirSync(join(archive, 'misp', 'default'))).toEqual([expect.stringMatching(/-misp-event\.json$/)]);

    const local = await openLocalStore(store);
    try {
      expect((await local.repositories.intel.getVulnerability('default', 'CVE-2023-4966'))?.kev).toMatchObject({ vendorProject: 'Citrix', dateAdded: '2023-10-18' });
      expect(await local.repositories.intel.getIndicator('default', indicatorId('ipv4', '203.0.113.50'))).toMatchObject({ sources: ['misp'] });
    } finally {
      await local.close();
    }
  });

  it('adds nothing when the same file is ingested again: every record comes back unchanged', async () => {
    const dir = scratch();
    const files = intelFiles(dir);
    const { flags } = where(dir);
    expect((await runCli(['ingest', 'cisa-kev', '--file', files.kev, ...flags])).code).toBe(0);

    const again = await runCli(['ingest', 'cisa-kev', '--file', files.kev, ...flags, '--json']);

    expect(again.code).toBe(0);
    expect(summaryOf(again.stdout)).toMatchObject({ source: 'cisa-kev', added: 0, updated: 0, revoked: 0, unchanged: KEV_CATALOGUE_ENTRIES, quarantined: 0, announced: 0 });
  });

  it('tells the format from the content with "auto"', async () => {
    const dir = scratch();
    const files = intelFiles(dir);
    const { flags } = where(dir);

    const sources: string[] = [];
    for (const file of [files.kev, files.threatfox, files.misp]) {
      const run = await runCli(['ingest', 'auto', '--file', file, ...flags, '--json']);
      expect(run.code).toBe(0);
      sources.push(summaryOf(run.stdout).source);
    }

    expect(sources).toEqual(['cisa-kev', 'threatfox', 'misp']);
  });

  it('refuses a malformed file with exit 2 and a message naming the file, keeping what was stored', async () => {
    const dir = scratch();
    const files = intelFiles(dir);
    const { flags } = where(dir);
    expect((await runCli(['ingest', 'cisa-kev', '--file', files.kev, ...flags])).code).toBe(0);
    const truncated = join(dir, 'truncated-kev.json');
    const catalogue = kevCatalogue();
    writeFileSync(truncated, JSON.stringify({ ...catalogue, vulnerabilities: catalogue.vulnerabilities.slice(0, 40) }));
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"catalogVersion": "2025.08.25", "vulnerabilities": [');

    const short = await runCli(['ingest', 'cisa-kev', '--file', truncated, ...flags]);
    const notJson = await runCli(['ingest', 'auto', '--file', broken, ...flags]);

    expect(short.code).toBe(2);
    expect(short.stdout).toBe('');
    expect(short.stderr).toContain(`forestall ingest: ${truncated}: cisa-kev: count says ${KEV_CATALOGUE_ENTRIES} entries but vulnerabilities holds 40`);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain(`${broken}: cisa-kev: the catalogue is not JSON`);
    // Nothing of the refused catalogue was taken as CISA removing 97 entries.
    const again = await runCli(['ingest', 'cisa-kev', '--file', files.kev, ...flags, '--json']);
    expect(summaryOf(again.stdout)).toMatchObject({ unchanged: KEV_CATALOGUE_ENTRIES, revoked: 0 });
  });

  it('names an unreadable file and a file of no known format, with exit 2', async () => {
    const dir = scratch();
    const { flags } = where(dir);
    const notIntel = join(dir, 'hello.json');
    writeFileSync(notIntel, JSON.stringify({ hello: 'world' }));

    const missing = await runCli(['ingest', 'cisa-kev', '--file', join(dir, 'nowhere.json'), ...flags]);
    const unknown = await runCli(['ingest', 'auto', '--file', notIntel, ...flags]);

    expect(missing).toMatchObject({ code: 2, stderr: `forestall ingest: ${join(dir, 'nowhere.json')}: cannot read: ENOENT\n` });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`${notIntel}: not an intel format forestall reads (CISA Known Exploited Vulnerabilities catalogue;`);
  });

  it('refuses an unknown source with exit 2, listing every registered source with its title and modes', async () => {
    const run = await runCli(['ingest', 'alienvault', '--file', 'x.json']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no intel source "alienvault"; sources:');
    for (const source of INTEL_SOURCES) expect(run.stderr).toMatch(new RegExp(`\\n\\s+${source.name}\\s+${source.title.replace(/[()]/g, '\\$&')} \\(${source.modes.join(', ')}\\)`));
    expect((await runCli(['help'])).stdout).toContain(`cisa-kev`);
  });

  it('refuses contradictory or incomplete arguments with exit 2', async () => {
    expect(await runCli(['ingest', 'auto'])).toMatchObject({ code: 2, stderr: expect.stringContaining('give --file FILE') });
    expect(await runCli(['ingest', 'cisa-kev', '--file', 'a.json', '--url', 'https://example.org/kev.json'])).toMatchObject({ code: 2, stderr: expect.stringContaining('not both') });
    expect(await runCli(['ingest', 'misp'])).toMatchObject({ code: 2, stderr: expect.stringContaining('misp is not polled') });
    expect(await runCli(['ingest', 'cisa-kev', '--file', 'a.json', '--tenant', 'Not A Tenant'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--tenant') });
    expect(await runCli(['ingest'])).toMatchObject({ code: 2, stderr: expect.stringContaining('name one source') });
  });
});

describe('forestall quarantine', () => {
  it('lists the records an ingest refused, with source, record, time and reason, once each', async () => {
    // Prepare: a MISP event with three attributes MISP itself would let through but forestall refuses.
    const dir = scratch();
    const { store, flags } = where(dir);
    const mixed = join(dir, 'qakbot-event.json');
    writeFileSync(mixed, JSON.stringify(mixedMispEvent()));

    // Act
    const ingest = await runCli(['ingest', 'misp', '--file', mixed, ...flags]);
    await runCli(['ingest', 'misp', '--file', mixed, ...flags]);
    const table = await runCli(['quarantine', 'misp', '--store', store]);
    const all = await runCli(['quarantine', '--store', store, '--json']);

    // Assess
    expect(ingest.code).toBe(2);
    expect(ingest.stdout).toMatch(/^misp: \d+ added, 0 updated, \d+ revoked, 0 unchanged, 3 quarantined/);
    expect(ingest.stderr).toBe(`forestall ingest: 3 record(s) quarantined; "forestall quarantine misp --store ${store}" lists them with the reason\n`);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^SOURCE\s+RECORD\s+WHEN\s+REASON$/);
    expect(table.stdout).toContain('Event.Attribute[3].value: "not-an-ip" is not an IPv4 address (type ip-dst)');
    expect(table.stdout).toContain('Event.Attribute[11].to_ids: required field missing');
    expect(table.stdout).toContain('3 quarantined record(s).');
    const listed = JSON.parse(all.stdout) as Array<{ source: string; record: string; reason: string; quarantinedAt: string }>;
    // Ingested twice, refused twice: still three problems.
    expect(listed).toHaveLength(3);
    expect(listed.every((entry) => entry.source === 'misp' && /^\d{4}-\d\d-\d\dT/.test(entry.quarantinedAt))).toBe(true);
  });

  it('says when nothing was refused, and refuses a store that does not exist', async () => {
    const dir = scratch();
    const files = intelFiles(dir);
    const { store, flags } = where(dir);
    await runCli(['ingest', 'cisa-kev', '--file', files.kev, ...flags]);

    expect(await runCli(['quarantine', 'cisa-kev', '--store', store])).toMatchObject({ code: 0, stdout: `No quarantined records from cisa-kev for tenant default in ${store}.\n` });
    expect(await runCli(['quarantine', '--store', join(dir, 'elsewhere')])).toMatchObject({ code: 2, stderr: expect.stringContaining(`no local database at ${join(dir, 'elsewhere')}`) });
  });
});

describe('forestall ingest (polled)', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('polls the KEV catalogue from --url, looks new entries up in NVD with the key from NVD_API_KEY_FILE, and asks conditionally next time', async () => {
    // Prepare
    const dir = scratch();
    const { archive, flags } = where(dir);
    const kev = await startKevServer();
    const nvd = await startNvdServer(nvdRecords());
    servers.push(kev, nvd);
    const catalogue = kevCatalogue();
    const citrixBleed = catalogue.vulnerabilities.findIndex((entry) => entry.cveID === 'CVE-2023-4966');
    // CISA lists the newest first; the KEV source looks up the first ones it has not seen.
    catalogue.vulnerabilities.unshift(...catalogue.vulnerabilities.splice(citrixBleed, 1));
    kev.publish(catalogue);
    const keyFile = join(dir, 'nvd-api-key');
    writeFileSync(keyFile, 'nvd-key-0123456789\n');
    const poll = ['ingest', 'cisa-kev', '--url', kev.kevUrl, '--setting', `nvdApiUrl=${nvd.apiUrl}`, '--setting', 'nvdLookupsPerRun=2', ...flags];
    const env = { NVD_API_KEY_FILE: keyFile };

    // Act
    const first = await runCli(poll, { env });
    const second = await runCli(poll, { env });

    // Assess
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // The KEV entries, and NVD's record of Citrix Bleed (NVD does not know the second CVE): one event per CVE.
    expect(first.stdout).toMatch(new RegExp(`^cisa-kev: ${KEV_CATALOGUE_ENTRIES} added, 0 updated, 0 revoked, 0 unchanged, 0 quarantined, ${KEV_CATALOGUE_ENTRIES} announced, 2 looked up in NVD`));
    expect(nvd.requests.map((request) => new URL(request.url, nvd.url).searchParams.get('cveId'))).toEqual(['CVE-2023-4966', catalogue.vulnerabilities[1]!.cveID]);
    expect(nvd.requests.every((request) => request.headers.apikey === 'nvd-key-0123456789')).toBe(true);
    expect(readdirSync(join(archive, 'cisa-kev', 'default'))).toEqual([expect.stringMatching(/-catalogue\.json$/)]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^cisa-kev: 0 added, 0 updated, 0 revoked, 0 unchanged, 0 quarantined, 0 announced \(not modified since the last poll\)/);
    expect(kev.requests.map((request) => request.status)).toEqual([200, 304]);
  });

  it('polls a ThreatFox export from --url', async () => {
    const dir = scratch();
    const { flags } = where(dir);
    const export_ = threatfoxExport({ count: THREATFOX_IOCS });
    const server = await startLoopbackServer(() => ({ status: 200, body: export_ }));
    servers.push(server);

    const run = await runCli(['ingest', 'threatfox', '--url', `${server.url}/export/json/recent/`, ...flags, '--json']);

    expect(run.code).toBe(0);
    expect(summaryOf(run.stdout)).toMatchObject({ source: 'threatfox', added: THREATFOX_IOCS, pages: 1 });
  });

  it('exits 1 with a message naming the URL when the feed cannot be reached', async () => {
    const dir = scratch();
    const server = await startLoopbackServer(() => ({ status: 200, body: '' }));
    const gone = `${server.url}/export/json/recent/`;
    await server.close();

    const run = await runCli(['ingest', 'threatfox', '--url', gone, ...where(dir).flags]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`forestall ingest: threatfox: GET ${gone} failed`);
    expect(run.stderr).toContain('ECONNREFUSED');
  });

  it('says which settings a polled source still needs', async () => {
    const run = await runCli(['ingest', 'taxii', '--url', 'https://taxii.example.org/api1/', ...where(scratch()).flags]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('taxii settings: collectionId');
  });
});
