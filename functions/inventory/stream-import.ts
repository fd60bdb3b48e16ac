import type { Asset } from '../model/asset.ts';
import type { AssetChange } from '../model/asset-change.ts';
import type { QuarantineRecord } from '../model/quarantine.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
import type { InventoryItem, ReadPosition } from '../scan/inventory-stream.ts';
import { describeSoftware } from '../store/keys.ts';
import type { Repositories } from '../store/ports.ts';
import { announcePendingInventoryChanges, storeAssets } from './announce-inventory.ts';
import { mergeAssetPartial, type AssetPartial } from './merge-asset.ts';
import { INVENTORY_SOURCE } from './parse-inventory.ts';

/**
 * Imports a stream of inventory records in batches, so memory is bounded by the batch rather than the
 * file: each batch is stored, its bad records quarantined, its software changes announced, and then
 * reported (`onBatch`) with the position reading may resume from.
 */

/** What a source knows of an asset (EC2 metadata): merged into the stored asset rather than replacing it. */
export interface PartialItem {
  kind: 'partial';
  partial: AssetPartial;
  file: string;
  position: string;
  after?: ReadPosition;
}

export type ImportItem = InventoryItem | PartialItem;

/** An asset whose software changed, and the package keys that did (the re-match's input). */
export type { AssetChange };

export interface StreamImportDeps {
  repositories: Pick<Repositories, 'assets' | 'quarantine'>;
  now(): Date;
  /** Publishes `Inventory Changed` per batch (the deployed path); without it nothing is announced. */
  publishEvents?: PublishEvents;
  /** Called with each batch's changed assets once they are stored (the local re-match). */
  onChanges?(changes: AssetChange[]): Promise<void>;
  /** Called for each quarantined record as it is stored (the CLI prints it). */
  onQuarantined?(record: { file: string; record: string; reason: string }): void;
  /** Called after each batch: the counts so far and where a later read may resume. */
  onBatch?(progress: StreamImportProgress): Promise<void>;
}

export interface StreamImportInput {
  tenant: string;
  items: AsyncIterable<ImportItem>;
  /**
   * Assets per batch (and per `Inventory Changed` round); DynamoDB writes run 8 at a time within it.
   * @default 100
   */
  batchSize?: number;
  /** Quarantine time of every record: a retried import that passes it again writes the same item. */
  quarantinedAt?: string;
  /** Stop after the batch during which this turns true (a Lambda running out of time); the summary says so. */
  shouldStop?(): boolean;
}

export interface StreamImportProgress {
  /** Records read (assets and quarantined) in this run. */
  records: number;
  imported: number;
  quarantined: number;
  changedAssets: number;
  /** Where reading may resume after what is stored, when the format has positions. */
  position?: ReadPosition;
}

export interface StreamImportSummary extends StreamImportProgress {
  /** The first quarantined records (at most MAX_EXAMPLES), for a summary. */
  examples: Array<{ file: string; record: string; reason: string }>;
  /** False when `shouldStop` ended the run before the stream did. */
  finished: boolean;
}

const MAX_EXAMPLES = 20;

/**
 * Stores the assets of `items` batch by batch. An asset replaces the stored one; a partial (EC2
 * metadata) is merged into it. A record the schema refused, or whose software cannot be indexed, is
 * quarantined naming the file, the record and the field. After each batch the assets whose software
 * changed are announced (`publishEvents`, `onChanges`) and `onBatch` reports the position after the
 * batch's last record: everything before it is stored.
 */
export async function importInventoryItems(deps: StreamImportDeps, input: StreamImportInput): Promise<StreamImportSummary> {
  const { tenant } = input;
  const batchSize = input.batchSize ?? 100;
  const quarantinedAt = input.quarantinedAt ?? deps.now().toISOString();
  const summary: StreamImportSummary = { records: 0, imported: 0, quarantined: 0, changedAssets: 0, examples: [], finished: true };
  let batch: ImportItem[] = [];
  let assetsInBatch = 0;

  const quarantine = async (file: string, record: string, reason: string, payload?: string) => {
    const entry: QuarantineRecord = { tenant, source: INVENTORY_SOURCE, record, reason, quarantinedAt, ...(payload ? { payload } : {}) };
    await deps.repositories.quarantine.put(entry);
    summary.quarantined += 1;
    if (summary.examples.length < MAX_EXAMPLES) summary.examples.push({ file, record, reason });
    deps.onQuarantined?.({ file, record, reason });
  };

  // What an earlier run stored but did not get to announce, sent once this run's own batches are.
  const announceLeftovers = async () => {
    if (deps.publishEvents) await announcePendingInventoryChanges({ assets: deps.repositories.assets, publishEvents: deps.publishEvents }, tenant);
  };

  const flush = async () => {
    const items = batch;
    batch = [];
    assetsInBatch = 0;
    if (items.length === 0) return;
    const now = deps.now().toISOString();

    // Software the component index cannot key is refused here, as the document reader does.
    const assets: Array<{ asset: Asset } | { partial: AssetPartial; file: string; position: string }> = [];
    for (const item of items) {
      if (item.kind === 'quarantined') {
        await quarantine(item.file, item.record, item.reason);
        continue;
      }
      if (item.kind === 'partial') {
        assets.push(item);
        continue;
      }
      const problems = item.asset.software.flatMap((software, j) => {
        try {
          describeSoftware(software);
          return [];
        } catch (error) {
          return [`${item.file}: ${item.position}.software[${j}].${'cpe' in software ? 'cpe' : 'purl'}: ${(error as Error).message}`];
        }
      });
      if (problems.length > 0) await quarantine(item.file, item.asset.id, problems.join('; '), JSON.stringify(item.asset).slice(0, 16_000));
      else assets.push({ asset: item.asset });
    }

    // Partials merge into what is stored: read those assets first, in one batch.
    const partialIds = assets.flatMap((entry) => ('partial' in entry ? [entry.partial.id] : []));
    const stored = new Map(partialIds.length > 0 ? (await deps.repositories.assets.getMany(tenant, partialIds)).map((asset) => [asset.id, asset]) : []);
    const ready: Asset[] = [];
    for (const entry of assets) {
      if ('asset' in entry) {
        ready.push(entry.asset);
        continue;
      }
      try {
        ready.push(mergeAssetPartial(stored.get(entry.partial.id), entry.partial, entry.file));
      } catch (error) {
        await quarantine(entry.file, entry.partial.id, `${entry.file}: ${entry.position}: ${(error as Error).message.replace(`${entry.file}: `, '')}`, JSON.stringify(entry.partial).slice(0, 16_000));
      }
    }

    // Changes are recorded before the batch is written and announced after it (the inventory outbox):
    // a run cut short between the two leaves them for the end of the next run to announce.
    const { changes } = await storeAssets({ assets: deps.repositories.assets, ...(deps.publishEvents ? { publishEvents: deps.publishEvents } : {}) }, tenant, ready, now);
    if (changes.length > 0) await deps.onChanges?.(changes);
    summary.imported += ready.length;
    summary.changedAssets += changes.length;
    summary.records += items.length;
    const position = items.at(-1)?.after;
    if (position) summary.position = position;
    await deps.onBatch?.({ records: summary.records, imported: summary.imported, quarantined: summary.quarantined, changedAssets: summary.changedAssets, ...(position ? { position } : {}) });
  };

  try {
    for await (const item of input.items) {
      batch.push(item);
      if (item.kind !== 'quarantined') assetsInBatch += 1;
      // Quarantined records count too, so a file of nothing but bad records still checkpoints.
      if (assetsInBatch >= batchSize || batch.length >= batchSize * 4) {
        await flush();
        if (input.shouldStop?.()) {
          summary.finished = false;
          await announceLeftovers();
          return summary;
        }
      }
    }
  } catch (error) {
    // The document broke off (truncated, not closed): what was read before it is stored all the same,
    // as earlier batches were, then the error names the file.
    await flush();
    throw error;
  }
  await flush();
  await announceLeftovers();
  return summary;
}
