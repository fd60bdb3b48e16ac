import { readFileSync } from 'node:fs';
import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import type { VulnerabilityIntelDraft } from '../../../functions/ingest/intel-draft.ts';
import { OSV_SOURCE, OsvFactsSchema, parseOsvRecord, parseOsvRecords, type OsvAdvisory } from '../../../functions/ingest/sources/osv/osv-parser.ts';
import { compiledPackagesOf, matchPackages, packageComponent } from '../../../functions/match/package-match.ts';
import type { Vulnerability } from '../../../functions/model/vulnerability.ts';
import { referenceFile } from '../../reference-data.ts';
import { ADVISORIES, CASE_GROUPS, osvRecordOf, vulnerabilityOf, type AdvisoryFacts, type CaseGroup } from './package-cases.ts';

/**
 * Table-driven purl x OSV matching over real advisories (package-cases.ts): each advisory's facts become
 * a minimal OSV record, go through the real OSV parser and the stored-vulnerability view, and each
 * inventory purl is matched with `matchPackages`. Expected verdicts are the table's, reasoned by hand.
 */

const context = { source: OSV_SOURCE, now: '2026-01-15T00:00:00Z' };

const vulnerabilities = new Map<string, Vulnerability>();
function vulnerabilityFor(advisory: AdvisoryFacts): Vulnerability {
  let vulnerability = vulnerabilities.get(advisory.id);
  if (!vulnerability) {
    const parsed = parseOsvRecords(JSON.stringify([osvRecordOf(advisory)]), context);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(1);
    vulnerability = vulnerabilityOf(parsed.drafts[0] as VulnerabilityIntelDraft, context.now);
    vulnerabilities.set(advisory.id, vulnerability);
  }
  return vulnerability;
}

/** The inventory purl of a case: the group's purl (qualifiers kept) at `version`. */
function versionedPurl(group: CaseGroup, version: string): string {
  const base = PackageURL.fromString(group.purl);
  return new PackageURL(base.type, base.namespace, base.name, version, base.qualifiers, base.subpath).toString();
}

const rows = CASE_GROUPS.flatMap((group) =>
  group.cases.map(([version, affected, why]) => ({ group, version, affected, why, purl: versionedPurl(group, version) })),
);

describe('purl x OSV cases over real advisories', () => {
  it('has at least 200 cases across the eleven ecosystem families, each with a reason', () => {
    const perFamily = Object.fromEntries(
      [...new Set(CASE_GROUPS.map((group) => group.family))].map((family) => [family, rows.filter((row) => row.group.family === family).length]),
    );
    expect(rows.length).toBeGreaterThanOrEqual(200);
    expect(Object.keys(perFamily).sort()).toEqual(['Alpine', 'Debian', 'Go', 'Maven', 'NuGet', 'Packagist', 'PyPI', 'RPM', 'RubyGems', 'crates.io', 'npm']);
    for (const row of rows) expect(row.why.length, `${row.purl}: why`).toBeGreaterThan(5);
    // Both verdicts in every family, so no family passes by matching everything or nothing.
    for (const family of Object.keys(perFamily)) {
      const verdicts = new Set(rows.filter((row) => row.group.family === family).map((row) => row.affected));
      expect(verdicts, family).toEqual(new Set([true, false]));
    }
  });

  it('no case is stated twice', () => {
    const keys = rows.map((row) => `${row.group.advisory.id} ${row.purl}`);
    expect(keys.length - new Set(keys).size).toBe(0);
  });

  it('every advisory parses as one OSV payload, with each entry under the purl the cases use', () => {
    const parsed = parseOsvRecords(JSON.stringify(ADVISORIES.map(osvRecordOf)), context);
    expect(parsed.rejected).toEqual([]);
    for (const group of CASE_GROUPS) {
      const { byPackageKey } = compiledPackagesOf(vulnerabilityFor(group.advisory));
      const key = packageComponent(versionedPurl(group, group.cases[0]![0]))!.packageKey;
      expect(byPackageKey.get(key)?.length, `${group.advisory.id} names ${key}`).toBeGreaterThan(0);
    }
  });

  describe.each(CASE_GROUPS.map((group) => [`${group.advisory.id} ${group.purl}`, group] as const))('%s', (_name, group) => {
    it.each(group.cases.map(([version, affected, why]) => [version, affected, why] as const))('%s affected=%s (%s)', (version, affected) => {
      const purl = versionedPurl(group, version);
      const component = packageComponent(purl);
      expect(component, purl).toBeDefined();
      const { matches, undecided } = matchPackages(compiledPackagesOf(vulnerabilityFor(group.advisory)), [component!]);
      expect(undecided).toEqual([]);
      if (affected) {
        expect(matches).toHaveLength(1);
        expect(matches[0]).toMatchObject({ component: purl, version: component!.version, advisory: group.advisory.id });
      } else {
        expect(matches).toEqual([]);
      }
    });
  });
});

// ------------------------------------------------------------------------------------------------
// The hand-stated facts against the real records, where the reference data has them.

type EntryFacts = { ecosystem: string; name: string; ranges: string; versions?: string };

/** One affected entry's comparable facts: ranges other than GIT, events in their given order. */
function entryFacts(ecosystem: string, name: string, ranges: readonly { type: string; events: readonly object[] }[], versions?: readonly string[]): EntryFacts {
  return {
    ecosystem,
    name,
    ranges: JSON.stringify(ranges.filter((range) => range.type !== 'GIT').map((range) => ({ type: range.type, events: range.events }))),
    ...(versions ? { versions: JSON.stringify(versions) } : {}),
  };
}

function realAdvisory(file: string, id: string): OsvAdvisory {
  const parsed = parseOsvRecord(readFileSync(file, 'utf8'), context);
  expect(parsed.rejected).toEqual([]);
  const advisory = OsvFactsSchema.parse(parsed.drafts[0]?.facts).advisories[id];
  if (!advisory) throw new Error(`${file} holds no advisory ${id}`);
  return advisory;
}

const withReference = ADVISORIES.filter((advisory) => advisory.reference !== undefined).map((advisory) => ({
  advisory,
  file: referenceFile(advisory.reference as string, `checking the hand-stated ranges of ${advisory.id} against the real record`),
}));

describe('hand-stated facts agree with the real OSV records', () => {
  it('the reference data holds 19 of the advisories (skipped entries say so on stderr)', () => {
    expect(withReference).toHaveLength(19);
  });

  describe.each(withReference.map(({ advisory, file }) => [advisory.id, advisory, file] as const))('%s', (id, advisory, file) => {
    it.skipIf(file === undefined)('same aliases, packages, range events (in order) and listed versions', () => {
      const real = realAdvisory(file as string, id);
      expect(real.aliases).toEqual(advisory.aliases);
      const stated = advisory.affected.map((entry) => entryFacts(entry.ecosystem, entry.name, entry.ranges, entry.versions));
      const actual = real.affected.map((entry) =>
        entryFacts(entry.package?.ecosystem ?? '', entry.package?.name ?? '', entry.ranges, stated.some((s) => s.versions) ? entry.versions : undefined),
      );
      // Entry order carries no meaning (each entry is matched on its own); events keep theirs.
      const sorted = (entries: EntryFacts[]) => entries.map((entry) => JSON.stringify(entry)).sort();
      expect(sorted(stated)).toEqual(sorted(actual));
    });
  });
});
