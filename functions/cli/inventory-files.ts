import { readFile, stat } from 'node:fs/promises';
import type { CsvMapping } from '../inventory/csv/csv-inventory.ts';
import { readCsvInventory } from '../inventory/csv/csv-stream.ts';
import { ec2MetadataToAssets } from '../inventory/cloud/ec2-metadata.ts';
import { importInventoryItems, type AssetChange, type ImportItem, type StreamImportProgress } from '../inventory/stream-import.ts';
import { fileSource, readInventoryFile } from '../scan/inventory-stream.ts';
import type { Repositories } from '../store/ports.ts';

/** Reads and parses a JSON file; a problem names the file. */
export async function readJsonFile(file: string): Promise<{ ok: true; json: unknown } | { ok: false; problem: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, problem: `${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch (error) {
    return { ok: false, problem: `${file}: not valid JSON: ${(error as Error).message}` };
  }
}

export interface InventoryFilesResult {
  imported: Array<{ source: string; assets: number }>;
  quarantined: Array<{ source: string; record: string; reason: string }>;
  /** One line per unreadable file, broken document or quarantined asset, naming the file and field. */
  problems: string[];
  /** What a reader left out and why (a terminated instance, a group the output lacks): not errors. */
  notes: string[];
}

export interface InventoryFilesDeps {
  repositories: Pick<Repositories, 'assets' | 'quarantine'>;
  now: () => Date;
  /** Each batch's assets whose software changed, once stored (local mode re-matches them). */
  onChanges?(changes: AssetChange[]): Promise<void>;
  /** A progress line for a big file (the CLI writes it to stderr). */
  progress?(line: string): void;
}

export interface InventoryFilesOptions {
  /** CSV inventories, each with its header mapping (`csv-inventory.ts`). */
  csv?: ReadonlyArray<{ file: string; mapping: CsvMapping }>;
  /** EC2 DescribeInstances output and, for ingress rules, DescribeSecurityGroups output. */
  ec2?: { instances: string; securityGroups?: string };
  /** Asset id of an SBOM instead of its file name. */
  sbomAssetId?: string;
  /** @default 100 */
  batchSize?: number;
  /**
   * A progress line every this many records of one file.
   * @default 10000
   */
  progressEvery?: number;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Imports inventory files one by one, streamed and stored in batches (memory bounded by a batch, not a
 * file): forestall JSON, JSON lines, CycloneDX and SPDX SBOMs (told apart by content), CSV with a
 * header mapping, and EC2 metadata (merged into the stored assets). Valid assets are stored, invalid ones
 * quarantined with the reason naming file, record and field; a file that cannot be read or is not an
 * inventory is reported without stopping the rest.
 */
export async function importInventoryFiles(
  deps: InventoryFilesDeps,
  tenant: string,
  files: readonly string[],
  options: InventoryFilesOptions = {},
): Promise<InventoryFilesResult> {
  const result: InventoryFilesResult = { imported: [], quarantined: [], problems: [], notes: [] };
  const seen = new Set<string>();
  const progressEvery = options.progressEvery ?? 10_000;

  const run = async (source: string, items: AsyncIterable<ImportItem> | Iterable<ImportItem>, size?: number) => {
    let reported = 0;
    const onBatch = async (progress: StreamImportProgress) => {
      if (!deps.progress || progress.records - reported < progressEvery) return;
      reported = progress.records - (progress.records % progressEvery);
      const share = size && progress.position ? ` (${Math.floor((100 * progress.position.bytes) / size)}%)` : '';
      deps.progress(`${source}: ${count(progress.records)} record(s) read${share}: ${count(progress.imported)} imported, ${count(progress.quarantined)} quarantined`);
    };
    let imported = 0;
    try {
      const summary = await importInventoryItems(
        {
          repositories: deps.repositories,
          now: deps.now,
          ...(deps.onChanges ? { onChanges: deps.onChanges } : {}),
          onQuarantined: ({ record, reason }) => {
            result.quarantined.push({ source, record, reason });
            result.problems.push(reason.startsWith(`${source}:`) ? reason : `${source}: ${reason}`);
          },
          onBatch: async (progress) => {
            imported = progress.imported;
            await onBatch(progress);
          },
        },
        { tenant, items: toAsync(items), ...(options.batchSize ? { batchSize: options.batchSize } : {}) },
      );
      imported = summary.imported;
    } catch (error) {
      result.problems.push((error as Error).message);
      // A file that could not be read at all is a problem only; one that broke off stored what came before.
      if (imported === 0) return;
    }
    result.imported.push({ source, assets: imported });
  };

  for (const file of files) {
    const size = await stat(file).then(
      (info) => info.size,
      () => undefined,
    );
    await run(file, readInventoryFile(file, seen, { positions: size !== undefined, ...(options.sbomAssetId ? { sbomAssetId: options.sbomAssetId } : {}) }), size);
  }

  for (const { file, mapping } of options.csv ?? []) {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (error) {
      result.problems.push(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      continue;
    }
    // Streamed row by row, as the other formats: memory holds a batch, not the file.
    await run(file, readCsvInventory(fileSource(file), seen, { mapping, positions: true }), size);
  }

  if (options.ec2) {
    const { instances: instancesFile, securityGroups: groupsFile } = options.ec2;
    const instances = await readJsonFile(instancesFile);
    const groups = groupsFile ? await readJsonFile(groupsFile) : ({ ok: true, json: { SecurityGroups: [] } } as const);
    if (!instances.ok) result.problems.push(instances.problem);
    else if (!groups.ok) result.problems.push(groups.problem);
    else {
      try {
        const reading = ec2MetadataToAssets({ instances: instances.json, securityGroups: groups.json }, { sourceName: instancesFile });
        result.notes.push(...reading.notes);
        if (!groupsFile && reading.assets.length > 0) result.notes.push(`${instancesFile}: no --security-groups output given: ingress rules are not known, so reachability rests on the inventory`);
        const items: ImportItem[] = [
          ...reading.quarantined.map(({ record, reason }) => ({ kind: 'quarantined' as const, file: instancesFile, record, reason })),
          ...reading.assets.map((partial) => ({ kind: 'partial' as const, partial, file: instancesFile, position: partial.id })),
        ];
        await run(instancesFile, items);
      } catch (error) {
        result.problems.push((error as Error).message);
      }
    }
  }
  return result;
}

async function* toAsync<T>(items: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
