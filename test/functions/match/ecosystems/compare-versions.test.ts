import fc from 'fast-check';
import { compare as compareSemVer } from 'semver';
import { describe, expect, it } from 'vitest';
import { compareVersions, SUPPORTED_ECOSYSTEMS } from '../../../../functions/match/ecosystems/compare-versions.ts';
import { compareLenient, parseSemVerLike } from '../../../../functions/match/ecosystems/semver-ordering.ts';
import { UnsupportedEcosystem, UnsupportedVersion } from '../../../../functions/match/ecosystems/unsupported-version.ts';

describe('compareVersions', () => {
  it.each([
    ['npm', '1.0.0-rc.1', '<', '1.0.0'],
    ['npm', '1.0.0-beta.11', '>', '1.0.0-beta.2'],
    ['npm', 'v1.2.3', '=', '1.2.3+build'],
    ['npm', '0.0.0.1', '<', '1'],
    ['Go', 'v0.0.0-20180925071336-cf3bd585ca2a', '<', 'v0.0.0'],
    ['crates.io', '1.0.0', '<', '1.0.1'],
    ['PyPI', '1.0a1', '<', '1.0'],
    ['PyPI', '1.0.post1', '>', '1.0'],
    ['PyPI', '1!0.1', '>', '2.0'],
    ['PyPI', '1.0.dev1', '<', '1.0a1'],
    ['Maven', '1.0-alpha-1', '<', '1.0'],
    ['Maven', '1.0-SNAPSHOT', '<', '1.0'],
    ['Maven', '1.0.RELEASE', '=', '1.0'],
    ['Maven', '1.0-sp1', '>', '1.0'],
    ['Maven', '2.0.0.Final', '=', '2'],
    ['NuGet', '1.0', '=', '1.0.0.0'],
    ['NuGet', '1.0.0-BETA', '=', '1.0.0-beta'],
    ['NuGet', '1.0.0.1', '>', '1.0.0'],
    ['RubyGems', '1.0.0.pre', '<', '1.0.0'],
    ['RubyGems', '1.0.a10', '>', '1.0.a9'],
    ['Packagist', '1.0-dev', '<', '1.0alpha1'],
    ['Packagist', '1.0RC1', '<', '1.0'],
    ['Packagist', '1.0', '<', '1.0pl1'],
    ['Packagist', 'v2.1.0', '=', '2.1.0'],
    ['Debian', '1.0~rc1', '<', '1.0'],
    ['Debian', '1:0.9', '>', '2.0'],
    ['Debian:12', '2.36-9+deb12u4', '>', '2.36-9'],
    ['Ubuntu', '1.2.3-1ubuntu1', '>', '1.2.3-1'],
    ['Red Hat', '0:1.2.3-4.el8', '<', '0:1.2.3-10.el8'],
    ['Red Hat', '1.0~rc1', '<', '1.0'],
    ['Rocky Linux', '1.0^git1', '>', '1.0'],
    ['Alpine', '1.2.3-r0', '<', '1.2.3-r1'],
    ['Alpine', '1.2.3_rc1', '<', '1.2.3'],
    ['Alpine', '1.2.3_p1', '>', '1.2.3'],
    ['Alpine:v3.20', '1.2.3a', '>', '1.2.3'],
    ['CRAN', '0.1-2', '<', '0.2-2'],
    ['CRAN', '0.9', '<', '0.75'],
    ['Pub', '1.0.0', '<', '1.0.0+1'],
    ['Hackage', '0.1.0', '<', '0.1.0.0'],
  ])('%s: %s %s %s', (ecosystem, a, op, b) => {
    const expected = op === '<' ? -1 : op === '>' ? 1 : 0;

    expect(compareVersions(ecosystem, a, b)).toBe(expected);
    expect(compareVersions(ecosystem, b, a)).toBe(-expected || 0);
  });

  it.each([
    ['PyPI', 'not a version'],
    ['RubyGems', '1beta'],
    ['npm', '1.2.x'],
    ['NuGet', 'v1.0'],
    ['CRAN', '1.0a'],
    ['Alpine', '1.2_blah'],
    ['Debian', 'x:1.0'],
    ['Maven', ''],
  ])('refuses a %s version it cannot read (%j), naming both', (ecosystem, version) => {
    const act = () => compareVersions(ecosystem, version, '1.0');

    expect(act).toThrow(UnsupportedVersion);
    expect(act).toThrow(expect.objectContaining({ name: 'UnsupportedVersion', ecosystem, version }));
  });

  it('refuses an ecosystem it has no ordering for', () => {
    expect(() => compareVersions('Bitnami', '1.0', '2.0')).toThrow(UnsupportedEcosystem);
  });
});

/** Versions built from each ecosystem's own pieces, so generated strings are mostly valid and often close. */
const joined = (pieces: readonly string[], separators: readonly string[], max = 5) =>
  fc
    .array(fc.tuple(fc.constantFrom(...separators), fc.constantFrom(...pieces)), { minLength: 0, maxLength: max })
    .map((parts) => parts.map(([separator, piece]) => separator + piece).join(''));
const number = fc.constantFrom('0', '1', '2', '10', '01');
const semverCore = fc.tuple(number, number, number).map(([a, b, c]) => `${Number(a)}.${Number(b)}.${Number(c)}`);
const semver = fc
  .tuple(semverCore, fc.option(joined(['alpha', 'beta', 'rc', '1', '2', '11', 'a1'], ['.'], 3).map((pre) => pre.slice(1)).filter((pre) => pre !== '')))
  .map(([core, pre]) => (pre ? `${core}-${pre}` : core));

const GENERATORS: Readonly<Record<string, fc.Arbitrary<string>>> = {
  npm: semver,
  PyPI: fc
    .tuple(fc.option(fc.constantFrom('1!')), number, joined(['0', '1', '2'], ['.'], 2), fc.option(fc.constantFrom('a1', 'b2', 'rc1', 'a0')), fc.option(fc.constantFrom('.post1', '.post0')), fc.option(fc.constantFrom('.dev0', '.dev3')), fc.option(fc.constantFrom('+local', '+abc.1')))
    .map((parts) => parts.map((part) => part ?? '').join('')),
  Maven: fc.tuple(number, joined(['0', '1', '2', 'alpha', 'beta', 'rc', 'cr', 'sp', 'snapshot', 'ga', 'final', 'foo', 'a1', 'm2', ''], ['.', '-'])).map(([a, b]) => a + b),
  NuGet: fc.tuple(number, joined(['0', '1', '2'], ['.'], 3), fc.option(fc.constantFrom('-beta', '-BETA.2', '-rc.1', '-1'))).map((parts) => parts.map((part) => part ?? '').join('')),
  RubyGems: fc.tuple(number, joined(['0', '1', '2', 'a', 'pre', 'rc1', 'b'], ['.'])).map(([a, b]) => a + b),
  Packagist: fc.tuple(number, joined(['0', '1', '2', 'dev', 'alpha', 'a', 'b', 'beta', 'RC', 'rc', 'pl', 'p', 'patch'], ['.', '-', '_', ''])).map(([a, b]) => a + b),
  Debian: fc.tuple(fc.option(fc.constantFrom('1:', '0:')), number, joined(['0', '1', '2', '~rc1', '+dfsg', 'a', '~'], ['.', '']), fc.option(fc.constantFrom('-1', '-0ubuntu1', '-2+deb12u1'))).map((parts) => parts.map((part) => part ?? '').join('')),
  'Red Hat': fc.tuple(fc.option(fc.constantFrom('1:', '0:')), number, joined(['0', '1', '2', '~rc1', '^git1', 'a', 'el8'], ['.', '', '_']), fc.option(fc.constantFrom('-1.el8', '-10', '-2.fc39'))).map((parts) => parts.map((part) => part ?? '').join('')),
  Alpine: fc.tuple(number, joined(['0', '1', '2', '01'], ['.'], 3), fc.option(fc.constantFrom('a', 'b')), joined(['_alpha', '_rc1', '_p2', '_pre', '_git'], [''], 2), fc.option(fc.constantFrom('-r0', '-r1', '-r10'))).map((parts) => parts.map((part) => part ?? '').join('')),
  CRAN: fc.tuple(number, joined(['0', '1', '2', '10'], ['.', '-'], 3)).map(([a, b]) => a + b),
  Pub: fc.tuple(semver, fc.option(fc.constantFrom('+1', '+a', '+9a', '+1.2'))).map(([core, build]) => core + (build ?? '')),
  Hackage: fc.tuple(number, joined(['0', '1', '2', '10'], ['.'], 3)).map(([a, b]) => a + b),
};

/**
 * Maven's ComparableVersion is not transitive where a qualifier after `.` meets one after `-`: it puts a
 * `-` list above a `.` string (`1-snapshot > 1.sp`) although `1-snapshot < 1 < 1.sp`. Maven itself orders
 * so, and so do we (checked below); transitivity is checked on versions that keep to one of the two forms.
 */
const TRANSITIVE_GENERATORS: Readonly<Record<string, fc.Arbitrary<string>>> = {
  ...GENERATORS,
  Maven: fc
    .tuple(number, joined(['0', '1', '2'], ['.'], 3), joined(['alpha', 'beta', 'rc', 'cr', 'sp', 'snapshot', 'ga', 'final', 'foo', 'a1', 'm2', '1'], ['-'], 3))
    .map(([a, b, c]) => a + b + c),
};

describe('Maven where qualifiers follow both . and -', () => {
  it('orders as Maven ComparableVersion does, which is not transitive there', () => {
    expect(compareVersions('Maven', '1-snapshot', '1')).toBe(-1);
    expect(compareVersions('Maven', '1', '1.sp')).toBe(-1);
    expect(compareVersions('Maven', '1-snapshot', '1.sp')).toBe(1);
  });
});

describe.each(Object.entries(GENERATORS))('%s ordering', (ecosystem, version) => {
  it('is antisymmetric: swapping the versions flips the answer', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareVersions(ecosystem, a, b)).toBe(-compareVersions(ecosystem, b, a) || 0);
      }),
    );
  });

  it('is transitive: three versions sorted by it stay in order end to end', () => {
    const transitiveVersion = TRANSITIVE_GENERATORS[ecosystem] ?? version;
    fc.assert(
      fc.property(transitiveVersion, transitiveVersion, transitiveVersion, (a, b, c) => {
        const [x, y, z] = [a, b, c].sort((p, q) => compareVersions(ecosystem, p, q)) as [string, string, string];
        const xy = compareVersions(ecosystem, x, y);
        const yz = compareVersions(ecosystem, y, z);
        const xz = compareVersions(ecosystem, x, z);
        expect(xz).toBeLessThanOrEqual(0);
        if (xy < 0 || yz < 0) expect(xz).toBe(-1);
      }),
    );
  });
});

describe('lenient SemVer reading', () => {
  it('orders valid SemVer exactly as the semver package does, so both readings make one order', () => {
    fc.assert(
      fc.property(semver, semver, (a, b) => {
        expect(compareLenient(parseSemVerLike(a, 'npm'), parseSemVerLike(b, 'npm'))).toBe(compareSemVer(a, b));
      }),
    );
  });

  it('covers every ecosystem it claims with a generator here or the SemVer family', () => {
    const semverFamily = ['crates.io', 'Go', 'Hex', 'SemVer'];
    const sameRules = ['Ubuntu', 'Rocky Linux', 'AlmaLinux', 'SUSE', 'openSUSE', 'Mageia', 'Wolfi', 'Chainguard'];
    expect(SUPPORTED_ECOSYSTEMS.filter((ecosystem) => !(ecosystem in GENERATORS) && !semverFamily.includes(ecosystem) && !sameRules.includes(ecosystem))).toEqual([]);
  });
});
