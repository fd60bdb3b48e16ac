import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { compareVersions } from '../../functions/match/ecosystems/compare-versions.ts';
import { satisfiesNativeRange } from '../../functions/match/ecosystems/native-range.ts';
import { isAffected, type OsvAffectedVersions } from '../../functions/match/ecosystems/osv-range.ts';
import { cpeMatchesCriteria, cpeValueMatches, parseCpe } from '../../functions/match/cpe.ts';
import { matchConfigurations } from '../../functions/match/nvd-configuration.ts';
import type { NvdConfiguration } from '../../functions/model/vulnerability.ts';
import { rpmvercmp } from '../../functions/match/ecosystems/rpm-ordering.ts';
import { formatVers, normaliseVers, parseVers, versContains, versSchemeOrdering } from '../../functions/match/vers/vers-range.ts';
import { buildPackageUrl, formatPackageUrl, parsePackageUrl, type PackageUrl } from '../../functions/match/purl/package-url.ts';
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

const REFUSED = 'refused';

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

  /** A case the peer expects to be refused: passes when `actual` throws, whatever the message. */
  checkRefused(input: string, actual: () => string): void {
    this.check(input, REFUSED, () => {
      let accepted: string;
      try {
        accepted = actual();
      } catch {
        return REFUSED;
      }
      return `accepted as ${accepted}`;
    });
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

/** The files of a folder of the peers' data, sorted, so groups and counts do not depend on the file system. */
function listFiles(relativeFolder: string): string[] {
  const folder = referenceFile(`peers/${relativeFolder}`, 'peer conformance suites');
  if (folder === undefined) throw new Error(`reference data peers/${relativeFolder} is absent`);
  return readdirSync(folder).sort();
}

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

const PurlComponentsSchema = z.object({
  type: z.string().nullable(),
  namespace: z.string().nullable(),
  name: z.string().nullable(),
  version: z.string().nullable(),
  qualifiers: z.record(z.string(), z.string()).nullable(),
  subpath: z.string().nullable(),
});
type PurlComponents = z.infer<typeof PurlComponentsSchema>;

const PurlTestSchema = z.discriminatedUnion('test_type', [
  z.object({ test_type: z.literal('parse'), test_group: z.enum(['required', 'recommended']), input: z.string(), expected_output: PurlComponentsSchema.nullish(), expected_failure: z.boolean().default(false) }),
  z.object({ test_type: z.literal('build'), test_group: z.enum(['required', 'recommended']), input: PurlComponentsSchema, expected_output: z.string().nullish(), expected_failure: z.boolean().default(false) }),
  z.object({ test_type: z.literal('validate'), test_group: z.enum(['required', 'recommended']), input: z.string(), expected_output: z.string().nullish(), expected_failure: z.boolean().default(false) }),
]);
const PurlTestFileSchema = z.object({ tests: z.array(PurlTestSchema) });

/** Components in the suite's shape (absent = null, qualifiers sorted) so they compare as JSON. */
function purlComponentsJson(purl: PurlComponents | PackageUrl): string {
  const qualifiers = purl.qualifiers ? Object.fromEntries(Object.entries(purl.qualifiers).sort(([a], [b]) => (a < b ? -1 : 1))) : null;
  return JSON.stringify({
    type: purl.type,
    namespace: purl.namespace ?? null,
    name: purl.name,
    version: purl.version ?? null,
    qualifiers: qualifiers && Object.keys(qualifiers).length > 0 ? qualifiers : null,
    subpath: purl.subpath ?? null,
  });
}

/**
 * purl-spec's tests (spec and per-type files), grouped by test type and conformance group. The
 * "required" cases run the strict reading; the "recommended" ones, which the suite defines as
 * repairing common problems, run the normalising reading.
 */
export function runPurlSpec(): GroupResult[] {
  const files = ['spec/specification-test.json', ...listFiles('purl-spec/tests/types').map((file) => `types/${file}`)];
  const tallies = new Map<string, Tally>();
  for (const file of files) {
    const { tests } = PurlTestFileSchema.parse(readJson(`purl-spec/tests/${file}`));
    for (const test of tests) {
      const group = `${test.test_type} (${test.test_group})`;
      const tally = tallies.get(group) ?? new Tally('purl-spec', group);
      tallies.set(group, tally);
      const normalise = test.test_group === 'recommended';
      if (test.expected_failure) {
        const input = typeof test.input === 'string' ? test.input : purlComponentsJson(test.input);
        tally.checkRefused(input, () =>
          typeof test.input === 'string' ? formatPackageUrl(parsePackageUrl(test.input, { normalise })) : formatPackageUrl(buildPackageUrl(test.input)),
        );
        continue;
      }
      switch (test.test_type) {
        case 'parse':
          tally.check(test.input, test.expected_output ? purlComponentsJson(test.expected_output) : 'null', () =>
            purlComponentsJson(parsePackageUrl(test.input, { normalise })),
          );
          break;
        case 'build':
          tally.check(purlComponentsJson(test.input), String(test.expected_output), () => formatPackageUrl(buildPackageUrl(test.input)));
          break;
        case 'validate':
          tally.check(test.input, String(test.expected_output), () => formatPackageUrl(parsePackageUrl(test.input, { normalise })));
          break;
      }
    }
  }
  const order = ['parse (required)', 'build (required)', 'validate (required)', 'parse (recommended)', 'build (recommended)', 'validate (recommended)'];
  return [...tallies.values()]
    .sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group))
    .map((tally) => tally.result());
}

const VersTestSchema = z.discriminatedUnion('test_type', [
  z.object({ test_type: z.literal('containment'), input: z.object({ vers: z.string(), version: z.string() }), expected_output: z.boolean() }),
  z.object({ test_type: z.literal('validate'), input: z.string(), expected_output: z.string() }),
  z.object({
    test_type: z.literal('parse'),
    input: z.string(),
    expected_output: z.object({ scheme: z.string(), version_constraints: z.array(z.tuple([z.string(), z.string()])) }).nullish(),
    expected_failure: z.boolean().default(false),
  }),
  z.object({ test_type: z.literal('comparison'), input: z.object({ input_scheme: z.string(), versions: z.array(z.string()) }), expected_output: z.array(z.string()) }),
  z.object({ test_type: z.literal('equality'), input: z.object({ input_scheme: z.string(), versions: z.tuple([z.string(), z.string()]) }), expected_output: z.boolean() }),
  z.object({ test_type: z.literal('from_native') }),
]);
const VersTestFileSchema = z.object({ tests: z.array(VersTestSchema) });
type VersTest = z.infer<typeof VersTestSchema>;

/** vers-spec's cases of one test type, from every file. */
function versSpecTests<T extends VersTest['test_type']>(type: T): Extract<VersTest, { test_type: T }>[] {
  return listFiles('vers/vers-spec/tests').flatMap((file) =>
    VersTestFileSchema.parse(readJson(`vers/vers-spec/tests/${file}`)).tests.filter((test): test is Extract<VersTest, { test_type: T }> => test.test_type === type),
  );
}

/**
 * vers-spec's containment, validation (canonical form) and parse cases against `versContains`,
 * `normaliseVers` and `parseVers`; its comparison and equality cases for the types forestall can
 * order. Its `from_native` cases (conversions from ecosystem range syntax) are not run.
 */
export function runVersSpec(): GroupResult[] {
  const containment = new Tally('vers-spec', 'containment');
  for (const { input, expected_output: expected } of versSpecTests('containment')) {
    containment.check(`${input.version} in ${input.vers}`, String(expected), () => String(versContains(input.vers, input.version)));
  }
  const validate = new Tally('vers-spec', 'validate (canonical form)');
  for (const { input, expected_output: expected } of versSpecTests('validate')) {
    validate.check(input, expected, () => formatVers(normaliseVers(input)));
  }
  const parse = new Tally('vers-spec', 'parse');
  for (const test of versSpecTests('parse')) {
    if (test.expected_failure || !test.expected_output) {
      parse.checkRefused(test.input, () => JSON.stringify(parseVers(test.input)));
      continue;
    }
    parse.check(test.input, JSON.stringify(test.expected_output), () => {
      const range = parseVers(test.input);
      return JSON.stringify({ scheme: range.scheme, version_constraints: range.constraints.map((constraint) => [constraint.comparator, constraint.version]) });
    });
  }
  const ordering = new Map<string, Tally>();
  const tallyFor = (kind: string, scheme: string) => {
    const group = `${kind}: ${scheme}`;
    const tally = ordering.get(group) ?? new Tally('vers-spec', group);
    ordering.set(group, tally);
    return tally;
  };
  for (const { input, expected_output: expected } of versSpecTests('comparison')) {
    const compare = versSchemeOrdering(input.input_scheme);
    if (compare === undefined) continue;
    tallyFor('comparison', input.input_scheme).check(input.versions.join(', '), expected.join(' < '), () => [...input.versions].sort(compare).join(' < '));
  }
  for (const { input, expected_output: expected } of versSpecTests('equality')) {
    const compare = versSchemeOrdering(input.input_scheme);
    if (compare === undefined) continue;
    const [a, b] = input.versions;
    tallyFor('equality', input.input_scheme).check(`${a} = ${b}`, String(expected), () => String(compare(a, b) === 0));
  }
  const orderingGroups = [...ordering.values()].sort((a, b) => (a.group < b.group ? -1 : 1)).map((tally) => tally.result());
  return [containment.result(), validate.result(), parse.result(), ...orderingGroups];
}

const WfnValueSchema = z.union([z.string(), z.object({ logical: z.enum(['ANY', 'NA']) })]);
const WfnSchema = z.record(z.string(), WfnValueSchema);
type Wfn = z.infer<typeof WfnSchema>;

/** WFN attribute names (go-cpe, nvdtools) in CPE 2.3 formatted-string order. */
const WFN_ATTRIBUTES = ['part', 'vendor', 'product', 'version', 'update', 'edition', 'language', 'sw_edition', 'target_sw', 'target_hw', 'other'] as const;

/** NISTIR 7695 §6.2.2 binding of one WFN value: `\.`, `\-`, `\_` lose their quoting; ANY is `*`, NA `-`. */
function wfnValueToFs(value: Wfn[string] | undefined): string {
  if (value === undefined || typeof value !== 'string') return value?.logical === 'NA' ? '-' : '*';
  return value.replace(/\\([._-])/g, '$1');
}

/** A WFN as a CPE 2.3 formatted string; absent attributes are ANY. */
const wfnToFs = (wfn: Wfn): string => `cpe:2.3:${WFN_ATTRIBUTES.map((attribute) => wfnValueToFs(wfn[attribute])).join(':')}`;

const GoCpeMatchingSchema = z.object({
  cases: z.array(z.object({ index: z.number(), source_fs_derived: z.string(), target_fs_derived: z.string(), expected: z.object({ isSuperset: z.boolean() }) })),
});

/** NVD 1.0 JSON feed nodes: an operator with either `cpe_match` or `children`. */
interface Nvd10Node {
  readonly operator: 'AND' | 'OR';
  readonly negate?: boolean;
  readonly cpe_match?: readonly { vulnerable: boolean; cpe23Uri: string; versionStartIncluding?: string; versionStartExcluding?: string; versionEndIncluding?: string; versionEndExcluding?: string }[];
  readonly children?: readonly Nvd10Node[];
}
const Nvd10NodeSchema: z.ZodType<Nvd10Node> = z.lazy(() =>
  z.object({
    operator: z.enum(['AND', 'OR']),
    negate: z.boolean().optional(),
    cpe_match: z
      .array(
        z.object({
          vulnerable: z.boolean(),
          cpe23Uri: z.string(),
          versionStartIncluding: z.string().optional(),
          versionStartExcluding: z.string().optional(),
          versionEndIncluding: z.string().optional(),
          versionEndExcluding: z.string().optional(),
        }),
      )
      .optional(),
    children: z.array(Nvd10NodeSchema).optional(),
  }),
);

const NvdtoolsSchema = z.object({
  match_str: z.array(z.object({ source: z.string(), target: z.string(), expected_relation: z.enum(['DISJOINT', 'EQUAL', 'SUPERSET', 'SUBSET']) })),
  compare: z.array(z.object({ source_fs: z.string(), target_fs: z.string(), expected_relation: z.enum(['DISJOINT', 'EQUAL', 'SUPERSET', 'SUBSET']) })),
  nvd_json_feed: z.object({ CVE_Items: z.array(z.object({ configurations: z.object({ nodes: z.array(Nvd10NodeSchema) }) })) }),
  nvd_json_matching: z.array(z.object({ index: z.number(), rule_index: z.number(), inventory: z.array(WfnSchema), expected_matches: z.array(WfnSchema) })),
  nvd_json_matching_extra: z.array(z.object({ test: z.string(), rule_index: z.number(), inventory: z.array(WfnSchema), expected_matches: z.array(WfnSchema) })),
});

/** An NVD 1.0 feed rule as NVD API 2.0 configurations: a node with children is one AND/OR configuration of them. */
function nvd10Configurations(nodes: readonly Nvd10Node[]): NvdConfiguration[] {
  const asNode = (node: Nvd10Node) => ({
    operator: node.operator,
    negate: node.negate ?? false,
    cpeMatch: (node.cpe_match ?? []).map(({ cpe23Uri, ...bounds }) => ({ ...bounds, criteria: cpe23Uri })),
  });
  return nodes.map((node) =>
    node.children === undefined
      ? { operator: 'OR', negate: false, nodes: [asNode(node)] }
      : { operator: node.operator, negate: node.negate ?? false, nodes: node.children.map(asNode) },
  );
}

/** A relation of NISTIR 7696 read as forestall's question "does the source cover the target". */
const covers = (relation: string) => String(relation === 'SUPERSET' || relation === 'EQUAL');

/**
 * CPE 2.3 name matching: go-cpe's TestMatcher (the MITRE/NIST reference implementation's cases),
 * read as "criteria covers product" (`isSuperset`) against `cpeMatchesCriteria` in strict mode;
 * nvdtools' attribute and name relations; and nvdtools' NVD JSON feed matching against
 * `matchConfigurations`.
 */
export function runCpeMatching(): GroupResult[] {
  const goCpe = new Tally('cpe', 'go-cpe TestMatcher (isSuperset)');
  for (const row of GoCpeMatchingSchema.parse(readJson('cpe/go-cpe-matching.json')).cases) {
    goCpe.check(`#${row.index} ${row.source_fs_derived} ⊇ ${row.target_fs_derived}`, String(row.expected.isSuperset), () =>
      String(cpeMatchesCriteria(row.source_fs_derived, row.target_fs_derived, { strict: true })),
    );
  }
  const nvdtools = NvdtoolsSchema.parse(readJson('cpe/nvdtools-wfn.json'));
  const attribute = new Tally('cpe', 'nvdtools match_str and compare');
  const updateValue = (value: string) => parseCpe(`cpe:2.3:a:v:p:*:${wfnValueToFs(value)}:*:*:*:*:*:*`).update;
  for (const row of nvdtools.match_str) {
    attribute.check(`${JSON.stringify(row.source)} covers ${JSON.stringify(row.target)}`, covers(row.expected_relation), () =>
      String(cpeValueMatches(updateValue(row.source), updateValue(row.target), { strict: true })),
    );
  }
  for (const row of nvdtools.compare) {
    attribute.check(`${row.source_fs} covers ${row.target_fs}`, covers(row.expected_relation), () =>
      String(cpeMatchesCriteria(row.source_fs, row.target_fs, { strict: true })),
    );
  }
  const feed = new Tally('cpe', 'nvdtools NVD JSON feed matching');
  const rules = nvdtools.nvd_json_feed.CVE_Items.map((item) => nvd10Configurations(item.configurations.nodes));
  for (const row of [...nvdtools.nvd_json_matching, ...nvdtools.nvd_json_matching_extra]) {
    const inventory = row.inventory.map(wfnToFs);
    const expected = row.expected_matches.map(wfnToFs).sort().join(' + ') || '(none)';
    feed.check(`rule ${row.rule_index} against [${inventory.join(', ')}]`, expected, () => {
      const matched = new Set(matchConfigurations(rules[row.rule_index] ?? [], inventory).map((match) => match.cpe));
      return [...matched].sort().join(' + ') || '(none)';
    });
  }
  return [goCpe.result(), attribute.result(), feed.result()];
}

/** Every suite, in the order the report lists them. */
export function runAllSuites(): GroupResult[] {
  return [...runOsvSemantic(), ...runNodeSemver(), ...runPypaPackaging(), ...runRpmvercmp(), ...runOsvAffected(), ...runPurlSpec(), ...runVersSpec(), ...runCpeMatching()];
}
