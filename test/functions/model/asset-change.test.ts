import { describe, expect, it } from 'vitest';
import { groupAssetChanges } from '../../../functions/model/asset-change.ts';

describe('groupAssetChanges', () => {
  const keys = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `purl:npm/${prefix}-${i}`);

  it('keeps every group within the byte and entry limits, every key once and in order', () => {
    const changes = [{ id: 'big', packageKeys: keys('big', 500) }, ...Array.from({ length: 7 }, (_, i) => ({ id: `small-${i}`, packageKeys: keys(`s${i}`, 3) }))];
    const groups = groupAssetChanges(changes, { maxBytes: 2_000, maxEntries: 4 });
    for (const group of groups) {
      expect(Buffer.byteLength(JSON.stringify(group))).toBeLessThanOrEqual(2_000);
      expect(group.length).toBeLessThanOrEqual(4);
    }
    // The big asset spans several groups; joined back, the changes are what went in.
    expect(groups.filter((group) => group.some((entry) => entry.id === 'big')).length).toBeGreaterThan(1);
    const joined = new Map<string, string[]>();
    for (const entry of groups.flat()) joined.set(entry.id, [...(joined.get(entry.id) ?? []), ...entry.packageKeys]);
    expect([...joined].map(([id, packageKeys]) => ({ id, packageKeys }))).toEqual(changes);
  });

  it('gives no group for no changes, and one for changes that fit', () => {
    expect(groupAssetChanges([], { maxBytes: 100 })).toEqual([]);
    expect(groupAssetChanges([{ id: 'a', packageKeys: ['cpe:x:y'] }], { maxBytes: 100 })).toEqual([[{ id: 'a', packageKeys: ['cpe:x:y'] }]]);
  });
});
