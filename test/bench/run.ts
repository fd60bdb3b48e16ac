/**
 * `npm run bench`: the numbers docs/benchmarks.md records. Prints a Markdown report to stdout.
 * Measures KEV ingest (time and DynamoDB writes on first load and on unchanged re-polls), matching
 * throughput on a 10,000-asset estate, the demo's intel-to-first-action time before and after the action
 * kernel (the cost of its safety) and its vendor calls per change, each Lambda's bundle, the in-memory
 * `forestall scan` at estate scale, a 2,000-component SBOM against the OSV reference data, the deployed
 * matcher and re-matching on dynalite at 100,000 assets x 200 components, indicator relevance, and an
 * inventory upload through S3 (s3rver) streamed into dynalite with checkpoints.
 *
 *   npm run bench                   every section (the deployed one takes about 20 minutes)
 *   npm run bench -- scan deployed  only the named sections (kev threatfox parsers nvd match demo
 *                                   bundles scan sbom deployed indicators upload)
 *   FORESTALL_BENCH_ESTATE=10000    the deployed section on a smaller estate
 */
import '../../functions/local/promise-with-resolvers.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { conditionalGet } from '../../functions/ingest/http-fetch.ts';
import { createHash } from 'node:crypto';
import { runSource, type IngestDeps } from '../../functions/ingest/ingest-runner.ts';
import type { PollContext } from '../../functions/ingest/source-plugin.ts';
import { cisaKevSource } from '../../functions/ingest/sources/cisa-kev/cisa-kev-source.ts';
import { threatfoxSource } from '../../functions/ingest/sources/threatfox/threatfox-source.ts';
import { emptySummary } from '../../functions/ingest/ingest-runner.ts';
import { intelSource } from '../../functions/ingest/sources/registry.ts';
import { drainNvdBacklog } from '../../functions/ingest/sources/nvd/nvd-enrichment.ts';
import { nvdSource } from '../../functions/ingest/sources/nvd/nvd-source.ts';
import { catalogue, kevEntry, nvdCve, nvdPage } from '../functions/ingest/synthetic-intel.ts';
import { threatfoxExport, threatfoxExportDocument } from '../functions/ingest/sources/threatfox/fixtures.ts';
import { urlhausCsv } from '../functions/ingest/sources/urlhaus/fixtures.ts';
import { feodoJson } from '../functions/ingest/sources/feodo/fixtures.ts';
import { epssDailyCsv } from '../functions/ingest/sources/epss/fixtures.ts';
import { asJsonLines, cve5Records } from '../functions/ingest/sources/cve5-adp/fixtures.ts';
import { osvRecords } from '../functions/ingest/sources/osv/fixtures.ts';
import { largeMispEvent } from '../functions/ingest/sources/misp/fixtures.ts';
import { createNvdClient } from '../../functions/ingest/sources/nvd/nvd-client.ts';
import { nvdFactsOf, NvdCveSchema } from '../../functions/ingest/sources/nvd/nvd-record.ts';
import { kevFactsOf, KevEntrySchema } from '../../functions/ingest/sources/cisa-kev/kev-catalogue.ts';
import { createTable, startLocalDynamo } from '../../functions/local/dynalite.ts';
import { startLocalIntelFeeds } from '../../functions/local/intel-feeds.ts';
import { matchExposures } from '../../functions/match/match-exposures.ts';
import { matchVulnerability } from '../../functions/match/match-vulnerability.ts';
import type { Asset } from '../../functions/model/asset.ts';
import type { Vulnerability } from '../../functions/model/vulnerability.ts';
import { createDocumentClient } from '../../functions/store/document-client.ts';
import { createDynamoRepositories } from '../../functions/store/dynamo-repositories.ts';
import { countDynamoWrites } from '../../functions/store/write-counter.ts';
import { ESM_REQUIRE_BANNER } from '../../lib/forestall-function.ts';
import { ACTUATORS } from '../../functions/actuators/registry.ts';
import { referenceFile } from '../reference-data.ts';
import { benchScanEstate } from './scan-estate.bench.ts';
import { benchSbomOsv, describeSbomOsvBench } from './sbom-osv.bench.ts';
import { benchDeployedMatch, describeDeployedMatch } from './deployed-match.bench.ts';
import { benchIndicatorRelevance } from './indicator-relevance.bench.ts';
import { benchUploadImport, describeUploadBench } from './upload-import.bench.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures');
const CVE = 'CVE-2023-4966';
const lines: string[] = [];
const say = (line = '') => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};
const ms = (start: number) => performance.now() - start;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function freshStore() {
  const dynamo = await startLocalDynamo();
  const client = new DynamoDBClient(dynamo.client);
  await createTable(client, 'forestall');
  const doc = createDocumentClient(client);
  const counter = countDynamoWrites(doc);
  return { repositories: createDynamoRepositories(doc, 'forestall'), counter, close: async () => (client.destroy(), await dynamo.close()) };
}

function ingestDeps(store: Awaited<ReturnType<typeof freshStore>>, onEvents: (count: number) => void): IngestDeps {
  const { repositories } = store;
  return { intel: repositories.intel, quarantine: repositories.quarantine, cursors: repositories.cursors, publishEvents: async (entries) => onEvents(entries.length), now: () => new Date() };
}

/** A poll context whose fetch answers `body()` (with an etag, so an unchanged body is a 304). */
function servedBy(body: () => string, settings: Record<string, unknown>): Omit<PollContext, 'cursor'> {
  return {
    tenant: 'default',
    settings,
    secret: async () => undefined,
    fetch: async (_url, init) => {
      const text = body();
      const etag = `"${createHash('sha256').update(text).digest('hex')}"`;
      const sent = new Headers(init?.headers).get('if-none-match');
      return sent === etag ? new Response(null, { status: 304, headers: { etag } }) : new Response(text, { headers: { etag } });
    },
    now: () => new Date(),
    sleep: async () => {},
    shouldStop: () => false,
    log: () => {},
  };
}

async function benchKevIngest() {
  const catalogueText = await readFile(referenceFile('intel/known_exploited_vulnerabilities.json', 'the KEV ingest benchmark at real size') ?? join(fixtures, 'intel/kev-catalogue.json'), 'utf8');
  const catalogue = JSON.parse(catalogueText) as { vulnerabilities: unknown[] };
  const store = await freshStore();
  let events = 0;
  const deps = ingestDeps(store, (count) => (events += count));
  let body = catalogueText;
  const poll = servedBy(() => body, { url: 'https://feeds.test/kev.json', nvdLookupsPerRun: 0 });
  const run = async (label: string) => {
    store.counter.reset();
    events = 0;
    const start = performance.now();
    const summary = await runSource(cisaKevSource, deps, poll);
    say(`| ${label} | ${ms(start).toFixed(0)} ms | ${store.counter.writes} | ${summary.added + summary.updated + summary.revoked} | ${events} |`);
  };
  say(`### KEV catalogue ingest (${catalogue.vulnerabilities.length} entries)`);
  say();
  say('| poll | time | DynamoDB writes | records written | Intel Changed events |');
  say('|---|---|---|---|---|');
  await run('first load');
  await run('unchanged re-poll, server answers 304');
  body = JSON.stringify(catalogue);
  await run('unchanged entries, re-serialised body (only the cursor moves)');
  await store.close();
  say();
}

/** 20,000 ThreatFox IOCs (the JSON export) end to end into the store, then the same poll again. */
async function benchThreatFoxPoll() {
  const iocs = threatfoxExportDocument({ count: 20_000 });
  const text = JSON.stringify(iocs);
  const store = await freshStore();
  let events = 0;
  const deps = ingestDeps(store, (count) => (events += count));
  let body = text;
  const poll = servedBy(() => body, { url: 'https://feeds.test/threatfox.json' });
  say('### ThreatFox poll, 20,000 indicators end to end (fetch, parse, compare, write, announce)');
  say();
  say('| poll | time | records/s | DynamoDB writes | Indicators Changed events |');
  say('|---|---|---|---|---|');
  for (const label of ['first poll', 'same feed again (304)', 'same IOCs, re-serialised body']) {
    if (label.startsWith('same IOCs')) body = JSON.stringify(iocs, null, 1);
    store.counter.reset();
    events = 0;
    const start = performance.now();
    await runSource(threatfoxSource, deps, poll);
    const elapsed = ms(start);
    say(`| ${label} | ${elapsed.toFixed(0)} ms | ${label === 'first poll' ? Math.round(20_000 / (elapsed / 1000)).toLocaleString('en') : '-'} | ${store.counter.writes} | ${events} |`);
  }
  await store.close();
  say();
}

/** Records per second of each source's parser on synthetic payloads of its real format (median of 3). */
async function benchParsers() {
  const kev = JSON.stringify(catalogue(Array.from({ length: 20_000 }, (_, i) => kevEntry(i))));
  const nvd = JSON.stringify(nvdPage(Array.from({ length: 2_000 }, (_, i) => nvdCve(`CVE-2099-${10000 + i}`, { configurations: 3 }))));
  const payloads: Array<[string, string, number]> = [
    ['cisa-kev', kev, 20_000],
    ['nvd', nvd, 2_000],
    ['epss', epssDailyCsv({ count: 300_000 }), 300_000],
    ['cisa-adp', asJsonLines(cve5Records(5_000)), 5_000],
    ['osv', JSON.stringify(osvRecords({ count: 5_000 })), 5_000],
    ['misp', JSON.stringify(largeMispEvent({ count: 20_000 })), 20_000],
    ['threatfox', threatfoxExport({ count: 20_000 }), 20_000],
    ['urlhaus', urlhausCsv({ count: 20_000 }), 20_000],
    ['feodo', feodoJson({ count: 20_000 }), 20_000],
  ];
  say('### Parsers (text in, drafts out; no store)');
  say();
  say('| source | records | payload | median time | records/s | refused |');
  say('|---|---|---|---|---|---|');
  for (const [name, payload, records] of payloads) {
    const source = intelSource(name);
    const times: number[] = [];
    let refused = 0;
    for (let run = 0; run < 3; run += 1) {
      const start = performance.now();
      const parsed = source.parse(payload, { source: name, now: '2026-11-30T02:00:00.000Z' });
      times.push(ms(start));
      refused = parsed.rejected.length;
    }
    const median = times.sort((a, b) => a - b)[1] as number;
    say(`| ${name} | ${records.toLocaleString('en')} | ${(payload.length / 1e6).toFixed(1)} MB | ${median.toFixed(0)} ms | ${Math.round(records / (median / 1000)).toLocaleString('en')} | ${refused} |`);
  }
  say();
}

/** The NVD backlog of a first deployment (1,404 KEV CVEs) at each rate, on a simulated clock; and with `hasKev` pages. */
async function benchNvdBacklog() {
  const entries = Array.from({ length: 1_404 }, (_, i) => kevEntry(i));
  const records = new Map(entries.map((entry) => [entry.cveID, nvdCve(entry.cveID)]));
  say('### NVD backlog after a first deployment (1,404 KEV CVEs, simulated clock)');
  say();
  say('| how | NVD requests | simulated time | real time |');
  say('|---|---|---|---|');
  for (const apiKey of [undefined, 'bench-key']) {
    const store = await freshStore();
    let clock = Date.parse('2026-11-30T02:00:00Z');
    let requests = 0;
    const deps: IngestDeps = { ...ingestDeps(store, () => {}), now: () => new Date(clock) };
    const poll = {
      ...servedBy(() => JSON.stringify(catalogue(entries)), { url: 'https://feeds.test/kev.json', nvdLookupsPerRun: 0 }),
      now: () => new Date(clock),
      sleep: async (msToWait: number) => void (clock += msToWait),
    };
    await runSource(cisaKevSource, deps, poll);
    const nvdFetch: typeof fetch = async (input) => {
      requests += 1;
      const cveId = new URL(String(input)).searchParams.get('cveId');
      return Response.json(nvdPage(cveId && records.has(cveId) ? [records.get(cveId)] : []));
    };
    const nvd = createNvdClient({ apiUrl: 'https://nvd.test/rest/json/cves/2.0', fetch: nvdFetch, ...(apiKey ? { apiKey } : {}), clock: { now: () => clock, sleep: async (msToWait) => void (clock += msToWait) } });
    const started = clock;
    const real = performance.now();
    const progress = await drainNvdBacklog(deps, { tenant: 'default', nvd, requestsPer30s: apiKey ? 50 : 5, shouldStop: () => false }, emptySummary('nvd'));
    say(`| lookups one by one, ${apiKey ? 'with an API key (50 per 30 s)' : 'without a key (5 per 30 s)'} | ${requests} | ${((clock - started) / 60_000).toFixed(1)} min (${progress.remaining} left) | ${(ms(real) / 1000).toFixed(1)} s |`);
    await store.close();
  }
  {
    const store = await freshStore();
    let requests = 0;
    const all = [...records.values()];
    const deps = ingestDeps(store, () => {});
    const poll = {
      ...servedBy(() => '', { apiUrl: 'https://nvd.test/rest/json/cves/2.0' }),
      fetch: (async (input: string | URL | Request) => {
        requests += 1;
        const url = new URL(String(input));
        const start = Number(url.searchParams.get('startIndex') ?? 0);
        return Response.json(nvdPage(all.slice(start, start + 2000), start, all.length));
      }) as typeof fetch,
    };
    const real = performance.now();
    const summary = await runSource(nvdSource, deps, poll);
    say(`| the NVD source's first run: every KEV CVE by \`hasKev\`, 2,000 per page | ${requests} | one request window | ${(ms(real) / 1000).toFixed(1)} s (${summary.added} records stored) |`);
    await store.close();
  }
  say();
}

/** 10,000 assets of 3 components each; a fifth run NetScaler builds, of which about half are affected. */
function syntheticEstate(size: number): Asset[] {
  const builds = ['13.1-48.47', '13.1-49.15', '14.1-8.6', '14.1-8.50', '13.0-91.13', '14.1-12.35', '12.1-55.291', '13.1-37.38'];
  return Array.from({ length: size }, (_, i) => {
    const software = [
      { cpe: `cpe:2.3:a:openssl:openssl:3.0.${i % 15}:*:*:*:*:*:*:*` },
      { cpe: `cpe:2.3:a:f5:nginx:1.${20 + (i % 6)}.${i % 4}:*:*:*:*:*:*:*` },
      i % 5 === 0
        ? { cpe: `cpe:2.3:a:citrix:netscaler_application_delivery_controller:${builds[i % builds.length]}:*:*:*:-:*:*:*` }
        : { cpe: `cpe:2.3:a:apache:http_server:2.4.${50 + (i % 9)}:*:*:*:*:*:*:*` },
    ];
    return { id: `asset-${i}`, ips: [], internetFacing: i % 7 === 0, criticality: (['low', 'medium', 'high'] as const)[i % 3]!, tags: {}, software };
  });
}

async function citrixBleed(): Promise<Vulnerability> {
  const cve = NvdCveSchema.parse(JSON.parse(await readFile(join(fixtures, `intel/nvd/${CVE}.json`), 'utf8')));
  const kev = (JSON.parse(await readFile(join(fixtures, 'intel/kev-catalogue.json'), 'utf8')) as { vulnerabilities: Array<{ cveID: string }> }).vulnerabilities.find((e) => e.cveID === CVE);
  return { tenant: 'default', id: CVE, kev: kevFactsOf(KevEntrySchema.parse(kev)), nvd: nvdFactsOf(cve), enrichment: 'done', sources: ['cisa-kev', 'nvd'], updatedAt: new Date().toISOString() };
}

async function benchMatch() {
  const assets = syntheticEstate(10_000);
  const components = assets.reduce((sum, asset) => sum + asset.software.length, 0);
  const vulnerability = await citrixBleed();
  say('### Matching CVE-2023-4966 against 10,000 assets (30,000 components)');
  say();
  const times: number[] = [];
  let exposures = 0;
  // The first run pays for parsing every distinct CPE string; later runs hit the parse cache, as a warm Lambda does.
  for (let run = 0; run < 5; run++) {
    // A fresh record object each run, so compiled configurations are not reused between runs.
    const fresh = structuredClone(vulnerability);
    const start = performance.now();
    exposures = matchVulnerability(fresh, assets, new Date()).length;
    times.push(ms(start));
  }
  const rate = (time: number) => `${Math.round(components / (time / 1000)).toLocaleString('en-US')} components/s`;
  say(`- pure matching (CPE parse, configuration evaluation, SSVC decision), ${exposures} exposures: ` +
    `first run ${times[0]!.toFixed(0)} ms (${rate(times[0]!)}), median of 5 runs ${median(times).toFixed(0)} ms (${rate(median(times))})`);

  const store = await freshStore();
  const loadStart = performance.now();
  for (let i = 0; i < assets.length; i += 200) await Promise.all(assets.slice(i, i + 200).map((asset) => store.repositories.assets.put('default', asset)));
  const loadMs = ms(loadStart);
  await store.repositories.vulnerabilities.put(vulnerability);
  store.counter.reset();
  const start = performance.now();
  const summary = await matchExposures({ repositories: store.repositories, publishEvents: async () => {}, now: () => new Date() }, { tenant: 'default', vulnerabilityId: CVE });
  const storeMs = ms(start);
  say(`- through the store on dynalite (component index query, asset reads, exposure writes): ${storeMs.toFixed(0)} ms for ` +
    `${summary.candidateAssets} candidate assets, ${summary.affectedAssets} affected, ${store.counter.writes} writes ` +
    `(estate import beforehand: ${(loadMs / 1000).toFixed(1)} s for 10,000 assets)`);
  await store.close();
  say();
}

/**
 * The last commit before the action kernel (records before the vendor call, leases, holds, stored-exposure
 * planning): its demo is the "before" of the cost of that safety. Measured from a git worktree of it.
 */
const BEFORE_KERNEL = '8e89aa2';

interface DemoReport {
  ok: boolean;
  intelToFirstActionMs?: number;
  vendorCalls?: Record<string, { changeCalls: number; changes: number }>;
}

/** Runs `forestall demo` from `checkout` `count` times, a process each, as `npm start` runs it. */
function runDemos(checkout: string, count: number): { firstAction: number[]; totals: number[]; last: DemoReport } {
  const dir = mkdtempSync(join(tmpdir(), 'forestall-bench-'));
  const firstAction: number[] = [];
  const totals: number[] = [];
  let last: DemoReport = { ok: false };
  for (let run = 0; run < count; run++) {
    const report = join(dir, `demo-${run}.json`);
    const start = performance.now();
    execFileSync(process.execPath, [join(checkout, 'bin/forestall.mjs'), 'demo', '--report', report], { stdio: 'ignore', cwd: checkout });
    totals.push(ms(start));
    last = JSON.parse(readFileSync(report, 'utf8')) as DemoReport;
    if (!last.ok || last.intelToFirstActionMs === undefined) throw new Error(`demo in ${checkout} did not reach its first action`);
    firstAction.push(last.intelToFirstActionMs);
  }
  return { firstAction, totals, last };
}

/** A worktree of BEFORE_KERNEL sharing this checkout's node_modules, or why there is none. */
function beforeCheckout(): { path: string; remove(): void } | string {
  const path = mkdtempSync(join(tmpdir(), 'forestall-before-'));
  try {
    execFileSync('git', ['worktree', 'add', '--detach', path, BEFORE_KERNEL], { cwd: root, stdio: 'ignore' });
  } catch {
    return `commit ${BEFORE_KERNEL} is not available (no git history here)`;
  }
  symlinkSync(join(root, 'node_modules'), join(path, 'node_modules'), 'dir');
  return { path, remove: () => execFileSync('git', ['worktree', 'remove', '--force', path], { cwd: root, stdio: 'ignore' }) };
}

async function benchDemo() {
  const after = runDemos(root, 5);
  const before = beforeCheckout();
  const baseline = typeof before === 'string' ? before : (() => {
    try {
      return runDemos(before.path, 5);
    } finally {
      before.remove();
    }
  })();
  say('### Demo (`npm start`): intel-to-first-action, before and after the action kernel, 5 runs each');
  say();
  say('Intel-to-first-action: from the KEV poll that brings CVE-2023-4966 to the first containment action recorded. "After" also records');
  say('the before-state and intent before each vendor call, takes a lease per target, reads exposures back from the store and checks');
  say("protection by vendor identity and the tenant's blast-radius window in Plan.");
  say();
  say('| code | median | runs | whole demo process (median) |');
  say('|---|---|---|---|');
  if (typeof baseline === 'string') say(`| before (${BEFORE_KERNEL}) | not measured: ${baseline} | | |`);
  else say(`| before (${BEFORE_KERNEL}) | ${median(baseline.firstAction)} ms | ${baseline.firstAction.join(', ')} ms | ${(median(baseline.totals) / 1000).toFixed(1)} s |`);
  say(`| after (this checkout) | ${median(after.firstAction)} ms | ${after.firstAction.join(', ')} ms | ${(median(after.totals) / 1000).toFixed(1)} s |`);
  say();
  say('The "after" demo plays more than the "before" one (a second CVE, a forged event, two expiry sweeps), so only the first column compares like with like.');
  say();
  say('Vendor change calls per change recorded (target: exactly one per target changed; holds, releases that leave a change standing and retries that find it made call nothing):');
  say();
  say('| actuator | change calls accepted by the vendor | changes recorded (applies that changed the vendor + reverts) |');
  say('|---|---|---|');
  for (const [actuator, calls] of Object.entries(after.last.vendorCalls ?? {})) say(`| ${actuator} | ${calls.changeCalls} | ${calls.changes} |`);
  say();
}

const HANDLERS = [
  'functions/ingest/intel-source.handler.ts',
  'functions/webhook/intel-webhook.handler.ts',
  'functions/inventory/inventory-import.handler.ts',
  'functions/match/exposure-match.handler.ts',
  'functions/playbook/plan.handler.ts',
  'functions/playbook/check-patch.handler.ts',
  'functions/playbook/report-standing.handler.ts',
  'functions/expiry/expiry-sweeper.handler.ts',
  'functions/notify/slack/slack-notify.handler.ts',
  ...ACTUATORS.map((definition) => definition.deployment.handler),
];

/** Configuration every handler reads at init; values only need to be well-formed, nothing is called. */
const INIT_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TABLE_NAME: 'forestall',
  EVENT_BUS_NAME: 'forestall',
  FORESTALL_ACCOUNT_ID: '111122223333',
  ACTUATOR_FUNCTION_ARNS: JSON.stringify(Object.fromEntries(ACTUATORS.map((d) => [d.name, `arn:aws:lambda:eu-west-1:111122223333:function:${d.name}`]))),
  SLACK_NOTIFY_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:111122223333:function:slack',
  TENANTS: 'default',
  OKTA_ORG_URL: 'https://example.okta.com',
  OKTA_API_TOKEN: 'bench',
  CROWDSTRIKE_CLIENT: '{"clientId":"bench","clientSecret":"bench"}',
  ENTRA_CLIENT: '{"clientId":"bench","clientSecret":"bench"}',
  SLACK_TOKEN: 'xoxb-bench',
  SLACK_CHANNEL: 'C0BENCH',
  INTEL_SOURCES: JSON.stringify({ 'cisa-kev': {} }),
  WEBHOOK_SECRET_PREFIX: 'forestall/webhook/',
};

async function benchBundles() {
  say("### Lambda bundles (esbuild with the stack's options: ESM, node22, minified, `@aws-sdk/*` external)");
  say();
  say('Init is the time to load the bundle in a fresh Node process (module scope: configuration checked, clients built), median of 3; the Lambda runtime adds its own start-up.');
  say();
  say('| function | bundle | init |');
  say('|---|---|---|');
  // Inside the project, so the external @aws-sdk packages resolve from node_modules as the runtime provides them.
  const dir = join(root, '.forestall', 'bench-bundles');
  mkdirSync(dir, { recursive: true });
  for (const entry of HANDLERS) {
    const result = await build({
      entryPoints: [join(root, entry)],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      minify: true,
      banner: { js: ESM_REQUIRE_BANNER },
      logLevel: 'silent',
    });
    const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
    const file = join(dir, `${entry.replaceAll('/', '_')}.mjs`);
    writeFileSync(file, result.outputFiles[0]!.contents);
    const inits: number[] = [];
    for (let run = 0; run < 3; run++) {
      const output = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`],
        { env: { ...process.env, ...INIT_ENV }, encoding: 'utf8' },
      );
      inits.push(Number(output.trim().split('\n').at(-1)));
    }
    say(`| ${entry} | ${(bytes / 1024).toFixed(0)} KiB | ${median(inits).toFixed(0)} ms |`);
  }
  say();
}

/** The in-memory scan at each size the issue names, each in a child process of its own (peak RSS is the scan's). */
async function benchScan() {
  const sizes: Array<[number, number]> = [[1_000, 20], [10_000, 20], [100_000, 20], [10_000, 200], [100_000, 200]];
  say('### `forestall scan` in memory (read, parse, match, report), one process per size');
  say();
  say('Intel: the KEV catalogue fixture, the NVD record of CVE-2023-4966 and 2,001 OSV records; estate file in the forestall format, written first. '
    + 'Each exposure is serialised as `scan --json` would print it. Target: 500,000 components/s end to end, memory bounded by the intel (under 1.5 GB at 100,000 x 200).');
  say();
  say('| assets x components | file | time | components/s end to end | intel load | components/s after intel | peak RSS | exposures |');
  say('|---|---|---|---|---|---|---|---|');
  for (const [assets, components] of sizes) {
    const m = await benchScanEstate(assets, components);
    say(`| ${assets.toLocaleString('en')} x ${components} | ${m.fileMiB.toFixed(0)} MiB | ${m.seconds.toFixed(2)} s | ${Math.round(m.componentsPerSecond).toLocaleString('en')} | ${m.intelSeconds.toFixed(2)} s | ${Math.round(m.inventoryComponentsPerSecond).toLocaleString('en')} | ${m.maxRssMiB.toFixed(0)} MiB | ${m.exposures.toLocaleString('en')} |`);
  }
  say();
}

async function benchSbom() {
  say('### A 2,000-component SBOM against the OSV reference data');
  say();
  for (const copies of [1, 100]) {
    const result = await benchSbomOsv({ copies });
    say(result ? `- ${describeSbomOsvBench(result)}` : '- reference data absent (../shared/data or $FORESTALL_REFERENCE_DATA): not measured');
  }
  say();
}

async function benchDeployed() {
  const assets = Number(process.env.FORESTALL_BENCH_ESTATE ?? 100_000);
  describeDeployedMatch(await benchDeployedMatch(assets), say);
}

const SECTIONS: Record<string, () => unknown> = {
  kev: benchKevIngest,
  threatfox: benchThreatFoxPoll,
  parsers: benchParsers,
  nvd: benchNvdBacklog,
  match: benchMatch,
  demo: benchDemo,
  bundles: benchBundles,
  scan: benchScan,
  sbom: benchSbom,
  deployed: benchDeployed,
  indicators: () => benchIndicatorRelevance(say),
  upload: async () => describeUploadBench(await benchUploadImport(), say),
};
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in SECTIONS));
if (unknown.length > 0) {
  process.stderr.write(`npm run bench: no section named ${unknown.join(', ')}; the sections are ${Object.keys(SECTIONS).join(' ')}\n`);
  process.exit(2);
}
say(`## Results (${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB)`);
say();
for (const [name, section] of Object.entries(SECTIONS)) if (asked.length === 0 || asked.includes(name)) await section();
