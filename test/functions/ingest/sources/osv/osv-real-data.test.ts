import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ParsedIntel, VulnerabilityIntelDraft } from '../../../../../functions/ingest/intel-draft.ts';
import { OSV_SOURCE, OsvFactsSchema, parseOsvRecord, parseOsvRecords, type OsvAdvisory } from '../../../../../functions/ingest/sources/osv/osv-parser.ts';
import { referenceFile } from '../../../../reference-data.ts';

/** Real GHSA and PyPI advisories (CC-BY-4.0, github/advisory-database and pypa/advisory-database). */

const context = { source: OSV_SOURCE, now: '2025-06-01T00:00:00Z' };
const ghsaFolder = referenceFile('intel/osv/ghsa', 'OSV parsing of real GHSA records');
const trivyFolder = referenceFile('intel/osv/ghsa-trivy-db-testdata', 'OSV parsing of real GHSA records');
const pypiFolder = referenceFile('intel/osv/pypi', 'OSV parsing of real PyPI YAML records');
const pypiJson = referenceFile('intel/osv/pypi-osv-records.json', 'OSV parsing of a JSON array of real PyPI records');

const filesIn = (folder: string) =>
  readdirSync(folder)
    .sort()
    .map((name) => join(folder, name));
const read = (file: string) => readFileSync(file, 'utf8');

function onlyDraft(parsed: ParsedIntel): VulnerabilityIntelDraft {
  expect(parsed.rejected).toEqual([]);
  expect(parsed.drafts).toHaveLength(1);
  return parsed.drafts[0] as VulnerabilityIntelDraft;
}
const advisoryIn = (draft: VulnerabilityIntelDraft, osvId: string): OsvAdvisory | undefined =>
  OsvFactsSchema.parse(draft.facts).advisories[osvId];

describe.skipIf(!ghsaFolder || !trivyFolder)('real GHSA records', () => {
  const parseFile = (folder: string | undefined, id: string) => onlyDraft(parseOsvRecord(read(join(folder as string, `${id}.json`)), context));

  it('parses every one, each under its CVE (ua-parser-js malware has none)', () => {
    const files = [...filesIn(ghsaFolder as string), ...filesIn(trivyFolder as string)];
    expect(files).toHaveLength(9);
    const ids = files.map((file) => onlyDraft(parseOsvRecord(read(file), context)).id);
    expect(ids).toEqual([
      'CVE-2021-23337',
      'CVE-2022-22965',
      'CVE-2021-44228',
      'GHSA-pjwm-rvh2-c87w',
      'CVE-2023-25330',
      'CVE-2023-45288',
      'CVE-2025-46653',
      'CVE-2024-45337',
      'CVE-2018-1196',
    ]);
  });

  it('Log4Shell: Maven log4j-core in three ranges, the first introduced 2.13.0 and fixed 2.15.0', () => {
    const draft = parseFile(ghsaFolder, 'GHSA-jfh8-c2jp-5v3q');
    expect(draft.id).toBe('CVE-2021-44228');
    expect(draft.aliases).toEqual(['GHSA-jfh8-c2jp-5v3q']);
    const advisory = advisoryIn(draft, 'GHSA-jfh8-c2jp-5v3q');
    expect(advisory).toMatchObject({
      modified: '2022-03-25T20:56:18Z',
      published: '2021-12-10T00:40:56Z',
      summary: 'Remote code injection in Log4j',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' }],
      databaseSpecific: { severity: 'CRITICAL' },
    });
    expect(advisory?.details).toHaveLength(3016);
    expect(advisory?.affected.map((entry) => [entry.package?.purl, entry.ranges[0]?.events])).toEqual([
      ['pkg:maven/org.apache.logging.log4j/log4j-core', [{ introduced: '2.13.0' }, { fixed: '2.15.0' }]],
      ['pkg:maven/org.apache.logging.log4j/log4j-core', [{ introduced: '0' }, { fixed: '2.3.1' }]],
      ['pkg:maven/org.apache.logging.log4j/log4j-core', [{ introduced: '2.4' }, { fixed: '2.12.2' }]],
    ]);
    expect(advisory?.affected[0]?.package).toEqual({
      ecosystem: 'Maven',
      name: 'org.apache.logging.log4j:log4j-core',
      purl: 'pkg:maven/org.apache.logging.log4j/log4j-core',
    });
  });

  it('lodash: npm lodash and lodash-es fixed in 4.17.21, severity HIGH', () => {
    const draft = parseFile(ghsaFolder, 'GHSA-35jh-r3h4-6jhm');
    const advisory = advisoryIn(draft, 'GHSA-35jh-r3h4-6jhm');
    expect(draft.id).toBe('CVE-2021-23337');
    expect(advisory?.databaseSpecific).toEqual({ severity: 'HIGH' });
    expect(advisory?.affected.map((entry) => [entry.package?.purl, entry.ranges])).toEqual([
      ['pkg:npm/lodash', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }]],
      ['pkg:npm/lodash-es', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.17.21' }] }]],
    ]);
  });

  it('Spring4Shell: ten Maven ranges over five artifacts, no severity vector lost', () => {
    const advisory = advisoryIn(parseFile(ghsaFolder, 'GHSA-36p3-wjmg-h94x'), 'GHSA-36p3-wjmg-h94x');
    expect(advisory?.affected).toHaveLength(10);
    expect(new Set(advisory?.affected.map((entry) => entry.package?.purl))).toEqual(
      new Set([
        'pkg:maven/org.springframework/spring-beans',
        'pkg:maven/org.springframework/spring-webmvc',
        'pkg:maven/org.springframework/spring-webflux',
        'pkg:maven/org.springframework.boot/spring-boot-starter-web',
        'pkg:maven/org.springframework.boot/spring-boot-starter-webflux',
      ]),
    );
    expect(advisory?.affected[0]?.ranges[0]?.events).toEqual([{ introduced: '0' }, { fixed: '5.2.20.RELEASE' }]);
  });

  it('ua-parser-js malware: filed under the GHSA id, each bad release listed', () => {
    const draft = parseFile(ghsaFolder, 'GHSA-pjwm-rvh2-c87w');
    expect(draft.id).toBe('GHSA-pjwm-rvh2-c87w');
    expect(draft.aliases).toBeUndefined();
    const advisory = advisoryIn(draft, 'GHSA-pjwm-rvh2-c87w');
    expect(advisory?.severity).toEqual([]);
    expect(advisory?.databaseSpecific).toEqual({ severity: 'CRITICAL' });
    expect(advisory?.affected.map((entry) => entry.versions)).toEqual([['0.7.29'], ['0.8.0'], ['1.0.0']]);
  });

  it('Go: golang.org/x/crypto fixed in 0.31.0, net/http from 1.22.0-0', () => {
    const crypto = advisoryIn(parseFile(trivyFolder, 'GHSA-v778-237x-gjrc'), 'GHSA-v778-237x-gjrc');
    expect(crypto?.affected[0]?.package?.purl).toBe('pkg:golang/golang.org/x/crypto');
    expect(crypto?.affected[0]?.ranges[0]?.events).toEqual([{ introduced: '0' }, { fixed: '0.31.0' }]);
    const http = advisoryIn(parseFile(trivyFolder, 'GHSA-4v7x-pqxf-cx7m'), 'GHSA-4v7x-pqxf-cx7m');
    expect(http?.affected[1]).toEqual({
      package: { ecosystem: 'Go', name: 'net/http', purl: 'pkg:golang/net/http' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.22.0-0' }, { fixed: '1.22.2' }] }],
      versions: [],
    });
  });

  it("MyBatis-Plus and formidable: open ranges keep GHSA's last known affected range", () => {
    const mybatis = advisoryIn(parseFile(trivyFolder, 'GHSA-32qq-m9fh-f74w'), 'GHSA-32qq-m9fh-f74w');
    expect(mybatis?.affected[0]).toEqual({
      package: { ecosystem: 'Maven', name: 'com.baomidou:mybatis-plus', purl: 'pkg:maven/com.baomidou/mybatis-plus' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
      versions: [],
      lastKnownAffectedVersionRange: '< 3.5.3.1',
    });
    const formidable = advisoryIn(parseFile(trivyFolder, 'GHSA-75v8-2h7p-7m2m'), 'GHSA-75v8-2h7p-7m2m');
    expect(formidable?.affected.map((entry) => [entry.ranges[0]?.events, entry.lastKnownAffectedVersionRange])).toEqual([
      [[{ introduced: '3.1.1-canary.20211030' }, { fixed: '3.5.3' }], undefined],
      [[{ introduced: '2.1.0' }], '< 2.1.3'],
    ]);
  });
});

describe.skipIf(!pypiFolder || !pypiJson)('real PyPI advisories', () => {
  const parseYaml = (id: string) => onlyDraft(parseOsvRecord(read(join(pypiFolder as string, `${id}.yaml`)), context));

  it('parses every YAML file, and the JSON array of the same ten records to the same drafts', () => {
    const files = filesIn(pypiFolder as string);
    expect(files).toHaveLength(10);
    const fromYaml = files.map((file) => onlyDraft(parseOsvRecord(read(file), context)));
    const fromJson = parseOsvRecords(read(pypiJson as string), context);
    expect(fromJson.rejected).toEqual([]);
    expect(fromJson.drafts).toHaveLength(10);
    // The JSON export writes `+00:00` where the YAML has `Z`: both come out as `Z`.
    const byId = (drafts: readonly { id: string }[]) => [...drafts].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(fromJson.drafts)).toEqual(byId(fromYaml));
  });

  it('urllib3 PYSEC-2023-192: unquoted YAML time, GIT range with its repo and two fixing commits, two ECOSYSTEM intervals', () => {
    const draft = parseYaml('PYSEC-2023-192');
    expect(draft.id).toBe('CVE-2023-43804');
    expect(draft.aliases).toEqual(['PYSEC-2023-192', 'GHSA-v845-jxx5-vc9f']);
    const advisory = advisoryIn(draft, 'PYSEC-2023-192');
    expect(advisory?.modified).toBe('2023-10-10T14:28:19.389317Z');
    expect(advisory?.affected[0]?.package).toEqual({ ecosystem: 'PyPI', name: 'urllib3', purl: 'pkg:pypi/urllib3' });
    expect(advisory?.affected[0]?.ranges).toEqual([
      {
        type: 'GIT',
        repo: 'https://github.com/urllib3/urllib3',
        events: [
          { introduced: '0' },
          { fixed: '644124ecd0b6e417c527191f866daa05a5a2056d' },
          { fixed: '01220354d389cd05474713f8c982d05c9b17aafb' },
        ],
      },
      { type: 'ECOSYSTEM', events: [{ introduced: '2.0.0' }, { fixed: '2.0.6' }, { introduced: '0' }, { fixed: '1.26.17' }] },
    ]);
    expect(advisory?.affected[0]?.versions).toHaveLength(85);
  });

  it('setuptools PYSEC-2022-43012: 514 affected versions from 0.6b1 to 65.5.1 exclusive', () => {
    const advisory = advisoryIn(parseYaml('PYSEC-2022-43012'), 'PYSEC-2022-43012');
    const versions = advisory?.affected[0]?.versions ?? [];
    expect(versions).toHaveLength(514);
    expect([versions[0], versions.at(-1)]).toEqual(['0.6b1', '9.1']);
    expect(advisory?.affected[0]?.ranges[1]?.events).toEqual([{ introduced: '0' }, { fixed: '65.5.1' }]);
  });

  it('django PYSEC-2024-70: only a CVE alias, two intervals in one range', () => {
    const draft = parseYaml('PYSEC-2024-70');
    expect(draft.id).toBe('CVE-2024-42005');
    expect(draft.aliases).toEqual(['PYSEC-2024-70']);
    expect(advisoryIn(draft, 'PYSEC-2024-70')?.affected[0]?.ranges).toEqual([
      { type: 'ECOSYSTEM', events: [{ introduced: '5.0' }, { fixed: '5.0.8' }, { introduced: '4.2' }, { fixed: '4.2.15' }] },
    ]);
  });
});

describe.skipIf(!ghsaFolder || !trivyFolder || !pypiJson)('all real records in one payload', () => {
  it('gives 19 drafts and no rejection as JSON lines', () => {
    const records = [...filesIn(ghsaFolder as string), ...filesIn(trivyFolder as string)].map((file) => JSON.parse(read(file)) as unknown);
    const payload = [...records, ...(JSON.parse(read(pypiJson as string)) as unknown[])].map((record) => JSON.stringify(record)).join('\n');
    const parsed = parseOsvRecords(payload, context);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(19);
    expect(parsed.drafts.filter((draft) => draft.id.startsWith('CVE-'))).toHaveLength(18);
  });
});
