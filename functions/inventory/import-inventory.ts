import { mapConcurrently } from '../store/map-concurrently.ts';
import type { Repositories } from '../store/ports.ts';
import { parseInventory } from './parse-inventory.ts';

export interface ImportInventoryDeps {
  repositories: Pick<Repositories, 'assets' | 'quarantine'>;
  now(): Date;
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
}

/**
 * Stores every valid asset (replacing the stored version and its component index rows) and
 * quarantines the invalid ones with the reason. Assets missing from this document are kept:
 * an import adds and updates, it never deletes.
 */
export async function importInventory(deps: ImportInventoryDeps, input: ImportInventoryInput): Promise<ImportInventorySummary> {
  const now = deps.now().toISOString();
  const { assets, quarantined } = parseInventory(input.inventory, input.sourceName ?? 'inventory', { tenant: input.tenant, now });
  for (const record of quarantined) await deps.repositories.quarantine.put(record);
  await mapConcurrently(assets, 8, (asset) => deps.repositories.assets.put(input.tenant, asset));
  return {
    imported: assets.length,
    assetIds: assets.map((asset) => asset.id),
    quarantined: quarantined.map(({ record, reason }) => ({ record, reason })),
  };
}
