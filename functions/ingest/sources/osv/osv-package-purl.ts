import { PackageURL } from 'packageurl-js';

/**
 * Package URLs for OSV packages that do not carry one (GHSA records never do), so an advisory meets an
 * inventory's purls on the same package key. packageurl-js applies each type's own normal form
 * (PyPI lower case with `_` as `-`, npm and Composer lower case).
 */

interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  qualifiers?: Record<string, string>;
}

/** Distribution ecosystems: packages are the distribution's own, named by its purl namespace. */
const DISTRIBUTIONS: Readonly<Record<string, { type: 'deb' | 'apk' | 'rpm'; namespace: string }>> = {
  Debian: { type: 'deb', namespace: 'debian' },
  Ubuntu: { type: 'deb', namespace: 'ubuntu' },
  Alpine: { type: 'apk', namespace: 'alpine' },
  'Red Hat': { type: 'rpm', namespace: 'redhat' },
  'Rocky Linux': { type: 'rpm', namespace: 'rocky' },
  AlmaLinux: { type: 'rpm', namespace: 'almalinux' },
};

/** `a/b/c` as namespace `a/b` and name `c`; no namespace when there is no slash. */
function splitAtLast(name: string, separator: string): { namespace?: string; name: string } {
  const at = name.lastIndexOf(separator);
  return at <= 0 ? { name } : { namespace: name.slice(0, at), name: name.slice(at + 1) };
}

function languagePackageParts(ecosystem: string, name: string, suffix: string | undefined): PurlParts | undefined {
  switch (ecosystem) {
    case 'npm':
      // Scoped packages: `@scope/name`.
      return { type: 'npm', ...(name.startsWith('@') ? splitAtLast(name, '/') : { name }) };
    case 'Maven': {
      const [group, artifact, ...rest] = name.split(':');
      if (!group || !artifact || rest.length > 0) return undefined;
      // OSV allows `Maven:<repository URL>` for packages outside Maven Central.
      return { type: 'maven', namespace: group, name: artifact, ...(suffix && { qualifiers: { repository_url: suffix } }) };
    }
    case 'PyPI':
      return { type: 'pypi', name };
    case 'Go':
      return { type: 'golang', ...splitAtLast(name, '/') };
    case 'NuGet':
      return { type: 'nuget', name };
    case 'RubyGems':
      return { type: 'gem', name };
    case 'Packagist': {
      const at = name.indexOf('/');
      return at <= 0 ? { type: 'composer', name } : { type: 'composer', namespace: name.slice(0, at), name: name.slice(at + 1) };
    }
    case 'crates.io':
      return { type: 'cargo', name };
    default:
      return undefined;
  }
}

/**
 * The release in an ecosystem suffix: `12` of `Debian:12`, `3.18` of `Alpine:v3.18`, `22.04` of
 * `Ubuntu:Pro:22.04:LTS`; the first part when none looks like a version (`Debian:sid`).
 */
function distributionRelease(suffix: string): string | undefined {
  const parts = suffix.split(':').filter((part) => part.length > 0);
  const version = parts.find((part) => /^v?\d+(\.\d+)*$/.test(part));
  return version !== undefined ? version.replace(/^v/, '') : parts[0]?.toLowerCase();
}

function distributionPackageParts(ecosystem: string, name: string, suffix: string | undefined): PurlParts | undefined {
  const distribution = DISTRIBUTIONS[ecosystem];
  if (distribution === undefined) return undefined;
  const release = suffix === undefined ? undefined : distributionRelease(suffix);
  return {
    ...distribution,
    name,
    // The release stays on the purl (syft's `distro=debian-12` form): a fix in one release is not in another.
    ...(release !== undefined && { qualifiers: { distro: `${distribution.namespace}-${release}` } }),
  };
}

/**
 * The purl of an OSV package (`Maven`, `org.apache.logging.log4j:log4j-core` gives
 * `pkg:maven/org.apache.logging.log4j/log4j-core`), or undefined for ecosystems without a purl type here
 * and names the ecosystem does not allow.
 */
export function purlForOsvPackage(ecosystem: string, name: string): string | undefined {
  const colon = ecosystem.indexOf(':');
  const base = colon < 0 ? ecosystem : ecosystem.slice(0, colon);
  const suffix = colon < 0 ? undefined : ecosystem.slice(colon + 1) || undefined;
  const parts = languagePackageParts(base, name, suffix) ?? distributionPackageParts(base, name, suffix);
  if (parts === undefined) return undefined;
  try {
    return new PackageURL(parts.type, parts.namespace, parts.name, undefined, parts.qualifiers).toString();
  } catch {
    // A name packageurl-js refuses (empty after splitting, say) leaves the package without a purl.
    return undefined;
  }
}

/** True when `purl` is a package URL packageurl-js can read. */
export function isPackageUrl(purl: string): boolean {
  try {
    PackageURL.fromString(purl);
    return true;
  } catch {
    return false;
  }
}
