import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IndicatorIntelDraft } from '../../../../../functions/ingest/intel-draft.ts';
import { FEODO_SOURCE, parseFeodo, parseFeodoJson } from '../../../../../functions/ingest/sources/feodo/feodo-feed.ts';
import { indicatorId } from '../../../../../functions/model/indicator.ts';
import { referenceFile } from '../../../../reference-data.ts';
import { anyJson, anyText, context, fieldMutation, lineMutation, mutateLines, mutateRecord, parsesOrRefuses } from '../blocklist/parser-properties.ts';
import { feodoBlocklistText, feodoDocument, feodoEntry, feodoJson } from './fixtures.ts';

const ctx = context(FEODO_SOURCE);
const values = (drafts: unknown[]) => (drafts as IndicatorIntelDraft[]).map((draft) => draft.facts.value);

describe('Feodo Tracker ipblocklist.json', () => {
  it('turns every C2 server into an address indicator with its facts', () => {
    const parsed = parseFeodo(feodoJson({ count: 15 }), ctx);

    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(15);
    expect(parsed.drafts[0]).toEqual({
      kind: 'indicator',
      id: indicatorId('ipv4', '198.19.0.1'),
      facts: {
        type: 'ipv4',
        value: '198.19.0.1',
        firstSeen: '2025-06-01T00:00:00.000Z',
        lastSeen: '2025-07-19T00:00:00.000Z',
        confidence: 90,
        malwareFamily: 'Emotet',
        threatType: 'botnet_cc',
        tags: ['port:443', 'asn:14061', 'country:US'],
        campaigns: [],
        targetedSectors: [],
        targetedRegions: [],
        reference: 'https://feodotracker.abuse.ch/browse/host/198.19.0.1/',
        sourceRecordId: 'feodo:198.19.0.1',
      },
    });
    // Entry 2 stopped answering: kept, tagged offline, last online the day before.
    expect(parsed.drafts[2]?.facts).toMatchObject({ value: '198.19.0.3', malwareFamily: 'Dridex', lastSeen: '2025-07-18T00:00:00.000Z', tags: ['port:2222', 'offline', 'asn:24940', 'country:DE'] });
  });

  it('merges one address listed on two ports into one indicator with both, live if either port is', () => {
    const parsed = parseFeodoJson(
      feodoJson({
        entries: [
          feodoEntry(0, { ip_address: '203.0.113.9', port: 443, first_seen: '2025-07-01 08:00:00', last_online: '2025-07-10' }),
          // Entry 5 is offline, on another network.
          feodoEntry(5, { ip_address: '203.0.113.9', port: 8080, first_seen: '2025-06-20 08:00:00', last_online: '2025-07-18' }),
          feodoEntry(2, { ip_address: '203.0.113.10', port: 443 }),
          feodoEntry(8, { ip_address: '203.0.113.10', port: 995 }),
        ],
      }),
      ctx,
    );

    expect(parsed.drafts).toHaveLength(2);
    expect(parsed.drafts[0]?.facts).toMatchObject({
      value: '203.0.113.9',
      firstSeen: '2025-06-20T08:00:00.000Z',
      lastSeen: '2025-07-18T00:00:00.000Z',
      malwareFamily: 'Emotet',
      tags: ['port:443', 'asn:14061', 'country:US', 'port:8080', 'asn:24940', 'country:DE'],
    });
    // Both of its ports are offline: so is the address.
    expect(parsed.drafts[1]?.facts.tags).toEqual(['port:443', 'offline', 'asn:24940', 'country:DE', 'port:995']);
  });

  it('rejects malformed entries by index with the field named, and keeps the rest', () => {
    const document: unknown[] = feodoDocument({ count: 6 });
    document[1] = feodoEntry(1, { ip_address: '198.19.0.300' });
    document[2] = feodoEntry(2, { port: 70000 });
    document[3] = feodoEntry(3, { first_seen: undefined });
    document[4] = 'not an entry';

    const parsed = parseFeodoJson(JSON.stringify(document), ctx);

    expect(values(parsed.drafts)).toEqual(['198.19.0.1', '198.19.0.6']);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: '[1]', record: '198.19.0.300', reason: '[1].ip_address: "198.19.0.300" is not an IPv4 address' },
      { position: '[2]', record: '198.19.0.3', reason: '[2].port: Too big: expected number to be <=65535' },
      { position: '[3]', record: '198.19.0.4', reason: '[3].first_seen: required field missing (expected string)' },
      { position: '[4]', record: '[4]', reason: '[4]: expected object, received string' },
    ]);
  });

  it('refuses a payload that is not the block list', () => {
    expect(() => parseFeodo('{"error": "not found"}', ctx)).toThrow('feodo: not a Feodo Tracker block list: expected an array of C2 entries');
    expect(() => parseFeodo('[{"ip_address": ', ctx)).toThrow(/^feodo: not JSON/);
    expect(parseFeodo('[]', ctx)).toEqual({ drafts: [], rejected: [] });
  });
});

describe('Feodo Tracker plain lists', () => {
  it('reads ipblocklist.txt with Feodo confidence and its update time as version', () => {
    const parsed = parseFeodo(feodoBlocklistText(['198.19.0.1', '198.19.0.2']), ctx);

    expect(values(parsed.drafts)).toEqual(['198.19.0.1', '198.19.0.2']);
    expect(parsed.drafts[0]?.facts).toMatchObject({ confidence: 90, threatType: 'botnet_cc', firstSeen: ctx.now });
    expect(parsed.version).toBe('2025-07-19T12:11:28.000Z');
  });
});

const ipsets = {
  historic: referenceFile('intel/ioc/firehol-feodo-2016.ipset', 'the Feodo 2016 ipset test'),
  recommended: referenceFile('intel/ioc/firehol-feodo.ipset', 'the Feodo recommended ipset test'),
  badIps: referenceFile('intel/ioc/firehol-feodo_badips.ipset', 'the Feodo BadIPs ipset test'),
};

describe.skipIf(Object.values(ipsets).includes(undefined))('the real FireHOL Feodo ipsets', () => {
  const parse = (file: string | undefined) => parseFeodo(readFileSync(file as string, 'utf8'), ctx);

  it('reads the 2016 list: its 714 addresses, complete as its header says', () => {
    const parsed = parse(ipsets.historic);

    // grep -vc '^#' firehol-feodo-2016.ipset: 714, as "# Entries : 714 unique IPs" says.
    expect(parsed.drafts).toHaveLength(714);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.complete).toBe(true);
    expect(parsed.version).toBe('2016-12-09T11:28:08.000Z');
    expect(values(parsed.drafts).slice(0, 3)).toEqual(['1.93.0.224', '1.178.179.217', '1.179.170.7']);
    expect(values(parsed.drafts).at(-1)).toBe('223.184.173.74');
  });

  it('reads the recommended list (one address) and the BadIPs list (five)', () => {
    const recommended = parse(ipsets.recommended);
    expect(values(recommended.drafts)).toEqual(['50.16.16.211']);
    expect(recommended.complete).toBe(true);
    expect(recommended.version).toBe('2026-03-12T07:15:03.000Z');

    const badIps = parse(ipsets.badIps);
    expect(values(badIps.drafts)).toEqual(['27.133.154.218', '34.204.119.63', '50.16.16.211', '162.243.103.246', '178.62.3.223']);
    expect(badIps.complete).toBe(true);
    expect(badIps.drafts.every((draft) => draft.facts.confidence === 90 && draft.facts.threatType === 'botnet_cc')).toBe(true);
  });
});

describe('Feodo parser on arbitrary input', () => {
  const fields = Object.keys(feodoEntry(0));

  it('gives a ParsedIntel or throws InvalidFeedDocument for random text and JSON', () => {
    fc.assert(fc.property(fc.oneof(anyText, anyJson), (payload) => void parsesOrRefuses(parseFeodo, payload, FEODO_SOURCE)));
  });

  it('does so for block lists with entries and lines mutated at random', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(9), fieldMutation(fields)), { maxLength: 8 }), (mutations) => {
        const document: unknown[] = feodoDocument({ count: 10 });
        for (const [n, mutation] of mutations) document[n] = mutateRecord(document[n], mutation);
        expect(parsesOrRefuses(parseFeodo, JSON.stringify(document), FEODO_SOURCE)).toBe('parsed');
      }),
    );
    const text = feodoBlocklistText(['198.19.0.1', '198.19.0.2', '203.0.113.0/24']);
    fc.assert(fc.property(fc.array(lineMutation, { maxLength: 6 }), (mutations) => void parsesOrRefuses(parseFeodo, mutateLines(text, mutations), FEODO_SOURCE)));
  });
});
