import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import {
  AdpFactsSchema,
  CVE5_ADP_SOURCE,
  parseCve5Record,
  parseCve5Records,
  type AdpFacts,
} from '../../../../../functions/ingest/sources/cve5-adp/cve5-parser.ts';
import { referenceFile } from '../../../../reference-data.ts';
import { asJsonLines, cve5Record, cve5Records, cve5RejectedRecord, type Json } from './fixtures.ts';

const context = { source: CVE5_ADP_SOURCE, now: '2025-08-16T02:00:00Z' };
const parseOne = (record: unknown) => parseCve5Record(JSON.stringify(record), context);
const factsOf = (parsed: ParsedIntel, index = 0) => parsed.drafts[index]?.facts as AdpFacts | undefined;

/** A copy of `record` with the value at `path` replaced (or removed when `value` is undefined). */
function withValue(record: Json, path: (string | number)[], value: unknown): Json {
  const copy = structuredClone(record);
  let target: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

describe('parseCve5Record', () => {
  it('reads CISA SSVC options (lower-cased), the KEV listing and the CNA facts', () => {
    const parsed = parseOne(cve5Record());

    expect(parsed.rejected).toEqual([]);
    expect(parsed.complete).toBeUndefined();
    expect(parsed.drafts).toEqual([
      {
        kind: 'vulnerability',
        id: 'CVE-2024-3400',
        facts: {
          state: 'PUBLISHED',
          ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'total', version: '2.0.3', timestamp: '2024-04-17T04:00:13.543064Z', role: 'CISA Coordinator' },
          kev: { dateAdded: '2024-04-12', reference: 'https://www.cisa.gov/known-exploited-vulnerabilities-catalog?search_api_fulltext=CVE-2024-3400' },
          title: 'PAN-OS: Arbitrary File Creation Leads to OS Command Injection Vulnerability in GlobalProtect',
          description: expect.stringMatching(/^A command injection as a result of arbitrary file creation/),
          datePublished: '2024-04-12T07:20:00.707Z',
          cvss: [{ version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', baseScore: 10, baseSeverity: 'CRITICAL', source: 'palo_alto' }],
          cwes: ['CWE-77', 'CWE-20'],
        },
      },
    ]);
  });

  it('collects CVSS 3.0, 3.1 and 4.0 from the CNA and the ADPs, each with its provider, and the CWE ids CISA added', () => {
    const parsed = parseOne(
      cve5Record({
        cveId: 'CVE-2024-9463',
        datePublished: '2024-10-09T17:03:12',
        cnaCvss: [
          { key: 'cvssV4_0', vectorString: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:N/SA:N', baseScore: 9.9, baseSeverity: 'CRITICAL' },
          { key: 'cvssV3_0', vectorString: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N', baseScore: 5.3 },
        ],
        adpCvss: [{ key: 'cvssV3_1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL' }],
        cnaCwes: ['CWE-78'],
        adpCwes: ['CWE-78', 'CWE-88'],
        ssvc: { exploitation: 'none', automatable: 'yes', technicalImpact: 'total' },
        kev: null,
      }),
    );
    const facts = factsOf(parsed)!;

    expect(facts.cvss).toEqual([
      { version: '4.0', vectorString: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:N/SA:N', baseScore: 9.9, baseSeverity: 'CRITICAL', source: 'palo_alto' },
      { version: '3.0', vectorString: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N', baseScore: 5.3, source: 'palo_alto' },
      { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL', source: 'CISA-ADP' },
    ]);
    expect(facts.cwes).toEqual(['CWE-78', 'CWE-88']);
    expect(facts.ssvc).toMatchObject({ exploitation: 'none', automatable: 'yes', technicalImpact: 'total' });
    expect(facts.kev).toBeUndefined();
    // A time without zone is UTC in the CVE format.
    expect(facts.datePublished).toBe('2024-10-09T17:03:12Z');
  });

  it('takes the English description, and CWE ids written only in the text', () => {
    const record = cve5Record({
      descriptions: [
        { lang: 'de', value: 'Eine Schwachstelle wurde gefunden.' },
        { lang: 'en-US', value: 'A vulnerability was found.' },
      ],
      title: null,
    });
    const problem = { descriptions: [{ lang: 'en', type: 'CWE', description: 'CWE-502 Deserialization of Untrusted Data' }, { lang: 'en', type: 'text', description: 'n/a' }] };
    const facts = factsOf(parseOne(withValue(record, ['containers', 'cna', 'problemTypes'], [problem])))!;

    expect(facts.description).toBe('A vulnerability was found.');
    expect(facts.title).toBeUndefined();
    expect(facts.cwes).toEqual(['CWE-502']);
  });

  it('reads a record CISA has not enriched: no SSVC, no KEV', () => {
    const facts = factsOf(parseOne(cve5Record({ cisaAdp: false })))!;
    expect(facts.ssvc).toBeUndefined();
    expect(facts.kev).toBeUndefined();
    expect(facts.cvss).toHaveLength(1);
  });

  it('turns a REJECTED record into a draft revoked by the CNA', () => {
    const parsed = parseOne(cve5RejectedRecord({ cveId: 'CVE-2024-99001', replacedBy: ['CVE-2024-99002'] }));
    expect(parsed.drafts).toEqual([
      {
        kind: 'vulnerability',
        id: 'CVE-2024-99001',
        facts: {
          state: 'REJECTED',
          rejectedReason: 'DO NOT USE THIS CANDIDATE NUMBER. Reason: This candidate was withdrawn by its CNA.',
          replacedBy: ['CVE-2024-99002'],
          cvss: [],
          cwes: [],
        },
        revoked: { reason: 'rejected by the CNA', at: '2024-06-03T12:00:00.000Z' },
      },
    ]);
    expect(parseOne(cve5RejectedRecord({ dateRejected: null })).drafts[0]?.revoked).toEqual({ reason: 'rejected by the CNA' });
  });

  const cisaMetric = ['containers', 'adp', 1, 'metrics'];
  it.each([
    [
      'an SSVC value CISA does not use',
      withValue(cve5Record(), [...cisaMetric, 0, 'other', 'content', 'options', 0], { Exploitation: 'maybe' }),
      'containers.adp[1].metrics[0].other.content.options.Exploitation: expected one of active|poc|none',
    ],
    [
      'an SSVC assessment without Automatable',
      withValue(cve5Record(), [...cisaMetric, 0, 'other', 'content', 'options', 1], { Automatic: 'yes' }),
      'containers.adp[1].metrics[0].other.content.options.Automatable: expected one of yes|no',
    ],
    [
      'a KEV date that is no date',
      cve5Record({ kev: { dateAdded: '12/04/2024' } }),
      'containers.adp[1].metrics[1].other.content.dateAdded: date as YYYY-MM-DD',
    ],
    [
      'a CVSS base score above 10',
      cve5Record({ cnaCvss: [{ key: 'cvssV3_1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 11 }] }),
      'containers.cna.metrics[0].cvssV3_1.baseScore: Too big: expected number to be <=10',
    ],
    ['a bad CVE id', cve5Record({ cveId: 'CVE-24-1' }), 'cveMetadata.cveId: CVE id like CVE-2023-4966'],
    [
      'a state other than PUBLISHED or REJECTED',
      withValue(cve5Record(), ['cveMetadata', 'state'], 'RESERVED'),
      'cveMetadata.state: expected one of PUBLISHED|REJECTED',
    ],
    ['a CVE JSON 4 record', withValue(cve5Record(), ['dataVersion'], '4.0'), 'dataVersion: CVE JSON 5 version like 5.1'],
    ['a record without its CNA container', withValue(cve5Record(), ['containers', 'cna'], undefined), 'containers.cna: required field missing (expected object)'],
  ])('rejects %s naming the field', (_what, record, reason) => {
    const parsed = parseOne(record);
    expect(parsed.drafts).toEqual([]);
    expect(parsed.rejected).toHaveLength(1);
    expect(parsed.rejected[0]).toMatchObject({ position: 'record', reason });
    expect(parsed.rejected[0]?.payload).toContain('"dataType":"CVE_RECORD"');
  });

  it('names the record by its CVE id when it has one', () => {
    const parsed = parseOne(cve5Record({ cveId: 'CVE-2024-21762', kev: { dateAdded: 'soon' } }));
    expect(parsed.rejected[0]?.record).toBe('CVE-2024-21762');
  });

  it.each([
    ['text that is not JSON', 'CVE-2024-3400', 'is not JSON'],
    ['a JSON array', '[]', 'not a CVE JSON 5 record'],
    ['an NVD record', JSON.stringify({ id: 'CVE-2024-3400', vulnStatus: 'Analyzed' }), 'not a CVE JSON 5 record'],
  ])('refuses %s', (_what, payload, message) => {
    expect(() => parseCve5Record(payload, context)).toThrow(InvalidFeedDocument);
    expect(() => parseCve5Record(payload, context)).toThrow(message);
    expect(() => parseCve5Record(payload, context)).toThrow(/^cisa-adp: /);
  });
});

describe('parseCve5Records', () => {
  it('reads a JSON array, rejecting bad records by position and repeated ids after the first', () => {
    const records: unknown[] = [
      ...cve5Records(3),
      cve5Record({ cveId: 'CVE-2024-50001', title: 'A later copy' }),
      cve5Record({ ssvc: { exploitation: 'active', automatable: 'perhaps', technicalImpact: 'total' } }),
      { dataType: 'NVD_RECORD' },
      cve5RejectedRecord(),
    ];
    const parsed = parseCve5Records(JSON.stringify(records), context);

    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2024-50000', 'CVE-2024-50001', 'CVE-2024-50002', 'CVE-2024-99001']);
    expect(factsOf(parsed, 1)?.title).toBe('Synthetic vulnerability 1');
    expect(parsed.drafts[3]?.revoked).toEqual({ reason: 'rejected by the CNA', at: '2024-06-03T12:00:00.000Z' });
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      {
        position: '[3]',
        record: 'CVE-2024-50001',
        reason: '[3].cveMetadata.cveId: CVE-2024-50001 appears more than once (first at [1]); the first record was kept',
      },
      {
        position: '[4]',
        record: 'CVE-2024-3400',
        reason: '[4].containers.adp[1].metrics[0].other.content.options.Automatable: expected one of yes|no',
      },
      { position: '[5]', record: '[5]', reason: '[5].dataType: not a CVE record (dataType must be CVE_RECORD)' },
    ]);
  });

  it('reads JSON lines, rejecting a line that is not JSON', () => {
    const lines = asJsonLines(cve5Records(4)).split('\n');
    lines.splice(2, 0, '{"dataType": "CVE_RECORD", "cveMetadata": ');
    lines.splice(4, 0, JSON.stringify(cve5Record({ cveId: 'CVE-2024-1709', kev: { dateAdded: '2024-02-30' } })));
    const parsed = parseCve5Records(lines.join('\n'), context);

    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2024-50000', 'CVE-2024-50001', 'CVE-2024-50002', 'CVE-2024-50003']);
    expect(parsed.rejected.map(({ position, record }) => ({ position, record }))).toEqual([
      { position: 'line 3', record: 'line 3' },
      { position: 'line 5', record: 'CVE-2024-1709' },
    ]);
    expect(parsed.rejected[0]?.reason).toMatch(/^line 3: not JSON: /);
    expect(parsed.rejected[1]?.reason).toBe('line 5: containers.adp[1].metrics[1].other.content.dateAdded: date as YYYY-MM-DD');
  });

  it('reads a single record given alone', () => {
    const parsed = parseCve5Records(JSON.stringify(cve5Record(), null, 2), context);
    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2024-3400']);
  });

  it('reads 5,000 records as JSON lines', () => {
    const parsed = parseCve5Records(asJsonLines(cve5Records(5000)), context);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(5000);
    expect(parsed.drafts.filter((draft) => (draft.facts as AdpFacts).kev !== undefined)).toHaveLength(1667);
    expect(factsOf(parsed, 4999)?.ssvc).toMatchObject({ exploitation: 'poc', automatable: 'no', technicalImpact: 'total' });
  });

  it.each([
    ['an empty payload', '  \n', 'empty payload'],
    ['text', 'hello\nworld', 'neither a JSON array of CVE records nor JSON lines'],
    ['a JSON object that is no record', '{"vulnerabilities": []}', 'neither CVE records in a JSON array nor JSON lines'],
    ['a JSON number', '42', 'neither CVE records in a JSON array nor JSON lines'],
  ])('refuses %s', (_what, payload, message) => {
    expect(() => parseCve5Records(payload, context)).toThrow(InvalidFeedDocument);
    expect(() => parseCve5Records(payload, context)).toThrow(message);
  });
});

describe('records nested too deep to write out', () => {
  const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;

  it('are rejected with a note in place of the payload, not a crash', () => {
    const single = parseCve5Record(`{"dataType":"CVE_RECORD","cveMetadata":{"cveId":"CVE-2024-3400"},"x":${deep}}`, context);
    expect(single.rejected[0]).toMatchObject({ record: 'CVE-2024-3400', payload: '(not shown: nested too deeply to write out)' });
    const bulk = parseCve5Records(`[${deep}, ${JSON.stringify(cve5Record())}]`, context);
    expect(bulk.drafts.map((draft) => draft.id)).toEqual(['CVE-2024-3400']);
    expect(bulk.rejected[0]).toMatchObject({ position: '[0]', reason: '[0].dataType: not a CVE record (dataType must be CVE_RECORD)' });
  });
});

describe('CVE JSON 5 records of CISA vulnrichment', () => {
  const directory = referenceFile('intel/cve5-vulnrichment', 'CVE 5 parser on the real vulnrichment records');
  describe.skipIf(!directory)('the 51 records', () => {
    const files = directory ? readdirSync(directory).filter((name) => name.endsWith('.json')).sort() : [];
    const texts = new Map(files.map((name) => [name.replace(/\.json$/, ''), readFileSync(join(directory!, name), 'utf8')]));
    const parsed = new Map([...texts].map(([id, text]) => [id, parseCve5Record(text, context)]));
    const facts = (id: string) => factsOf(parsed.get(id)!)!;

    it('parses every one, each to one draft under its own CVE id', () => {
      expect(files).toHaveLength(51);
      for (const [id, result] of parsed) {
        expect(result.rejected, id).toEqual([]);
        expect(result.drafts.map((draft) => draft.id)).toEqual([id]);
        expect(AdpFactsSchema.safeParse(result.drafts[0]!.facts).success).toBe(true);
      }
    });

    it('gives the SSVC options CISA published', () => {
      // Written "Active", "Yes", "Total" in this record.
      expect(facts('CVE-2024-3400').ssvc).toEqual({
        exploitation: 'active',
        automatable: 'yes',
        technicalImpact: 'total',
        version: '2.0.3',
        timestamp: '2024-04-17T04:00:13.543064Z',
        role: 'CISA Coordinator',
      });
      expect(facts('CVE-2023-39780').ssvc).toMatchObject({ exploitation: 'poc', automatable: 'no', technicalImpact: 'total' });
      expect(facts('CVE-2020-3259').ssvc).toMatchObject({ exploitation: 'active', automatable: 'yes', technicalImpact: 'partial' });
      expect(facts('CVE-2024-42009').ssvc).toMatchObject({ exploitation: 'none', automatable: 'no', technicalImpact: 'partial' });
      const exploitation = [...parsed.keys()].map((id) => facts(id).ssvc?.exploitation);
      expect(exploitation.filter((value) => value === 'active')).toHaveLength(26);
      expect(exploitation.filter((value) => value === 'poc')).toHaveLength(7);
      expect(exploitation.filter((value) => value === 'none')).toHaveLength(18);
    });

    it('gives the KEV listing, which may postdate the SSVC assessment', () => {
      expect(facts('CVE-2024-3400').kev).toEqual({ dateAdded: '2024-04-12', reference: 'https://www.cisa.gov/known-exploited-vulnerabilities-catalog?search_api_fulltext=CVE-2024-3400' });
      expect(facts('CVE-2021-34527').kev?.dateAdded).toBe('2021-11-03');
      // Assessed poc on 2024-09-06, listed in KEV on 2024-09-16.
      expect(facts('CVE-2024-6670').ssvc?.exploitation).toBe('poc');
      expect(facts('CVE-2024-6670').kev?.dateAdded).toBe('2024-09-16');
      expect([...parsed.keys()].filter((id) => facts(id).kev !== undefined)).toHaveLength(27);
      expect(facts('CVE-2024-9463').kev).toBeUndefined();
    });

    it('gives the CNA facts and the CVSS and CWE CISA added', () => {
      expect(facts('CVE-2021-44228').title).toBe('Apache Log4j2 JNDI features do not protect against attacker controlled LDAP and other JNDI related endpoints');
      expect(facts('CVE-2021-44228').cwes).toEqual(['CWE-502', 'CWE-400', 'CWE-20']);
      expect(facts('CVE-2021-44228').cvss).toEqual([
        { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', baseScore: 10, baseSeverity: 'CRITICAL', source: 'CISA-ADP' },
      ]);
      expect(facts('CVE-2024-9463').cvss).toEqual([
        {
          version: '4.0',
          vectorString: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:N/SA:N/AU:N/R:U/V:C/RE:H/U:Amber',
          baseScore: 9.9,
          baseSeverity: 'CRITICAL',
          source: 'palo_alto',
        },
      ]);
      // The CNA gave "n/a"; CISA's container adds CWE-119 and the CVSS.
      expect(facts('CVE-2017-1000253')).toMatchObject({ cwes: ['CWE-119'], datePublished: '2017-10-04T01:00:00Z' });
      expect(facts('CVE-2017-1000253').title).toBeUndefined();
      expect(facts('CVE-2017-1000253').cvss).toMatchObject([{ version: '3.1', baseScore: 7.8, source: 'CISA-ADP' }]);
      // English first among en and de; CVSS 2.0 left out.
      expect(facts('CVE-2024-0769').description).toMatch(/^\*\* UNSUPPORTED WHEN ASSIGNED \*\* A vulnerability was found in D-Link DIR-859 1\.06/);
      expect(facts('CVE-2024-0769').cvss.map(({ version }) => version)).toEqual(['3.1', '3.0']);
      expect(facts('CVE-2024-20953').description).toMatch(/^Vulnerability in the Oracle Agile PLM/);
    });

    it('parses all of them at once as JSON lines', () => {
      const lines = asJsonLines([...texts.values()].map((text) => JSON.parse(text)));
      const bulk = parseCve5Records(lines, context);
      expect(bulk.rejected).toEqual([]);
      expect(bulk.drafts.map((draft) => draft.id)).toEqual([...parsed.keys()]);
    });
  });
});

/** The parser contract: a ParsedIntel whose drafts hold valid facts, or InvalidFeedDocument; never another error. */
function parsesOrRefuses(parse: () => ParsedIntel): ParsedIntel | undefined {
  try {
    const parsed = parse();
    for (const draft of parsed.drafts) expect(AdpFactsSchema.safeParse(draft.facts).success).toBe(true);
    for (const rejection of parsed.rejected) expect(rejection.reason).not.toBe('');
    return parsed;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFeedDocument);
    expect((error as Error).message.startsWith('cisa-adp: ')).toBe(true);
    return undefined;
  }
}

/** Every path to a value inside `value`. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
}

/** A valid record with one value somewhere in it replaced by arbitrary JSON (or removed). */
const mutatedRecord = fc
  .record({ choice: fc.nat(), replacement: fc.option(fc.jsonValue(), { nil: undefined }), rejected: fc.boolean() })
  .map(({ choice, replacement, rejected }) => {
    const record = rejected ? cve5RejectedRecord() : cve5Record({ adpCwes: ['CWE-22'], adpCvss: [{ key: 'cvssV4_0', vectorString: 'CVSS:4.0/AV:N', baseScore: 9 }] });
    const paths = pathsOf(record).filter((path) => path.length > 0);
    return withValue(record, paths[choice % paths.length]!, replacement);
  });

describe('CVE 5 parsers on arbitrary input', () => {
  it('parseCve5Record: random text, random JSON and records with one value replaced', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), mutatedRecord.map((record) => JSON.stringify(record))), (payload) => {
        const parsed = parsesOrRefuses(() => parseCve5Record(payload, context));
        if (parsed) expect(parsed.drafts.length + parsed.rejected.length).toBe(1);
      }),
      { numRuns: 500 },
    );
  });

  it('parseCve5Records: arrays and JSON lines of mutated records, one result per record', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(mutatedRecord, fc.jsonValue()), { minLength: 2, maxLength: 6 }), fc.boolean(), (records, asLines) => {
        const payload = asLines ? asJsonLines(records) : JSON.stringify(records);
        const parsed = parsesOrRefuses(() => parseCve5Records(payload, context));
        if (!asLines) {
          expect(parsed).toBeDefined();
          expect(parsed!.drafts.length + parsed!.rejected.length).toBe(records.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('parseCve5Records: random text and random JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.array(fc.string()).map((lines) => lines.join('\n'))), (payload) => {
        parsesOrRefuses(() => parseCve5Records(payload, context));
      }),
      { numRuns: 300 },
    );
  });
});
