import { PackageURL } from 'packageurl-js';
import { OSV_SOURCE, OsvFactsSchema, type OsvAffected } from '../ingest/sources/osv/osv-parser.ts';
import { sourceFactsOf, type Vulnerability } from '../model/vulnerability.ts';
import { purlPackageKey } from '../store/keys.ts';
import { compareVersions } from './ecosystems/compare-versions.ts';
import { isAffected } from './ecosystems/osv-range.ts';
import { UnsupportedEcosystem, UnsupportedVersion } from './ecosystems/unsupported-version.ts';

/**
 * purl x OSV matching: an asset's package URLs against the `affected` entries of the vulnerability's
 * OSV advisories, each version compared by its ecosystem's own ordering (ecosystems/).
 */

/** One OSV `affected` entry, filed under the package key its purl gives. */
export interface PackageCriterion {
  /** OSV id of the advisory (`GHSA-jfh8-c2jp-5v3q`), which may differ from the vulnerability id. */
  readonly advisory: string;
  /** As OSV names it, release included (`Debian:12`). */
  readonly ecosystem: string;
  readonly purl: string;
  /** The `distro` qualifier of a distribution package (`debian-12`): a fix in one release is not in another. */
  readonly distro?: string;
  readonly affected: OsvAffected;
}

export interface CompiledPackages {
  /** `purl:<type>/<namespace>/<name>` -> the entries naming that package. */
  readonly byPackageKey: ReadonlyMap<string, readonly PackageCriterion[]>;
}

/** A package component of an asset, as the matcher needs it. */
export interface PackageComponent {
  readonly purl: string;
  readonly packageKey: string;
  readonly version: string;
  readonly distro?: string;
}

export interface PackageMatch {
  readonly component: string;
  readonly version: string;
  readonly advisory: string;
  readonly ecosystem: string;
  /** Which part of the advisory says so, e.g. `2.14.1 is in a ECOSYSTEM range (introduced "2.0-beta9")`. */
  readonly reason: string;
}

/** A component the advisory names whose version cannot be decided (unreadable version, unknown ecosystem). */
export interface UndecidedPackage {
  readonly component: string;
  readonly advisory: string;
  readonly reason: string;
}

const EMPTY: CompiledPackages = { byPackageKey: new Map() };
const compiledByFacts = new WeakMap<object, CompiledPackages>();

function distroOf(purl: string): string | undefined {
  try {
    return PackageURL.fromString(purl).qualifiers?.distro ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The vulnerability's OSV entries by package key, compiled once per stored facts object. Withdrawn
 * advisories and entries without a purl (GIT-only, ecosystems without a purl type) are left out.
 */
export function compiledPackagesOf(vulnerability: Vulnerability): CompiledPackages {
  const raw = vulnerability.facts?.[OSV_SOURCE];
  if (raw === undefined || typeof raw !== 'object' || raw === null) return EMPTY;
  const cached = compiledByFacts.get(raw);
  if (cached) return cached;
  const facts = sourceFactsOf(vulnerability, OSV_SOURCE, OsvFactsSchema);
  const byPackageKey = new Map<string, PackageCriterion[]>();
  for (const advisory of Object.values(facts?.advisories ?? {})) {
    if (advisory.withdrawn) continue;
    for (const affected of advisory.affected) {
      const purl = affected.package?.purl;
      if (!purl || !affected.package) continue;
      let key: string;
      try {
        key = purlPackageKey(purl);
      } catch {
        continue;
      }
      const distro = distroOf(purl);
      const criterion: PackageCriterion = { advisory: advisory.osvId, ecosystem: affected.package.ecosystem, purl, ...(distro ? { distro } : {}), affected };
      const list = byPackageKey.get(key);
      if (list) list.push(criterion);
      else byPackageKey.set(key, [criterion]);
    }
  }
  const compiled = { byPackageKey };
  compiledByFacts.set(raw, compiled);
  return compiled;
}

/**
 * The version to compare: rpm's `epoch` qualifier joins the version (`1:1.1.1k-6.el8_5`), as OSV writes
 * Red Hat versions; Go's toolchain as syft names it (`go1.21.2`) loses its prefix.
 */
function comparableVersion(parsed: PackageURL): string {
  const version = parsed.version ?? '';
  const epoch = parsed.qualifiers?.epoch;
  if (parsed.type === 'rpm' && epoch && version && !version.includes(':')) return `${epoch}:${version}`;
  if (parsed.type === 'golang' && parsed.name === 'stdlib' && /^go\d/.test(version)) return version.slice(2);
  return version;
}

/** A purl of an asset as a package component; undefined when packageurl-js cannot read it. */
export function packageComponent(purl: string): PackageComponent | undefined {
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(purl);
  } catch {
    return undefined;
  }
  const distro = parsed.qualifiers?.distro;
  return { purl, packageKey: purlPackageKey(purl), version: comparableVersion(parsed), ...(distro ? { distro } : {}) };
}

/** Distribution names as scanners write them, mapped to OSV's (syft `rhel`, Debian code names). */
const DISTRO_FAMILIES: Readonly<Record<string, string>> = { rhel: 'redhat', centos: 'redhat', rockylinux: 'rocky', alma: 'almalinux' };
const DEBIAN_CODENAMES: Readonly<Record<string, string>> = { buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14' };

function splitDistro(distro: string): { family: string; release: string } {
  const at = distro.search(/-[^-]*$/);
  const family = (at === -1 ? distro : distro.slice(0, at)).toLowerCase();
  let release = at === -1 ? '' : distro.slice(at + 1).toLowerCase().replace(/^v/, '');
  if (family === 'debian') release = DEBIAN_CODENAMES[release] ?? release;
  return { family: DISTRO_FAMILIES[family] ?? family, release };
}

/**
 * Whether a component's release (`rhel-8.5`, `alpine-3.15.0`, `debian-bullseye`) is the release an
 * entry is for (`redhat-8`, `alpine-3.15`, `debian-11`): same family, and the entry's release a prefix
 * of the component's at a dot. Another family or release is not held against it.
 */
export function sameRelease(entryDistro: string, componentDistro: string): boolean {
  const entry = splitDistro(entryDistro);
  const component = splitDistro(componentDistro);
  if (entry.family !== component.family) return false;
  if (entry.release === '' || component.release === '') return true;
  return component.release === entry.release || component.release.startsWith(`${entry.release}.`);
}

/**
 * GHSA's bound for a range OSV leaves open (`< 2.1.3`, `<= 3.5.3`): a version beyond it is not affected,
 * as the advisory says, even though the OSV range has no closing event.
 */
function beyondLastKnownAffected(criterion: PackageCriterion, version: string): string | undefined {
  const bound = criterion.affected.lastKnownAffectedVersionRange?.trim();
  const parsed = bound ? /^(<=?)\s*(\S+)$/.exec(bound) : null;
  if (!parsed || version === '') return undefined;
  const [, operator, limit] = parsed as unknown as [string, string, string];
  const order = compareVersions(criterion.ecosystem, version, limit);
  const beyond = operator === '<' ? order >= 0 : order > 0;
  return beyond ? `${version} is beyond the advisory's last known affected version (${bound})` : undefined;
}

/**
 * Whether one component is affected by the entries of its package. A distribution package that names
 * its release (`distro=debian-12`) is held only against that release's entries (sameRelease); without
 * one, every release's entries apply, since the fix may not have reached the release it runs.
 */
export function matchPackageComponent(
  criteria: readonly PackageCriterion[],
  component: PackageComponent,
): { match?: PackageMatch; undecided: UndecidedPackage[] } {
  const undecided: UndecidedPackage[] = [];
  const applicable = component.distro ? criteria.filter((c) => c.distro === undefined || sameRelease(c.distro, component.distro as string)) : criteria;
  for (const criterion of applicable) {
    try {
      const verdict = isAffected(criterion.affected, criterion.ecosystem, component.version);
      if (verdict.affected && !criterion.affected.versions.includes(component.version) && beyondLastKnownAffected(criterion, component.version)) continue;
      if (verdict.affected) {
        return {
          match: { component: component.purl, version: component.version, advisory: criterion.advisory, ecosystem: criterion.ecosystem, reason: verdict.reason },
          undecided,
        };
      }
    } catch (error) {
      if (!(error instanceof UnsupportedVersion || error instanceof UnsupportedEcosystem)) throw error;
      undecided.push({ component: component.purl, advisory: criterion.advisory, reason: `needs review: ${error.message}` });
    }
  }
  return { undecided };
}

/** The affected package components among `components`, and those whose version could not be decided. */
export function matchPackages(
  compiled: CompiledPackages,
  components: readonly PackageComponent[],
): { matches: PackageMatch[]; undecided: UndecidedPackage[] } {
  const matches: PackageMatch[] = [];
  const undecided: UndecidedPackage[] = [];
  if (compiled.byPackageKey.size === 0) return { matches, undecided };
  for (const component of components) {
    const criteria = compiled.byPackageKey.get(component.packageKey);
    if (!criteria) continue;
    const result = matchPackageComponent(criteria, component);
    if (result.match) matches.push(result.match);
    undecided.push(...result.undecided);
  }
  return { matches, undecided };
}
