import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { MAX_WINDOW_DAYS, modificationWindows, parseNvdPage } from '../../../../../functions/ingest/sources/nvd/nvd-source.ts';
import { NvdFactsSchema } from '../../../../../functions/model/vulnerability.ts';
import { anyJson, anyText, fieldMutation, mutateRecord } from '../blocklist/parser-properties.ts';
import { nvdCve, nvdPage } from '../../synthetic-intel.ts';

const context = { source: 'nvd', now: '2026-11-30T02:00:00.000Z' };

function parsesOrRefuses(payload: string): 'parsed' | 'refused' {
  try {
    const parsed = parseNvdPage(payload, context);
    for (const draft of parsed.drafts) expect(NvdFactsSchema.parse(draft.facts)).toBeDefined();
    for (const rejected of parsed.rejected) expect(rejected.reason.startsWith(rejected.position)).toBe(true);
    return 'parsed';
  } catch (error) {
    if (!(error instanceof InvalidFeedDocument)) throw new Error(`escaped: ${String(error)}`, { cause: error });
    return 'refused';
  }
}

describe('the NVD CVE API 2.0 source', () => {
  it('splits a long sync into windows of at most 120 days, end to end', () => {
    const windows = modificationWindows(new Date('2026-01-01T00:00:00Z'), new Date('2026-11-30T00:00:00Z'));
    expect(windows.map((window) => [window.start.slice(0, 10), window.end.slice(0, 10)])).toEqual([
      ['2026-01-01', '2026-05-01'],
      ['2026-05-01', '2026-08-29'],
      ['2026-08-29', '2026-11-30'],
    ]);
    for (const window of windows) expect(Date.parse(window.end) - Date.parse(window.start)).toBeLessThanOrEqual(MAX_WINDOW_DAYS * 86_400_000);
  });

  it('keeps CVSS v4.0 metrics beside v3.1 ones', () => {
    const metric = (version: string, vectorString: string, baseScore: number) => ({
      source: 'secure@examplesoft.test',
      type: 'Secondary',
      cvssData: { version, vectorString, baseScore, baseSeverity: 'CRITICAL' },
    });
    const cve = {
      ...nvdCve('CVE-2099-1001'),
      metrics: {
        cvssMetricV40: [metric('4.0', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A', 9.3)],
        cvssMetricV31: [metric('3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8)],
      },
    };
    const [draft] = parseNvdPage(JSON.stringify(nvdPage([cve])), context).drafts;
    expect((draft?.facts as { cvss: Array<{ version: string; baseScore: number }> }).cvss.map(({ version, baseScore }) => [version, baseScore])).toEqual([
      ['3.1', 9.8],
      ['4.0', 9.3],
    ]);
  });

  it('refuses a page whose counts disagree with its records', () => {
    const page = { ...nvdPage([nvdCve('CVE-2099-1001')]), resultsPerPage: 0 };
    expect(() => parseNvdPage(JSON.stringify(page), context)).toThrow('nvd: page at startIndex 0 holds 1 records but says resultsPerPage 0 of totalResults 1');
  });

  it('property: arbitrary text and JSON give a parse or InvalidFeedDocument', () => {
    fc.assert(fc.property(fc.oneof(anyText, anyJson), (payload) => void parsesOrRefuses(payload)), { numRuns: 300 });
  });

  it('property: a page with records changed at random keeps the others', () => {
    const fields = Object.keys(nvdCve('CVE-2099-1000'));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 4 }), fieldMutation(fields)), { maxLength: 4 }), (mutations) => {
        const cves: unknown[] = Array.from({ length: 5 }, (_, i) => nvdCve(`CVE-2099-${1000 + i}`));
        for (const [at, mutation] of mutations) cves[at] = mutateRecord(cves[at], mutation);
        const page = nvdPage(cves);
        expect(parsesOrRefuses(JSON.stringify(page))).toBe('parsed');
        const parsed = parseNvdPage(JSON.stringify(page), context);
        expect(parsed.drafts.length + parsed.rejected.length).toBe(5);
      }),
      { numRuns: 200 },
    );
  });
});
