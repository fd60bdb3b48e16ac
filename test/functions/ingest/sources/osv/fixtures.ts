import { stringify } from 'yaml';

/**
 * Synthetic OSV records in the shape GitHub's and the PyPI advisory databases publish (schema 1.x):
 * one builder per record kind and per range type, and the envelopes the parser reads. Ids and
 * versions are made up unless a test says otherwise.
 */

export type OsvEventFixture = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface OsvRangeFixture {
  type: string;
  repo?: string;
  events: OsvEventFixture[];
}

export interface OsvAffectedFixture {
  package?: { ecosystem: string; name: string; purl?: string };
  ranges?: OsvRangeFixture[];
  versions?: string[];
  database_specific?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface OsvRecordFixture {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[] | null;
  related?: string[];
  summary?: string;
  details?: string;
  severity?: { type: string; score: string }[] | null;
  affected?: OsvAffectedFixture[] | null;
  database_specific?: Record<string, unknown>;
  [field: string]: unknown;
}

export const CVSS_V3_CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H';
export const CVSS_V4_HIGH = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';

/** An ECOSYSTEM range: affected from `introduced` until `fixed` (open when `fixed` is absent). */
export function ecosystemRange(introduced: string, fixed?: string): OsvRangeFixture {
  return { type: 'ECOSYSTEM', events: [{ introduced }, ...(fixed === undefined ? [] : [{ fixed }])] };
}

/** A SEMVER range closed by `last_affected` (inclusive) instead of a fix. */
export function semverRange(introduced: string, lastAffected: string): OsvRangeFixture {
  return { type: 'SEMVER', events: [{ introduced }, { last_affected: lastAffected }] };
}

/** A 40-digit commit hash made from a small number, so tests can name commits. */
export function commit(n: number): string {
  return n.toString(16).padStart(40, '0');
}

/** A GIT range: commits from `introduced` until the fixing commit. */
export function gitRange(repo: string, introduced: string, fixed: string): OsvRangeFixture {
  return { type: 'GIT', repo, events: [{ introduced }, { fixed }] };
}

/** A GitHub-reviewed advisory as GHSA exports it: CVE alias, CVSS vector, GHSA severity word, no purls. */
export function ghsaRecord(options: {
  id?: string;
  cve?: string;
  ecosystem?: string;
  name?: string;
  ranges?: OsvRangeFixture[];
  modified?: string;
  withdrawn?: string;
  severity?: string;
  details?: string;
}): OsvRecordFixture {
  return {
    schema_version: '1.4.0',
    id: options.id ?? 'GHSA-aaaa-bbbb-cccc',
    modified: options.modified ?? '2024-03-01T12:00:00Z',
    published: '2024-02-01T09:30:00Z',
    ...(options.withdrawn !== undefined && { withdrawn: options.withdrawn }),
    aliases: options.cve === undefined ? [] : [options.cve],
    summary: `Injection in ${options.name ?? 'left-pad'}`,
    details: options.details ?? 'Versions before the fix let a crafted input run commands.',
    severity: [{ type: 'CVSS_V3', score: CVSS_V3_CRITICAL }],
    affected: [
      {
        package: { ecosystem: options.ecosystem ?? 'npm', name: options.name ?? 'left-pad' },
        ranges: options.ranges ?? [ecosystemRange('0', '1.3.1')],
        database_specific: { source: 'https://github.com/advisories' },
      },
    ],
    references: [{ type: 'ADVISORY', url: `https://github.com/advisories/${options.id ?? 'GHSA-aaaa-bbbb-cccc'}` }],
    database_specific: { cwe_ids: ['CWE-78'], severity: options.severity ?? 'CRITICAL', github_reviewed: true },
  };
}

/** A PyPI advisory as the PyPA database writes it: its own purl, GIT and ECOSYSTEM ranges, the version list. */
export function pysecRecord(options: { id?: string; aliases?: string[]; name?: string; withdrawn?: string }): OsvRecordFixture {
  const name = options.name ?? 'examplelib';
  return {
    id: options.id ?? 'PYSEC-2024-1001',
    modified: '2024-05-02T03:04:05.678901Z',
    published: '2024-04-30T17:15:00Z',
    ...(options.withdrawn !== undefined && { withdrawn: options.withdrawn }),
    aliases: options.aliases ?? [],
    details: `${name} before 2.0.1 reads files outside its root.`,
    affected: [
      {
        package: { name, ecosystem: 'PyPI', purl: `pkg:pypi/${name}` },
        ranges: [gitRange(`https://github.com/example/${name}`, '0', commit(0xabc)), ecosystemRange('1.0', '2.0.1')],
        versions: ['1.0', '1.1', '2.0.0'],
      },
    ],
    references: [{ type: 'FIX', url: `https://github.com/example/${name}/commit/${commit(0xabc)}` }],
  };
}

/** One package per ecosystem the purl derivation knows, with a name in that ecosystem's own form. */
export const ECOSYSTEM_PACKAGES: readonly { ecosystem: string; name: string; purl: string | undefined }[] = [
  { ecosystem: 'npm', name: '@Example/Widget', purl: 'pkg:npm/%40example/widget' },
  { ecosystem: 'Maven', name: 'org.example.util:example-core', purl: 'pkg:maven/org.example.util/example-core' },
  { ecosystem: 'PyPI', name: 'Example_Lib', purl: 'pkg:pypi/example-lib' },
  { ecosystem: 'Go', name: 'golang.org/x/example', purl: 'pkg:golang/golang.org/x/example' },
  { ecosystem: 'NuGet', name: 'Example.Json', purl: 'pkg:nuget/Example.Json' },
  { ecosystem: 'RubyGems', name: 'examplegem', purl: 'pkg:gem/examplegem' },
  { ecosystem: 'Packagist', name: 'example/http-kernel', purl: 'pkg:composer/example/http-kernel' },
  { ecosystem: 'crates.io', name: 'example-rs', purl: 'pkg:cargo/example-rs' },
  { ecosystem: 'Debian:12', name: 'openssl', purl: 'pkg:deb/debian/openssl?distro=debian-12' },
  { ecosystem: 'Ubuntu:22.04:LTS', name: 'openssl', purl: 'pkg:deb/ubuntu/openssl?distro=ubuntu-22.04' },
  { ecosystem: 'Alpine:v3.18', name: 'openssl', purl: 'pkg:apk/alpine/openssl?distro=alpine-3.18' },
  { ecosystem: 'Red Hat', name: 'openssl', purl: 'pkg:rpm/redhat/openssl' },
  { ecosystem: 'Rocky Linux:9', name: 'openssl', purl: 'pkg:rpm/rocky/openssl?distro=rocky-9' },
  { ecosystem: 'AlmaLinux:8', name: 'openssl', purl: 'pkg:rpm/almalinux/openssl?distro=almalinux-8' },
  { ecosystem: 'Hackage', name: 'example-hs', purl: undefined },
];

const ecosystemRanges = (ecosystem: string): OsvRangeFixture[] =>
  ecosystem === 'Go' || ecosystem === 'crates.io' ? [semverRange('1.0.0', '1.4.2')] : [ecosystemRange('0', '2.0.1')];

/**
 * `count` distinct advisories over the ecosystems above: every third without a CVE alias (filed under
 * its GHSA id), the others each with their own CVE.
 */
export function osvRecords(options: { count: number }): OsvRecordFixture[] {
  return Array.from({ length: options.count }, (_, index) => {
    const pkg = ECOSYSTEM_PACKAGES[index % ECOSYSTEM_PACKAGES.length] as (typeof ECOSYSTEM_PACKAGES)[number];
    const serial = index.toString(36).padStart(4, '0');
    return ghsaRecord({
      id: `GHSA-${serial}-x2y3-z4w5`,
      ...(index % 3 !== 2 && { cve: `CVE-2024-${String(10000 + index)}` }),
      ecosystem: pkg.ecosystem,
      name: pkg.name,
      ranges: ecosystemRanges(pkg.ecosystem.split(':')[0] as string),
    });
  });
}

/** A JSON array of records, as `osv-scanner` and the osv.dev exports hand them over. */
export const asJsonArray = (records: readonly unknown[]): string => JSON.stringify(records);

/** An OSV API page (`POST /v1/query`). */
export const asApiPage = (records: readonly unknown[], nextPageToken?: string): string =>
  JSON.stringify({ vulns: records, ...(nextPageToken !== undefined && { next_page_token: nextPageToken }) });

/** JSON lines: one record per line. */
export const asJsonLines = (records: readonly unknown[]): string => `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;

/** A record as a YAML file of the PyPI advisory database. */
export const asYaml = (record: unknown): string => stringify(record);
