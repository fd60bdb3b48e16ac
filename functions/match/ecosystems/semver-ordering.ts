import { SemVer, compare as compareSemVer } from 'semver';
import { compareDigits, compareLists, compareNumbers, compareStrings, type Ordering } from './digit-string.ts';
import { UnsupportedVersion } from './unsupported-version.ts';

/**
 * SemVer 2.0.0 precedence, used by npm, crates.io, Go and Hex and by every OSV `SEMVER` range.
 *
 * Valid SemVer (also node-semver's loose forms: `v1.2.3`, `1.2.3beta`) is ordered by the `semver`
 * package. Versions it refuses but that advisories and lock files do carry are read leniently, as OSV
 * does: any number of numeric components (`1.1.3.4.5`, `1`), components beyond 2^53, a pre-release
 * without its hyphen (`2.0.0rc2`). Missing components count as 0. The lenient reading orders valid
 * SemVer exactly as `semver` does (property-tested), so mixing the two stays a total order.
 */
export function compareSemVerVersions(a: string, b: string, ecosystem = 'SemVer'): Ordering {
  const left = parseStrict(a);
  const right = parseStrict(b);
  if (left && right) return compareSemVer(left, right) as Ordering;
  return compareLenient(parseLenient(a, ecosystem), parseLenient(b, ecosystem));
}

function parseStrict(version: string): SemVer | undefined {
  try {
    return new SemVer(version, { loose: true });
  } catch {
    return undefined;
  }
}

/** A SemVer-like version: numeric components, then pre-release and build identifiers. */
export interface SemVerLike {
  readonly components: readonly string[];
  readonly prerelease: readonly string[];
  readonly build: readonly string[];
}

const LENIENT = /^[vV=]?\s*(\d+(?:\.\d+)*)(?:-?([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/** Reads `v1.2.3.4-rc.1+build` leniently (any number of components, optional `v`, optional pre-release hyphen). */
export function parseSemVerLike(version: string, ecosystem: string): SemVerLike {
  const match = LENIENT.exec(version.trim());
  if (!match) throw new UnsupportedVersion(ecosystem, version, 'not SemVer-like');
  const [, main = '', prerelease, build] = match;
  return {
    components: main.split('.'),
    prerelease: prerelease === undefined ? [] : prerelease.split('.'),
    build: build === undefined ? [] : build.split('.'),
  };
}

const parseLenient = parseSemVerLike;
const isDigits = (identifier: string) => /^\d+$/.test(identifier);

/** SemVer identifier precedence: numbers by value, before alphanumerics, which compare in ASCII order. */
export function compareSemVerIdentifier(a: string, b: string): Ordering {
  const aNumeric = isDigits(a);
  const bNumeric = isDigits(b);
  if (aNumeric && bNumeric) return compareDigits(a, b);
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  return compareStrings(a, b);
}

/** Components padded with 0, then a release after its pre-releases; build metadata ignored. */
export function compareLenient(a: SemVerLike, b: SemVerLike): Ordering {
  const length = Math.max(a.components.length, b.components.length);
  for (let i = 0; i < length; i++) {
    const order = compareDigits(a.components[i] ?? '0', b.components[i] ?? '0');
    if (order !== 0) return order;
  }
  // A release is after every pre-release of it.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return compareNumbers(b.prerelease.length, a.prerelease.length);
  return compareLists(a.prerelease, b.prerelease, compareSemVerIdentifier);
}
