import { DetailType, EVENT_VERSION, InventoryChangedSchema, MAX_ASSETS_PER_INVENTORY_EVENT, type InventoryChanged } from '../model/events.ts';
import { groupAssetChanges, type AssetChange } from '../model/asset-change.ts';
import type { Asset } from '../model/asset.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
import type { AssetPutResult, AssetRepository } from '../store/ports.ts';

// Storing assets and announcing `Inventory Changed` through the inventory outbox: shared by every path
// that stores assets and by the scheduled intel polls, which send what an import left unannounced
// (kept apart from the document readers so those polls do not load them).

/** Keeps each `Inventory Changed` entry well under the 256 KB PutEvents limit, envelope included. */
export const MAX_INVENTORY_EVENT_BYTES = 200_000;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * The `Inventory Changed` details for these changes: at most MAX_ASSETS_PER_INVENTORY_EVENT assets and
 * MAX_INVENTORY_EVENT_BYTES each; an asset whose keys do not fit one event is split over several.
 */
export function inventoryChangedEvents(tenant: string, changes: readonly AssetChange[], changedAt: string): InventoryChanged[] {
  const base = { version: EVENT_VERSION, tenant, assets: [] as InventoryChanged['assets'], changedAt };
  const groups = groupAssetChanges(changes, { maxBytes: MAX_INVENTORY_EVENT_BYTES - jsonBytes(base), maxEntries: MAX_ASSETS_PER_INVENTORY_EVENT });
  return groups.map((assets) => InventoryChangedSchema.parse({ ...base, assets }));
}

/**
 * Publishes `Inventory Changed` for the assets whose software changed (the package keys that changed on
 * each), in as many events as `inventoryChangedEvents` needs; nothing when nothing changed.
 */
export async function announceInventoryChanges(publishEvents: PublishEvents, tenant: string, changes: readonly AssetChange[], changedAt: string): Promise<void> {
  if (changes.length === 0) return;
  const events = inventoryChangedEvents(tenant, changes, changedAt);
  await publishEvents(events.map((detail) => ({ detailType: DetailType.InventoryChanged, detail })));
}

export interface StoreAssetsDeps {
  assets: AssetRepository;
  /** Without it nothing is recorded or announced (the local CLI re-matches by itself). */
  publishEvents?: PublishEvents;
}

/**
 * Stores assets and announces their software changes through the tenant's inventory outbox: the changes
 * are recorded before anything is written and removed once announced, so a write or an announcement
 * cut short (a timeout, the bus refusing) loses nothing: `announcePendingInventoryChanges` sends it
 * later. Every path that stores assets (import, upload, cloud findings) goes through here or through
 * the same three steps.
 */
export async function storeAssets(deps: StoreAssetsDeps, tenant: string, assets: readonly Asset[], changedAt: string): Promise<{ results: AssetPutResult[]; changes: AssetChange[] }> {
  const { results, pending } = await deps.assets.putMany(tenant, assets, deps.publishEvents ? { recordPending: { at: changedAt } } : {});
  const changes = assets.flatMap((asset, index) => {
    const packageKeys = results[index]?.packageKeys ?? [];
    return packageKeys.length > 0 ? [{ id: asset.id, packageKeys }] : [];
  });
  if (deps.publishEvents) {
    await announceInventoryChanges(deps.publishEvents, tenant, changes, changedAt);
    await deps.assets.settlePending(tenant, pending);
  }
  return { results, changes };
}

/** Outbox records one call sends at most; the rest wait for the next store of the tenant. */
const MAX_PENDING_PER_CALL = 200;

/**
 * Announces inventory changes an earlier run recorded but never announced (with the time they were
 * recorded), oldest first, removing each record once sent; returns the number of asset entries sent.
 * Changes of a run still going may be sent twice: re-matching the same keys again changes nothing.
 */
export async function announcePendingInventoryChanges(
  deps: { assets: Pick<AssetRepository, 'pendingChanges' | 'settlePending'>; publishEvents: PublishEvents },
  tenant: string,
): Promise<number> {
  let sent = 0;
  for (let records = 0; records < MAX_PENDING_PER_CALL; ) {
    const pending = await deps.assets.pendingChanges(tenant, 20);
    if (pending.length === 0) break;
    for (const record of pending) {
      await announceInventoryChanges(deps.publishEvents, tenant, record.changes, record.at);
      await deps.assets.settlePending(tenant, [record.key]);
      sent += record.changes.length;
    }
    records += pending.length;
  }
  return sent;
}
