import { describe, expect, it } from 'vitest';
import { isAffected, type OsvAffectedVersions, type OsvRangeEvent } from '../../../../functions/match/ecosystems/osv-range.ts';
import { UnsupportedEcosystem, UnsupportedVersion } from '../../../../functions/match/ecosystems/unsupported-version.ts';

const ecosystemRange = (...events: OsvRangeEvent[]): OsvAffectedVersions => ({ ranges: [{ type: 'ECOSYSTEM', events }], versions: [] });
const semverRange = (...events: OsvRangeEvent[]): OsvAffectedVersions => ({ ranges: [{ type: 'SEMVER', events }], versions: [] });

/** [package, ecosystem, version, range, expected]: boundaries, pre-releases and each ecosystem's quirks. */
const CASES: readonly (readonly [string, string, string, OsvAffectedVersions, boolean])[] = [
  // npm, SEMVER: introduced inclusive, fixed exclusive, pre-releases of the fix are still affected.
  ['lodash', 'npm', '4.17.20', semverRange({ introduced: '0' }, { fixed: '4.17.21' }), true],
  ['lodash', 'npm', '4.17.21', semverRange({ introduced: '0' }, { fixed: '4.17.21' }), false],
  ['lodash', 'npm', '4.17.21-rc.1', semverRange({ introduced: '0' }, { fixed: '4.17.21' }), true],
  ['lodash', 'npm', '0.0.0', semverRange({ introduced: '0' }, { fixed: '4.17.21' }), true],
  ['minimist', 'npm', '1.2.5', semverRange({ introduced: '1.0.0' }, { fixed: '1.2.6' }), true],
  ['minimist', 'npm', '1.0.0', semverRange({ introduced: '1.0.0' }, { fixed: '1.2.6' }), true],
  ['minimist', 'npm', '0.9.9', semverRange({ introduced: '1.0.0' }, { fixed: '1.2.6' }), false],
  ['minimist', 'npm', '1.0.0-beta', semverRange({ introduced: '1.0.0' }, { fixed: '1.2.6' }), false],
  ['semver', 'npm', '7.5.1', ecosystemRange({ introduced: '7.0.0' }, { fixed: '7.5.2' }), true],
  ['semver', 'npm', '7.5.2', ecosystemRange({ introduced: '7.0.0' }, { fixed: '7.5.2' }), false],
  // last_affected is inclusive.
  ['tar', 'npm', '6.1.0', ecosystemRange({ introduced: '6.0.0' }, { last_affected: '6.1.0' }), true],
  ['tar', 'npm', '6.1.1', ecosystemRange({ introduced: '6.0.0' }, { last_affected: '6.1.0' }), false],
  // Two intervals in one range, and a gap between them.
  ['ws', 'npm', '5.2.3', ecosystemRange({ introduced: '5.0.0' }, { fixed: '5.2.4' }, { introduced: '6.0.0' }, { fixed: '6.2.2' }), true],
  ['ws', 'npm', '5.9.0', ecosystemRange({ introduced: '5.0.0' }, { fixed: '5.2.4' }, { introduced: '6.0.0' }, { fixed: '6.2.2' }), false],
  ['ws', 'npm', '6.2.1', ecosystemRange({ introduced: '5.0.0' }, { fixed: '5.2.4' }, { introduced: '6.0.0' }, { fixed: '6.2.2' }), true],
  ['ws', 'npm', '7.0.0', ecosystemRange({ introduced: '5.0.0' }, { fixed: '5.2.4' }, { introduced: '6.0.0' }, { fixed: '6.2.2' }), false],
  // Events out of order are sorted first.
  ['ws', 'npm', '6.2.1', ecosystemRange({ fixed: '6.2.2' }, { introduced: '6.0.0' }, { fixed: '5.2.4' }, { introduced: '5.0.0' }), true],
  ['ws', 'npm', '5.5.0', ecosystemRange({ fixed: '6.2.2' }, { introduced: '6.0.0' }, { fixed: '5.2.4' }, { introduced: '5.0.0' }), false],
  // An open range (no fix yet).
  ['left-pad', 'npm', '99.0.0', ecosystemRange({ introduced: '1.0.0' }), true],
  // limit caps the range.
  ['express', 'npm', '4.9.0', ecosystemRange({ introduced: '4.0.0' }, { limit: '5.0.0' }), true],
  ['express', 'npm', '5.0.0', ecosystemRange({ introduced: '4.0.0' }, { limit: '5.0.0' }), false],
  ['express', 'npm', '5.0.0', ecosystemRange({ introduced: '4.0.0' }, { limit: '*' }), true],
  // Go pseudo-versions and v prefixes.
  ['golang.org/x/net', 'Go', 'v0.0.0-20210520170846-37e1c6afe023', semverRange({ introduced: '0' }, { fixed: '0.0.0-20220412211240-33da011f77ad' }), true],
  ['golang.org/x/net', 'Go', 'v0.7.0', semverRange({ introduced: '0' }, { fixed: '0.7.0' }), false],
  ['golang.org/x/net', 'Go', 'v0.6.0', semverRange({ introduced: '0' }, { fixed: '0.7.0' }), true],
  ['tokio', 'crates.io', '1.18.4', ecosystemRange({ introduced: '1.18.0' }, { fixed: '1.18.5' }), true],
  ['tokio', 'crates.io', '1.18.5', ecosystemRange({ introduced: '1.18.0' }, { fixed: '1.18.5' }), false],
  ['plug', 'Hex', '1.3.4', ecosystemRange({ introduced: '1.3.0' }, { fixed: '1.3.5' }), true],
  // PyPI: pre-, post- and dev-releases in PEP 440 order.
  ['django', 'PyPI', '4.2.1', ecosystemRange({ introduced: '4.2' }, { fixed: '4.2.2' }), true],
  ['django', 'PyPI', '4.2', ecosystemRange({ introduced: '4.2' }, { fixed: '4.2.2' }), true],
  ['django', 'PyPI', '4.2.0', ecosystemRange({ introduced: '4.2' }, { fixed: '4.2.2' }), true],
  ['django', 'PyPI', '4.2rc1', ecosystemRange({ introduced: '4.2' }, { fixed: '4.2.2' }), false],
  ['django', 'PyPI', '4.2.2rc1', ecosystemRange({ introduced: '4.2' }, { fixed: '4.2.2' }), true],
  ['django', 'PyPI', '4.2.2.post1', ecosystemRange({ introduced: '4.2' }, { fixed: '4.2.2' }), false],
  ['django', 'PyPI', '4.2.2.dev1', ecosystemRange({ introduced: '4.2' }, { fixed: '4.2.2' }), true],
  ['requests', 'PyPI', '2.31.0', ecosystemRange({ introduced: '0' }, { last_affected: '2.31.0' }), true],
  ['requests', 'PyPI', '2.31.0+local', ecosystemRange({ introduced: '0' }, { last_affected: '2.31.0' }), false],
  ['requests', 'PyPI', '1!1.0', ecosystemRange({ introduced: '0' }, { fixed: '2.32.0' }), false],
  // Maven: qualifiers.
  ['org.apache.logging.log4j:log4j-core', 'Maven', '2.14.1', ecosystemRange({ introduced: '2.0-beta9' }, { fixed: '2.15.0' }), true],
  ['org.apache.logging.log4j:log4j-core', 'Maven', '2.0-beta9', ecosystemRange({ introduced: '2.0-beta9' }, { fixed: '2.15.0' }), true],
  ['org.apache.logging.log4j:log4j-core', 'Maven', '2.0-alpha1', ecosystemRange({ introduced: '2.0-beta9' }, { fixed: '2.15.0' }), false],
  ['org.apache.logging.log4j:log4j-core', 'Maven', '2.15.0-rc1', ecosystemRange({ introduced: '2.0-beta9' }, { fixed: '2.15.0' }), true],
  ['org.apache.logging.log4j:log4j-core', 'Maven', '2.15.0.Final', ecosystemRange({ introduced: '2.0-beta9' }, { fixed: '2.15.0' }), false],
  ['org.springframework:spring-core', 'Maven', '5.3.18-SNAPSHOT', ecosystemRange({ introduced: '5.3.0' }, { fixed: '5.3.18' }), true],
  // NuGet: four parts, case-insensitive pre-releases.
  ['Newtonsoft.Json', 'NuGet', '12.0.3.1', ecosystemRange({ introduced: '0' }, { fixed: '13.0.1' }), true],
  ['Newtonsoft.Json', 'NuGet', '13.0.1-BETA1', ecosystemRange({ introduced: '0' }, { fixed: '13.0.1' }), true],
  ['Newtonsoft.Json', 'NuGet', '13.0.1.0', ecosystemRange({ introduced: '0' }, { fixed: '13.0.1' }), false],
  // RubyGems: a letter segment is a pre-release.
  ['rails', 'RubyGems', '7.0.4.1', ecosystemRange({ introduced: '7.0.0' }, { fixed: '7.0.4.2' }), true],
  ['rails', 'RubyGems', '7.0.0.rc1', ecosystemRange({ introduced: '7.0.0' }, { fixed: '7.0.4.2' }), false],
  ['rails', 'RubyGems', '7.0.4.2.pre', ecosystemRange({ introduced: '7.0.0' }, { fixed: '7.0.4.2' }), true],
  // Packagist: dev < alpha < beta < RC < release < patch level.
  ['laravel/framework', 'Packagist', '9.0.0-RC1', ecosystemRange({ introduced: '9.0.0' }, { fixed: '9.52.0' }), false],
  ['laravel/framework', 'Packagist', 'v9.51.0', ecosystemRange({ introduced: '9.0.0' }, { fixed: '9.52.0' }), true],
  ['laravel/framework', 'Packagist', '9.52.0-pl1', ecosystemRange({ introduced: '9.0.0' }, { fixed: '9.52.0' }), false],
  // Debian and Ubuntu: epochs, tildes, release suffixes on the ecosystem.
  ['openssl', 'Debian:12', '3.0.11-1~deb12u1', ecosystemRange({ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }), true],
  ['openssl', 'Debian:12', '3.0.11-1~deb12u2', ecosystemRange({ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }), false],
  ['openssl', 'Debian:12', '1:1.0', ecosystemRange({ introduced: '0' }, { fixed: '3.0.11-1' }), false],
  ['bash', 'Ubuntu:22.04:LTS', '5.1-6ubuntu1', ecosystemRange({ introduced: '0' }, { fixed: '5.1-6ubuntu1.1' }), true],
  // RPM-based: epoch, release, tilde pre-releases.
  ['kernel', 'Red Hat', '0:4.18.0-477.10.1.el8_8', ecosystemRange({ introduced: '0' }, { fixed: '0:4.18.0-477.13.1.el8_8' }), true],
  ['kernel', 'Red Hat', '0:4.18.0-477.13.1.el8_8', ecosystemRange({ introduced: '0' }, { fixed: '0:4.18.0-477.13.1.el8_8' }), false],
  ['curl', 'Rocky Linux:9', '7.76.1~rc1-1.el9', ecosystemRange({ introduced: '0' }, { fixed: '7.76.1-1.el9' }), true],
  ['curl', 'openSUSE', '1:7.0-1', ecosystemRange({ introduced: '0' }, { fixed: '8.0-1' }), false],
  // Alpine: letters, suffixes, revisions.
  ['busybox', 'Alpine:v3.18', '1.36.1-r4', ecosystemRange({ introduced: '0' }, { fixed: '1.36.1-r5' }), true],
  ['busybox', 'Alpine:v3.18', '1.36.1-r5', ecosystemRange({ introduced: '0' }, { fixed: '1.36.1-r5' }), false],
  ['busybox', 'Alpine:v3.18', '1.36.1_rc2-r0', ecosystemRange({ introduced: '0' }, { fixed: '1.36.1-r0' }), true],
  ['busybox', 'Alpine:v3.18', '1.36.1_p1-r0', ecosystemRange({ introduced: '0' }, { fixed: '1.36.1-r0' }), false],
  // CRAN, Pub, Hackage.
  ['jsonlite', 'CRAN', '1.8.7', ecosystemRange({ introduced: '0' }, { fixed: '1.8.8' }), true],
  ['jsonlite', 'CRAN', '1.8-8', ecosystemRange({ introduced: '0' }, { fixed: '1.8.8' }), false],
  ['http', 'Pub', '0.13.5+1', ecosystemRange({ introduced: '0' }, { fixed: '0.13.6' }), true],
  ['aeson', 'Hackage', '2.0.3.0', ecosystemRange({ introduced: '2.0' }, { fixed: '2.0.3.0' }), false],
  // The explicit versions list, alone and beside ranges.
  ['my-package', 'npm', '1.0.0', { versions: ['1.0.0'] }, true],
  ['my-package', 'npm', '1.0.1', { versions: ['1.0.0'] }, false],
  ['my-package', 'PyPI', '0.9', { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0' }] }], versions: ['0.9'] }, true],
];

describe('isAffected', () => {
  it.each(CASES)('%s (%s) %s in %j: %s', (_pkg, ecosystem, version, affected, expected) => {
    // Act
    const verdict = isAffected(affected, ecosystem, version);

    // Assess
    expect(verdict.affected).toBe(expected);
    expect(verdict.reason).not.toBe('');
  });

  it('holds at least sixty hand-written cases across ecosystems', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map(([, ecosystem]) => ecosystem.split(':')[0])).size).toBeGreaterThanOrEqual(14);
  });

  it('says which event decided', () => {
    expect(isAffected(ecosystemRange({ introduced: '0' }, { fixed: '2.0.0' }), 'npm', '2.0.0').reason).toContain('fixed "2.0.0"');
    expect(isAffected(ecosystemRange({ introduced: '1.0.0' }, { fixed: '2.0.0' }), 'npm', '1.5.0').reason).toContain('introduced "1.0.0"');
    expect(isAffected({ versions: ['1.0.0'] }, 'npm', '1.0.0').reason).toContain("listed in the record's versions");
  });

  it('does not evaluate GIT ranges against versions, and says so', () => {
    const verdict = isAffected({ ranges: [{ type: 'GIT', events: [{ introduced: '0' }, { fixed: 'a1b2c3d' }] }], versions: [] }, 'npm', '1.0.0');

    expect(verdict).toEqual({ affected: false, reason: expect.stringContaining('GIT range names commits, not versions: not evaluated') });
  });

  it('counts an unknown (empty) version as affected when the record lists anything, and not otherwise', () => {
    expect(isAffected(ecosystemRange({ introduced: '0' }, { fixed: '1.0.0' }), 'npm', '').affected).toBe(true);
    expect(isAffected({ ranges: [], versions: [] }, 'npm', '').affected).toBe(false);
  });

  it('refuses a version or an event it cannot read, rather than clear the package', () => {
    expect(() => isAffected(ecosystemRange({ introduced: '0' }, { fixed: '2.0' }), 'PyPI', 'not-a-version')).toThrow(UnsupportedVersion);
    expect(() => isAffected(ecosystemRange({ introduced: '1.0' }, { fixed: 'garbage here' }), 'PyPI', '1.5')).toThrow(
      expect.objectContaining({ name: 'UnsupportedVersion', version: 'garbage here' }),
    );
  });

  it('refuses an ECOSYSTEM range of an ecosystem without an ordering, but still reads its SEMVER ranges', () => {
    expect(() => isAffected(ecosystemRange({ introduced: '0' }), 'Bitnami', '1.0.0')).toThrow(UnsupportedEcosystem);
    expect(isAffected(semverRange({ introduced: '0' }, { fixed: '2.0.0' }), 'Bitnami', '1.0.0').affected).toBe(true);
  });
});
