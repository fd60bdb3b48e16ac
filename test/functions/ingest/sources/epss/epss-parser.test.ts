import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import {
  EPSS_SOURCE,
  EpssFactsSchema,
  epssApiNextOffset,
  parseEpssApi,
  parseEpssCsv,
} from '../../../../../functions/ingest/sources/epss/epss-parser.ts';
import { referenceFile } from '../../../../reference-data.ts';
import { apiRow, epssApiPage, epssDailyCsv, epssDailyCsvGz, epssExtractCsv, REAL_ROWS, syntheticRows } from './fixtures.ts';

const context = { source: EPSS_SOURCE, now: '2025-08-16T02:00:00Z' };
const factsOf = (parsed: ParsedIntel, id: string) => parsed.drafts.find((draft) => draft.id === id)?.facts;

describe('parseEpssCsv on the daily file', () => {
  it('reads the model comment and every row, as text', () => {
    const parsed = parseEpssCsv(epssDailyCsv(), context);

    expect(parsed.rejected).toEqual([]);
    expect(parsed.version).toBe('v2025.03.14');
    // A day's file is no complete list: a CVE left out is not withdrawn.
    expect(parsed.complete).toBeUndefined();
    expect(parsed.drafts).toEqual([
      { kind: 'vulnerability', id: 'CVE-2021-44228', facts: { score: 0.94358, percentile: 0.99955, modelVersion: 'v2025.03.14', scoreDate: '2025-08-15' } },
      { kind: 'vulnerability', id: 'CVE-2024-3400', facts: { score: 0.94326, percentile: 0.99942, modelVersion: 'v2025.03.14', scoreDate: '2025-08-15' } },
      { kind: 'vulnerability', id: 'CVE-2021-23337', facts: { score: 0.00551, percentile: 0.66964, modelVersion: 'v2025.03.14', scoreDate: '2025-08-15' } },
    ]);
  });

  it('gunzips the file as delivered and gives the same drafts', () => {
    const options = { count: 500, scoreDate: '2025-08-14', modelVersion: 'v2025.03.14' };
    const fromGzip = parseEpssCsv(epssDailyCsvGz(options), context);
    const fromText = parseEpssCsv(epssDailyCsv(options), context);

    expect(fromGzip.drafts).toHaveLength(503);
    expect(fromGzip).toEqual(fromText);
    expect(factsOf(fromGzip, 'CVE-2024-3400')).toEqual({ score: 0.94326, percentile: 0.99942, modelVersion: 'v2025.03.14', scoreDate: '2025-08-14' });
  });

  it('reads plain bytes that are not gzip, and CRLF line ends', () => {
    const parsed = parseEpssCsv(new TextEncoder().encode(epssDailyCsv({ lineEnding: '\r\n' })), context);
    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2021-44228', 'CVE-2024-3400', 'CVE-2021-23337']);
    expect(parsed.rejected).toEqual([]);
  });

  it('reads a whole day at real size (300,000 rows, gzip)', () => {
    const rows = syntheticRows(300_000);
    const parsed = parseEpssCsv(epssDailyCsvGz({ rows }), context);

    expect(parsed.drafts).toHaveLength(300_000);
    expect(parsed.rejected).toEqual([]);
    const last = rows.at(-1)!;
    expect(factsOf(parsed, last.cve)).toEqual({ score: Number(last.epss), percentile: Number(last.percentile), modelVersion: 'v2025.03.14', scoreDate: '2025-08-15' });
    expect(parsed.drafts.every((draft) => EpssFactsSchema.safeParse(draft.facts).success)).toBe(true);
  });

  it('rejects bad rows by line and column and keeps the rest', () => {
    const payload = [
      '#model_version:v2025.03.14,score_date:2025-08-15T00:00:00+0000',
      'cve,epss,percentile',
      'CVE-2021-44228,0.94358,0.99955',
      'CVE-21-1,0.1,0.5',
      'CVE-2024-0001,1.2,0.5',
      'CVE-2024-0002,0.1,-0.01',
      'CVE-2024-0003,high,0.5',
      'CVE-2024-0004,0.1',
      'CVE-2021-44228,0.5,0.5',
      'cve-2024-0005,0.00043,0.0912',
    ].join('\n');
    const parsed = parseEpssCsv(payload, context);

    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2021-44228', 'CVE-2024-0005']);
    expect(factsOf(parsed, 'CVE-2021-44228')).toMatchObject({ score: 0.94358 });
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: 'line 4', record: 'line 4', reason: 'line 4, column cve: "CVE-21-1" is not a CVE id like CVE-2023-4966' },
      { position: 'line 5', record: 'CVE-2024-0001', reason: 'line 5, column epss: 1.2 is outside 0..1' },
      { position: 'line 6', record: 'CVE-2024-0002', reason: 'line 6, column percentile: -0.01 is outside 0..1' },
      { position: 'line 7', record: 'CVE-2024-0003', reason: 'line 7, column epss: "high" is not a number' },
      {
        position: 'line 8',
        record: 'CVE-2024-0004',
        reason: 'line 8: 2 columns where the header has 3; line 8, column percentile: "" is not a number',
      },
      {
        position: 'line 9',
        record: 'CVE-2021-44228',
        reason: 'line 9, column cve: CVE-2021-44228 is scored more than once (first on line 3); the first row was kept',
      },
    ]);
    expect(parsed.rejected[1]?.payload).toBe('CVE-2024-0001,1.2,0.5');
  });

  it.each([
    ['an empty payload', '', 'no header line'],
    ['JSON', '{"data":[]}', 'lacks column cve, epss, percentile'],
    ['a header without percentile', '#model_version:v2025.03.14,score_date:2025-08-15T00:00:00+0000\ncve,epss\n', 'lacks column percentile'],
    ['rows without a header', '#model_version:v2025.03.14,score_date:2025-08-15\nCVE-2021-44228,0.9,0.9\n', 'lacks column'],
    ['a bad model version', '#model_version:latest,score_date:2025-08-15T00:00:00+0000\ncve,epss,percentile\n', 'model_version "latest"'],
    ['a bad score date', '#model_version:v4,score_date:yesterday\ncve,epss,percentile\n', 'score_date "yesterday"'],
    ['no score date at all', 'cve,epss,percentile\nCVE-2021-44228,0.9,0.9\n', 'without a score date'],
    ['gzip bytes read as text', '\u001f\u008b\b\u0000garbage', 'gzip data given as text'],
  ])('refuses %s as no EPSS file', (_what, payload, message) => {
    expect(() => parseEpssCsv(payload, context)).toThrow(InvalidFeedDocument);
    expect(() => parseEpssCsv(payload, context)).toThrow(message);
    expect(() => parseEpssCsv(payload, context)).toThrow(/^epss: /);
  });

  it('refuses a gzip file that does not unpack, and bytes that are not UTF-8', () => {
    const truncated = epssDailyCsvGz({ count: 50 }).slice(0, 40);
    expect(() => parseEpssCsv(truncated, context)).toThrow(InvalidFeedDocument);
    expect(() => parseEpssCsv(truncated, context)).toThrow('not a gzip file that unpacks');
    expect(() => parseEpssCsv(gzipSync(Uint8Array.from([0x63, 0xff, 0xfe, 0x0a])), context)).toThrow('not UTF-8 text');
  });
});

describe('parseEpssCsv on the extract with date and model columns', () => {
  it('takes model and date from every row', () => {
    const parsed = parseEpssCsv(
      epssExtractCsv([
        { ...REAL_ROWS[0]!, date: '2025-08-15', model: 'v4' },
        { cve: 'CVE-2024-3094', epss: '0.83739', percentile: '0.99245', date: '2025-08-15', model: 'v4', kev: false },
      ]),
      context,
    );
    expect(parsed.version).toBe('v4');
    expect(parsed.rejected).toEqual([]);
    expect(factsOf(parsed, 'CVE-2024-3094')).toEqual({ score: 0.83739, percentile: 0.99245, modelVersion: 'v4', scoreDate: '2025-08-15' });
  });

  it('rejects a row with a bad date or model, and has no single version when rows differ', () => {
    const parsed = parseEpssCsv(
      epssExtractCsv([
        { ...REAL_ROWS[0]!, model: 'v4' },
        { ...REAL_ROWS[1]!, model: 'v2025.03.14' },
        { ...REAL_ROWS[2]!, date: '15/08/2025', model: 'four' },
      ]),
      context,
    );
    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2021-44228', 'CVE-2024-3400']);
    expect(parsed.version).toBeUndefined();
    expect(parsed.rejected[0]?.reason).toBe(
      'line 4, column date: "15/08/2025" is not a date as YYYY-MM-DD; line 4, column model: "four" is not a model version like v2025.03.14 or v4',
    );
  });
});

describe('parseEpssCsv on the real extract of 2025-08-15', () => {
  const file = referenceFile('intel/epss/epss-scores-subset-2025-08-15.csv', 'EPSS parser on the real extract');
  describe.skipIf(!file)('epss-scores-subset-2025-08-15.csv', () => {
    const parsed = parseEpssCsv(readFileSync(file!), context);

    it('reads all 19 scores with model v4', () => {
      expect(parsed.rejected).toEqual([]);
      expect(parsed.drafts).toHaveLength(19);
      expect(parsed.version).toBe('v4');
      expect(parsed.drafts[0]?.id).toBe('CVE-2021-44228');
      expect(parsed.drafts.at(-1)?.id).toBe('CVE-2024-3094');
    });

    it('gives the scores as published', () => {
      expect(factsOf(parsed, 'CVE-2021-44228')).toEqual({ score: 0.94358, percentile: 0.99955, modelVersion: 'v4', scoreDate: '2025-08-15' });
      expect(factsOf(parsed, 'CVE-2024-23113')).toEqual({ score: 0.45024, percentile: 0.97488, modelVersion: 'v4', scoreDate: '2025-08-15' });
      expect(factsOf(parsed, 'CVE-2021-23337')).toEqual({ score: 0.00551, percentile: 0.66964, modelVersion: 'v4', scoreDate: '2025-08-15' });
    });
  });
});

describe('parseEpssApi', () => {
  it('reads a page with decimals as strings', () => {
    const parsed = parseEpssApi(epssApiPage(), context);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.version).toBeUndefined();
    expect(parsed.complete).toBeUndefined();
    expect(parsed.drafts[0]).toEqual({ kind: 'vulnerability', id: 'CVE-2021-44228', facts: { score: 0.94358, percentile: 0.99955, scoreDate: '2025-08-15' } });
    expect(parsed.drafts).toHaveLength(3);
  });

  it('accepts numbers too and ignores the time series of scope=time-series', () => {
    const rows = [{ cve: 'CVE-2022-27225', epss: 0.00187, percentile: 0.40129, date: '2025-08-15', 'time-series': [{ epss: '0.001870000', percentile: '0.401770000', date: '2025-08-14' }] }];
    const parsed = parseEpssApi(epssApiPage({ rows }), context);
    expect(parsed.drafts).toEqual([{ kind: 'vulnerability', id: 'CVE-2022-27225', facts: { score: 0.00187, percentile: 0.40129, scoreDate: '2025-08-15' } }]);
  });

  it('rejects bad rows as data[i] naming the field', () => {
    const rows = [
      apiRow(REAL_ROWS[0]!),
      { cve: 'CVE-2024-0001', epss: '1.500000000', percentile: '0.5', date: '2025-08-15' },
      { cve: 'CVE-2024-0002', epss: '0.1', percentile: '0.5', date: '15-08-2025' },
      { cve: 'not-a-cve', epss: '0.1', percentile: '0.5', date: '2025-08-15' },
      apiRow(REAL_ROWS[0]!),
      'CVE-2024-0003',
    ];
    const parsed = parseEpssApi(epssApiPage({ rows }), context);
    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2021-44228']);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: 'data[1]', record: 'CVE-2024-0001', reason: 'data[1].epss: a probability in 0..1' },
      { position: 'data[2]', record: 'CVE-2024-0002', reason: 'data[2].date: date as YYYY-MM-DD' },
      { position: 'data[3]', record: 'not-a-cve', reason: 'data[3].cve: CVE id like CVE-2023-4966' },
      { position: 'data[4]', record: 'CVE-2021-44228', reason: 'data[4].cve: CVE-2021-44228 is scored more than once (first at data[0]); the first row was kept' },
      { position: 'data[5]', record: 'data[5]', reason: 'data[5]: expected object, received string' },
    ]);
  });

  it('rejects a row nested too deep to write out without crashing', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const parsed = parseEpssApi(epssApiPage({ rows: [] }).replace('"data":[]', `"data":[${deep}]`), context);
    expect(parsed.rejected).toEqual([
      { position: 'data[0]', record: 'data[0]', reason: 'data[0]: expected object, received array', payload: '(not shown: nested too deeply to write out)' },
    ]);
  });

  it.each([
    ['text that is not JSON', 'cve,epss,percentile', 'is not JSON'],
    ['an error answer', JSON.stringify({ status: 'error', 'status-code': 400, message: 'Invalid date' }), 'answered status "error" (400): Invalid date'],
    ['JSON without data', JSON.stringify({ status: 'OK', total: 1, offset: 0 }), 'data: required field missing'],
    ['an array', '[]', 'not an EPSS API response'],
  ])('refuses %s', (_what, payload, message) => {
    expect(() => parseEpssApi(payload, context)).toThrow(InvalidFeedDocument);
    expect(() => parseEpssApi(payload, context)).toThrow(message);
  });
});

describe('epssApiNextOffset', () => {
  const page = (offset: number, size: number, total: number) =>
    epssApiPage({ rows: syntheticRows(size).map((row) => apiRow(row)), offset, total, limit: 100 });

  it('gives the next offset while rows remain, then undefined', () => {
    expect(epssApiNextOffset(page(0, 100, 250))).toBe(100);
    expect(epssApiNextOffset(JSON.parse(page(100, 100, 250)))).toBe(200);
    expect(epssApiNextOffset(page(200, 50, 250))).toBeUndefined();
  });

  it('stops on an empty page, an error answer or anything else', () => {
    expect(epssApiNextOffset(page(100, 0, 250))).toBeUndefined();
    expect(epssApiNextOffset({ status: 'error', total: 250, offset: 0, data: [1] })).toBeUndefined();
    expect(epssApiNextOffset('not json')).toBeUndefined();
    expect(epssApiNextOffset(undefined)).toBeUndefined();
  });
});

/** The parser contract: a ParsedIntel whose drafts hold valid EPSS facts, or InvalidFeedDocument; never another error. */
function parsesOrRefuses(parse: () => ParsedIntel): ParsedIntel | undefined {
  try {
    const parsed = parse();
    for (const draft of parsed.drafts) {
      expect(draft.kind).toBe('vulnerability');
      expect(EpssFactsSchema.safeParse(draft.facts).success).toBe(true);
    }
    for (const rejection of parsed.rejected) expect(rejection.reason).not.toBe('');
    return parsed;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFeedDocument);
    expect((error as Error).message.startsWith('epss: ')).toBe(true);
    return undefined;
  }
}

describe('EPSS parsers on arbitrary input', () => {
  const rowCount = 8;
  const cell = fc.oneof(fc.string(), fc.constantFrom('', '-0', '1', '1.0000001', 'NaN', 'Infinity', '1e-5', '"0.5"', 'CVE-2024-0001', '2025-02-30'));

  it('parseEpssCsv: random text, random bytes and gzip of them', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array(), fc.uint8Array().map((bytes) => gzipSync(bytes)), fc.string().map((text) => gzipSync(text))), (payload) => {
        parsesOrRefuses(() => parseEpssCsv(payload, context));
      }),
      { numRuns: 300 },
    );
  });

  it('parseEpssCsv: a valid file with one cell replaced keeps every other row', () => {
    fc.assert(
      fc.property(fc.nat(rowCount - 1), fc.nat(2), cell.filter((text) => !/[\r\n,]/.test(text)), (row, column, value) => {
        const lines = epssDailyCsv({ rows: syntheticRows(rowCount) }).split('\n');
        const cells = lines[row + 2]!.split(',');
        cells[column] = value;
        lines[row + 2] = cells.join(',');
        const parsed = parsesOrRefuses(() => parseEpssCsv(lines.join('\n'), context));
        expect(parsed).toBeDefined();
        expect(parsed!.drafts.length + parsed!.rejected.length).toBe(rowCount);
        expect(parsed!.drafts.length).toBeGreaterThanOrEqual(rowCount - 1);
      }),
      { numRuns: 300 },
    );
  });

  it('parseEpssCsv: a valid file with lines inserted, dropped or cut', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(rowCount + 2), text: fc.string() }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat(rowCount + 2) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(400) }),
    );
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 4 }), fc.boolean(), (edits, gzip) => {
        let text = epssExtractCsv(syntheticRows(rowCount));
        for (const change of edits) {
          const lines = text.split('\n');
          if (change.kind === 'insert') lines.splice(change.at, 0, change.text);
          else if (change.kind === 'drop') lines.splice(change.at, 1);
          text = change.kind === 'cut' ? text.slice(0, change.at) : lines.join('\n');
        }
        parsesOrRefuses(() => parseEpssCsv(gzip ? gzipSync(text) : text, context));
      }),
      { numRuns: 300 },
    );
  });

  it('parseEpssApi: random text, random JSON and pages with mutated rows', () => {
    const mutatedRow = fc.record({ cve: cell, epss: fc.oneof(cell, fc.double()), percentile: fc.oneof(cell, fc.double()), date: cell }, { requiredKeys: [] });
    const page = fc
      .record({
        rows: fc.array(fc.oneof(mutatedRow, fc.jsonValue(), fc.constant(apiRow(REAL_ROWS[1]!))), { maxLength: 6 }),
        total: fc.nat(),
        offset: fc.nat(),
      })
      .map((options) => epssApiPage(options));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), page), (payload) => {
        parsesOrRefuses(() => parseEpssApi(payload, context));
        const next = epssApiNextOffset(payload);
        expect(next === undefined || Number.isInteger(next)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});
