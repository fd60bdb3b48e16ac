import { describe, expect, it } from 'vitest';
import type { ParsedIntel, VulnerabilityIntelDraft } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { purlForOsvPackage } from '../../../../../functions/ingest/sources/osv/osv-package-purl.ts';
import {
  OSV_SOURCE,
  OSV_TEXT_LIMIT,
  OsvFactsSchema,
  canonicalOsvId,
  parseOsvRecord,
  parseOsvRecords,
  type OsvFacts,
} from '../../../../../functions/ingest/sources/osv/osv-parser.ts';
import {
  CVSS_V4_HIGH,
  ECOSYSTEM_PACKAGES,
  asApiPage,
  asJsonArray,
  asJsonLines,
  asYaml,
  commit,
  ecosystemRange,
  ghsaRecord,
  gitRange,
  osvRecords,
  pysecRecord,
  semverRange,
  type OsvRecordFixture,
} from './fixtures.ts';

const context = { source: OSV_SOURCE, now: '2025-06-01T00:00:00Z' };

const factsOf = (draft: VulnerabilityIntelDraft | undefined): OsvFacts => OsvFactsSchema.parse(draft?.facts);
const onlyDraft = (parsed: ParsedIntel): VulnerabilityIntelDraft => {
  expect(parsed.drafts).toHaveLength(1);
  const [draft] = parsed.drafts;
  if (draft?.kind !== 'vulnerability') throw new Error('expected a vulnerability draft');
  return draft;
};
const parseOne = (record: OsvRecordFixture) => parseOsvRecord(JSON.stringify(record), context);

describe('parseOsvRecord: one GHSA record', () => {
  it('files the record under its CVE, lists the GHSA id as an alias and keeps the facts matching needs', () => {
    const draft = onlyDraft(parseOne(ghsaRecord({ id: 'GHSA-j8xg-fqg3-53r7', cve: 'CVE-2024-12345', name: 'left-pad' })));

    expect(draft).toMatchObject({ kind: 'vulnerability', id: 'CVE-2024-12345', aliases: ['GHSA-j8xg-fqg3-53r7'] });
    expect(draft.revoked).toBeUndefined();
    expect(factsOf(draft).advisories['GHSA-j8xg-fqg3-53r7']).toEqual({
      osvId: 'GHSA-j8xg-fqg3-53r7',
      modified: '2024-03-01T12:00:00Z',
      published: '2024-02-01T09:30:00Z',
      summary: 'Injection in left-pad',
      details: 'Versions before the fix let a crafted input run commands.',
      aliases: ['CVE-2024-12345'],
      related: [],
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' }],
      databaseSpecific: { severity: 'CRITICAL' },
      affected: [
        {
          package: { ecosystem: 'npm', name: 'left-pad', purl: 'pkg:npm/left-pad' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.3.1' }] }],
          versions: [],
        },
      ],
    });
  });

  it('files a record without a CVE alias under its own id', () => {
    const draft = onlyDraft(parseOne(ghsaRecord({ id: 'GHSA-pjwm-rvh2-c87w' })));
    expect(draft.id).toBe('GHSA-pjwm-rvh2-c87w');
    expect(draft.aliases).toBeUndefined();
  });

  it('files a PYSEC record under its first CVE alias and lists its own and the other ids as aliases', () => {
    const draft = onlyDraft(
      parseOne(pysecRecord({ id: 'PYSEC-2024-1001', aliases: ['GHSA-aaaa-bbbb-cccc', 'CVE-2024-0001', 'CVE-2024-0002'] })),
    );
    expect(draft.id).toBe('CVE-2024-0001');
    expect(draft.aliases).toEqual(['PYSEC-2024-1001', 'GHSA-aaaa-bbbb-cccc', 'CVE-2024-0002']);
  });

  it('keeps a record whose own id is a CVE under that id', () => {
    expect(canonicalOsvId('CVE-2023-4863', ['CVE-2023-5129'])).toBe('CVE-2023-4863');
    const draft = onlyDraft(parseOne({ ...ghsaRecord({}), id: 'CVE-2023-4863', aliases: ['CVE-2023-5129'] }));
    expect(draft.id).toBe('CVE-2023-4863');
    expect(draft.aliases).toEqual(['CVE-2023-5129']);
  });

  it('revokes a withdrawn record, dated by the source', () => {
    const draft = onlyDraft(parseOne(ghsaRecord({ cve: 'CVE-2024-2222', withdrawn: '2024-04-02T10:00:00Z' })));
    expect(draft.revoked).toEqual({ reason: 'withdrawn by the source', at: '2024-04-02T10:00:00Z' });
    expect(factsOf(draft).advisories['GHSA-aaaa-bbbb-cccc']?.withdrawn).toBe('2024-04-02T10:00:00Z');
  });

  it('keeps every range type with its events in order: SEMVER last_affected, GIT with its repo, ECOSYSTEM with limit', () => {
    const record = ghsaRecord({ ecosystem: 'Go', name: 'github.com/example/mod', ranges: [semverRange('1.2.0', '1.4.2')] });
    record.affected = [
      ...(record.affected ?? []),
      { ranges: [gitRange('https://github.com/example/mod', '0', commit(7))] },
      {
        package: { ecosystem: 'npm', name: 'widget' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0.0' }, { limit: '3.0.0' }, { introduced: '1.0.0' }, { fixed: '1.0.5' }] }],
        versions: ['2.0.0', '2.1.0'],
      },
    ];
    const affected = factsOf(onlyDraft(parseOne(record))).advisories['GHSA-aaaa-bbbb-cccc']?.affected;
    expect(affected).toEqual([
      {
        package: { ecosystem: 'Go', name: 'github.com/example/mod', purl: 'pkg:golang/github.com/example/mod' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '1.2.0' }, { last_affected: '1.4.2' }] }],
        versions: [],
      },
      {
        ranges: [{ type: 'GIT', repo: 'https://github.com/example/mod', events: [{ introduced: '0' }, { fixed: commit(7) }] }],
        versions: [],
      },
      {
        package: { ecosystem: 'npm', name: 'widget', purl: 'pkg:npm/widget' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0.0' }, { limit: '3.0.0' }, { introduced: '1.0.0' }, { fixed: '1.0.5' }] }],
        versions: ['2.0.0', '2.1.0'],
      },
    ]);
  });

  it("keeps a CVSS v4 vector, per-package severity and GHSA's last known affected range", () => {
    const record = ghsaRecord({ ecosystem: 'Maven', name: 'org.example:core', ranges: [ecosystemRange('0')] });
    record.severity = null;
    record.affected = [
      {
        ...(record.affected?.[0] as object),
        severity: [{ type: 'CVSS_V4', score: CVSS_V4_HIGH }],
        database_specific: { last_known_affected_version_range: '< 3.5.3.1' },
      },
    ];
    const advisory = factsOf(onlyDraft(parseOne(record))).advisories['GHSA-aaaa-bbbb-cccc'];
    expect(advisory?.severity).toEqual([]);
    expect(advisory?.affected[0]).toEqual({
      package: { ecosystem: 'Maven', name: 'org.example:core', purl: 'pkg:maven/org.example/core' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
      versions: [],
      severity: [{ type: 'CVSS_V4', score: CVSS_V4_HIGH }],
      lastKnownAffectedVersionRange: '< 3.5.3.1',
    });
  });

  it(`cuts details to ${OSV_TEXT_LIMIT} characters`, () => {
    const advisory = factsOf(onlyDraft(parseOne(ghsaRecord({ details: 'x'.repeat(10_000) })))).advisories['GHSA-aaaa-bbbb-cccc'];
    expect(advisory?.details).toHaveLength(OSV_TEXT_LIMIT);
  });

  it('writes times with an offset in UTC with Z, keeping the fraction', () => {
    const record = { ...ghsaRecord({}), modified: '2023-10-10T14:28:19.389317+00:00', published: '2023-10-04T19:15:00+02:00' };
    const advisory = factsOf(onlyDraft(parseOne(record))).advisories['GHSA-aaaa-bbbb-cccc'];
    expect(advisory?.modified).toBe('2023-10-10T14:28:19.389317Z');
    expect(advisory?.published).toBe('2023-10-04T17:15:00.000Z');
  });

  it('reads a YAML record, unquoted times staying text', () => {
    const yaml = asYaml(pysecRecord({ id: 'PYSEC-2024-1001', aliases: ['CVE-2024-0001'] })).replace(
      "modified: '2024-05-02T03:04:05.678901Z'",
      'modified: 2024-05-02T03:04:05.678901Z',
    );
    expect(yaml).toContain('modified: 2024-05-02T03:04:05.678901Z\n');
    const draft = onlyDraft(parseOsvRecord(yaml, context));
    expect(draft.id).toBe('CVE-2024-0001');
    const advisory = factsOf(draft).advisories['PYSEC-2024-1001'];
    expect(advisory?.modified).toBe('2024-05-02T03:04:05.678901Z');
    expect(advisory?.affected[0]?.package?.purl).toBe('pkg:pypi/examplelib');
    expect(advisory?.affected[0]?.ranges[0]).toEqual({
      type: 'GIT',
      repo: 'https://github.com/example/examplelib',
      events: [{ introduced: '0' }, { fixed: commit(0xabc) }],
    });
  });
});

describe('package URLs', () => {
  it.each(ECOSYSTEM_PACKAGES)('$ecosystem $name gives $purl', ({ ecosystem, name, purl }) => {
    expect(purlForOsvPackage(ecosystem, name)).toBe(purl);
  });

  it('derives the purl of each ecosystem in a parsed record', () => {
    const parsed = parseOsvRecords(asJsonArray(osvRecords({ count: ECOSYSTEM_PACKAGES.length })), context);
    const purls = parsed.drafts.map((draft) => Object.values(factsOf(draft as VulnerabilityIntelDraft).advisories)[0]?.affected[0]?.package?.purl);
    expect(purls).toEqual(ECOSYSTEM_PACKAGES.map((pkg) => pkg.purl));
  });

  it('keeps the purl a record gives', () => {
    const record = ghsaRecord({ ecosystem: 'PyPI', name: 'Example_Lib' });
    (record.affected?.[0]?.package as { purl?: string }).purl = 'pkg:pypi/example_lib';
    expect(factsOf(onlyDraft(parseOne(record))).advisories['GHSA-aaaa-bbbb-cccc']?.affected[0]?.package?.purl).toBe('pkg:pypi/example_lib');
  });

  it('gives no purl for a Maven name without a group, and keeps the package', () => {
    expect(purlForOsvPackage('Maven', 'log4j-core')).toBeUndefined();
    expect(purlForOsvPackage('Maven:https://repo.example.org/maven2/', 'org.example:core')).toBe(
      'pkg:maven/org.example/core?repository_url=https%3A%2F%2Frepo.example.org%2Fmaven2%2F',
    );
    const pkg = factsOf(onlyDraft(parseOne(ghsaRecord({ ecosystem: 'Maven', name: 'log4j-core' })))).advisories['GHSA-aaaa-bbbb-cccc']
      ?.affected[0]?.package;
    expect(pkg).toEqual({ ecosystem: 'Maven', name: 'log4j-core' });
  });
});

describe('rejected records', () => {
  const rejectionOf = (record: unknown) => {
    const parsed = parseOsvRecord(JSON.stringify(record), context);
    expect(parsed.drafts).toEqual([]);
    expect(parsed.rejected).toHaveLength(1);
    return parsed.rejected[0];
  };

  it('rejects a range without an introduced event, naming the field', () => {
    const rejection = rejectionOf(ghsaRecord({ id: 'GHSA-1111-2222-3333', ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '1.0.1' }] }] }));
    expect(rejection).toMatchObject({
      position: 'record',
      record: 'GHSA-1111-2222-3333',
      reason: 'affected[0].ranges[0].events: a range needs an introduced event',
    });
    expect(rejection?.payload).toContain('"GHSA-1111-2222-3333"');
  });

  it('rejects a GIT range without its repo', () => {
    expect(rejectionOf(ghsaRecord({ ranges: [{ type: 'GIT', events: [{ introduced: '0' }, { fixed: commit(1) }] }] }))?.reason).toBe(
      'affected[0].ranges[0].repo: a GIT range needs the repository URL',
    );
  });

  it.each([
    ['an event with two keys', [{ introduced: '0', fixed: '1.0.0' }], 'affected[0].ranges[0].events[0]: an event has exactly one of introduced|fixed|last_affected|limit (found introduced, fixed)'],
    ['an event of an unknown kind', [{ introduced: '0' }, { patched: '1.0.0' }], 'affected[0].ranges[0].events[1]: an event has exactly one of introduced|fixed|last_affected|limit (found patched)'],
    ['an empty version', [{ introduced: '' }], 'affected[0].ranges[0].events[0].introduced: a non-empty version string'],
    ['fixed beside last_affected', [{ introduced: '0' }, { fixed: '1.0.0' }, { last_affected: '0.9.0' }], 'affected[0].ranges[0].events: fixed and last_affected events exclude each other in one range'],
    ['no events', [], 'affected[0].ranges[0].events: at least one event'],
  ])('rejects %s', (_, events, reason) => {
    expect(rejectionOf(ghsaRecord({ ranges: [{ type: 'ECOSYSTEM', events: events as never }] }))?.reason).toBe(reason);
  });

  it('rejects a SEMVER version that is not SemVer and a GIT event that is not a full commit hash', () => {
    expect(rejectionOf(ghsaRecord({ ranges: [semverRange('0', 'v1.4')] }))?.reason).toBe(
      'affected[0].ranges[0].events[1].last_affected: "v1.4" is not a SemVer 2.0 version',
    );
    expect(rejectionOf(ghsaRecord({ ranges: [gitRange('https://github.com/example/x', '0', 'abc123')] }))?.reason).toBe(
      'affected[0].ranges[0].events[1].fixed: "abc123" is not a full-length commit hash',
    );
  });

  it('rejects a range type OSV does not define, a malformed CVSS vector and a missing modified time', () => {
    expect(rejectionOf(ghsaRecord({ ranges: [{ type: 'NPM', events: [{ introduced: '0' }] }] }))?.reason).toBe(
      'affected[0].ranges[0].type: expected one of SEMVER|ECOSYSTEM|GIT',
    );
    expect(rejectionOf({ ...ghsaRecord({}), severity: [{ type: 'CVSS_V3', score: '9.8' }] })?.reason).toBe(
      'severity[0].score: not a CVSS_V3 score (like CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H)',
    );
    const { modified: _, ...withoutModified } = ghsaRecord({});
    expect(rejectionOf(withoutModified)?.reason).toBe('modified: required field missing (expected string)');
  });
});

describe('parseOsvRecords', () => {
  it('reads a JSON array, an OSV API page and JSON lines alike', () => {
    const records = osvRecords({ count: 30 });
    const forms = [asJsonArray(records), asApiPage(records, 'next-token'), asJsonLines(records)].map((payload) => parseOsvRecords(payload, context));
    for (const parsed of forms) {
      expect(parsed.rejected).toEqual([]);
      expect(parsed.drafts).toHaveLength(30);
      expect(parsed.complete).toBeUndefined();
    }
    expect(forms[1]?.drafts).toEqual(forms[0]?.drafts);
    expect(forms[2]?.drafts).toEqual(forms[0]?.drafts);
    expect(forms[0]?.drafts.slice(0, 3).map((draft) => draft.id)).toEqual(['CVE-2024-10000', 'CVE-2024-10001', 'GHSA-0002-x2y3-z4w5']);
  });

  it('reads an empty OSV API answer as no records', () => {
    expect(parseOsvRecords('{}', context)).toEqual({ drafts: [], rejected: [] });
  });

  it('merges a GHSA and a PYSEC for the same CVE into one draft holding both advisories', () => {
    const ghsa = ghsaRecord({ id: 'GHSA-v845-jxx5-vc9f', cve: 'CVE-2023-43804', ecosystem: 'PyPI', name: 'urllib3' });
    const pysec = pysecRecord({ id: 'PYSEC-2023-192', aliases: ['CVE-2023-43804', 'GHSA-v845-jxx5-vc9f'], name: 'urllib3' });
    const parsed = parseOsvRecords(asJsonArray([ghsa, ghsaRecord({ id: 'GHSA-zzzz-yyyy-xxxx', cve: 'CVE-2024-7777' }), pysec]), context);

    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2023-43804', 'CVE-2024-7777']);
    const merged = parsed.drafts[0] as VulnerabilityIntelDraft;
    expect(merged.aliases).toEqual(['GHSA-v845-jxx5-vc9f', 'PYSEC-2023-192']);
    expect(Object.keys(factsOf(merged).advisories)).toEqual(['GHSA-v845-jxx5-vc9f', 'PYSEC-2023-192']);
    expect(factsOf(merged).advisories['PYSEC-2023-192']?.affected[0]?.ranges[1]).toEqual({
      type: 'ECOSYSTEM',
      events: [{ introduced: '1.0' }, { fixed: '2.0.1' }],
    });
    expect(merged.revoked).toBeUndefined();
  });

  it('revokes a merged draft only when every advisory in it is withdrawn, at the latest withdrawal', () => {
    const ghsa = ghsaRecord({ id: 'GHSA-v845-jxx5-vc9f', cve: 'CVE-2023-43804', withdrawn: '2024-01-05T00:00:00Z' });
    const pysecStanding = pysecRecord({ id: 'PYSEC-2023-192', aliases: ['CVE-2023-43804'] });
    expect(parseOsvRecords(asJsonArray([ghsa, pysecStanding]), context).drafts[0]?.revoked).toBeUndefined();

    const pysecWithdrawn = pysecRecord({ id: 'PYSEC-2023-192', aliases: ['CVE-2023-43804'], withdrawn: '2024-02-01T08:00:00.5Z' });
    expect(parseOsvRecords(asJsonArray([ghsa, pysecWithdrawn]), context).drafts[0]?.revoked).toEqual({
      reason: 'withdrawn by the source',
      at: '2024-02-01T08:00:00.5Z',
    });
  });

  it('keeps the first of two records with the same OSV id and rejects the later one', () => {
    const first = ghsaRecord({ id: 'GHSA-dupe-dupe-dupe', cve: 'CVE-2024-5555', modified: '2024-01-01T00:00:00Z' });
    const again = ghsaRecord({ id: 'GHSA-dupe-dupe-dupe', cve: 'CVE-2024-5555', modified: '2024-09-09T00:00:00Z' });
    const parsed = parseOsvRecords(asApiPage([first, again]), context);
    expect(factsOf(onlyDraft(parsed)).advisories['GHSA-dupe-dupe-dupe']?.modified).toBe('2024-01-01T00:00:00Z');
    expect(parsed.rejected).toEqual([
      {
        position: 'vulns[1]',
        record: 'GHSA-dupe-dupe-dupe',
        reason: 'vulns[1].id: GHSA-dupe-dupe-dupe appears more than once in the payload; the first record was kept',
        payload: JSON.stringify(again),
      },
    ]);
  });

  it('rejects bad records by index and field and goes on with the rest', () => {
    const records: unknown[] = osvRecords({ count: 5 });
    records[1] = ghsaRecord({ id: 'GHSA-nogo-nogo-nogo', ranges: [{ type: 'GIT', events: [{ introduced: '0' }] }] });
    records[3] = 'not a record';
    const parsed = parseOsvRecords(asJsonArray(records), context);
    expect(parsed.drafts).toHaveLength(3);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: '[1]', record: 'GHSA-nogo-nogo-nogo', reason: '[1].affected[0].ranges[0].repo: a GIT range needs the repository URL' },
      { position: '[3]', record: '[3]', reason: '[3]: expected object, received string' },
    ]);
  });

  it('rejects a JSON line that is not JSON or breaks the schema, naming the line', () => {
    const [a, b] = osvRecords({ count: 2 });
    const payload = `${JSON.stringify(a)}\n{"id": "GHSA-cut-off\n\n${JSON.stringify({ ...b, published: 'yesterday' })}\n`;
    const parsed = parseOsvRecords(payload, context);
    expect(parsed.drafts.map((draft) => draft.id)).toEqual(['CVE-2024-10000']);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: 'line 2', record: 'line 2', reason: 'line 2: not a JSON value' },
      { position: 'line 4', record: 'GHSA-0001-x2y3-z4w5', reason: 'line 4: published: RFC 3339 time like 2021-12-10T00:40:56Z' },
    ]);
  });

  it('parses 20,000 records in one payload', () => {
    const parsed = parseOsvRecords(asJsonLines(osvRecords({ count: 20_000 })), context);
    expect(parsed.drafts).toHaveLength(20_000);
    expect(parsed.rejected).toEqual([]);
  });
});

describe('payloads that are not OSV', () => {
  it.each([
    ['plain text', 'Service Unavailable', parseOsvRecord, 'osv: not an OSV record: expected one JSON or YAML object, found a string'],
    ['a list given as one record', asJsonArray([ghsaRecord({})]), parseOsvRecord, 'osv: not an OSV record: expected one JSON or YAML object, found a list (parseOsvRecords reads lists)'],
    ['an object without an id', '{"vulnerabilities": []}', parseOsvRecord, 'osv: not an OSV record: no string "id" field'],
    ['broken YAML', 'id: a\nid: b\n', parseOsvRecord, 'osv: neither JSON nor YAML: Map keys must be unique (at character 6)'],
    ['an empty payload', '', parseOsvRecord, 'osv: not an OSV record: expected one JSON or YAML object, found nothing'],
    ['an API batch answer', '{"results": [{"vulns": []}]}', parseOsvRecords, 'osv: not OSV records: expected a JSON array of records, an OSV API page { "vulns": [...] } or JSON lines'],
    ['an API page whose vulns is no list', '{"vulns": {}}', parseOsvRecords, 'osv: not an OSV API page: "vulns" is not a list'],
    ['text that is no JSON lines', 'hello\nworld\n', parseOsvRecords, 'osv: not OSV records: neither a JSON document nor JSON lines of objects'],
  ])('throws InvalidFeedDocument for %s', (_, payload, parse, message) => {
    expect(() => parse(payload, context)).toThrow(InvalidFeedDocument);
    expect(() => parse(payload, context)).toThrow(message);
  });

  it('refuses a YAML alias bomb', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 8; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    expect(() => parseOsvRecord(`id: GHSA-aaaa-bbbb-cccc\n${levels.join('\n')}\n`, context)).toThrow(InvalidFeedDocument);
  });
});
