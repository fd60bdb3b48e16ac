import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInventory, readInventoryFile, type InventoryItem, type ReadPosition } from '../../../functions/scan/inventory-stream.ts';
import { memorySource } from './memory-source.ts';

async function collect(items: AsyncIterable<InventoryItem>): Promise<InventoryItem[]> {
  const out: InventoryItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

// Multibyte characters in every asset (2, 3 and 4 bytes in UTF-8; the last a surrogate pair in JS) so
// that a character offset taken for a byte offset lands mid-asset.
const assets = [
  { id: 'café-01', hostname: 'café.example', tags: { note: 'crème brûlée' }, software: [{ purl: 'pkg:npm/left-pad@1.3.0' }] },
  { id: 'kanji-02', tags: { 場所: '東京' }, software: [{ cpe: 'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*' }] },
  { id: 'broken-03', criticality: 'urgent' },
  { id: 'rocket-04', owner: '🚀 team', tags: { emoji: '🛰️' } },
  { id: 'plain-05' },
];

const layouts = {
  minified: JSON.stringify({ assets }),
  'pretty-printed': `${JSON.stringify({ assets }, null, 2)}\n`,
  'with a key after the array': JSON.stringify({ assets, generatedAt: 'ünïcode' }),
  // Found: a document whose first key is not "assets" was read as JSON lines and every line refused.
  'with keys before the array, on one line': JSON.stringify({ version: 1, source: { tool: 'cmdb-export ✓' }, assets }),
  'with keys before the array, pretty-printed': `${JSON.stringify({ generatedAt: '2026-12-02', assets }, null, 2)}\n`,
};

describe('readInventory resumes from a checkpoint', () => {
  for (const [layout, document] of Object.entries(layouts)) {
    it(`of a {"assets": [...]} document (${layout}) reads exactly what follows each checkpoint`, async () => {
      // Prepare
      const source = memorySource('estate.json', document);
      const whole = await collect(readInventory(source, new Set(), { positions: true }));
      expect(whole.map((item) => (item.kind === 'asset' ? item.asset.id : item.record))).toEqual(['café-01', 'kanji-02', 'broken-03', 'rocket-04', 'plain-05']);
      const bytes = Buffer.from(document, 'utf8');

      for (const [i, item] of whole.entries()) {
        const after = item.after as ReadPosition;
        expect(after.records).toBe(i + 1);
        // The text after a checkpoint is the rest of the array: it starts with the comma (or the closing bracket).
        expect(bytes.subarray(after.bytes).toString('utf8').trimStart()[0]).toBe(i + 1 < whole.length ? ',' : ']');

        // Act
        const resumed = await collect(readInventory(source, new Set(), { from: after, positions: true }));

        // Assess: the same items, numbered and positioned as in the uninterrupted read.
        expect(resumed).toEqual(whole.slice(i + 1));
      }
      expect(whole[2]).toMatchObject({ kind: 'quarantined', reason: expect.stringContaining('estate.json: assets[2].criticality') });
      expect(whole[3]).toMatchObject({ kind: 'asset', position: 'assets[3]', asset: { owner: '🚀 team' } });
    });
  }

  it('of JSON lines (CRLF and blank lines included) reads exactly what follows each checkpoint, numbering lines on', async () => {
    // Prepare
    const document = [JSON.stringify(assets[0]), JSON.stringify(assets[1]), '', JSON.stringify(assets[2]), JSON.stringify(assets[3]), JSON.stringify(assets[4])].join('\r\n');
    const source = memorySource('estate.jsonl', document, 5);
    const whole = await collect(readInventory(source, new Set(), { positions: true }));
    expect(whole.map((item) => (item.kind === 'asset' ? item.position : item.reason))).toEqual(['line 1', 'line 2', 'estate.jsonl: line 4.criticality: expected one of low|medium|high', 'line 5', 'line 6']);

    for (const [i, item] of whole.entries()) {
      // Act
      const resumed = await collect(readInventory(source, new Set(), { from: item.after as ReadPosition, positions: true }));
      // Assess
      expect(resumed).toEqual(whole.slice(i + 1));
    }
  });

  it('from a real file, with the checkpoint after multibyte text, resumes with the next asset', async () => {
    // Prepare
    const file = join(mkdtempSync(join(tmpdir(), 'forestall-stream-')), 'estate.json');
    writeFileSync(file, layouts['pretty-printed']);
    const whole = await collect(readInventoryFile(file, new Set(), { positions: true }));

    // Act
    const resumed = await collect(readInventoryFile(file, new Set(), { from: whole[1]!.after!, positions: true }));

    // Assess
    expect(resumed.map((item) => (item.kind === 'asset' ? item.position : item.record))).toEqual(['broken-03', 'assets[3]', 'assets[4]']);
    expect(resumed).toEqual(whole.slice(2));
  });

  it('reads an SBOM whole again whatever the checkpoint (it is one record)', async () => {
    const sbom = JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, metadata: { component: { type: 'application', name: 'shop' } }, components: [{ type: 'library', name: 'left-pad', version: '1.3.0', purl: 'pkg:npm/left-pad@1.3.0' }] });
    const source = memorySource('shop.cdx.json', sbom);
    const items = await collect(readInventory(source, new Set(), { from: { records: 1, bytes: 40 } }));
    expect(items).toMatchObject([{ kind: 'asset', asset: { id: 'shop', software: [{ purl: 'pkg:npm/left-pad@1.3.0' }] } }]);
  });

  it('names the file when the document breaks off, after yielding the assets before the break', async () => {
    const document = JSON.stringify({ assets }).slice(0, -40);
    const read: string[] = [];
    await expect(
      (async () => {
        for await (const item of readInventory(memorySource('cut.json', document), new Set())) read.push(item.kind === 'asset' ? item.asset.id : item.record);
      })(),
    ).rejects.toThrow('cut.json: not valid JSON: the "assets" array is not closed: the file ends early');
    expect(read).toEqual(['café-01', 'kanji-02', 'broken-03']);
  });
});
