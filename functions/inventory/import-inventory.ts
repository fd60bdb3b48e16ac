import { DetailType, EVENT_VERSION, InventoryChangedSchema, MAX_ASSETS_PER_INVENTORY_EVENT, type InventoryChanged } from '../model/events.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
import { mapConcurrently } from '../store/map-concurrently.ts';
import type { Repositories } from '../store/ports.ts';
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

/** Keeps each `Inventory Changed` entry well under the 256 KB PutEvents limit, envelope included. */
export const MAX_INVENTORY_EVENT_BYTES = 200_000;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * The `Inventory Changed` details for these changes: at most MAX_ASSETS_PER_INVENTORY_EVENT assets and
 * MAX_INVENTORY_EVENT_BYTES each; an asset whose keys do not fit one event is split over several.
 */
export function inventoryChangedEvents(tenant: string, changes: ReadonlyArray<{ id: string; packageKeys: readonly string[] }>, changedAt: string): InventoryChanged[] {
  const base = { version: EVENT_VERSION, tenant, assets: [] as InventoryChanged['assets'], changedAt };
  const budget = MAX_INVENTORY_EVENT_BYTES - jsonBytes(base);
  // Pieces: one asset and as many of its keys as fit the budget on their own.
  const pieces: InventoryChanged['assets'] = [];
  for (const { id, packageKeys } of changes) {
    let keys: string[] = [];
    let bytes = jsonBytes({ id, packageKeys: [] }) + 1;
    for (const key of packageKeys) {
      const size = jsonBytes(key) + 1;
      if (keys.length > 0 && bytes + size > budget) {
        pieces.push({ id, packageKeys: keys });
        keys = [];
        bytes = jsonBytes({ id, packageKeys: [] }) + 1;
      }
      keys.push(key);
      bytes += size;
    }
    if (keys.length > 0) pieces.push({ id, packageKeys: keys });
  }
  const events: InventoryChanged[] = [];
  let current: InventoryChanged['assets'] = [];
  let bytes = 0;
  for (const piece of pieces) {
    const size = jsonBytes(piece) + 1;
    if (current.length > 0 && (current.length === MAX_ASSETS_PER_INVENTORY_EVENT || bytes + size > budget)) {
      events.push(InventoryChangedSchema.parse({ ...base, assets: current }));
      current = [];
      bytes = 0;
    }
    current.push(piece);
    bytes += size;
  }
  if (current.length > 0) events.push(InventoryChangedSchema.parse({ ...base, assets: current }));
  return events;
}

/**
 * Publishes `Inventory Changed` for the assets whose software changed (the package keys that changed on
 * each), in as many events as `inventoryChangedEvents` needs; nothing when nothing changed. Every path
 * that stores assets (import, cloud findings) announces through here.
 */
export async function announceInventoryChanges(
  publishEvents: PublishEvents,
  tenant: string,
  changes: ReadonlyArray<{ id: string; packageKeys: readonly string[] }>,
  changedAt: string,
): Promise<void> {
  if (changes.length === 0) return;
  const events = inventoryChangedEvents(tenant, changes, changedAt);
  await publishEvents(events.map((detail) => ({ detailType: DetailType.InventoryChanged, detail })));
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
  const results = await mapConcurrently(assets, 8, (asset) => deps.repositories.assets.put(input.tenant, asset));
  const changes = assets.flatMap((asset, index) => {
    const packageKeys = results[index]?.packageKeys ?? [];
    return packageKeys.length > 0 ? [{ id: asset.id, packageKeys }] : [];
  });
  if (deps.publishEvents) await announceInventoryChanges(deps.publishEvents, input.tenant, changes, now);
  return {
    imported: assets.length,
    assetIds: assets.map((asset) => asset.id),
    quarantined: quarantined.map(({ record, reason }) => ({ record, reason })),
    changedAssets: changes.length,
  };
}
