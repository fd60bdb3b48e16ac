import type { PublishEvents } from '../routing/event-publisher.ts';
import type { Repositories } from '../store/ports.ts';
import { announcePendingInventoryChanges, storeAssets } from './announce-inventory.ts';
import { parseInventory } from './parse-inventory.ts';

export interface ImportInventoryDeps {
  repositories: Pick<Repositories, 'assets' | 'quarantine'>;
  now(): Date;
  /** Publishes `Inventory Changed` for assets whose software changed; without it nothing is announced. */
  publishEvents?: PublishEvents;
}

export interface ImportInventoryInput {
  tenant: string;
  /** The inventory document, `{"assets": [...]}`. */
  inventory: unknown;
  /** Named in error and quarantine messages, e.g. the file name; `inventory` by default. */
  sourceName?: string;
}

export interface ImportInventorySummary {
  imported: number;
  assetIds: string[];
  quarantined: Array<{ record: string; reason: string }>;
  /** Assets whose software changed (added, removed or another version): the ones re-matched. */
  changedAssets: number;
}

/**
 * Stores every valid asset (replacing the stored version and its component index rows) and
 * quarantines the invalid ones with the reason. Assets missing from this document are kept:
 * an import adds and updates, it never deletes. Once everything is stored, announces the assets whose
 * software changed with `Inventory Changed` (the package keys that changed on each), so matching looks
 * at them again; an import that changes no software announces nothing.
 */
export async function importInventory(deps: ImportInventoryDeps, input: ImportInventoryInput): Promise<ImportInventorySummary> {
  const now = deps.now().toISOString();
  const { assets, quarantined } = parseInventory(input.inventory, input.sourceName ?? 'inventory', { tenant: input.tenant, now });
  for (const record of quarantined) await deps.repositories.quarantine.put(record);
  const store = { assets: deps.repositories.assets, ...(deps.publishEvents ? { publishEvents: deps.publishEvents } : {}) };
  const { changes } = await storeAssets(store, input.tenant, assets, now);
  if (deps.publishEvents) await announcePendingInventoryChanges({ assets: deps.repositories.assets, publishEvents: deps.publishEvents }, input.tenant);
  return {
    imported: assets.length,
    assetIds: assets.map((asset) => asset.id),
    quarantined: quarantined.map(({ record, reason }) => ({ record, reason })),
    changedAssets: changes.length,
  };
}
