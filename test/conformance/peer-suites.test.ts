import { describe, expect, it } from 'vitest';
import { EXPLANATIONS } from './expected-differences.ts';
import {
  peerDataPresent,
  runCpeMatching,
  runNodeSemver,
  runOsvAffected,
  runOsvSemantic,
  runPurlSpec,
  runPypaPackaging,
  runRpmvercmp,
  runVersSpec,
  type GroupResult,
} from './peer-suites.ts';

const present = peerDataPresent();

/** Passed/total per group, so a change in either direction shows as a diff of counts. */
const counts = (results: readonly GroupResult[]) => Object.fromEntries(results.map((result) => [result.group, `${result.passed}/${result.total}`]));

describe.skipIf(!present)('OSV version-ordering fixtures (osv-scalibr), both directions', () => {
  it('orders every comparison of the spec-backed and tool-generated fixtures as the peers do, bar the differences docs/conformance.md explains', () => {
    // Act
    const results = runOsvSemantic();

    // Assess
    expect(counts(results)).toEqual({
      npm: '86/86',
      'crates.io': '86/86',
      Go: '86/86',
      Hex: '86/86',
      PyPI: '12332/12412',
      Maven: '14854/14854',
      RubyGems: '4119/4123',
      NuGet: '35/35',
      Packagist: '10723/10725',
      Debian: '14472/14472',
      'Red Hat': '163/165',
      Alpine: '14733/14757',
      CRAN: '78/78',
      Pub: '100/100',
      Hackage: '11/11',
    });
  });

  it('refuses, rather than misorders, the PyPI strings that are not PEP 440', () => {
    const pypi = runOsvSemantic().find((result) => result.group === 'PyPI');

    expect(pypi?.failures.every((failure) => failure.actual.startsWith('UnsupportedVersion: PyPI'))).toBe(true);
  });
});

describe.skipIf(!present)('node-semver fixtures', () => {
  it('matches every range membership, comparison, equality and valid-version case', () => {
    expect(counts(runNodeSemver())).toEqual({
      'range-include': '126/126',
      'range-exclude': '98/98',
      comparisons: '31/31',
      equality: '37/37',
      'valid-versions': '22/22',
    });
  });
});

describe.skipIf(!present)('pypa/packaging fixtures', () => {
  it('orders all PEP 440 version pairs as packaging does, and matches specifiers bar the library gaps docs/conformance.md lists', () => {
    expect(counts(runPypaPackaging())).toEqual({
      'specifier-contains': '168/188',
      'versions-ascending (all pairs)': '8464/8464',
    });
  });
});

describe.skipIf(!present)("rpm's rpmvercmp.at", () => {
  it('agrees with every active case', () => {
    expect(counts(runRpmvercmp())).toEqual({ 'rpmvercmp.at': '91/91' });
  });
});

describe.skipIf(!present)("osv-scalibr's IsAffected checks", () => {
  it('gives the same verdict for every check of every record', () => {
    expect(counts(runOsvAffected())).toEqual({
      AffectsWithEcosystem_DifferentEcosystem: '3/3',
      AffectsWithEcosystem_SingleAffected: '54/54',
      AffectsWithEcosystem_MultipleAffected: '18/18',
      AffectsWithEcosystem_Unsorted: '21/21',
      AffectsWithSemver_DifferentEcosystem: '3/3',
      AffectsWithSemver_SingleAffected: '50/50',
      AffectsWithSemver_MultipleAffected: '19/19',
      AffectsWithSemver_Unsorted: '21/21',
      OnlyVersions: '5/5',
    });
  });
});

describe.skipIf(!present)('package-url spec tests (purl-spec)', () => {
  it('parses, builds and canonicalises every case bar the two docs/conformance.md explains', () => {
    expect(counts(runPurlSpec())).toEqual({
      'parse (required)': '195/196',
      'build (required)': '172/172',
      'validate (required)': '153/153',
      'parse (recommended)': '10/10',
      'build (recommended)': '4/4',
      'validate (recommended)': '50/51',
    });
  });

  it('misses only the self-contradicting upper-case key case and the case-sensitive git name', () => {
    const failures = runPurlSpec().flatMap((result) => result.failures.map((failure) => failure.input));

    expect(failures).toEqual([
      'pkg:Maven/org.apache.xmlgraphics/batik-anim@1.9.1?type=pom&repositorY_url=repo.spring.io/release',
      'pkg:git/github/Package-url/purl-Spec@244fd47e07d1004f0aed9c',
    ]);
  });
});

describe.skipIf(!present)('vers-spec tests', () => {
  it('agrees on containment, canonical form, parsing, and the ordering of every type forestall can order', () => {
    expect(counts(runVersSpec())).toEqual({
      containment: '11/11',
      'validate (canonical form)': '19/19',
      parse: '12/12',
      'comparison: apk': '699/699',
      'comparison: datetime': '4/4',
      'comparison: lexicographic': '8/8',
      'comparison: maven': '919/919',
      'comparison: nuget': '10/14',
      'equality: apk': '17/17',
      'equality: datetime': '3/3',
      'equality: maven': '58/58',
      'equality: nuget': '19/19',
    });
  });

  it('orders the NuGet lists it differs on as expected, differing only in how univers spells them', () => {
    const nuget = runVersSpec().find((result) => result.group === 'comparison: nuget');

    expect(nuget?.failures.every((failure) => failure.actual.toLowerCase() === failure.expected.toLowerCase())).toBe(true);
  });
});

describe.skipIf(!present)('CPE name matching (go-cpe, nvdtools)', () => {
  it("covers what NISTIR 7696's reference cases say, and matches nvdtools' feed cases bar its all-ANY inventory entries", () => {
    expect(counts(runCpeMatching())).toEqual({
      'go-cpe TestMatcher (isSuperset)': '18/18',
      'nvdtools match_str and compare': '12/14',
      'nvdtools NVD JSON feed matching': '7/10',
    });
  });

  it('differs from nvdtools feed matching only where the inventory entry records nothing', () => {
    const feed = runCpeMatching().find((result) => result.group === 'nvdtools NVD JSON feed matching');

    expect(feed?.failures.map((failure) => failure.input.endsWith('[cpe:2.3:*:*:*:*:*:*:*:*:*:*:*]'))).toEqual([true, true, true]);
  });
});

describe.skipIf(!present)('docs/conformance.md explanations', () => {
  it('explains every group that does not pass in full', () => {
    const unexplained = [...runOsvSemantic(), ...runPypaPackaging(), ...runPurlSpec(), ...runVersSpec(), ...runCpeMatching()]
      .filter((result) => result.failures.length > 0)
      .map((result) => `${result.suite}/${result.group}`)
      .filter((key) => EXPLANATIONS[key] === undefined);

    expect(unexplained).toEqual([]);
  });
});
