import { describe, expect, it } from 'vitest';
import type { IndicatorIntelDraft, IntelDraft, ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { MISP_SOURCE, parseMispEvent } from '../../../../../functions/ingest/sources/misp/misp-parser.ts';
import { IndicatorFactsSchema, indicatorId } from '../../../../../functions/model/indicator.ts';
import {
  fixtureUuid,
  largeMispEvent,
  MIXED_EVENT_FIRST_ATTRIBUTE,
  mispAttribute,
  mispEvent,
  mispEventBody,
  mispGalaxy,
  mispObject,
  mispRestResponse,
  mixedMispEvent,
  SAMPLE_MD5,
  SAMPLE_SHA1,
  SAMPLE_SHA256,
  type Json,
} from './fixtures.ts';

const context = { source: MISP_SOURCE, now: '2025-06-01T12:00:00.000Z' };
const parse = (document: unknown): ParsedIntel => parseMispEvent(JSON.stringify(document), context);

const indicators = (parsed: ParsedIntel) => parsed.drafts.filter((draft): draft is IndicatorIntelDraft => draft.kind === 'indicator');
function indicator(parsed: ParsedIntel, value: string): IndicatorIntelDraft {
  const found = indicators(parsed).find((draft) => draft.facts.value === value);
  if (!found) throw new Error(`no indicator ${value} among ${indicators(parsed).map((draft) => draft.facts.value).join(', ')}`);
  return found;
}
const attributesOf = (event: Json) => (event.Event as Json).Attribute as Json[];
const eventWith = (attributes: Json[], spec: Parameters<typeof mispEvent>[0] = {}) => mispEvent({ ...spec, attributes });

describe('parseMispEvent on one event with every case', () => {
  const event = mixedMispEvent();
  const parsed = parse(event);

  it('turns to_ids attributes into indicators, splitting composites, and CVEs into vulnerabilities', () => {
    expect(parsed.drafts.map((draft) => (draft.kind === 'indicator' ? `${draft.facts.type} ${draft.facts.value}` : draft.id))).toEqual([
      'ipv4 203.0.113.10',
      'domain evil.example.com',
      'ipv4 198.51.100.7',
      'ipv4 198.51.100.8',
      `sha256 ${SAMPLE_SHA256.toLowerCase()}`,
      'url https://evil.example.com/gate.php',
      'domain cdn.example.net',
      'email phish@example.org',
      'CVE-2023-4966',
      `sha1 ${SAMPLE_SHA1}`,
      'domain old.example.com',
    ]);
    for (const draft of indicators(parsed)) {
      expect(draft.id).toBe(indicatorId(draft.facts.type, draft.facts.value));
      expect(IndicatorFactsSchema.safeParse(draft.facts).success).toBe(true);
    }
  });

  it('rejects the malformed attributes by position, naming the field, and keeps the rest', () => {
    const attributes = attributesOf(event);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      {
        position: 'Event.Attribute[3]',
        record: attributes[3]!.uuid,
        reason: 'Event.Attribute[3].value: "not-an-ip" is not an IPv4 address (type ip-dst)',
      },
      {
        position: 'Event.Attribute[11]',
        record: attributes[11]!.uuid,
        reason: 'Event.Attribute[11].to_ids: required field missing (expected boolean)',
      },
      {
        position: 'Event.Object[2].Attribute[0]',
        record: MIXED_EVENT_FIRST_ATTRIBUTE,
        reason: `Event.Object[2].Attribute[0].uuid: attribute ${MIXED_EVENT_FIRST_ATTRIBUTE} appears more than once in the payload; the first was kept`,
      },
    ]);
    expect(JSON.parse(parsed.rejected[0]!.payload!)).toMatchObject({ type: 'ip-dst', value: 'not-an-ip' });
    // A link, a value-less comment and non-indicator object attributes are ignored, not rejected.
    expect(parsed.rejected.some((rejected) => /Attribute\[(9|10)\]|Object\[0\]/.test(rejected.position))).toBe(false);
  });

  it('revokes deleted attributes, attributes in deleted objects and attributes whose to_ids was cleared', () => {
    expect(indicator(parsed, 'https://evil.example.com/gate.php').revoked).toEqual({ reason: 'deleted in MISP', at: '2024-03-14T07:06:40.000Z' });
    expect(indicator(parsed, 'cdn.example.net').revoked).toEqual({ reason: 'to_ids cleared in MISP', at: '2024-03-15T10:53:20.000Z' });
    expect(indicator(parsed, 'old.example.com').revoked).toMatchObject({ reason: 'deleted in MISP' });
    expect(indicator(parsed, '203.0.113.10').revoked).toBeUndefined();
  });

  it('gives a domain|ip both halves from one attribute and keeps the port of ip-dst|port as a tag', () => {
    const attributes = attributesOf(event);
    expect(indicator(parsed, 'evil.example.com').facts.sourceRecordId).toBe(attributes[1]!.uuid);
    expect(indicator(parsed, '198.51.100.7').facts.sourceRecordId).toBe(attributes[1]!.uuid);
    expect(indicator(parsed, '198.51.100.8').facts.tags).toContain('port:8443');
    expect(indicator(parsed, '203.0.113.10').facts.tags).not.toContain('port:8443');
  });

  it('reads TLP, campaigns, sectors and malware family from event tags and galaxies', () => {
    const facts = indicator(parsed, '198.51.100.7').facts;
    expect(facts).toMatchObject({
      tlp: 'amber',
      malwareFamily: 'QakBot',
      // `APT28 - G0007` from the ATT&CK galaxy is the tag's APT28, said once.
      campaigns: ['APT28', 'Wizard Spider'],
      targetedSectors: ['Energy', 'Finance'],
      reference: fixtureUuid('e', 0xa),
      firstSeen: '2024-03-12T00:00:00.000Z',
      threatType: 'network_activity',
      confidence: 70,
    });
    expect(facts.tags).toEqual(['tlp:amber', 'misp-galaxy:threat-actor="APT28"', 'misp-galaxy:malpedia="QakBot"', 'sector:Finance', 'type:OSINT']);
  });

  it('lets attribute tags override the TLP and confidence and add campaigns', () => {
    expect(indicator(parsed, 'phish@example.org').facts).toMatchObject({ tlp: 'red', campaigns: ['APT28', 'Wizard Spider', 'FIN7'], confidence: 70 });
    expect(indicator(parsed, '203.0.113.10').facts.confidence).toBe(100);
  });

  it('files CVE ids under the CVE with the event that mentions them', () => {
    expect(parsed.drafts.find((draft) => draft.id === 'CVE-2023-4966')).toEqual({
      kind: 'vulnerability',
      id: 'CVE-2023-4966',
      facts: { mispEvents: [fixtureUuid('e', 0xa)], info: 'Synthetic: QakBot distribution against banks' },
    });
  });
});

describe('parseMispEvent confidence', () => {
  const confidenceOf = (spec: Parameters<typeof mispEvent>[0], attributeTags?: string[]) =>
    indicator(parse(eventWith([mispAttribute({ type: 'domain', value: 'c2.example.net', tags: attributeTags })], spec)), 'c2.example.net').facts
      .confidence;

  it('follows threat_level_id when no tag states a confidence', () => {
    expect([1, 2, 3, 4].map((level) => confidenceOf({ threatLevel: String(level) }))).toEqual([90, 70, 50, 30]);
  });

  it('takes a confidence tag over the threat level, the attribute tag over the event tag, and the lower of two', () => {
    expect(confidenceOf({ threatLevel: '1', tags: ['estimative-language:confidence-in-analytic-judgment="low"'] })).toBe(0);
    expect(confidenceOf({ threatLevel: '4', tags: ['misp:confidence-level="usually-confident"'] })).toBe(75);
    expect(confidenceOf({ threatLevel: '4', tags: ['misp:confidence-level="usually-confident"'] }, ['osint:certainty="93"'])).toBe(93);
    expect(
      confidenceOf({
        threatLevel: '1',
        tags: ['estimative-language:confidence-in-analytic-judgment="moderate"', 'misp:confidence-level="completely-confident"'],
      }),
    ).toBe(55);
  });
});

describe('parseMispEvent tags and galaxies', () => {
  it('reads tlp:white as clear and takes the strictest of two TLP tags', () => {
    const parsed = parse(eventWith([mispAttribute({ type: 'md5', value: SAMPLE_MD5 })], { tags: ['tlp:white', 'tlp:amber+strict', 'tlp:green'] }));
    expect(indicator(parsed, SAMPLE_MD5).facts.tlp).toBe('amber+strict');
    const white = parse(eventWith([mispAttribute({ type: 'md5', value: SAMPLE_MD5 })], { tags: ['tlp:white'] }));
    expect(indicator(white, SAMPLE_MD5).facts.tlp).toBe('clear');
  });

  it('takes malpedia over the ransomware galaxy, and attribute galaxies over event ones', () => {
    const event = eventWith(
      [
        mispAttribute({ type: 'md5', value: SAMPLE_MD5 }),
        mispAttribute({ type: 'sha1', value: SAMPLE_SHA1, galaxies: [mispGalaxy('malpedia', ['LockBit'])] }),
      ],
      { tags: ['misp-galaxy:ransomware="Samas-Samsam"'], galaxies: [mispGalaxy('malpedia', ['SamSam']), mispGalaxy('sector', ['Healthcare'])] },
    );
    const parsed = parse(event);
    expect(indicator(parsed, SAMPLE_MD5).facts).toMatchObject({ malwareFamily: 'SamSam', targetedSectors: ['Healthcare'] });
    expect(indicator(parsed, SAMPLE_SHA1).facts.malwareFamily).toBe('LockBit');
  });

  it('reads misp-galaxy:sector tags and threat-actor clusters', () => {
    const parsed = parse(
      eventWith([mispAttribute({ type: 'domain', value: 'c2.example.net' })], {
        tags: ['misp-galaxy:sector="Telecoms"'],
        galaxies: [mispGalaxy('threat-actor', ['Sofacy']), mispGalaxy('tool', ['X-Agent'])],
      }),
    );
    expect(indicator(parsed, 'c2.example.net').facts).toMatchObject({ campaigns: ['Sofacy'], targetedSectors: ['Telecoms'] });
    expect(indicator(parsed, 'c2.example.net').facts.malwareFamily).toBeUndefined();
  });
});

describe('parseMispEvent attribute values', () => {
  const single = (type: string, value: string): ParsedIntel => parse(eventWith([mispAttribute({ type, value })]));

  it('normalises each indicator type', () => {
    const cases: Array<[string, string, string, string]> = [
      ['ip-src', '2001:DB8:0:0::1', 'ipv6', '2001:db8::1'],
      ['ip-dst', '192.0.2.0/24', 'cidr', '192.0.2.0/24'],
      ['ip-src|port', '192.0.2.5|53', 'ipv4', '192.0.2.5'],
      ['hostname', 'MAIL.Example.COM', 'domain', 'mail.example.com'],
      ['hostname|port', 'mail.example.com|25', 'domain', 'mail.example.com'],
      ['filename|md5', `a|b.exe|${SAMPLE_MD5.toUpperCase()}`, 'md5', SAMPLE_MD5],
      ['filename|sha1', `setup.exe|${SAMPLE_SHA1}`, 'sha1', SAMPLE_SHA1],
      ['sha256', SAMPLE_SHA256, 'sha256', SAMPLE_SHA256.toLowerCase()],
      ['email-dst', 'Victim@Example.com', 'email', 'victim@example.com'],
      ['url', 'HTTP://Evil.Example.com:80/Path?q=1', 'url', 'http://evil.example.com/Path?q=1'],
      // MISP urls often come without a scheme.
      ['url', 'www.whitewall.top:8080/850D3011FA326CBB6F57A965', 'url', 'http://www.whitewall.top:8080/850D3011FA326CBB6F57A965'],
      ['uri', 'https://evil.example.com/x', 'url', 'https://evil.example.com/x'],
    ];
    for (const [type, value, expectedType, expectedValue] of cases) {
      const parsed = single(type, value);
      expect({ type, value, rejected: parsed.rejected.map((r) => r.reason), drafts: indicators(parsed).map((d) => `${d.facts.type} ${d.facts.value}`) }).toEqual({
        type,
        value,
        rejected: [],
        drafts: [`${expectedType} ${expectedValue}`],
      });
    }
  });

  it('rejects values that do not fit their type, naming the value field', () => {
    const cases: Array<[string, string, string]> = [
      ['ip-dst', '999.1.1.1', '"999.1.1.1" is not an IPv4 address'],
      ['ip-dst|port', '192.0.2.5|99999', '"99999" is not a port number'],
      ['ip-dst|port', '192.0.2.5', '"192.0.2.5" is not "<ip-dst>|<port>"'],
      ['domain|ip', 'evil.example.com', '"evil.example.com" is not "<domain>|<ip>"'],
      ['domain|ip', 'evil.example.com|nope', '"nope" is not an IPv4 address'],
      ['md5', 'abc', '"abc" is not a md5 hash (32 hex digits)'],
      ['filename|sha256', `x.exe|${SAMPLE_MD5}`, `"${SAMPLE_MD5}" is not a sha256 hash (64 hex digits)`],
      ['url', 'Data/dtl.dat', '"Data/dtl.dat" is not a URL (no scheme, and "Data" is not a host)'],
      ['url', '107.183.86', '"107.183.86" is not a URL (no scheme, and "107.183.86" is not a host)'],
      ['email-src', 'not an address', '"not an address" is not an e-mail address'],
    ];
    for (const [type, value, reason] of cases) {
      const parsed = single(type, value);
      expect(parsed.drafts).toEqual([]);
      expect(parsed.rejected.map((r) => r.reason)).toEqual([`Event.Attribute[0].value: ${reason} (type ${type})`]);
    }
  });

  it('ignores types that are not indicators and bare-path uris', () => {
    for (const [type, value] of [
      ['regkey|value', 'HKLM\\Run|x.exe'],
      ['ssdeep', '3:a:b'],
      ['uri', '/gate.php'],
      ['vulnerability', 'MS17-010'],
    ] as const) {
      expect(single(type, value)).toEqual({ drafts: [], rejected: [] });
    }
  });

  it('reads first_seen and last_seen to the millisecond, as UTC when they carry no zone', () => {
    const parsed = parse(
      eventWith([
        mispAttribute({ type: 'domain', value: 'a.example.com', firstSeen: '2019-06-02T22:14:28.711954+02:00', lastSeen: '2019-06-03T08:00:00' }),
        mispAttribute({ type: 'domain', value: 'b.example.com', firstSeen: null, lastSeen: null }),
        mispAttribute({ type: 'domain', value: 'c.example.com', firstSeen: 'last tuesday' }),
      ]),
    );
    expect(indicator(parsed, 'a.example.com').facts).toMatchObject({ firstSeen: '2019-06-02T20:14:28.711Z', lastSeen: '2019-06-03T08:00:00.000Z' });
    expect(indicator(parsed, 'b.example.com').facts.firstSeen).toBe('2024-03-12T00:00:00.000Z');
    expect(indicator(parsed, 'b.example.com').facts.lastSeen).toBeUndefined();
    expect(parsed.rejected.map((r) => r.reason)).toEqual([
      'Event.Attribute[2].first_seen: ISO 8601 date-time like 2019-06-02T22:14:28.711954+00:00',
    ]);
  });

  it('falls back to the ingest time for firstSeen when the event has no date', () => {
    const body = mispEventBody({ attributes: [mispAttribute({ type: 'domain', value: 'a.example.com' })] });
    delete body.date;
    expect(indicator(parse({ Event: body }), 'a.example.com').facts.firstSeen).toBe(context.now);
  });
});

describe('parseMispEvent repeats', () => {
  it('merges one indicator said by several attributes: actionable wins, tags add up, widest time span', () => {
    const parsed = parse(
      eventWith([
        mispAttribute({ type: 'filename|sha256', value: `a.exe|${SAMPLE_SHA256}`, toIds: false }),
        mispAttribute({ type: 'sha256', value: SAMPLE_SHA256, tags: ['kill-chain:Delivery'], firstSeen: '2024-02-01T00:00:00Z' }),
        mispAttribute({ type: 'sha256', value: SAMPLE_SHA256.toLowerCase(), tags: ['tlp:red'], lastSeen: '2024-04-01T00:00:00Z', deleted: true }),
        mispAttribute({ type: 'sha256', value: SAMPLE_SHA256, tags: ['tlp:red', 'misp:confidence-level="completely-confident"'], lastSeen: '2024-04-01T00:00:00Z' }),
      ]),
    );
    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(1);
    const draft = indicator(parsed, SAMPLE_SHA256.toLowerCase());
    expect(draft.revoked).toBeUndefined();
    expect(draft.facts).toMatchObject({
      firstSeen: '2024-02-01T00:00:00.000Z',
      lastSeen: '2024-04-01T00:00:00.000Z',
      tlp: 'red',
      confidence: 100,
      tags: ['tlp:green', 'kill-chain:Delivery', 'tlp:red', 'misp:confidence-level="completely-confident"'],
    });
  });

  it('keeps an indicator revoked only when every attribute saying it is revoked', () => {
    const parsed = parse(
      eventWith([
        mispAttribute({ type: 'domain', value: 'gone.example.com', deleted: true }),
        mispAttribute({ type: 'hostname', value: 'gone.example.com', toIds: false }),
      ]),
    );
    expect(parsed.drafts).toHaveLength(1);
    expect(parsed.drafts[0]!.revoked?.reason).toBe('deleted in MISP');
  });
});

describe('parseMispEvent payload shapes', () => {
  const first = mispEvent({ uuid: fixtureUuid('e', 1), info: 'first', attributes: [mispAttribute({ type: 'vulnerability', value: 'Exploits CVE-2024-3400 and cve-2023-4966' })] });
  const second = mispEvent({
    uuid: fixtureUuid('e', 2),
    info: 'second',
    attributes: [mispAttribute({ type: 'vulnerability', value: 'CVE-2024-3400' }), mispAttribute({ type: 'ip-dst', value: 'x' })],
  });

  it('reads the REST answer, merging a CVE mentioned by two events', () => {
    const parsed = parse(mispRestResponse([first, second]));
    expect(parsed.drafts).toEqual<IntelDraft[]>([
      { kind: 'vulnerability', id: 'CVE-2024-3400', facts: { mispEvents: [fixtureUuid('e', 1), fixtureUuid('e', 2)], info: 'first' } },
      { kind: 'vulnerability', id: 'CVE-2023-4966', facts: { mispEvents: [fixtureUuid('e', 1)], info: 'first' } },
    ]);
    expect(parsed.rejected.map((r) => r.position)).toEqual(['response[1].Event.Attribute[1]']);
  });

  it('reads a bare list of { Event } and an event object without the wrapper', () => {
    expect(parse([first, second]).rejected.map((r) => r.position)).toEqual(['[1].Event.Attribute[1]']);
    expect(parse(second.Event).rejected.map((r) => r.position)).toEqual(['Attribute[1]']);
    expect(parse(second.Event).drafts.map((draft) => draft.id)).toEqual(['CVE-2024-3400']);
    expect(parse({ uuid: 7, info: 'bare', Attribute: [] }).rejected).toEqual([
      { position: 'event', record: 'event', reason: 'uuid: expected string, received number', payload: '{"uuid":7,"info":"bare","Attribute":[]}' },
    ]);
  });

  it('rejects a malformed event, or a repeated one, and reads the others', () => {
    const broken = mispEvent({ uuid: fixtureUuid('e', 3), attributes: [mispAttribute({ type: 'domain', value: 'a.example.com' })] });
    (broken.Event as Json).Tag = 'tlp:red';
    (broken.Event as Json).threat_level_id = '9';
    const parsed = parse(mispRestResponse([broken, first, first, { Whatever: 1 }]));
    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2024-3400', 'CVE-2023-4966']);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      {
        position: 'response[0].Event',
        record: fixtureUuid('e', 3),
        reason: 'response[0].Event.threat_level_id: expected one of 1|2|3|4; response[0].Event.Tag: expected array, received string',
      },
      {
        position: 'response[2].Event',
        record: fixtureUuid('e', 1),
        reason: `response[2].Event.uuid: event ${fixtureUuid('e', 1)} appears more than once in the payload; the first was kept`,
      },
      { position: 'response[3]', record: 'response[3]', reason: 'response[3]: expected { "Event": ... }' },
    ]);
  });

  it('rejects malformed objects and attribute lists by position', () => {
    const event = mispEvent({
      attributes: [mispAttribute({ type: 'domain', value: 'a.example.com' }), 'ip-dst 1.2.3.4' as unknown as Json],
      objects: [{ name: 'file', Attribute: 'none' }, mispObject('file', [{ ...mispAttribute({ type: 'md5', value: SAMPLE_MD5 }), Tag: [{}] }])],
    });
    expect(parse(event).rejected.map((r) => r.reason)).toEqual([
      'Event.Attribute[1]: expected an attribute object',
      'Event.Object[0].Attribute: expected array, received string',
      'Event.Object[1].Attribute[0].Tag[0].name: required field missing (expected string)',
    ]);
  });

  it('throws InvalidFeedDocument naming the source for payloads that are not MISP events', () => {
    for (const payload of ['not json', '"an event"', '42', '{}', '{"Event": 3}', '{"response": {"Event": {}}}', '[1, 2]', '{"uuid": "x"}']) {
      expect(() => parseMispEvent(payload, context), payload).toThrow(InvalidFeedDocument);
      expect(() => parseMispEvent(payload, { ...context, source: 'misp-circl' }), payload).toThrow(/^misp-circl: not a MISP event: /);
    }
  });

  it('reads an empty REST answer and an empty list as nothing', () => {
    expect(parse({ response: [] })).toEqual({ drafts: [], rejected: [] });
    expect(parse([])).toEqual({ drafts: [], rejected: [] });
  });
});

describe('parseMispEvent on a large event', () => {
  it('reads 20000 addresses from attributes and objects', () => {
    const parsed = parse(largeMispEvent({ count: 20_000 }));
    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(20_000);
    expect(indicators(parsed).at(-1)!.facts.value).toBe('10.0.78.31');
  });
});
