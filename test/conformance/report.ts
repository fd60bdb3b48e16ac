import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXPLANATIONS } from './expected-differences.ts';
import { peerDataPresent, runAllSuites, type GroupResult } from './peer-suites.ts';

/** Writes `docs/conformance.md`: pass/total per peer suite and group, and why the rest differ. Run: `npx tsx test/conformance/report.ts`. */

const SUITES: Readonly<Record<string, string>> = {
  'osv-semantic': 'OSV version ordering (`peers/osv-semantic/`, osv-scalibr fixtures; each line checked both ways) against `compareVersions`',
  'node-semver': 'npm ranges and ordering (`peers/vers/node-semver/`) against `satisfiesNativeRange("npm", …)` and `compareVersions("npm", …)`',
  'pypa-packaging': 'PEP 440 (`peers/vers/pypa-packaging/`) against `satisfiesNativeRange("PyPI", …)` and `compareVersions("PyPI", …)`',
  rpmvercmp: 'rpm\'s own `rpmvercmp.at` (`peers/rpm/`) against `rpmvercmp`',
  'osv-affected': 'osv-scalibr\'s IsAffected checks (`peers/osv-affected/`) against `isAffected`',
  'purl-spec':
    'package-url conformance tests (`peers/purl-spec/tests/`, spec and per-type files) against `parsePackageUrl`, `buildPackageUrl` and ' +
    '`formatPackageUrl` (`functions/match/purl/package-url.ts`, packageurl-js underneath). Required cases use the strict reading; ' +
    'recommended ones, which the suite defines as repairing common problems, the normalising one (`{ normalise: true }`). ' +
    'An expected failure passes when the input is refused.',
  'vers-spec':
    'package-url/vers-spec tests (`peers/vers/vers-spec/tests/`) against `functions/match/vers/vers-range.ts`: containment through ' +
    '`versContains`, the canonical form through `normaliseVers` + `formatVers`, parse cases through the strict `parseVers`, and the ' +
    'comparison and equality cases of the types forestall can order (apk, maven, nuget via `compareVersions`; datetime, lexicographic). ' +
    'Not run: 737 `from_native` conversions (forestall has no native-range conversion) and the comparison/equality cases of types ' +
    'without an ordering here (alpm, conan, gentoo, openssl: 181).',
  cpe:
    'CPE 2.3 name matching (`peers/cpe/`): go-cpe\'s TestMatcher, the MITRE/NIST reference implementation\'s cases, as "criteria ' +
    'covers product" (`isSuperset`) against `cpeMatchesCriteria(…, { strict: true })`; nvdtools\' attribute relations against ' +
    '`cpeValueMatches`; and nvdtools\' NVD 1.0 JSON feed cases, converted to API 2.0 configurations, against `matchConfigurations`.',
};

function table(results: readonly GroupResult[]): string {
  const rows = results.map((result) => {
    const share = result.total === 0 ? 0 : (100 * result.passed) / result.total;
    const percent = result.passed === result.total ? '100%' : `${share.toFixed(2)}%`;
    return `| ${result.group} | ${result.passed.toLocaleString('en-US')} | ${result.total.toLocaleString('en-US')} | ${percent} |`;
  });
  return ['| group | passed | total | share |', '|---|---:|---:|---:|', ...rows].join('\n');
}

function differences(results: readonly GroupResult[]): string {
  const failing = results.filter((result) => result.failures.length > 0);
  if (failing.length === 0) return 'Every case passes.';
  return failing
    .map((result) => {
      const explanation = EXPLANATIONS[`${result.suite}/${result.group}`] ?? 'Not yet explained.';
      const examples = result.failures
        .slice(0, 5)
        .map((failure) => `  - \`${failure.input.length > 120 ? `${failure.input.slice(0, 117)}...` : failure.input}\`: expected \`${failure.expected}\`, got \`${failure.actual.slice(0, 100)}\``)
        .join('\n');
      return `- **${result.group}** (${result.failures.length} of ${result.total}): ${explanation}\n${examples}`;
    })
    .join('\n');
}

export function conformanceReport(results: readonly GroupResult[]): string {
  const bySuite = new Map<string, GroupResult[]>();
  for (const result of results) bySuite.set(result.suite, [...(bySuite.get(result.suite) ?? []), result]);
  const sections = [...bySuite].map(([suite, groups]) => {
    const passed = groups.reduce((sum, group) => sum + group.passed, 0);
    const total = groups.reduce((sum, group) => sum + group.total, 0);
    return [`## ${suite}: ${passed.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`, '', SUITES[suite] ?? '', '', table(groups), '', differences(groups)].join('\n');
  });
  return [
    '# Conformance with peer test suites',
    '',
    'forestall\'s per-ecosystem version orderings (`functions/match/ecosystems/`), OSV range check (`isAffected`), package-URL and vers',
    'readers (`functions/match/purl/`, `functions/match/vers/`) and CPE matcher (`functions/match/cpe.ts`, `nvd-configuration.ts`) run against',
    'the test vectors of the projects that define or implement those rules. The vectors are reference data beside the repository',
    '(`../shared/data/peers/`, described in its `SOURCES.md`) and are never copied here. `test/conformance/` pins the counts below;',
    'this page is written by `npx tsx test/conformance/report.ts`.',
    '',
    'The osv-semantic fixtures hold 71,818 comparisons; the SemVer file serves four ecosystems (npm, crates.io, Go, Hex), so its 86 lines',
    'are counted four times below.',
    'node-semver\'s `gtr`/`ltr` and `validRange` fixtures, vers-spec\'s `from_native` cases and the univers GitLab conversions are not run:',
    'forestall has no conversion from native range syntax, and it evaluates advisories through OSV events.',
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}

if (!peerDataPresent()) {
  process.stderr.write('peer reference data absent: docs/conformance.md not written\n');
  process.exitCode = 1;
} else {
  const target = join(resolve(import.meta.dirname, '..', '..'), 'docs', 'conformance.md');
  writeFileSync(target, conformanceReport(runAllSuites()));
  process.stdout.write(`wrote ${target}\n`);
}
