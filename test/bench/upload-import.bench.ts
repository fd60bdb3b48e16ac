/**
 * An inventory upload through S3 end to end: s3rver (S3's wire protocol) and dynalite in a child
 * process (so the memory measured is the import's), the upload
 * function's core (functions/inventory/upload/import-upload.ts) reading the object with ranged GETs,
 * storing 100 assets per batch and checkpointing. Measures the first import (time, assets and
 * components per second, peak memory above the start, DynamoDB items written), the same file uploaded
 * again (unchanged assets), and the import split over invocations that stop every 20 batches and resume
 * from the checkpoint. Run on its own with `npx tsx test/bench/upload-import.bench.ts`, or from run.ts.
 */
import '../../functions/local/promise-with-resolvers.ts';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importUpload, type ImportUploadDeps } from '../../functions/inventory/upload/import-upload.ts';
import { unquoteEtag, type UploadObject } from '../../functions/inventory/upload/s3-source.ts';
import { createTable } from '../../functions/local/dynalite.ts';
import { createDocumentClient } from '../../functions/store/document-client.ts';
import { createDynamoRepositories } from '../../functions/store/dynamo-repositories.ts';
import { createUploadCheckpointRepository } from '../../functions/store/upload-checkpoint-repository.ts';
import { countDynamoWrites } from '../../functions/store/write-counter.ts';
import { writeEstate } from './scan-estate.bench.ts';

export interface UploadRun {
  label: string;
  seconds: number;
  assets: number;
  invocations: number;
  writeRequests: number;
  peakMiB: number;
}

export interface UploadBench {
  assets: number;
  components: number;
  bytes: number;
  runs: UploadRun[];
}

/** Peak RSS above the value when sampling started, in MiB, sampled every 20 ms. */
function memorySampler() {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return () => {
    clearInterval(timer);
    return Math.round((Math.max(peak, process.memoryUsage().rss) - base) / 2 ** 20);
  };
}

export async function benchUploadImport(assets = 10_000, components = 20): Promise<UploadBench> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dir = mkdtempSync(join(tmpdir(), 'forestall-upload-bench-'));
  const file = join(dir, 'estate.json');
  const bytes = await writeEstate(file, assets, components);
  // The servers run in a child process: dynalite holds every item in memory, which is not the import's.
  const servers = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'upload-servers.child.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: servers.stdout! }), 'line')) as [string];
  const endpoints = JSON.parse(line) as { dynamo: DynamoDBClientConfig; s3: string; bucket: string };
  const s3 = {
    bucket: endpoints.bucket,
    client: new S3Client({ endpoint: endpoints.s3, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
  };
  const client = new DynamoDBClient(endpoints.dynamo);
  await createTable(client, 'forestall');
  const doc = createDocumentClient(client);
  const counter = countDynamoWrites(doc);
  const runs: UploadRun[] = [];
  try {
    // A buffer, not a stream: s3rver stores a streamed body's aws-chunked framing as the content.
    const upload = async (key: string): Promise<UploadObject> => {
      const answer = await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: await readFile(file) }));
      return { bucket: s3.bucket, key, etag: unquoteEtag(answer.ETag!), size: bytes };
    };
    const run = async (label: string, tenant: string, key: string, stopEveryBatches?: number) => {
      const object = await upload(key);
      counter.reset();
      const sample = memorySampler();
      const start = performance.now();
      let invocations = 0;
      let outcome;
      do {
        let batches = 0;
        const deps: ImportUploadDeps = {
          s3: s3.client,
          repositories: createDynamoRepositories(doc, 'forestall'),
          checkpoints: createUploadCheckpointRepository(doc, 'forestall'),
          publishEvents: async () => {},
          now: () => new Date(),
          shouldStop: () => stopEveryBatches !== undefined && batches >= stopEveryBatches,
          onProgress: () => void (batches += 1),
        };
        invocations += 1;
        outcome = await importUpload(deps, tenant, object);
      } while (outcome.status === 'running');
      if (outcome.status !== 'done') throw new Error(`${label}: upload ended ${outcome.status}: ${outcome.checkpoint?.reason ?? ''}`);
      const seconds = (performance.now() - start) / 1000;
      runs.push({ label, seconds, assets: outcome.checkpoint!.imported, invocations, writeRequests: counter.writes, peakMiB: sample() });
    };
    await run('first import', 'acme', 'uploads/acme/estate.json');
    await run('the same file again (nothing changed)', 'acme', 'uploads/acme/estate-again.json');
    await run('a new tenant, stopping every 20 batches and resuming from the checkpoint', 'globex', 'uploads/globex/estate.json', 21);
  } finally {
    client.destroy();
    s3.client.destroy();
    servers.stdin!.end();
    await once(servers, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
  return { assets, components, bytes, runs };
}

export function describeUploadBench(result: UploadBench, say: (line?: string) => void): void {
  say(`### An inventory upload through S3: ${result.assets.toLocaleString('en-US')} assets x ${result.components} components (${(result.bytes / 2 ** 20).toFixed(1)} MiB of {"assets": [...]}) on s3rver and dynalite`);
  say();
  say('| run | time | assets/s | components/s | invocations | DynamoDB items written | peak memory above start |');
  say('|---|---:|---:|---:|---:|---:|---:|');
  for (const run of result.runs) {
    const perSecond = (n: number) => Math.round(n / run.seconds).toLocaleString('en-US');
    say(`| ${run.label} | ${run.seconds.toFixed(1)} s | ${perSecond(run.assets)} | ${perSecond(run.assets * result.components)} | ${run.invocations} | ${run.writeRequests.toLocaleString('en-US')} | ${run.peakMiB} MiB |`);
  }
  say();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const assets = Number(process.argv[2] ?? 10_000);
  describeUploadBench(await benchUploadImport(assets), (line = '') => process.stdout.write(`${line}\n`));
}
