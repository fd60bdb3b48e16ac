import { describe, expect, it } from 'vitest';
import { peerDataPresent, runNodeSemver, runOsvAffected, runOsvSemantic, runPypaPackaging, runRpmvercmp, type GroupResult } from './peer-suites.ts';

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
