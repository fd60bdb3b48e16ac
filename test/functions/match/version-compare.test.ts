import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCompiledVersions, compareVersions, compileVersion } from '../../../functions/match/version-compare.ts';

describe('compareVersions', () => {
  it.each([
    // Citrix NetScaler builds (CVE-2023-4966 fixed builds), where string order is wrong.
    ['13.1-48.47', '13.1-49.15', -1],
    ['14.1-8.6', '14.1-8.50', -1],
    ['12.1-55.300', '12.1-55.29', 1],
    ['13.1-37.164', '13.1-37.159', 1],
    // Windows builds (CVE-2021-34527).
    ['10.0.14393.4470', '10.0.17763.2029', -1],
    ['10.0.19045.2251', '10.0.19045.2250', 1],
    // Dotted numbers and padding.
    ['2.14.1', '2.15.0', -1],
    ['1.0', '1.0.0', 0],
    ['1.0', '1.0.1', -1],
    ['007.1', '7.1', 0],
    ['v2.4', '2.4', 0],
    ['2021.0.7', '2021.0', 1],
    // Numbers longer than a double holds exactly.
    ['1.123456789012345678901', '1.123456789012345678902', -1],
    // Pre-release words before the release, in their order.
    ['1.0-rc1', '1.0', -1],
    ['1.0-rc1', '1.0-rc2', -1],
    ['1.0-beta', '1.0-rc1', -1],
    ['1.0-alpha', '1.0-beta', -1],
    ['1.0-dev', '1.0-alpha', -1],
    ['1.0-RC1', '1.0-rc1', 0],
    ['1.0-rc1', '1.0.1', -1],
    // Other letters: a later build of the same release.
    ['9.8', '9.8p7', -1],
    ['9.8p7', '9.8p12', -1],
    ['1.0.2', '1.0.2k', -1],
    ['1.0.2k', '1.0.3', -1],
    ['15.2(4)', '15.2(4)M3', -1],
    // SemVer where both sides are SemVer.
    ['7.0.13', '7.0.14', -1],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['1.0.0+build.5', '1.0.0', 0],
  ] as const)('%s vs %s -> %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });

  it('compiled and string comparisons agree', () => {
    expect(compareCompiledVersions(compileVersion('14.1-8.6'), compileVersion('14.1-8.50'))).toBe(-1);
    expect(compileVersion('7.0.13').semver?.version).toBe('7.0.13');
    expect(compileVersion('13.1-49.15').semver).toBeUndefined();
  });
});

/** Vendor-style versions: numbers joined by assorted separators, with optional qualifiers. */
const vendorVersion = fc
  .tuple(
    fc.array(fc.oneof(fc.nat(30).map(String), fc.constantFrom('0', '00', '10', '300', '29')), { minLength: 1, maxLength: 5 }),
    fc.array(fc.constantFrom('.', '-', '_', '+'), { minLength: 4, maxLength: 4 }),
    fc.option(fc.constantFrom('rc', 'RC', 'beta', 'alpha', 'dev', 'p', 'sp', 'a', 'k', 'M'), { nil: undefined }),
    fc.option(fc.nat(20), { nil: undefined }),
  )
  .map(([numbers, separators, word, suffix]) => {
    let text = numbers.map((n, i) => (i === 0 ? n : `${separators[i % separators.length]}${n}`)).join('');
    if (word !== undefined) text += `${separators[0]}${word}${suffix ?? ''}`;
    return text;
  })
  // Keep SemVer out of the vendor shapes where the two orderings differ by design (`1.2.3-4`, `1.2.3+4`).
  .filter((text) => compileVersion(text).semver === undefined || /^\d+\.\d+\.\d+$/.test(text));

/** SemVer strings in the shapes the vendor ordering agrees with (plain, or a lower-case pre-release word). */
const semverVersion = fc
  .tuple(fc.nat(5), fc.nat(5), fc.nat(5), fc.option(fc.tuple(fc.constantFrom('alpha', 'beta', 'rc'), fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined })), { nil: undefined }))
  .map(([major, minor, patch, pre]) =>
    pre === undefined ? `${major}.${minor}.${patch}` : `${major}.${minor}.${patch}-${pre[0]}${pre[1] === undefined ? '' : `.${pre[1]}`}`,
  );

const anyVersion = fc.oneof(vendorVersion, semverVersion);

describe('compareVersions properties', () => {
  it('is reflexive and antisymmetric', () => {
    fc.assert(
      fc.property(anyVersion, anyVersion, (a, b) => {
        expect(compareVersions(a, a)).toBe(0);
        expect(compareVersions(a, b)).toBe(-compareVersions(b, a) || 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('is transitive', () => {
    fc.assert(
      fc.property(anyVersion, anyVersion, anyVersion, (a, b, c) => {
        const [x, y, z] = [a, b, c].sort(compareVersions) as [string, string, string];
        // After sorting, every pair must be in order; a cycle would break one of these.
        expect(compareVersions(x, y)).toBeLessThanOrEqual(0);
        expect(compareVersions(y, z)).toBeLessThanOrEqual(0);
        expect(compareVersions(x, z)).toBeLessThanOrEqual(0);
        if (compareVersions(x, y) === 0 && compareVersions(y, z) === 0) expect(compareVersions(x, z)).toBe(0);
      }),
      { numRuns: 5000 },
    );
  });

  it('orders numbers in a position numerically, not as text', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.nat(100000), fc.nat(100000), (major, x, y) => {
        expect(compareVersions(`${major}.1-${x}.1`, `${major}.1-${y}.1`)).toBe(Math.sign(x - y));
      }),
    );
  });
});
