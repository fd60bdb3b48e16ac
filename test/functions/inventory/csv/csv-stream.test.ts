import { describe, expect, it } from 'vitest';
import { parseCsvInventory, type CsvMapping } from '../../../../functions/inventory/csv/csv-inventory.ts';
import { readCsvInventory } from '../../../../functions/inventory/csv/csv-stream.ts';
import type { InventoryItem } from '../../../../functions/scan/inventory-stream.ts';
import { memorySource } from '../../scan/memory-source.ts';

const mapping: CsvMapping = {
  id: 'Hostname',
  ips: 'IP Address',
  criticality: 'Tier',
  internetFacing: 'Exposed',
  owner: 'Team',
  software: 'Packages',
  tags: { env: 'Environment' },
  values: { criticality: { 'Tier 1': 'high', 'Tier 2': 'medium', 'Tier 3': 'low' } },
};
const HEADER = 'Hostname,IP Address,Tier,Exposed,Team,Packages,Environment';
// Blank lines, a quoted line break, ragged rows, a repeated id and multi-byte characters before later rows.
const CSV = [
  `\uFEFF${HEADER}`,
  'web-01,203.0.113.10,Tier 1,yes,équipe ☕,pkg:npm/lodash@4.17.20,prod',
  '',
  '"db-01',
  '",10.0.2.20,Tier 9,no,,,dev',
  'app-01,10.0.3.300,Tier 2,maybe,,,',
  'app-02,,Tier 2,,,pkg:npm/%zz@1 notapurl,',
  '',
  '',
  'web-01,,,,,,',
  'short,1',
  'café-02,10.0.0.2,Tier 3,no,🚀 ops,cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*,prod',
  'last-03,10.0.0.3,Tier 2,yes,,,',
].join('\r\n');

async function collect(items: AsyncIterable<InventoryItem>): Promise<InventoryItem[]> {
  const out: InventoryItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}
const shape = (item: InventoryItem) => (item.kind === 'asset' ? ['asset', item.asset] : ['quarantined', item.record, item.reason]);

describe('readCsvInventory', () => {
  it('reads as parseCsvInventory does, whatever the chunk size: same assets, same reasons naming file, line and column', async () => {
    const whole = parseCsvInventory(CSV, { fileName: 'hosts.csv', mapping });
    const expected = [...whole.assets.map((asset) => ['asset', asset])];
    const expectedQuarantine = whole.quarantined.map((entry) => ['quarantined', entry.record, entry.reason]);
    expect(expectedQuarantine).toHaveLength(5);
    for (const chunk of [1, 3, 7, 64, 4096]) {
      const items = await collect(readCsvInventory(memorySource('hosts.csv', CSV, chunk), new Set(), { mapping }));
      expect(items.filter((item) => item.kind === 'asset').map(shape), `chunk ${chunk}`).toEqual(expected);
      expect(items.filter((item) => item.kind === 'quarantined').map(shape), `chunk ${chunk}`).toEqual(expectedQuarantine);
    }
  });

  it('resumes from every checkpoint with exactly the rest, line numbers included', async () => {
    const full = await collect(readCsvInventory(memorySource('hosts.csv', CSV), new Set(), { mapping, positions: true }));
    expect(full.every((item) => item.after !== undefined)).toBe(true);
    expect(full.at(-1)?.after?.bytes).toBe(Buffer.byteLength(CSV, 'utf8'));
    for (const [index, item] of full.entries()) {
      // The ids read before the checkpoint, as a caller keeping them would pass (a repeat after it is still refused).
      const seen = new Set(full.slice(0, index + 1).flatMap((done) => (done.kind === 'asset' ? [done.asset.id] : [])));
      const rest = await collect(readCsvInventory(memorySource('hosts.csv', CSV, 5), seen, { mapping, positions: true, from: item.after! }));
      expect(rest.map((entry) => [...shape(entry), entry.after]), `after item ${index}`).toEqual(full.slice(index + 1).map((entry) => [...shape(entry), entry.after]));
    }
  });

  it('refuses a file whose header lacks a mapped column, an unclosed quote and an empty file, naming the file and line', async () => {
    await expect(collect(readCsvInventory(memorySource('hosts.csv', 'Name,IP\nweb-01,10.0.0.1'), new Set(), { mapping }))).rejects.toThrow(
      /^hosts\.csv: column "Hostname" \(mapped to id\) is not in the header: "Name", "IP"$/,
    );
    await expect(collect(readCsvInventory(memorySource('hosts.csv', `${HEADER}\nweb-01,,,,,,\n"web-02,1`), new Set(), { mapping }))).rejects.toThrow(/^hosts\.csv: line 3: Quote Not Closed/);
    await expect(collect(readCsvInventory(memorySource('hosts.csv', ''), new Set(), { mapping }))).rejects.toThrow(/^hosts\.csv: no header row/);
  });

  it('stops reading the source when the reader stops early', async () => {
    const rows = Array.from({ length: 5000 }, (_, n) => `host-${n},10.0.${n % 250}.1,Tier 1,no,,,`);
    const reader = readCsvInventory(memorySource('big.csv', [HEADER, ...rows].join('\n'), 512), new Set(), { mapping });
    const first = await reader.next();
    expect(first.value).toMatchObject({ kind: 'asset', asset: { id: 'host-0' } });
    await reader.return(undefined);
  });
});
