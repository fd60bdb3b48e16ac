import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, parseInventory } from '../../../functions/inventory/parse-inventory.ts';

const estate = JSON.parse(readFileSync(new URL('../../fixtures/estate/estate.json', import.meta.url), 'utf8')) as { assets: unknown[] };
const now = '2025-08-25T02:00:00.000Z';

const validAsset = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  internetFacing: true,
  criticality: 'high',
  software: [{ cpe: 'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*' }],
  ...extra,
});

describe('parseInventory', () => {
  it('accepts the bundled estate and applies defaults', () => {
    const parsed = parseInventory(estate, 'estate.json', { now });
    expect(parsed.quarantined).toEqual([]);
    expect(parsed.assets).toHaveLength(estate.assets.length);
    const minimal = parseInventory({ assets: [{ id: 'bare' }] }, 'inventory.json').assets[0];
    expect(minimal).toEqual({ id: 'bare', ips: [], internetFacing: false, criticality: 'medium', tags: {}, software: [] });
  });

  it('quarantines invalid assets with the file and field named, keeping the valid ones', () => {
    const parsed = parseInventory(
      {
        assets: [
          validAsset('ok-1'),
          validAsset('bad-criticality', { criticality: 'urgent' }),
          validAsset('extra-field', { foo: 1 }),
          validAsset('bad-cpe', { software: [{ cpe: 'cpe:2.3:a:citrix' }] }),
          validAsset('bad-software', { software: [{ swid: 'x' }] }),
          { hostname: 'no-id' },
          validAsset('ok-1'),
          validAsset('bad-cloud', { cloud: { provider: 'aws', account: '1234', region: 'eu-west-1', instanceId: 'i-0abc12345def67890' } }),
        ],
      },
      'inventory.json',
      { tenant: 'acme', now },
    );
    expect(parsed.assets.map((asset) => asset.id)).toEqual(['ok-1']);
    expect(parsed.quarantined.map(({ record, reason }) => [record, reason])).toEqual([
      ['bad-criticality', 'inventory.json: assets[1].criticality: expected one of low|medium|high'],
      ['extra-field', 'inventory.json: assets[2]: unknown field "foo"'],
      ['bad-cpe', 'inventory.json: assets[3].software[0].cpe: not a CPE 2.3 formatted string (cpe:2.3: and 11 attributes): cpe:2.3:a:citrix'],
      ['bad-software', 'inventory.json: assets[4].software[0].cpe: required field missing (expected string); inventory.json: assets[4].software[0]: unknown field "swid"'],
      ['assets[5]', 'inventory.json: assets[5].id: required field missing (expected string)'],
      ['ok-1', 'inventory.json: assets[6].id: "ok-1" appears more than once; the first asset was kept'],
      ['bad-cloud', 'inventory.json: assets[7].cloud.account: 12-digit AWS account id'],
    ]);
    expect(parsed.quarantined.every((record) => record.tenant === 'acme' && record.source === 'inventory' && record.quarantinedAt === now)).toBe(true);
    expect(JSON.parse(parsed.quarantined[0]!.payload!)).toMatchObject({ criticality: 'urgent' });
  });

  it('quarantines asset ids that would make keys ambiguous or display falsely, naming the character', () => {
    const parsed = parseInventory({ assets: [validAsset('gw#ASSET#x'), validAsset('gw|1'), validAsset('gw\u202e1'), validAsset('gw\u00001'), validAsset('gw-1')] }, 'inventory.json', { now });
    expect(parsed.assets.map((asset) => asset.id)).toEqual(['gw-1']);
    expect(parsed.quarantined.map(({ reason }) => reason)).toEqual([
      'inventory.json: assets[0].id: must not contain "#" (a key delimiter)',
      'inventory.json: assets[1].id: must not contain "|" (a key delimiter)',
      'inventory.json: assets[2].id: must not contain bidirectional or invisible formatting character U+202E',
      'inventory.json: assets[3].id: must not contain control character U+0000',
    ]);
  });

  it('throws InvalidInputError naming the file and field when the document is not an inventory', () => {
    const error = (() => {
      try {
        parseInventory({ hosts: [] }, 'inventory.json');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ name: 'InvalidInputError', source: 'inventory.json', field: 'assets' });
    expect((error as Error).message).toBe('inventory.json: assets: required field missing (expected array); unknown field "hosts"');
    expect(() => parseInventory({ assets: {} }, 'inv.json')).toThrow('inv.json: assets: expected array, received object');
    expect(() => parseInventory('[]', 'inv.json')).toThrow(InvalidInputError);
  });
});
