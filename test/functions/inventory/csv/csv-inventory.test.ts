import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsvInventory, type CsvMapping } from '../../../../functions/inventory/csv/csv-inventory.ts';
import { InvalidInputError } from '../../../../functions/inventory/parse-inventory.ts';
import { AssetSchema } from '../../../../functions/model/asset.ts';

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
const options = { fileName: 'hosts.csv', mapping, now: '2026-12-01T00:00:00.000Z' };
const HEADER = 'Hostname,IP Address,Tier,Exposed,Team,Packages,Environment';

describe('parseCsvInventory', () => {
  it('maps columns to asset fields, splits lists, maps values and applies the defaults', () => {
    // Prepare
    const csv = [
      HEADER,
      'web-01,203.0.113.10;10.0.1.10,Tier 1,yes,shop,pkg:npm/lodash@4.17.20 cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*,prod',
      'db-01,"10.0.2.20, 10.0.2.21",tier 3,,,,',
    ].join('\n');

    // Act
    const { assets, quarantined } = parseCsvInventory(csv, options);

    // Assert
    expect(quarantined).toEqual([]);
    expect(assets).toEqual([
      {
        id: 'web-01',
        ips: ['203.0.113.10', '10.0.1.10'],
        internetFacing: true,
        criticality: 'high',
        owner: 'shop',
        tags: { env: 'prod' },
        software: [{ purl: 'pkg:npm/lodash@4.17.20' }, { cpe: 'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*' }],
      },
      { id: 'db-01', ips: ['10.0.2.20', '10.0.2.21'], internetFacing: false, criticality: 'low', tags: {}, software: [] },
    ]);
    for (const asset of assets) expect(AssetSchema.safeParse(asset).success).toBe(true);
  });

  it('quarantines bad rows naming the file, line and column, and goes on; blank lines and quoted line breaks keep the count right', () => {
    // Prepare
    const csv = [
      `\uFEFF${HEADER}`,
      'web-01,203.0.113.10,Tier 1,yes,shop,,prod',
      '',
      '"db-01',
      '",10.0.2.20,Tier 9,no,,,dev',
      'app-01,10.0.3.300,Tier 2,maybe,,,',
      'app-02,,Tier 2,,,pkg:npm/%zz@1 notapurl,',
      'web-01,,,,,,',
      'short,1',
      ',10.0.0.1,,,,,',
    ].join('\r\n');

    // Act
    const { assets, quarantined } = parseCsvInventory(csv, options);

    // Assert
    expect(assets.map((asset) => asset.id)).toEqual(['web-01']);
    expect(quarantined.map((entry) => [entry.record, entry.reason])).toEqual([
      ['db-01', 'hosts.csv: line 4, column "Tier" (3): criticality: expected one of low|medium|high (cell "Tier 9")'],
      [
        'app-01',
        'hosts.csv: line 6, column "IP Address" (2): ips: not an IP address: "10.0.3.300"; hosts.csv: line 6, column "Exposed" (4): internetFacing: expected yes/no, true/false or 1/0 (cell "maybe")',
      ],
      ['app-02', 'hosts.csv: line 7, column "Packages" (6): software[1].purl: a package URL starting pkg: (cell "pkg:npm/%zz@1 notapurl")'],
      ['web-01', 'hosts.csv: line 8, column "Hostname" (1): id "web-01" appears more than once; the first row was kept'],
      ['short', 'hosts.csv: line 9, has 2 fields; the header has 7'],
      ['line 10', 'hosts.csv: line 10, column "Hostname" (1): id: empty; every asset needs an id'],
    ]);
    expect(quarantined[0]).toMatchObject({ tenant: 'default', source: 'inventory', quarantinedAt: '2026-12-01T00:00:00.000Z' });
    expect(JSON.parse(quarantined[0]?.payload ?? '{}')).toMatchObject({ Tier: 'Tier 9', Environment: 'dev' });
  });

  it('quarantines software the asset store would refuse, naming the column and the entry', () => {
    const { quarantined } = parseCsvInventory(`${HEADER}\nweb-01,,,,,cpe:2.3:a:vendor,`, options);
    expect(quarantined[0]?.reason).toMatch(/^hosts\.csv: line 2, column "Packages" \(6\): software\[0\]: not a CPE 2\.3 formatted string/);
  });

  it('refuses a mapping naming a column the header lacks, an invalid mapping and an unparseable file', () => {
    expect(() => parseCsvInventory('Name,IP\nweb-01,10.0.0.1', options)).toThrow(InvalidInputError);
    expect(() => parseCsvInventory('Name,IP\nweb-01,10.0.0.1', options)).toThrow(/^hosts\.csv: column "Hostname" \(mapped to id\) is not in the header: "Name", "IP"$/);
    expect(() => parseCsvInventory(HEADER, { ...options, mapping: { ...mapping, colour: 'Colour' } as CsvMapping })).toThrow(/^hosts\.csv: mapping: mapping: unknown field "colour"$/);
    expect(() => parseCsvInventory(`${HEADER}\n"web-01,1`, options)).toThrow(/^hosts\.csv: line 2: Quote Not Closed/);
    expect(() => parseCsvInventory('', options)).toThrow(/^hosts\.csv: no header row/);
  });

  it('reads another delimiter', () => {
    const { assets } = parseCsvInventory('Hostname;Team\nweb-01;shop', { fileName: 'hosts.csv', mapping: { id: 'Hostname', owner: 'Team' }, delimiter: ';' });
    expect(assets).toEqual([expect.objectContaining({ id: 'web-01', owner: 'shop' })]);
  });

  it('property: every data row comes back as an asset or a quarantine record, each one passing AssetSchema', () => {
    const cell = fc.stringMatching(/^[A-Za-z0-9 .:;/@-]{0,12}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell, fc.constantFrom('Tier 1', 'Tier 2', 'x', ''), fc.constantFrom('yes', 'no', '', '?')), { minLength: 1, maxLength: 12 }), (rows) => {
        const csv = ['Hostname,IP Address,Tier,Exposed', ...rows.map((row) => row.map((value) => `"${value}"`).join(','))].join('\n');
        const { assets, quarantined } = parseCsvInventory(csv, { fileName: 'p.csv', mapping: { id: 'Hostname', ips: 'IP Address', criticality: 'Tier', internetFacing: 'Exposed', values: mapping.values } });
        expect(assets.length + quarantined.length).toBe(rows.length);
        for (const asset of assets) expect(AssetSchema.safeParse(asset).success).toBe(true);
        for (const entry of quarantined) expect(entry.reason).toMatch(/^p\.csv: line \d+, /);
      }),
    );
  });
});
