import { readFileSync } from 'node:fs';
import { compareVersions } from '../../functions/match/ecosystems/compare-versions.ts';
import { satisfiesNativeRange } from '../../functions/match/ecosystems/native-range.ts';
import { isAffected, type OsvAffectedVersions } from '../../functions/match/ecosystems/osv-range.ts';
import { rpmvercmp } from '../../functions/match/ecosystems/rpm-ordering.ts';
import { referenceDataDirectory, referenceFile } from '../reference-data.ts';

/**
 * The peers' own conformance suites (see `SOURCES.md` beside the reference data), run against
 * forestall's version orderings and range checks. Each suite is a list of groups (one per ecosystem or
 * per fixture file) with pass/total and the failing cases, so the tests and `report.ts` share one run.
 */

export interface CaseFailure {
  readonly input: string;
  readonly expected: string;
  readonly actual: string;
}

export interface GroupResult {
  readonly suite: string;
  readonly group: string;
  readonly passed: number;
  readonly total: number;
  readonly failures: readonly CaseFailure[];
}

class Tally {
  passed = 0;
  total = 0;
  readonly failures: CaseFailure[] = [];

  constructor(
    readonly suite: string,
    readonly group: string,
  ) {}

  check(input: string, expected: string, actual: () => string): void {
    this.total++;
    let got: string;
    try {
      got = actual();
    } catch (error) {
      got = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    if (got === expected) this.passed++;
    else this.failures.push({ input, expected, actual: got });
  }

  result(): GroupResult {
    return { suite: this.suite, group: this.group, passed: this.passed, total: this.total, failures: this.failures };
  }
}

/** True when the peers' reference data is present (it is never committed here). */
export function peerDataPresent(): boolean {
  const directory = referenceDataDirectory();
  return directory !== undefined && referenceFile('peers/SOURCES.md', 'peer conformance suites') !== undefined;
}

function readText(relativePath: string): string {
  const file = referenceFile(`peers/${relativePath}`, 'peer conformance suites');
  if (file === undefined) throw new Error(`reference data peers/${relativePath} is absent`);
  return readFileSync(file, 'utf8');
}

const readJson = (relativePath: string): unknown => JSON.parse(readText(relativePath));

const SIGN: Readonly<Record<string, number>> = { '<': -1, '=': 0, '>': 1 };
const symbol = (order: number) => (order < 0 ? '<' : order > 0 ? '>' : '=');

/** osv-scalibr's fixture files per ecosystem (from its `compare_test.go`); SemVer's file serves four ecosystems. */
export const OSV_SEMANTIC_FILES: readonly { readonly ecosystems: readonly string[]; readonly files: readonly string[] }[] = [
  { ecosystems: ['npm', 'crates.io', 'Go', 'Hex'], files: ['semver-versions.txt'] },
  { ecosystems: ['PyPI'], files: ['pypi-versions.txt', 'pypi-versions-generated.txt'] },
  { ecosystems: ['Maven'], files: ['maven-versions.txt', 'maven-versions-generated.txt'] },
  { ecosystems: ['RubyGems'], files: ['rubygems-versions.txt', 'rubygems-versions-generated.txt'] },
  { ecosystems: ['NuGet'], files: ['nuget-versions.txt'] },
  { ecosystems: ['Packagist'], files: ['packagist-versions.txt', 'packagist-versions-generated.txt'] },
  { ecosystems: ['Debian'], files: ['debian-versions.txt', 'debian-versions-generated.txt'] },
  { ecosystems: ['Red Hat'], files: ['redhat-versions.txt'] },
  { ecosystems: ['Alpine'], files: ['alpine-versions.txt', 'alpine-versions-generated.txt'] },
  { ecosystems: ['CRAN'], files: ['cran-versions.txt', 'cran-versions-generated.txt'] },
  { ecosystems: ['Pub'], files: ['pub-versions.txt'] },
  { ecosystems: ['Hackage'], files: ['hackage-versions.txt'] },
];

/** `A OP B` lines; blank lines and `# `/`// ` comments skipped. */
function comparisons(text: string): { a: string; op: string; b: string }[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('# ') && !line.startsWith('// '));
  return lines.map((line) => {
    const [a = '', op = '', b = '', ...rest] = line.split(' ');
    if (rest.length > 0 || SIGN[op] === undefined) throw new Error(`malformed comparison line: ${line}`);
    return { a, op, b };
  });
}

/** osv-semantic: each `A OP B` must hold both ways (`cmp(A,B)` and the reversed `cmp(B,A)`), per ecosystem. */
export function runOsvSemantic(): GroupResult[] {
  const results: GroupResult[] = [];
  for (const { ecosystems, files } of OSV_SEMANTIC_FILES) {
    const cases = files.flatMap((file) => comparisons(readText(`osv-semantic/${file}`)));
    for (const ecosystem of ecosystems) {
      const tally = new Tally('osv-semantic', ecosystem);
      for (const { a, op, b } of cases) {
        const reversed = symbol(-(SIGN[op] as number));
        tally.check(`${a} ${op} ${b}`, `${op} / ${reversed}`, () => {
          return `${symbol(compareVersions(ecosystem, a, b))} / ${symbol(compareVersions(ecosystem, b, a))}`;
        });
      }
      results.push(tally.result());
    }
  }
  return results;
}

interface NodeSemverOptions {
  readonly loose?: boolean;
  readonly includePrerelease?: boolean;
}

/** node-semver's fixtures: range membership with its own options, ordering and equality through the npm ordering. */
export function runNodeSemver(): GroupResult[] {
  const results: GroupResult[] = [];
  for (const [file, expected] of [
    ['range-include.json', true],
    ['range-exclude.json', false],
  ] as const) {
    const tally = new Tally('node-semver', file.replace('.json', ''));
    for (const row of readJson(`vers/node-semver/${file}`) as { range: string; version: string; options: NodeSemverOptions }[]) {
      const options = { includePrerelease: row.options.includePrerelease ?? false, loose: row.options.loose ?? false };
      tally.check(`${row.version} in ${row.range} ${JSON.stringify(row.options)}`, String(expected), () =>
        String(satisfiesNativeRange('npm', row.version, row.range, options)),
      );
    }
    results.push(tally.result());
  }
  const comparisonsTally = new Tally('node-semver', 'comparisons');
  for (const row of readJson('vers/node-semver/comparisons.json') as { greater: string; lesser: string }[]) {
    comparisonsTally.check(`${row.greater} > ${row.lesser}`, '> / <', () => {
      return `${symbol(compareVersions('npm', row.greater, row.lesser))} / ${symbol(compareVersions('npm', row.lesser, row.greater))}`;
    });
  }
  results.push(comparisonsTally.result());
  const equality = new Tally('node-semver', 'equality');
  for (const row of readJson('vers/node-semver/equality.json') as { a: string; b: string }[]) {
    equality.check(`${row.a} = ${row.b}`, '= / =', () => `${symbol(compareVersions('npm', row.a, row.b))} / ${symbol(compareVersions('npm', row.b, row.a))}`);
  }
  results.push(equality.result());
  const valid = new Tally('node-semver', 'valid-versions');
  type ValidRow = [string, number, number, number, (string | number)[], string[]];
  for (const [version, major, minor, patch, prerelease] of readJson('vers/node-semver/valid-versions.json') as ValidRow[]) {
    const plain = `${major}.${minor}.${patch}${prerelease.length > 0 ? `-${prerelease.join('.')}` : ''}`;
    valid.check(`${version} = ${plain}`, '=', () => symbol(compareVersions('npm', version, plain)));
  }
  results.push(valid.result());
  return results;
}

/** pypa/packaging: specifier membership (pre-releases allowed) and the strictly ascending VERSIONS list, every pair. */
export function runPypaPackaging(): GroupResult[] {
  const contains = new Tally('pypa-packaging', 'specifier-contains');
  const { cases } = readJson('vers/pypa-packaging/specifier-contains.json') as { cases: { version: string; specifier: string; expected: boolean }[] };
  for (const row of cases) {
    contains.check(`${row.version} in ${row.specifier}`, String(row.expected), () =>
      String(satisfiesNativeRange('PyPI', row.version, row.specifier, { includePrerelease: true })),
    );
  }
  const ordering = new Tally('pypa-packaging', 'versions-ascending (all pairs)');
  const { versions_ascending: ascending } = readJson('vers/pypa-packaging/versions-ascending.json') as { versions_ascending: string[] };
  ascending.forEach((a, i) => {
    ascending.forEach((b, j) => {
      const expected = symbol(i - j);
      ordering.check(`${a} ${expected} ${b}`, expected, () => symbol(compareVersions('PyPI', a, b)));
    });
  });
  return [contains.result(), ordering.result()];
}

/** rpm's own rpmvercmp.at cases (the ones upstream disables are not asserted). */
export function runRpmvercmp(): GroupResult[] {
  const tally = new Tally('rpmvercmp', 'rpmvercmp.at');
  const { cases } = readJson('rpm/rpmvercmp.json') as { cases: { a: string; b: string; expected: number }[] };
  for (const row of cases) tally.check(`rpmvercmp(${row.a}, ${row.b})`, String(row.expected), () => String(rpmvercmp(row.a, row.b)));
  return [tally.result()];
}

interface ScalibrGroup {
  readonly test: string;
  readonly osv: { affected: (OsvAffectedVersions & { package?: { ecosystem: string; name: string } })[] };
  readonly checks: { version: string; expected_affected: boolean }[];
}

/** osv-scalibr's IsAffected checks: package `npm/my-package`, affected when any entry for it says so. */
export function runOsvAffected(): GroupResult[] {
  const { groups } = readJson('osv-affected/osv-scalibr-is-affected.json') as { groups: ScalibrGroup[] };
  const byTest = new Map<string, Tally>();
  for (const group of groups) {
    const tally = byTest.get(group.test) ?? new Tally('osv-affected', group.test.replace('TestOSV_IsAffected_', ''));
    byTest.set(group.test, tally);
    const entries = group.osv.affected.filter((entry) => entry.package?.ecosystem === 'npm' && entry.package.name === 'my-package');
    for (const check of group.checks) {
      tally.check(`${JSON.stringify(check.version)} in ${JSON.stringify(group.osv.affected)}`, String(check.expected_affected), () =>
        String(entries.some((entry) => isAffected(entry, 'npm', check.version).affected)),
      );
    }
  }
  return [...byTest.values()].map((tally) => tally.result());
}

/** Every suite, in the order the report lists them. */
export function runAllSuites(): GroupResult[] {
  return [...runOsvSemantic(), ...runNodeSemver(), ...runPypaPackaging(), ...runRpmvercmp(), ...runOsvAffected()];
}
