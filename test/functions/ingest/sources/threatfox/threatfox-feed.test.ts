import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IndicatorIntelDraft } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import {
  parseThreatFox,
  parseThreatFoxApiAnswer,
  parseThreatFoxExport,
  THREATFOX_SOURCE,
} from '../../../../../functions/ingest/sources/threatfox/threatfox-feed.ts';
import { indicatorId } from '../../../../../functions/model/indicator.ts';
import { referenceFile } from '../../../../reference-data.ts';
import { anyJson, anyText, context, fieldMutation, mutateRecord, parsesOrRefuses } from '../blocklist/parser-properties.ts';
import {
  FIRST_IOC_ID,
  syntheticIocValue,
  threatfoxApiAnswer,
  threatfoxApiAnswerDocument,
  threatfoxApiIoc,
  threatfoxExport,
  threatfoxExportDocument,
  threatfoxExportIoc,
  threatfoxIpList,
} from './fixtures.ts';

const ctx = context(THREATFOX_SOURCE);
const indicators = (drafts: unknown[]) => drafts as IndicatorIntelDraft[];
const byRecord = (drafts: unknown[], id: number) => indicators(drafts).find((draft) => draft.facts.sourceRecordId === `threatfox:${id}`);
const exportOf = (records: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(records).map(([id, record]) => [id, [record]])));

describe('ThreatFox JSON export', () => {
  it('turns every IOC into an indicator draft with its facts', () => {
    const parsed = parseThreatFox(threatfoxExport({ count: 30 }), ctx);

    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(30);
    expect(parsed.complete).toBeUndefined();
    // IOC 0: ip:port, Cobalt Strike, confidence 100, no tags, no last sighting.
    expect(byRecord(parsed.drafts, FIRST_IOC_ID)).toEqual({
      kind: 'indicator',
      id: indicatorId('ipv4', '198.18.0.1'),
      facts: {
        type: 'ipv4',
        value: '198.18.0.1',
        firstSeen: '2025-07-19T00:00:00.000Z',
        confidence: 100,
        malwareFamily: 'Cobalt Strike',
        threatType: 'botnet_cc',
        tags: ['port:443'],
        campaigns: [],
        targetedSectors: [],
        targetedRegions: [],
        reference: `https://threatfox.abuse.ch/ioc/${FIRST_IOC_ID}/`,
        sourceRecordId: `threatfox:${FIRST_IOC_ID}`,
      },
    });
    // IOC 1: a domain, AsyncRAT, seen again an hour later, tagged.
    expect(byRecord(parsed.drafts, FIRST_IOC_ID + 1)?.facts).toMatchObject({
      type: 'domain',
      value: 'cdn-1.malware-c2.test',
      firstSeen: '2025-07-19T00:00:01.000Z',
      lastSeen: '2025-07-19T01:00:01.000Z',
      confidence: 75,
      malwareFamily: 'AsyncRAT',
      tags: ['AsyncRAT', 'c2'],
    });
    // IOC 4: filed under `unknown` by ThreatFox, so no family.
    const unknownFamily = byRecord(parsed.drafts, FIRST_IOC_ID + 4)?.facts;
    expect(unknownFamily?.type).toBe('md5');
    expect(unknownFamily?.malwareFamily).toBeUndefined();
    expect(byRecord(parsed.drafts, FIRST_IOC_ID + 2)?.facts).toMatchObject({ type: 'url', value: 'https://payload-2.malware-c2.test/bins/x86?id=2', threatType: 'payload_delivery' });
    expect(byRecord(parsed.drafts, FIRST_IOC_ID + 3)?.facts).toMatchObject({ type: 'sha256', value: syntheticIocValue('sha256_hash', 3), threatType: 'payload' });
    expect(byRecord(parsed.drafts, FIRST_IOC_ID + 5)?.facts).toMatchObject({ type: 'sha1', value: syntheticIocValue('sha1_hash', 5) });
  });

  it('normalises values: upper-case hashes and domains, IPv6 in brackets, a confidence written as text', () => {
    const parsed = parseThreatFoxExport(
      exportOf({
        '1': threatfoxExportIoc(3, { ioc_value: syntheticIocValue('sha256_hash', 3).toUpperCase() }),
        '2': threatfoxExportIoc(1, { ioc_value: 'CDN-1.Malware-C2.TEST.' }),
        '3': threatfoxExportIoc(0, { ioc_value: '[2001:DB8:0:0::1]:8443', confidence_level: '50' }),
        '4': threatfoxExportIoc(0, { ioc_value: '198.51.100.7', first_seen_utc: '2025-07-19 12:11:28 UTC' }),
      }),
      ctx,
    );

    expect(parsed.rejected).toEqual([]);
    expect(indicators(parsed.drafts).map((draft) => [draft.facts.type, draft.facts.value, draft.facts.tags.filter((tag) => tag.startsWith('port:')), draft.facts.confidence])).toEqual([
      ['sha256', syntheticIocValue('sha256_hash', 3), [], 100],
      ['domain', 'cdn-1.malware-c2.test', [], 75],
      ['ipv6', '2001:db8::1', ['port:8443'], 50],
      ['ipv4', '198.51.100.7', [], 100],
    ]);
    expect(indicators(parsed.drafts)[3]?.facts.firstSeen).toBe('2025-07-19T12:11:28.000Z');
  });

  it('rejects a malformed IOC with a reason naming its field and keeps the rest', () => {
    // IOC ids are integer keys, which JSON objects keep in ascending order whatever the file's order.
    const document = threatfoxExportDocument({ count: 8 });
    const id = (n: number) => String(FIRST_IOC_ID + n);
    document[id(0)] = [threatfoxExportIoc(0, { ioc_value: '198.18.0.1:70000' })];
    document[id(1)] = [threatfoxExportIoc(1, { ioc_type: 'sha3_384_hash' })];
    document[id(2)] = [threatfoxExportIoc(2, { first_seen_utc: '2025-02-30 10:00:00' })];
    document[id(3)] = [threatfoxExportIoc(3, { confidence_level: 150 })];
    document[id(4)] = [threatfoxExportIoc(4, { ioc_value: 'not-a-hash' })];
    (document as Record<string, unknown>)[id(5)] = threatfoxExportIoc(5);

    const parsed = parseThreatFoxExport(JSON.stringify(document), ctx);

    expect(parsed.drafts).toHaveLength(2);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: '["1500000"][0]', record: id(0), reason: '["1500000"][0].ioc_value: "198.18.0.1:70000" has port 70000 (65535 at most)' },
      {
        position: '["1500001"][0]',
        record: id(1),
        reason: '["1500001"][0].ioc_type: expected one of ip:port|domain|url|md5_hash|sha1_hash|sha256_hash',
      },
      { position: '["1500002"][0]', record: id(2), reason: '["1500002"][0].first_seen_utc: "2025-02-30 10:00:00" is not a time like 2025-07-19 12:11:28 (UTC)' },
      { position: '["1500003"][0]', record: id(3), reason: '["1500003"][0].confidence_level: Too big: expected number to be <=100' },
      { position: '["1500004"][0]', record: id(4), reason: '["1500004"][0].ioc_value: "not-a-hash" is not a md5 hash (32 hex digits)' },
      { position: '["1500005"]', record: id(5), reason: '["1500005"]: expected an array of IOC records' },
    ]);
    expect(JSON.parse(parsed.rejected[4]?.payload ?? '{}')).toMatchObject({ ioc_value: 'not-a-hash', ioc_type: 'md5_hash' });
  });

  it('merges one address listed on two ports: one draft, both ports, the earliest sighting, the other IOC as alias', () => {
    const parsed = parseThreatFoxExport(
      exportOf({
        '900': threatfoxExportIoc(0, { ioc_value: '203.0.113.9:8080', first_seen_utc: '2025-07-19 10:00:00', tags: 'CobaltStrike', confidence_level: 75 }),
        '901': threatfoxExportIoc(0, { ioc_value: '203.0.113.9:443', first_seen_utc: '2025-07-18 09:00:00', tags: 'c2,CobaltStrike', confidence_level: 100 }),
      }),
      ctx,
    );

    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(1);
    expect(parsed.drafts[0]).toMatchObject({
      id: indicatorId('ipv4', '203.0.113.9'),
      aliases: ['threatfox:901'],
      facts: { firstSeen: '2025-07-18T09:00:00.000Z', confidence: 100, sourceRecordId: 'threatfox:900', tags: ['CobaltStrike', 'port:8080', 'c2', 'port:443'] },
    });
  });

  it('refuses a payload that is not an export', () => {
    expect(() => parseThreatFox('{"1500000": [', ctx)).toThrow(InvalidFeedDocument);
    expect(() => parseThreatFox('{"1500000": [', ctx)).toThrow(/^threatfox: not JSON/);
    expect(() => parseThreatFoxExport('[1, 2]', ctx)).toThrow('threatfox: not a ThreatFox export: expected an object of IOC id to IOC records');
    expect(parseThreatFoxExport('{}', ctx)).toEqual({ drafts: [], rejected: [] });
    expect(parseThreatFoxExport(exportOf({ latest: threatfoxExportIoc(0) }), ctx).rejected.map((rejected) => rejected.reason)).toEqual(['latest: IOC id as digits']);
  });
});

describe('ThreatFox get_iocs answer', () => {
  it('turns the IOCs into the same drafts the export gives', () => {
    const fromApi = parseThreatFox(threatfoxApiAnswer({ count: 12 }), ctx);
    const fromExport = parseThreatFox(threatfoxExport({ count: 12 }), ctx);

    expect(fromApi.rejected).toEqual([]);
    expect(fromApi.drafts).toHaveLength(12);
    const sorted = (drafts: unknown[]) => [...indicators(drafts)].sort((a, b) => a.id.localeCompare(b.id));
    expect(sorted(fromApi.drafts)).toEqual(sorted(fromExport.drafts));
    expect(byRecord(fromApi.drafts, FIRST_IOC_ID + 7)?.facts).toMatchObject({ type: 'domain', value: 'cdn-7.malware-c2.test', firstSeen: '2025-07-19T00:00:07.000Z', lastSeen: '2025-07-19T01:00:07.000Z', malwareFamily: 'Mirai' });
  });

  it('answers no_result with an empty batch and refuses any other status by name', () => {
    expect(parseThreatFox(threatfoxApiAnswer({ count: 0, status: 'no_result' }), ctx)).toEqual({ drafts: [], rejected: [] });
    expect(() => parseThreatFox(threatfoxApiAnswer({ count: 0, status: 'illegal_search_term' }), ctx)).toThrow('threatfox: the ThreatFox API answered query_status "illegal_search_term"');
    expect(() => parseThreatFoxApiAnswer('{"query_status":"ok","data":"none"}', ctx)).toThrow('threatfox: a ThreatFox API answer with status ok but no data array');
    expect(() => parseThreatFoxApiAnswer('{"query_status":7}', ctx)).toThrow(/^threatfox: not a ThreatFox API answer: query_status: expected string/);
  });

  it('rejects a malformed IOC by its index and id', () => {
    const document = threatfoxApiAnswerDocument({ count: 3 }) as { data: unknown[] };
    document.data[1] = threatfoxApiIoc(1, { first_seen: null });
    document.data[2] = threatfoxApiIoc(2, { tags: 'c2' });

    const parsed = parseThreatFoxApiAnswer(JSON.stringify(document), ctx);

    expect(parsed.drafts).toHaveLength(1);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: 'data[1]', record: '1500001', reason: 'data[1].first_seen: expected string, received null' },
      { position: 'data[2]', record: '1500002', reason: 'data[2].tags: expected array, received string' },
    ]);
  });
});

describe('ThreatFox plain IP list', () => {
  it('gives every address with the plain list confidence and skips comments', () => {
    const parsed = parseThreatFox(threatfoxIpList(['198.18.0.1', '198.18.0.2', 'not an ip', '198.18.0.1'], true), ctx);

    expect(indicators(parsed.drafts).map((draft) => [draft.facts.value, draft.facts.confidence, draft.facts.firstSeen])).toEqual([
      ['198.18.0.1', 50, ctx.now],
      ['198.18.0.2', 50, ctx.now],
    ]);
    expect(parsed.rejected.map((rejected) => rejected.reason)).toEqual(['line 5: expected one value, found "not an ip"']);
  });
});

const realIpList = referenceFile('intel/ioc/threatfox-ioc-ips.txt', 'the ThreatFox IP list test');

describe.skipIf(realIpList === undefined)('the real ThreatFox IP list (19,863 addresses)', () => {
  it('reads every address, none twice, none refused', () => {
    const parsed = parseThreatFox(readFileSync(realIpList as string, 'utf8'), ctx);

    // grep -vc '^#' counts 19863 lines (the last has no newline; wc -l says 19862).
    expect(parsed.drafts).toHaveLength(19_863);
    expect(parsed.rejected).toEqual([]);
    const values = indicators(parsed.drafts).map((draft) => draft.facts.value);
    expect(values[0]).toBe('1.7.147.211');
    expect(values.at(-1)).toBe('223.254.128.15');
    expect(values).toContain('1.15.25.148');
    expect(new Set(indicators(parsed.drafts).map((draft) => draft.facts.type))).toEqual(new Set(['ipv4']));
  });
});

describe('ThreatFox parser on arbitrary input', () => {
  const fields = Object.keys(threatfoxExportIoc(0));
  const apiFields = Object.keys(threatfoxApiIoc(0));

  it('gives a ParsedIntel or throws InvalidFeedDocument for random text and JSON', () => {
    fc.assert(fc.property(fc.oneof(anyText, anyJson), (payload) => void parsesOrRefuses(parseThreatFox, payload, THREATFOX_SOURCE)));
  });

  it('does so for exports and API answers with records mutated at random', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(19), fieldMutation(fields)), { maxLength: 8 }), fc.boolean(), (mutations, mutateWhole) => {
        const document = threatfoxExportDocument({ count: 20 }) as Record<string, unknown>;
        for (const [n, mutation] of mutations) {
          const key = String(FIRST_IOC_ID + n);
          document[key] = mutateWhole ? mutation.value : [mutateRecord((document[key] as unknown[])[0], mutation)];
        }
        const outcome = parsesOrRefuses(parseThreatFox, JSON.stringify(document), THREATFOX_SOURCE);
        // The envelope is intact, so the export itself is never refused.
        expect(outcome).toBe('parsed');
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(19), fieldMutation(apiFields)), { maxLength: 8 }), (mutations) => {
        const document = threatfoxApiAnswerDocument({ count: 20 }) as { data: unknown[] };
        for (const [n, mutation] of mutations) document.data[n] = mutateRecord(document.data[n], mutation);
        expect(parsesOrRefuses(parseThreatFox, JSON.stringify(document), THREATFOX_SOURCE)).toBe('parsed');
      }),
    );
  });
});
