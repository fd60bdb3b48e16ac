import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { parseKevCatalogue } from '../../../../../functions/ingest/sources/cisa-kev/cisa-kev-source.ts';
import { KevFactsSchema } from '../../../../../functions/model/vulnerability.ts';
import { anyJson, anyText, fieldMutation, mutateRecord } from '../blocklist/parser-properties.ts';
import { catalogue, kevEntry } from '../../synthetic-intel.ts';

const context = { source: 'cisa-kev', now: '2026-11-30T02:00:00.000Z' };

/** Runs the parser; any outcome but a checked ParsedIntel or InvalidFeedDocument fails the property. */
function parsesOrRefuses(payload: string): ParsedIntel | 'refused' {
  try {
    const parsed = parseKevCatalogue(payload, context);
    for (const draft of parsed.drafts) expect(KevFactsSchema.parse(draft.facts)).toBeDefined();
    for (const rejected of parsed.rejected) expect(rejected.reason.startsWith(rejected.position)).toBe(true);
    return parsed;
  } catch (error) {
    if (!(error instanceof InvalidFeedDocument)) throw new Error(`escaped: ${String(error)}`, { cause: error });
    expect((error as Error).message.startsWith('cisa-kev: ')).toBe(true);
    return 'refused';
  }
}

describe('the CISA KEV catalogue parser', () => {
  it('reads a catalogue, refuses a repeated CVE and a bad entry by position, and says the list is complete', () => {
    const entries = [kevEntry(1), { ...kevEntry(2), dateAdded: '30/11/2026' }, kevEntry(3), kevEntry(1)];
    const parsed = parseKevCatalogue(JSON.stringify(catalogue(entries)), context);
    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2099-10001', 'CVE-2099-10003']);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: 'vulnerabilities[1]', record: 'CVE-2099-10002', reason: 'vulnerabilities[1].dateAdded: date as YYYY-MM-DD' },
      { position: 'vulnerabilities[3]', record: 'CVE-2099-10001', reason: 'vulnerabilities[3].cveID: CVE-2099-10001 appears more than once in the catalogue; the first entry was kept' },
    ]);
    expect(parsed).toMatchObject({ complete: true, version: '2026.11.30' });
  });

  it('property: arbitrary text and JSON give a parse or InvalidFeedDocument', () => {
    fc.assert(fc.property(fc.oneof(anyText, anyJson), (payload) => void parsesOrRefuses(payload)), { numRuns: 300 });
  });

  it('property: a valid catalogue with entries changed at random keeps every other entry, and every entry is a draft or refused', () => {
    const fields = Object.keys(kevEntry(0));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 9 }), fieldMutation(fields)), { maxLength: 5 }), (mutations) => {
        const entries: unknown[] = Array.from({ length: 10 }, (_, i) => kevEntry(i));
        for (const [at, mutation] of mutations) entries[at] = mutateRecord(entries[at], mutation);
        const parsed = parsesOrRefuses(JSON.stringify({ ...catalogue([]), count: entries.length, vulnerabilities: entries }));
        expect(parsed).not.toBe('refused');
        if (parsed === 'refused') return;
        expect(parsed.drafts.length + parsed.rejected.length).toBe(10);
        const touched = new Set(mutations.map(([at]) => at));
        for (let i = 0; i < 10; i += 1) if (!touched.has(i)) expect(parsed.drafts.map((draft) => draft.id)).toContain(kevEntry(i).cveID);
      }),
      { numRuns: 200 },
    );
  });
});
