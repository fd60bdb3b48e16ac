import { PackageURL } from 'packageurl-js';
import { describeSoftware } from '../../store/keys.ts';

/**
 * Package URLs for the packages Amazon Inspector reports (Inspector2 `VulnerablePackage`, ASFF
 * `VulnerablePackages[]`): OS packages as deb / rpm / apk of the instance's distribution, language
 * packages by their package manager. The matcher keys on the purl's type, namespace and name and
 * holds a distribution package against its release's advisories (`distro`), so those must be right
 * or the package is quarantined, not guessed.
 */

/** The fields both formats carry, as read (Inspector2 spells them camelCase, ASFF PascalCase). */
export interface ReportedPackage {
  name: string;
  version: string;
  epoch?: number;
  release?: string;
  arch?: string;
  packageManager?: string;
}

/** Where an OS package comes from: purl type, namespace (vendor) and `distro` qualifier. */
export interface OsRelease {
  type: 'deb' | 'rpm' | 'apk';
  namespace: string;
  /** `debian-12`, `ubuntu-22.04`, `amzn-2023`: the release a fix is published for. */
  distro?: string;
}

type Family = { type: OsRelease['type']; namespace: string; distro: string };

// Inspector names platforms as upper-case words then version parts: AMAZON_LINUX_2023, UBUNTU_22_04, DEBIAN_12.
const FAMILIES: ReadonlyArray<[RegExp, Family]> = [
  [/^AMAZON_?LINUX/, { type: 'rpm', namespace: 'amzn', distro: 'amzn' }],
  [/^UBUNTU/, { type: 'deb', namespace: 'ubuntu', distro: 'ubuntu' }],
  [/^DEBIAN/, { type: 'deb', namespace: 'debian', distro: 'debian' }],
  [/^(RHEL|RED_?HAT)/, { type: 'rpm', namespace: 'redhat', distro: 'rhel' }],
  [/^CENTOS/, { type: 'rpm', namespace: 'centos', distro: 'centos' }],
  [/^ROCKY/, { type: 'rpm', namespace: 'rocky', distro: 'rocky' }],
  [/^ALMA/, { type: 'rpm', namespace: 'almalinux', distro: 'almalinux' }],
  [/^ORACLE/, { type: 'rpm', namespace: 'oracle', distro: 'ol' }],
  [/^FEDORA/, { type: 'rpm', namespace: 'fedora', distro: 'fedora' }],
  [/^OPENSUSE/, { type: 'rpm', namespace: 'opensuse', distro: 'opensuse' }],
  [/^(SLES|SUSE)/, { type: 'rpm', namespace: 'suse', distro: 'sles' }],
  [/^ALPINE/, { type: 'apk', namespace: 'alpine', distro: 'alpine' }],
];

/**
 * The distribution an Inspector `platform` names (`AMAZON_LINUX_2023` -> rpm/amzn, distro `amzn-2023`;
 * `UBUNTU_22_04` -> deb/ubuntu, `ubuntu-22.04`), or undefined (Windows, unknown).
 */
export function osReleaseOfPlatform(platform: string | undefined): OsRelease | undefined {
  if (!platform) return undefined;
  const upper = platform.trim().toUpperCase().replace(/[\s-]+/g, '_');
  const found = FAMILIES.find(([pattern]) => pattern.test(upper));
  if (!found) return undefined;
  const [, family] = found;
  const version = /_(\d+(?:_\d+)*)(?:_[A-Z]+)?$/.exec(upper)?.[1]?.replace(/_/g, '.');
  return { type: family.type, namespace: family.namespace, ...(version ? { distro: `${family.distro}-${version}` } : {}) };
}

/**
 * The distribution a package's own release string gives away, when the platform is unknown (ASFF
 * carries none): Amazon Linux (`.amzn2023`, `.amzn2`) and Debian (`+deb12u1`) mark their builds.
 */
export function osReleaseOfPackage(pkg: Pick<ReportedPackage, 'version' | 'release'>): OsRelease | undefined {
  const text = `${pkg.version}-${pkg.release ?? ''}`;
  const amzn = /\.amzn(2023|2)\b/.exec(text);
  if (amzn) return { type: 'rpm', namespace: 'amzn', distro: `amzn-${amzn[1]}` };
  const debian = /\+deb(\d+)u\d+/.exec(text);
  if (debian) return { type: 'deb', namespace: 'debian', distro: `debian-${debian[1]}` };
  return undefined;
}

type Ecosystem = 'npm' | 'pypi' | 'maven' | 'gem' | 'nuget' | 'golang' | 'cargo' | 'composer';

/** Inspector's package managers (PackageManager enum) by the purl type their packages belong to. */
const LANGUAGE_MANAGERS: Readonly<Record<string, Ecosystem>> = {
  NPM: 'npm',
  YARN: 'npm',
  NODEPKG: 'npm',
  PIP: 'pypi',
  PIPENV: 'pypi',
  POETRY: 'pypi',
  PYTHONPKG: 'pypi',
  JAR: 'maven',
  POM: 'maven',
  GRADLE: 'maven',
  BUNDLER: 'gem',
  GEMSPEC: 'gem',
  NUGET: 'nuget',
  DOTNET_CORE: 'nuget',
  GOBINARY: 'golang',
  GOMOD: 'golang',
  CARGO: 'cargo',
  COMPOSER: 'composer',
};

export type PurlResult = { purl: string } | { field: 'name' | 'version' | 'packageManager'; problem: string };

/** `a/b/c` -> namespace `a/b`, name `c`; no slash -> no namespace. */
function splitLast(name: string, separator: string): [string | undefined, string] {
  const at = name.lastIndexOf(separator);
  return at <= 0 ? [undefined, name] : [name.slice(0, at), name.slice(at + 1)];
}

function languageParts(ecosystem: Ecosystem, name: string): { namespace?: string; name: string } | string {
  switch (ecosystem) {
    case 'npm': {
      if (!name.startsWith('@')) return { name };
      const [scope, bare] = splitLast(name, '/');
      return scope && bare ? { namespace: scope, name: bare } : `an npm scoped name is @scope/name, not "${name}"`;
    }
    case 'maven': {
      // Inspector writes group and artifact as `group:artifact`; some tools write `group/artifact`.
      const [group, artifact] = splitLast(name, name.includes(':') ? ':' : '/');
      return group && artifact ? { namespace: group, name: artifact } : `a Maven package is group:artifact, not "${name}"`;
    }
    case 'golang':
    case 'composer': {
      const [namespace, bare] = splitLast(name, '/');
      return namespace ? { namespace, name: bare } : { name };
    }
    default:
      return { name };
  }
}

/** Full OS package version as each format orders it: dpkg keeps the epoch in the version, rpm a qualifier. */
function osVersion(release: OsRelease, pkg: ReportedPackage): { version: string; qualifiers: Record<string, string> } {
  const qualifiers: Record<string, string> = {};
  // Distributions name architectures in lower case (x86_64, amd64); Inspector writes X86_64.
  if (pkg.arch) qualifiers.arch = pkg.arch.toLowerCase();
  if (release.distro) qualifiers.distro = release.distro;
  const withRelease = pkg.release && !pkg.version.endsWith(`-${pkg.release}`) ? `${pkg.version}-${pkg.release}` : pkg.version;
  const epoch = pkg.epoch && pkg.epoch > 0 ? pkg.epoch : undefined;
  if (release.type === 'deb') return { version: epoch ? `${epoch}:${withRelease}` : withRelease, qualifiers };
  if (release.type === 'rpm' && epoch) qualifiers.epoch = String(epoch);
  return { version: withRelease, qualifiers };
}

/**
 * The purl of one reported package, or which field stopped it: an OS package on an unknown
 * distribution, an unknown package manager, a name the ecosystem cannot hold. The result is one
 * the asset store accepts (`describeSoftware`).
 */
export function purlOfPackage(pkg: ReportedPackage, os: OsRelease | undefined): PurlResult {
  const manager = (pkg.packageManager ?? 'OS').toUpperCase();
  let parts: { type: string; namespace?: string; name: string; version: string; qualifiers?: Record<string, string> };
  if (manager === 'OS') {
    const release = os ?? osReleaseOfPackage(pkg);
    if (!release) return { field: 'packageManager', problem: 'an OS package of an unknown distribution (no platform, no distribution in its release); cannot tell deb from rpm' };
    parts = { type: release.type, namespace: release.namespace, name: pkg.name, ...osVersion(release, pkg) };
  } else {
    const ecosystem = LANGUAGE_MANAGERS[manager];
    if (!ecosystem) return { field: 'packageManager', problem: `unknown package manager "${pkg.packageManager}"` };
    const named = languageParts(ecosystem, pkg.name);
    if (typeof named === 'string') return { field: 'name', problem: named };
    parts = { type: ecosystem, ...named, version: pkg.version };
  }
  let purl: string;
  try {
    purl = new PackageURL(parts.type, parts.namespace, parts.name, parts.version, parts.qualifiers, undefined).toString();
  } catch (error) {
    return { field: 'name', problem: `not a valid ${parts.type} package: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    describeSoftware({ purl });
  } catch (error) {
    return { field: 'name', problem: error instanceof Error ? error.message : String(error) };
  }
  return { purl };
}
