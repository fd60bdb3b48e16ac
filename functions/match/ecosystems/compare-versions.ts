import { compareApkVersions } from './apk-ordering.ts';
import type { Ordering } from './digit-string.ts';
import { compareDpkgVersions } from './dpkg-ordering.ts';
import { compareMavenVersions } from './maven-ordering.ts';
import { compareNuGetVersions } from './nuget-ordering.ts';
import { compareCranVersions, compareHackageVersions } from './numeric-list-ordering.ts';
import { comparePackagistVersions } from './packagist-ordering.ts';
import { comparePep440Versions } from './pep440-ordering.ts';
import { comparePubVersions } from './pub-ordering.ts';
import { compareRpmVersions } from './rpm-ordering.ts';
import { compareRubyGemsVersions } from './rubygems-ordering.ts';
import { compareSemVerVersions } from './semver-ordering.ts';
import { UnsupportedEcosystem } from './unsupported-version.ts';

export type { Ordering } from './digit-string.ts';

/** Orders two versions of one ecosystem; throws `UnsupportedVersion` for a string it cannot read. */
export type VersionOrdering = (a: string, b: string) => Ordering;

const semver = (ecosystem: string): VersionOrdering => (a, b) => compareSemVerVersions(a, b, ecosystem);
const dpkg = (ecosystem: string): VersionOrdering => (a, b) => compareDpkgVersions(a, b, ecosystem);
const rpm = (ecosystem: string): VersionOrdering => (a, b) => compareRpmVersions(a, b, ecosystem);
const apk = (ecosystem: string): VersionOrdering => (a, b) => compareApkVersions(a, b, ecosystem);

/** OSV ecosystem names (without a `:release` suffix) and the ordering each uses. */
const ORDERINGS: ReadonlyMap<string, VersionOrdering> = new Map([
  ['npm', semver('npm')],
  ['crates.io', semver('crates.io')],
  ['Go', semver('Go')],
  ['Hex', semver('Hex')],
  ['SemVer', semver('SemVer')],
  ['PyPI', comparePep440Versions],
  ['Maven', compareMavenVersions],
  ['NuGet', compareNuGetVersions],
  ['RubyGems', compareRubyGemsVersions],
  ['Packagist', comparePackagistVersions],
  ['Debian', dpkg('Debian')],
  ['Ubuntu', dpkg('Ubuntu')],
  ['Red Hat', rpm('Red Hat')],
  ['Rocky Linux', rpm('Rocky Linux')],
  ['AlmaLinux', rpm('AlmaLinux')],
  ['SUSE', rpm('SUSE')],
  ['openSUSE', rpm('openSUSE')],
  ['Mageia', rpm('Mageia')],
  ['Alpine', apk('Alpine')],
  ['Wolfi', apk('Wolfi')],
  ['Chainguard', apk('Chainguard')],
  ['CRAN', compareCranVersions],
  ['Pub', comparePubVersions],
  ['Hackage', compareHackageVersions],
]);

/** The ecosystems `compareVersions` knows, by their OSV names. */
export const SUPPORTED_ECOSYSTEMS: readonly string[] = [...ORDERINGS.keys()];

/**
 * The ordering of an OSV ecosystem. A release suffix is dropped (`Debian:12`, `Alpine:v3.20`,
 * `Red Hat:enterprise_linux:9`): versions order the same way in every release.
 */
export function versionOrdering(ecosystem: string): VersionOrdering {
  const colon = ecosystem.indexOf(':');
  const ordering = ORDERINGS.get(colon === -1 ? ecosystem : ecosystem.slice(0, colon));
  if (ordering === undefined) throw new UnsupportedEcosystem(ecosystem);
  return ordering;
}

/**
 * Orders two versions of a package by its ecosystem's own rules: -1 if `a` is older than `b`, 0 if
 * they are the same version, 1 if `a` is newer. Throws `UnsupportedEcosystem` for an ecosystem without
 * an ordering and `UnsupportedVersion` (naming ecosystem and version) for a string it cannot read.
 */
export function compareVersions(ecosystem: string, a: string, b: string): Ordering {
  return versionOrdering(ecosystem)(a, b);
}
