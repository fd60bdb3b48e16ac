/**
 * The deployed matcher (functions/match/match-exposures.ts) and inventory re-matching at estate scale,
 * on dynalite: 100,000 stored assets of 200 components each.
 *
 * Three processes, so each number is one program's alone:
 * - dynalite runs in a child process of its own (`--dynalite`), holding the table in memory;
 * - this process writes the estate into it and runs the re-match after an import (1 % of the estate);
 * - each matcher run (`--match`) is a child process of its own, as one Lambda invocation: its max RSS
 *   (process.resourceUsage) is the matcher's peak memory, dynalite's excluded; it also samples
 *   process.memoryUsage() every 20 ms for the peak JS heap.
 *
 * The estate: every asset lists log4j-core (half of them an affected version), every 5th a NetScaler
 * Gateway build (CVE-2023-4966), and packages no intel names up to 200 entries. Writing 20 M component
 * index rows into dynalite would take hours, so the asset items (each with its whole 200-entry software
 * list) are written with BatchWriteItem, and of the component index only the rows of the benchmarked
 * packages (log4j-core and NetScaler Gateway), plus every row of the assets the import changes. The
 * items are built as AssetRepository.put builds them (componentItem, assetKey), and a put of one
 * loaded asset is checked to find nothing to write. The other ~19.9 M index rows would live in other
 * GSI partitions (`gsi1pk` = tenant#PKG#<package key>), which a Query on these partitions never reads,
 * so they change neither the reads nor the time on DynamoDB.
 *
 *   tsx test/bench/deployed-match.bench.ts [assets]   prints the Markdown section
 */
import '../../functions/local/promise-with-resolvers.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn, execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { OSV_SOURCE, parseOsvRecord } from '../../functions/ingest/sources/osv/osv-parser.ts';
import { kevFactsOf, KevEntrySchema } from '../../functions/ingest/sources/cisa-kev/kev-catalogue.ts';
import { nvdFactsOf, NvdCveSchema } from '../../functions/ingest/sources/nvd/nvd-record.ts';
import { importInventory } from '../../functions/inventory/import-inventory.ts';
import { createTable, LOCAL_REGION, startLocalDynamo } from '../../functions/local/dynalite.ts';
import { matchExposures, MATCH_PAGE_SIZE } from '../../functions/match/match-exposures.ts';
import { rematchInventory, type RematchInventoryInput } from '../../functions/match/rematch-inventory.ts';
import { AssetSchema, type Asset } from '../../functions/model/asset.ts';
import { DetailType, type InventoryChanged } from '../../functions/model/events.ts';
import type { Vulnerability } from '../../functions/model/vulnerability.ts';
import { createDocumentClient } from '../../functions/store/document-client.ts';
import { assetItem, componentItem, createDynamoRepositories } from '../../functions/store/dynamo-repositories.ts';
import { describeSoftware, packageKeyOf } from '../../functions/store/keys.ts';
import { mapConcurrently } from '../../functions/store/map-concurrently.ts';
import { countDynamoReads, type DynamoReadCounter } from '../../functions/store/read-counter.ts';
import { countDynamoWrites } from '../../functions/store/write-counter.ts';
import { assembleVulnerability } from '../../functions/store/intel-repository.ts';
import { ghsaRecord } from '../functions/ingest/sources/osv/fixtures.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures');
const TABLE = 'forestall';
const TENANT = 'default';
const COMPONENTS = 200;
/** The matcher function's configured memory (lib/bus-matcher.ts `memorySize`). */
export const MATCHER_MEMORY_MB = 1024;
const CITRIX_BLEED = 'CVE-2023-4966';
const LOG4SHELL = 'CVE-2021-44228';
const LOG4J = 'pkg:maven/org.apache.logging.log4j/log4j-core';
// Half affected (2.14.1 and 2.12.1 are below the 2.15.0 fix); index = asset % 4.
const LOG4J_VERSIONS = ['2.14.1', '2.17.1', '2.12.1', '2.20.0'];
const NETSCALER_BUILDS = ['13.1-48.47', '13.1-49.15', '14.1-8.50', '14.1-12.35'];
const ECOSYSTEMS = ['npm', 'pypi', 'maven/org.example', 'golang/github.com/example', 'gem', 'nuget'];
/** Assets the 1 % import changes: every 100th, from the 50th (all on an affected log4j version). */
const changedByImport = (index: number) => index % 100 === 50;

const log = (line: string) => process.stderr.write(`[deployed-match] ${line}\n`);
const localClient = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });

function estateAsset(index: number): Asset {
  const software: Asset['software'] = [{ purl: `${LOG4J}@${LOG4J_VERSIONS[index % 4]}` }];
  if (index % 5 === 0) software.push({ cpe: `cpe:2.3:a:citrix:netscaler_gateway:${NETSCALER_BUILDS[(index / 5) % 4]}:*:*:*:*:*:*:*` });
  for (let k = 0; software.length < COMPONENTS; k += 1) {
    const ecosystem = ECOSYSTEMS[(index + k) % ECOSYSTEMS.length];
    software.push({ purl: `pkg:${ecosystem}/package-${(index * 31 + k * 17) % 20_000}@${k % 7}.${index % 13}.${k % 5}` });
  }
  return {
    id: `asset-${String(index).padStart(6, '0')}`,
    hostname: `host${index}.corp.example.com`,
    ips: [`10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`],
    internetFacing: index % 7 === 0,
    criticality: (['low', 'medium', 'high'] as const)[index % 3]!,
    software,
  } as Asset;
}

/** The 1 % import's version of an asset: log4j-core patched to 2.17.1 and one dependency added. */
function importedAsset(index: number): Asset {
  const asset = estateAsset(index);
  asset.software[0] = { purl: `${LOG4J}@2.17.1` };
  asset.software.push({ purl: 'pkg:npm/new-dependency@1.0.0' });
  return asset;
}

// The asset item exactly as AssetRepository.put writes it (the same builder, on the same parsed asset).
const storedAssetItem = (asset: Asset) => assetItem(TENANT, JSON.parse(JSON.stringify(AssetSchema.parse(asset))) as Asset);

/** An item's size as DynamoDB counts it: attribute names plus values (UTF-8), 3 bytes + 1 per element for lists and maps. */
export function dynamoItemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) bytes += Buffer.byteLength(name) + valueBytes(value);
  return bytes;
}
function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return 1 + Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2);
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + 1 + valueBytes(element), 0);
  if (typeof value === 'object') return 3 + Object.keys(value).length + dynamoItemBytes(value as Record<string, unknown>);
  return 0;
}

async function citrixBleed(): Promise<Vulnerability> {
  const cve = NvdCveSchema.parse(JSON.parse(await readFile(join(fixtures, `intel/nvd/${CITRIX_BLEED}.json`), 'utf8')));
  const kev = (JSON.parse(await readFile(join(fixtures, 'intel/kev-catalogue.json'), 'utf8')) as { vulnerabilities: Array<{ cveID: string }> }).vulnerabilities.find((e) => e.cveID === CITRIX_BLEED);
  return { tenant: TENANT, id: CITRIX_BLEED, kev: kevFactsOf(KevEntrySchema.parse(kev)), nvd: nvdFactsOf(cve), enrichment: 'done', sources: ['cisa-kev', 'nvd'], updatedAt: new Date().toISOString() };
}

function log4shell(): Vulnerability {
  const record = ghsaRecord({ id: 'GHSA-jfh8-c2jp-5v3q', cve: LOG4SHELL, ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0-beta9' }, { fixed: '2.15.0' }] }] });
  const now = new Date().toISOString();
  const [draft] = parseOsvRecord(JSON.stringify(record), { source: OSV_SOURCE, now }).drafts;
  const view = assembleVulnerability(TENANT, draft!.id, [{ tenant: TENANT, kind: 'vulnerability', id: draft!.id, source: OSV_SOURCE, facts: (draft as { facts: Record<string, unknown> }).facts, aliases: draft!.aliases ?? [], observedAt: now }]);
  if (!view) throw new Error('Log4Shell did not assemble');
  return view;
}

async function batchWrite(doc: DynamoDBDocumentClient, items: Array<Record<string, unknown>>): Promise<void> {
  for (let attempt = 0, pending = items.map((Item) => ({ PutRequest: { Item } })); pending.length > 0; attempt += 1) {
    if (attempt > 8) throw new Error('BatchWriteItem kept leaving items unprocessed');
    const result = await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: pending } }));
    pending = (result.UnprocessedItems?.[TABLE] ?? []) as typeof pending;
  }
}

/** Sizes the paper count uses, gathered while the estate is written. */
interface EstateSizes {
  assets: number;
  assetItemBytes: { min: number; max: number; mean: number; rcuEach: number };
  indexRows: number;
  /** Index row bytes per benchmarked package key, in the GSI's sort order (asset id). */
  rowBytes: Map<string, number[]>;
  loadSeconds: number;
  itemsWritten: number;
}

async function loadEstate(doc: DynamoDBDocumentClient, assets: number): Promise<EstateSizes> {
  const benchmarked = new Set([packageKeyOf(LOG4J), 'cpe:citrix:netscaler_gateway']);
  const rowBytes = new Map<string, number[]>([...benchmarked].map((key) => [key, []]));
  let min = Infinity;
  let max = 0;
  let total = 0;
  let rcu = 0;
  let indexRows = 0;
  let itemsWritten = 0;
  const start = performance.now();
  const CHUNK = 500;
  const chunks = Array.from({ length: Math.ceil(assets / CHUNK) }, (_, i) => i * CHUNK);
  await mapConcurrently(chunks, 4, async (first) => {
    const items: Array<Record<string, unknown>> = [];
    for (let index = first; index < Math.min(first + CHUNK, assets); index += 1) {
      const asset = estateAsset(index);
      const item = storedAssetItem(asset);
      const bytes = dynamoItemBytes(item);
      min = Math.min(min, bytes);
      max = Math.max(max, bytes);
      total += bytes;
      rcu = Math.max(rcu, Math.ceil(bytes / 4096));
      items.push(item);
      const all = changedByImport(index);
      for (const software of asset.software) {
        const row = describeSoftware(software);
        if (!all && !benchmarked.has(row.packageKey)) continue;
        const rowItem = componentItem(TENANT, asset.id, row);
        items.push(rowItem);
        indexRows += 1;
        rowBytes.get(row.packageKey)?.push(dynamoItemBytes(rowItem));
      }
    }
    for (let i = 0; i < items.length; i += 25 * 8) {
      await Promise.all(Array.from({ length: 8 }, (_, j) => items.slice(i + j * 25, i + (j + 1) * 25)).filter((batch) => batch.length > 0).map((batch) => batchWrite(doc, batch)));
    }
    itemsWritten += items.length;
    if ((first / CHUNK) % 20 === 0) log(`written ${first + CHUNK} of ${assets} assets (${((performance.now() - start) / 1000).toFixed(0)} s)`);
  });
  return { assets, assetItemBytes: { min, max, mean: total / assets, rcuEach: rcu }, indexRows, rowBytes, loadSeconds: (performance.now() - start) / 1000, itemsWritten };
}

export interface MatchRun {
  vulnerabilityId: string;
  seconds: number;
  /** RSS of the matcher process before the run (modules loaded, client built) and its peak (max RSS). */
  startRssMiB: number;
  maxRssMiB: number;
  /** Peak JS heap used, sampled every 20 ms. */
  peakHeapMiB: number;
  componentRows: number;
  candidateAssets: number;
  affectedAssets: number;
  changed: number;
  events: number;
  reads: { requests: Record<string, number>; items: number; keys: number; capacityUnits: number };
  writes: number;
}

/** Child process: one matchExposures run against the dynalite at `endpoint`, printed as one JSON line. */
async function matchChild(endpoint: string, vulnerabilityId: string) {
  const client = localClient(endpoint);
  const doc = createDocumentClient(client);
  const reads = countDynamoReads(doc);
  const writes = countDynamoWrites(doc);
  const repositories = createDynamoRepositories(doc, TABLE);
  let peakHeap = 0;
  const sample = () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed));
  const startRss = process.memoryUsage().rss;
  const timer = setInterval(sample, 20);
  let events = 0;
  const start = performance.now();
  const summary = await matchExposures({ repositories, publishEvents: async (entries) => void (events += entries.length), now: () => new Date() }, { tenant: TENANT, vulnerabilityId });
  const seconds = (performance.now() - start) / 1000;
  clearInterval(timer);
  sample();
  const run: MatchRun = {
    vulnerabilityId,
    seconds,
    startRssMiB: startRss / 2 ** 20,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    peakHeapMiB: peakHeap / 2 ** 20,
    componentRows: summary.componentRows,
    candidateAssets: summary.candidateAssets,
    affectedAssets: summary.affectedAssets,
    changed: summary.changed,
    events,
    reads: { requests: reads.requests, items: reads.items, keys: reads.keys, capacityUnits: reads.capacityUnits },
    writes: writes.writes,
  };
  client.destroy();
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

async function runMatchChild(endpoint: string, vulnerabilityId: string): Promise<MatchRun> {
  const { stdout } = await promisify(execFile)(join(root, 'node_modules/.bin/tsx'), [import.meta.filename, '--match', endpoint, vulnerabilityId], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as MatchRun;
}

/** Starts dynalite in a child process; resolves its endpoint and a stop function. */
async function startDynaliteProcess(): Promise<{ endpoint: string; stop(): Promise<number> }> {
  const child = spawn(join(root, 'node_modules/.bin/tsx'), [import.meta.filename, '--dynalite'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([
    new Promise((resolve) => lines.once('line', (line) => resolve([line]))),
    new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`dynalite process exited with ${code}`)))),
  ])) as [string];
  const { endpoint } = JSON.parse(first) as { endpoint: string };
  return {
    endpoint,
    // Closing stdin asks the child to report its peak memory and stop.
    stop: async () => {
      const rss = new Promise<number>((resolve) => lines.once('line', (line) => resolve((JSON.parse(line) as { maxRssMiB: number }).maxRssMiB)));
      child.stdin!.end();
      const maxRss = await rss;
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      return maxRss;
    },
  };
}

async function dynaliteChild() {
  const dynamo = await startLocalDynamo();
  process.stdout.write(`${JSON.stringify({ endpoint: dynamo.endpoint })}\n`);
  process.stdin.resume();
  process.stdin.once('end', async () => {
    process.stdout.write(`${JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
    await dynamo.close();
    process.exit(0);
  });
}

/** Read units DynamoDB itself would bill, counted from the item sizes. */
export interface PaperReads {
  indexPages: number;
  indexRcu: number;
  assetReads: number;
  assetRcu: number;
  /** Exposure reads: the store step's BatchGetItem and putMany's (both strongly consistent, 1 unit per key, found or not), then the final walk of the stored exposures. */
  exposureRcu: number;
  total: number;
}

/** Query pages of `rows` (bytes, in GSI order) `pageSize` at a time, each rounded up to 4 KB and halved (GSI reads are eventually consistent). */
function paperReads(rows: number[], candidates: number, assetRcuEach: number, exposureKeyReads: number, storedExposures: number, exposureBytes: number): PaperReads {
  let indexRcu = 0;
  let indexPages = 0;
  for (let i = 0; i < rows.length; i += MATCH_PAGE_SIZE) {
    const bytes = rows.slice(i, i + MATCH_PAGE_SIZE).reduce((sum, b) => sum + b, 0);
    indexRcu += Math.ceil(bytes / 4096) / 2;
    indexPages += 1;
  }
  const assetRcu = candidates * assetRcuEach;
  // The final walk reads the stored exposures in pages of MATCH_PAGE_SIZE, eventually consistent.
  let walkRcu = 0;
  for (let i = 0; i < storedExposures; i += MATCH_PAGE_SIZE) walkRcu += Math.ceil((Math.min(MATCH_PAGE_SIZE, storedExposures - i) * exposureBytes) / 4096) / 2;
  const exposureRcu = exposureKeyReads * Math.ceil(exposureBytes / 4096) + walkRcu;
  return { indexPages, indexRcu, assetReads: candidates, assetRcu, exposureRcu, total: indexRcu + assetRcu + exposureRcu };
}

export interface DeployedMatchBench {
  sizes: EstateSizes;
  verified: string;
  kev: MatchRun;
  kevPaper: PaperReads;
  everywhere: MatchRun;
  everywherePaper: PaperReads;
  everywhereRerun: MatchRun;
  exposureBytes: number;
  dynaliteMaxRssMiB: number;
  rematch: {
    changedAssets: number;
    importSeconds: number;
    importWrites: number;
    importReads: DynamoReadCounter extends infer _ ? { items: number; capacityUnits: number } : never;
    events: number;
    seconds: number;
    packageKeys: number;
    vulnerabilities: number;
    assetsMatched: number;
    remediated: number;
    reads: { requests: Record<string, number>; items: number; keys: number; capacityUnits: number };
    writes: number;
  };
}

export async function benchDeployedMatch(assets = 100_000): Promise<DeployedMatchBench> {
  const dynamo = await startDynaliteProcess();
  const client = localClient(dynamo.endpoint);
  try {
    await createTable(client, TABLE);
    const doc = createDocumentClient(client);
    const repositories = createDynamoRepositories(doc, TABLE);
    const reads = countDynamoReads(doc);
    const writes = countDynamoWrites(doc);
    log(`writing ${assets} asset items of ${COMPONENTS} components and the benchmarked index rows into dynalite (another process)`);
    const sizes = await loadEstate(doc, assets);
    log(`loaded in ${sizes.loadSeconds.toFixed(0)} s`);
    await repositories.vulnerabilities.put(await citrixBleed());
    await repositories.vulnerabilities.put(log4shell());

    // The items are what put writes: a put of a loaded asset (every row written) finds nothing to do.
    writes.reset();
    const check = await repositories.assets.put(TENANT, estateAsset(50));
    if (check.changed || writes.writes !== 0) throw new Error(`the loaded asset differs from what AssetRepository.put writes (${writes.writes} writes)`);
    const verified = 'a put of a loaded asset wrote nothing and reported no change';

    log(`(b) ${CITRIX_BLEED} in a matcher process`);
    const kev = await runMatchChild(dynamo.endpoint, CITRIX_BLEED);
    log(`(c) ${LOG4SHELL} (on every asset) in a matcher process`);
    const everywhere = await runMatchChild(dynamo.endpoint, LOG4SHELL);
    log(`(c) again, nothing changed`);
    const everywhereRerun = await runMatchChild(dynamo.endpoint, LOG4SHELL);

    const [exposure] = await repositories.exposures.getMany(TENANT, [{ vulnerability: LOG4SHELL, asset: estateAsset(0).id }]);
    const exposureBytes = exposure ? dynamoItemBytes({ pk: 'x'.repeat(40), sk: 'x'.repeat(40), entity: 'exposure', gsi2pk: 'x'.repeat(40), gsi2sk: 'x'.repeat(60), ...JSON.parse(JSON.stringify(exposure)) }) : 1024;
    const kevExposures = kev.affectedAssets;
    const kevPaper = paperReads(sizes.rowBytes.get('cpe:citrix:netscaler_gateway')!, kev.candidateAssets, sizes.assetItemBytes.rcuEach, 2 * kev.affectedAssets, kevExposures, exposureBytes);
    const everywherePaper = paperReads(sizes.rowBytes.get(packageKeyOf(LOG4J))!, everywhere.candidateAssets, sizes.assetItemBytes.rcuEach, 2 * everywhere.affectedAssets, everywhere.affectedAssets, exposureBytes);

    // (e) 1 % of the estate changes: the import stores it and announces the changed package keys; re-matching takes them.
    const changedIndexes = Array.from({ length: assets }, (_, i) => i).filter(changedByImport);
    const announced: InventoryChanged[] = [];
    reads.reset();
    writes.reset();
    log(`(e) importing ${changedIndexes.length} changed assets`);
    let start = performance.now();
    const imported = await importInventory(
      { repositories, now: () => new Date(), publishEvents: async (entries) => void announced.push(...entries.filter((e) => e.detailType === DetailType.InventoryChanged).map((e) => e.detail as InventoryChanged)) },
      { tenant: TENANT, inventory: { assets: changedIndexes.map(importedAsset) } },
    );
    const importSeconds = (performance.now() - start) / 1000;
    const importWrites = writes.writes;
    const importReads = { items: reads.items, capacityUnits: reads.capacityUnits };
    reads.reset();
    writes.reset();
    start = performance.now();
    let rematchSummary = { packageKeys: 0, vulnerabilities: 0, assetsMatched: 0, remediated: 0 };
    for (const event of announced) {
      const input: RematchInventoryInput = { tenant: event.tenant, assets: event.assets };
      const summary = await rematchInventory({ repositories, publishEvents: async () => {}, now: () => new Date() }, input);
      rematchSummary = {
        packageKeys: rematchSummary.packageKeys + summary.packageKeys,
        vulnerabilities: rematchSummary.vulnerabilities + summary.vulnerabilities,
        assetsMatched: rematchSummary.assetsMatched + summary.assetsMatched,
        remediated: rematchSummary.remediated + summary.remediated,
      };
    }
    const rematchSeconds = (performance.now() - start) / 1000;
    const rematch = {
      changedAssets: imported.changedAssets,
      importSeconds,
      importWrites,
      importReads,
      events: announced.length,
      seconds: rematchSeconds,
      ...rematchSummary,
      reads: { requests: reads.requests, items: reads.items, keys: reads.keys, capacityUnits: reads.capacityUnits },
      writes: writes.writes,
    };
    client.destroy();
    const dynaliteMaxRssMiB = await dynamo.stop();
    return { sizes, verified, kev, kevPaper, everywhere, everywherePaper, everywhereRerun, exposureBytes, dynaliteMaxRssMiB, rematch };
  } catch (error) {
    client.destroy();
    await dynamo.stop().catch(() => {});
    throw error;
  }
}

const n = (value: number) => Math.round(value).toLocaleString('en');
const rcu = (value: number) => value.toLocaleString('en', { maximumFractionDigits: 1 });

export function describeDeployedMatch(result: DeployedMatchBench, say: (line?: string) => void): void {
  const { sizes } = result;
  const row = (label: string, run: MatchRun, paper: PaperReads | undefined) =>
    say(
      `| ${label} | ${run.seconds.toFixed(1)} s | ${n(run.componentRows)} | ${n(run.candidateAssets)} | ${n(run.affectedAssets)} | ${n(run.writes)} | ` +
        `${Object.entries(run.reads.requests).map(([op, count]) => `${op} ${n(count)}`).join(', ')} | ${n(run.reads.items)} | ${rcu(run.reads.capacityUnits)} | ${paper ? rcu(paper.total) : '-'} | ` +
        `${run.startRssMiB.toFixed(0)} / ${run.maxRssMiB.toFixed(0)} MiB | ${run.peakHeapMiB.toFixed(0)} MiB |`,
    );
  say(`### Deployed matcher on dynalite: ${n(sizes.assets)} stored assets x ${COMPONENTS} components`);
  say();
  say(`Estate: ${n(sizes.assets)} asset items of ${COMPONENTS} components each (${(sizes.assetItemBytes.min / 1024).toFixed(1)}–${(sizes.assetItemBytes.max / 1024).toFixed(1)} KB, ` +
    `${sizes.assetItemBytes.rcuEach} read units each read strongly consistent, as BatchGetItem reads them), every asset holding log4j-core (half on an affected version) and every 5th a NetScaler Gateway build; ` +
    `${n(sizes.indexRows)} component index rows: those of log4j-core and NetScaler Gateway, and every row of the 1 % the import changes. ` +
    `Written with BatchWriteItem from item builders shared with AssetRepository.put (${result.verified}) in ${sizes.loadSeconds.toFixed(0)} s. ` +
    `The other ~${((sizes.assets * COMPONENTS - sizes.indexRows) / 1e6).toFixed(1)} M index rows would sit in other GSI partitions, which a Query on these partitions never reads: they change neither the reads nor the time on DynamoDB.`);
  say();
  say(`Each run is \`matchExposures\` in a process of its own (as one Lambda invocation) against dynalite in another process; max RSS is the matcher process's (tsx-transpiled source, which a bundled Lambda does not carry), heap sampled every 20 ms. Reads counted on the wire with \`countDynamoReads\` (read units as dynalite reports them under DynamoDB's rules); "on paper" is computed from the item sizes below.`);
  say();
  say('| run | time | index rows read | assets read | affected | DynamoDB writes | read requests | items read | read units (dynalite) | read units on paper | RSS start / peak | peak heap |');
  say('|---|---|---|---|---|---|---|---|---|---|---|---|');
  row(`(b) new KEV CVE ${CITRIX_BLEED} (NetScaler Gateway on 1 in 5 assets)`, result.kev, result.kevPaper);
  row(`(c) ${LOG4SHELL}, log4j-core on every asset`, result.everywhere, result.everywherePaper);
  row('(c) the same again, nothing changed', result.everywhereRerun, undefined);
  say();
  say(`Within the matcher's configured ${MATCHER_MEMORY_MB} MB: peak RSS ${result.everywhere.maxRssMiB.toFixed(0)} MiB for the CVE on every asset (${result.everywhere.maxRssMiB < MATCHER_MEMORY_MB ? 'within' : 'OVER'}). dynalite's own process peaked at ${result.dynaliteMaxRssMiB.toFixed(0)} MiB holding the table.`);
  say();
  say('Read units per CVE on DynamoDB, counted on paper (GSI Query pages of 1,000 rows: summed row size rounded up to 4 KB, halved as GSI reads are eventually consistent; ' +
    `BatchGetItem of asset items strongly consistent, ${sizes.assetItemBytes.rcuEach} units each; exposure items ~${(result.exposureBytes / 1024).toFixed(1)} KB, read by key twice per affected asset on a first match (the store step and putMany), 1 unit each, then walked once in pages):`);
  say();
  say('| CVE | index pages | index units | asset reads | asset units | exposure units | total |');
  say('|---|---|---|---|---|---|---|');
  for (const [label, paper] of [[CITRIX_BLEED, result.kevPaper], [LOG4SHELL, result.everywherePaper]] as const) {
    say(`| ${label} | ${n(paper.indexPages)} | ${rcu(paper.indexRcu)} | ${n(paper.assetReads)} | ${rcu(paper.assetRcu)} | ${rcu(paper.exposureRcu)} | ${rcu(paper.total)} |`);
  }
  say();
  const { rematch } = result;
  say(`### Re-match after changing 1 % of the estate (${n(rematch.changedAssets)} assets: log4j-core patched, one dependency added)`);
  say();
  say('| step | time | DynamoDB writes | reads (items / read units) | what it did |');
  say('|---|---|---|---|---|');
  say(`| importInventory (stores the assets, announces the changed package keys) | ${rematch.importSeconds.toFixed(1)} s | ${n(rematch.importWrites)} | ${n(rematch.importReads.items)} / ${rcu(rematch.importReads.capacityUnits)} | ${rematch.events} Inventory Changed event(s) |`);
  say(`| rematchInventory on those events | ${rematch.seconds.toFixed(1)} s | ${n(rematch.writes)} | ${n(rematch.reads.items)} / ${rcu(rematch.reads.capacityUnits)} | ${rematch.packageKeys} package keys and ${rematch.vulnerabilities} vulnerability matches summed over the events, ${n(rematch.assetsMatched)} assets matched, ${n(rematch.remediated)} exposures remediated |`);
  say(`| for comparison: matchExposures of ${LOG4SHELL} over the whole estate (above) | ${result.everywhere.seconds.toFixed(1)} s | ${n(result.everywhere.writes)} | ${n(result.everywhere.reads.items)} / ${rcu(result.everywhere.reads.capacityUnits)} | |`);
  say();
}

if (process.argv[2] === '--dynalite') {
  await dynaliteChild();
} else if (process.argv[2] === '--match') {
  await matchChild(process.argv[3]!, process.argv[4]!);
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchDeployedMatch(Number(process.argv[2] ?? 100_000));
  describeDeployedMatch(result, (line = '') => process.stdout.write(`${line}\n`));
}
