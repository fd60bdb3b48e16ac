import { z } from 'zod';

/** An asset whose software changed, with the package keys that changed on it (what `Inventory Changed` carries). */
export const AssetChangeSchema = z.object({ id: z.string().min(1), packageKeys: z.array(z.string().min(1)) });
export type AssetChange = z.infer<typeof AssetChangeSchema>;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Groups changes so each group's JSON (as an array) stays within `maxBytes` and holds at most
 * `maxEntries` entries; an asset whose keys do not fit one group is split over several entries, in order.
 */
export function groupAssetChanges(changes: readonly AssetChange[], limits: { maxBytes: number; maxEntries?: number }): AssetChange[][] {
  const maxEntries = limits.maxEntries ?? Number.POSITIVE_INFINITY;
  // Pieces: one asset and as many of its keys as fit the budget on their own.
  const pieces: AssetChange[] = [];
  for (const { id, packageKeys } of changes) {
    const empty = jsonBytes({ id, packageKeys: [] }) + 1;
    let keys: string[] = [];
    let bytes = empty;
    for (const key of packageKeys) {
      const size = jsonBytes(key) + 1;
      if (keys.length > 0 && bytes + size > limits.maxBytes) {
        pieces.push({ id, packageKeys: keys });
        keys = [];
        bytes = empty;
      }
      keys.push(key);
      bytes += size;
    }
    if (keys.length > 0) pieces.push({ id, packageKeys: keys });
  }
  const groups: AssetChange[][] = [];
  let current: AssetChange[] = [];
  let bytes = 2;
  for (const piece of pieces) {
    const size = jsonBytes(piece) + 1;
    if (current.length > 0 && (current.length === maxEntries || bytes + size > limits.maxBytes)) {
      groups.push(current);
      current = [];
      bytes = 2;
    }
    current.push(piece);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
