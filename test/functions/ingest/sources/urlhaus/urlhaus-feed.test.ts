import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IndicatorIntelDraft } from '../../../../../functions/ingest/intel-draft.ts';
import {
  parseUrlhaus,
  parseUrlhausCsv,
  parseUrlhausSplunkLookup,
  URLHAUS_SOURCE,
  urlhausForm,
} from '../../../../../functions/ingest/sources/urlhaus/urlhaus-feed.ts';
import { indicatorId } from '../../../../../functions/model/indicator.ts';
import { referenceFile } from '../../../../reference-data.ts';
import { anyText, context, lineMutation, mutateLines, parsesOrRefuses } from '../blocklist/parser-properties.ts';
import { csvLine, FIRST_URL_ID, rowLine, urlhausCsv, urlhausHostList, urlhausRow, urlhausSplunkLookup } from './fixtures.ts';

const ctx = context(URLHAUS_SOURCE);
const indicators = (drafts: unknown[]) => drafts as IndicatorIntelDraft[];
const summary = (drafts: unknown[]) => indicators(drafts).map((draft) => `${draft.facts.type} ${draft.facts.value}`);

describe('URLhaus CSV dump', () => {
  it('turns every row into a URL indicator with its facts', () => {
    const parsed = parseUrlhaus(urlhausCsv({ count: 25 }), ctx);

    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(25);
    expect(parsed.version).toBe('2025-07-19T12:05:04.000Z');
    expect(parsed.drafts[1]).toEqual({
      kind: 'indicator',
      id: indicatorId('url', 'https://dl-1.malware-host.test/x86_64'),
      facts: {
        type: 'url',
        value: 'https://dl-1.malware-host.test/x86_64',
        firstSeen: '2025-07-19T00:00:01.000Z',
        lastSeen: '2025-07-19T01:00:01.000Z',
        confidence: 80,
        threatType: 'malware_download',
        tags: ['exe', 'AsyncRAT'],
        campaigns: [],
        targetedSectors: [],
        targetedRegions: [],
        reference: `https://urlhaus.abuse.ch/url/${FIRST_URL_ID + 1}/`,
        sourceRecordId: `urlhaus:${FIRST_URL_ID + 1}`,
      },
    });
    expect(parsed.drafts[0]?.facts).toMatchObject({ value: 'http://198.18.0.0:8000/bins/mirai.arm7', tags: ['elf', 'mirai', 'ua-wget'] });
  });

  it('keeps an offline URL, tagged offline, without a last sighting it does not have', () => {
    const parsed = parseUrlhausCsv(urlhausCsv({ count: 5 }), ctx);

    const offline = parsed.drafts[4]?.facts;
    expect(offline).toMatchObject({ value: 'https://dl-4.malware-host.test/Mozi.m', tags: ['doc', 'emotet', 'heodo', 'offline'] });
    expect(offline?.lastSeen).toBeUndefined();
    expect(indicators(parsed.drafts).filter((draft) => draft.facts.tags.includes('offline'))).toHaveLength(1);
  });

  it('reads the dump with its column header as a first row, and a field with quotes and commas', () => {
    const parsed = parseUrlhausCsv(urlhausCsv({ headerRow: true, rows: [urlhausRow(1, { url: 'https://dl-1.malware-host.test/a,b?q="x"' }), urlhausRow(2)] }), ctx);

    expect(parsed.rejected).toEqual([]);
    expect(summary(parsed.drafts)).toEqual(['url https://dl-1.malware-host.test/a,b?q=%22x%22', 'url https://dl-2.malware-host.test/i']);
    expect(() => parseUrlhausCsv(`${csvLine(['id', 'url'])}\n${rowLine(urlhausRow(1))}`, ctx)).toThrow(/^urlhaus: not a URLhaus CSV dump: columns id,url, expected id,dateadded,url/);
  });

  it('rejects malformed rows by line with the field named, and keeps the rest', () => {
    const rows = [
      rowLine(urlhausRow(0)),
      '"9000001","2025-07-19 00:00:01","https://dl-1.malware-host.test/x86_64"x,"online","","malware_download","","https://urlhaus.abuse.ch/url/9000001/","abuse_ch"',
      rowLine(urlhausRow(2)).replace(/,"abuse_ch"$/, ''),
      rowLine(urlhausRow(3, { url_status: 'gone' })),
      rowLine(urlhausRow(4, { dateadded: '19/07/2025' })),
      rowLine(urlhausRow(5, { url: 'not a url' })),
      '"9000006","2025-07-19 00:00:06","https://dl-6.malware-host.test/',
      rowLine(urlhausRow(7)),
    ];
    const parsed = parseUrlhausCsv(`# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n${rows.join('\n')}`, ctx);

    expect(summary(parsed.drafts)).toEqual(['url http://198.18.0.0:8000/bins/mirai.arm7', 'url https://dl-7.malware-host.test/i']);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: 'line 3', record: 'line 3', reason: 'line 3: text after the closing quote of field 3' },
      { position: 'line 4', record: '9000002', reason: 'line 4: expected 9 fields (id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter), found 8' },
      { position: 'line 5', record: '9000003', reason: 'line 5: url_status: expected one of online|offline|unknown' },
      { position: 'line 6', record: '9000004', reason: 'line 6: dateadded: "19/07/2025" is not a time like 2025-07-19 12:11:28 (UTC)' },
      { position: 'line 7', record: '9000005', reason: 'line 7: url: "not a url" is not a URL' },
      { position: 'line 8', record: 'line 8', reason: 'line 8: a quoted field (column 3) is not closed' },
    ]);
    expect(parsed.rejected[2]?.payload).toBe(rows[3]);
  });

  it('merges a URL listed twice: one draft, tags united, the earliest date added', () => {
    const parsed = parseUrlhausCsv(
      urlhausCsv({
        rows: [
          urlhausRow(1, { tags: 'exe', dateadded: '2025-07-19 10:00:00' }),
          urlhausRow(2, { url: 'HTTPS://DL-1.Malware-Host.test/x86_64', tags: 'AsyncRAT', dateadded: '2025-07-18 10:00:00' }),
        ],
      }),
      ctx,
    );

    expect(parsed.drafts).toHaveLength(1);
    expect(parsed.drafts[0]).toMatchObject({
      aliases: [`urlhaus:${FIRST_URL_ID + 2}`],
      facts: { value: 'https://dl-1.malware-host.test/x86_64', tags: ['exe', 'AsyncRAT'], firstSeen: '2025-07-18T10:00:00.000Z', sourceRecordId: `urlhaus:${FIRST_URL_ID + 1}` },
    });
  });

  it('refuses a payload in which no row is a URLhaus record, and an HTML page', () => {
    expect(() => parseUrlhausCsv('"a","b"\n"c","d"\n', ctx)).toThrow('urlhaus: not a URLhaus CSV dump: none of its 2 rows is a URLhaus record (line 1: expected 9 fields (id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter), found 2)');
    expect(() => parseUrlhaus('<html><title>429 Too Many Requests</title></html>', ctx)).toThrow('urlhaus: an HTML or XML page, not a plain list');
    expect(parseUrlhausCsv(urlhausCsv({ count: 0 }), ctx)).toEqual({ drafts: [], rejected: [], version: '2025-07-19T12:05:04.000Z' });
  });
});

describe('URLhaus host list and Splunk lookup', () => {
  it('reads a host list as domains and addresses with URLhaus confidence', () => {
    const parsed = parseUrlhaus(urlhausHostList(['dl-1.malware-host.test', '198.18.0.7', 'DL-1.malware-host.test']), ctx);

    expect(summary(parsed.drafts)).toEqual(['domain dl-1.malware-host.test', 'ipv4 198.18.0.7']);
    expect(parsed.drafts[0]?.facts).toMatchObject({ confidence: 80, threatType: 'malware_download', firstSeen: ctx.now });
    expect(parsed.version).toBe('2025-07-19T12:11:28.000Z');
  });

  it('makes a host indicator of a row without a path and a scheme-unknown URL of one with a path', () => {
    const parsed = parseUrlhausSplunkLookup(
      urlhausSplunkLookup([
        ['dl-1.malware-host.test', ''],
        ['198.18.0.7', ''],
        ['dl-1.malware-host.test', '/bins/mirai.arm7'],
        ['dl-2.malware-host.test', 'Mozi.m'],
        ['bad host', '/x'],
        ['dl-3.malware-host.test', '/%zz'],
      ]),
      ctx,
    );

    expect(summary(parsed.drafts)).toEqual([
      'domain dl-1.malware-host.test',
      'ipv4 198.18.0.7',
      'url http://dl-1.malware-host.test/bins/mirai.arm7',
      'url http://dl-2.malware-host.test/Mozi.m',
      'url http://dl-3.malware-host.test/%zz',
    ]);
    expect(parsed.drafts.map((draft) => draft.facts.tags)).toEqual([[], [], ['scheme-unknown'], ['scheme-unknown'], ['scheme-unknown']]);
    expect(parsed.rejected.map((rejected) => rejected.reason)).toEqual(['line 11: host: "bad host" is not a domain name']);
    expect(() => parseUrlhausSplunkLookup('"url","status"\n"http://x.test/","online"\n', ctx)).toThrow('urlhaus: not a URLhaus Splunk lookup: the first row is not the "host","path",... header');
  });

  it('tells the forms apart by their first data line', () => {
    expect(urlhausForm(urlhausCsv({ count: 1 }))).toBe('csv');
    expect(urlhausForm(urlhausCsv({ count: 1, headerRow: true }))).toBe('csv');
    expect(urlhausForm(urlhausSplunkLookup([['dl-1.malware-host.test', '']]))).toBe('splunk');
    expect(urlhausForm(urlhausHostList(['dl-1.malware-host.test']))).toBe('hosts');
    expect(urlhausForm('# nothing today\n')).toBe('hosts');
  });
});

const realHosts = referenceFile('intel/ioc/urlhaus-filter-domains-online.txt', 'the URLhaus host list test');
const realSplunk = referenceFile('intel/ioc/urlhaus-filter-online-urls-splunk.csv', 'the URLhaus Splunk lookup test');

describe.skipIf(realHosts === undefined)('the real urlhaus-filter domain list (2025-07-19)', () => {
  it('reads its 2,853 hosts: 2,234 addresses and 619 domains', () => {
    const parsed = parseUrlhaus(readFileSync(realHosts as string, 'utf8'), ctx);

    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(2853);
    expect(parsed.drafts.filter((draft) => draft.facts.type === 'ipv4')).toHaveLength(2234);
    expect(parsed.drafts.filter((draft) => draft.facts.type === 'domain')).toHaveLength(619);
    expect(summary(parsed.drafts)).toEqual(expect.arrayContaining(['domain 0022a601.pphost.net', 'domain zotzed.deborahjulene.com', 'ipv4 1.1.109.99']));
    expect(parsed.version).toBe('2025-07-19T12:11:28.000Z');
  });
});

describe.skipIf(realSplunk === undefined)('the real urlhaus-filter Splunk lookup (2025-07-19)', () => {
  it('reads its 6,363 rows: the 2,853 hosts and 3,510 URLs', () => {
    const parsed = parseUrlhaus(readFileSync(realSplunk as string, 'utf8'), ctx);

    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(6363);
    const urls = indicators(parsed.drafts).filter((draft) => draft.facts.type === 'url');
    expect(urls).toHaveLength(3510);
    expect(urls.every((draft) => draft.facts.tags.includes('scheme-unknown'))).toBe(true);
    expect(summary(urls)).toEqual(
      expect.arrayContaining([
        'url http://xemhang.vn/website1/hue2/view.exe',
        'url http://yourclassmanager.com/blogs/?u=file',
        'url http://web.archive.org/web/20240808123114if_/http://154.216.19.139/bins/mirai.arc',
      ]),
    );
  });
});

describe('URLhaus parser on arbitrary input', () => {
  it('gives a ParsedIntel or throws InvalidFeedDocument for random text', () => {
    fc.assert(fc.property(anyText, (payload) => void parsesOrRefuses(parseUrlhaus, payload, URLHAUS_SOURCE)));
  });

  it('does so for dumps and lookups with lines and fields mutated at random', () => {
    const dump = urlhausCsv({ count: 12 });
    fc.assert(fc.property(fc.array(lineMutation, { maxLength: 6 }), (mutations) => void parsesOrRefuses(parseUrlhaus, mutateLines(dump, mutations), URLHAUS_SOURCE)));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(11), fc.constantFrom(...(Object.keys(urlhausRow(0)) as Array<keyof ReturnType<typeof urlhausRow>>)), fc.string()), { maxLength: 6 }), (mutations) => {
        const rows = Array.from({ length: 12 }, (_, n) => urlhausRow(n));
        for (const [n, field, value] of mutations) rows[n] = { ...(rows[n] as ReturnType<typeof urlhausRow>), [field]: value };
        expect(parsesOrRefuses(parseUrlhausCsv, urlhausCsv({ rows }), URLHAUS_SOURCE)).toBeDefined();
      }),
    );
    const lookup = urlhausSplunkLookup([
      ['dl-1.malware-host.test', ''],
      ['dl-1.malware-host.test', '/bins/x'],
      ['198.18.0.7', '/i'],
    ]);
    fc.assert(fc.property(fc.array(lineMutation, { maxLength: 6 }), (mutations) => void parsesOrRefuses(parseUrlhaus, mutateLines(lookup, mutations), URLHAUS_SOURCE)));
  });
});
