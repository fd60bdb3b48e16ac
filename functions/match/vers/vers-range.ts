import { versionOrdering, type VersionOrdering } from '../ecosystems/compare-versions.ts';
import type { Ordering } from '../ecosystems/digit-string.ts';

/**
 * Version range specifiers (`vers:<type>/<constraints>`, package-url/vers-spec): reading, the
 * canonical form, validation and containment. Versions are ordered by forestall's per-ecosystem
 * orderings (`compareVersions`), so `vers:npm/...` and an OSV npm range agree on what is inside.
 */

export type VersComparator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface VersConstraint {
  readonly comparator: VersComparator;
  /** Percent-decoded. */
  readonly version: string;
}

/** A parsed range: `star` is `vers:<type>/*` (every version), with no constraints. */
export interface VersRange {
  readonly scheme: string;
  readonly star: boolean;
  readonly constraints: readonly VersConstraint[];
}

/** A string that is not a valid vers, or a scheme forestall cannot order; the message says which rule. */
export class VersError extends Error {
  constructor(message: string, readonly input: string) {
    super(`invalid vers ${input}: ${message}`);
    this.name = 'VersError';
  }
}

/** vers types (purl types) and the OSV ecosystem whose ordering they use. */
export const VERS_SCHEME_ECOSYSTEMS: Readonly<Record<string, string>> = {
  npm: 'npm',
  semver: 'SemVer',
  golang: 'Go',
  cargo: 'crates.io',
  hex: 'Hex',
  pypi: 'PyPI',
  maven: 'Maven',
  nuget: 'NuGet',
  gem: 'RubyGems',
  composer: 'Packagist',
  deb: 'Debian',
  rpm: 'Red Hat',
  apk: 'Alpine',
  cran: 'CRAN',
  pub: 'Pub',
  hackage: 'Hackage',
};

const sign = (n: number): Ordering => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** RFC 3339 with upper-case `T` and `Z`, as the vers `datetime` type requires. */
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** vers types that are not package ecosystems, ordered here. */
const GENERIC_ORDERINGS: Readonly<Record<string, VersionOrdering>> = {
  // Instants, so `2024-01-01T00:00:00Z` equals `2023-12-31T19:00:00-05:00`.
  datetime: (a, b) => sign(Date.parse(a) - Date.parse(b)),
  // Code-unit order (`A` < `a` < `aa`).
  lexicographic: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
};

/** The ordering of a vers type, or undefined when forestall has none. */
export function versSchemeOrdering(scheme: string): VersionOrdering | undefined {
  const ecosystem = VERS_SCHEME_ECOSYSTEMS[scheme];
  return ecosystem !== undefined ? versionOrdering(ecosystem) : GENERIC_ORDERINGS[scheme];
}

function requireOrdering(scheme: string, input: string): VersionOrdering {
  const ordering = versSchemeOrdering(scheme);
  if (ordering === undefined) throw new VersError(`forestall has no version ordering for type "${scheme}"`, input);
  return ordering;
}

/** Reserved types (vers-spec 5.3.2.1): 'example' and 'test' have no ordering, 'invalid' is never valid. */
const UNORDERED_RESERVED_TYPES = new Set(['example', 'test']);

/** Characters a version must carry percent-encoded (vers-spec 5.3.3.2), with space. */
const MUST_ENCODE = /[><=!*|% ]/;

/** The canonical encoding of a version: only the characters that must be encoded are, in upper-case hex. */
function encodeVersion(version: string): string {
  let encoded = '';
  for (const character of version) {
    encoded += MUST_ENCODE.test(character) ? `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : character;
  }
  return encoded;
}

function decodeVersion(raw: string, strict: boolean, input: string): string {
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) throw new VersError(`invalid percent-encoding in version "${raw}"`, input);
  const decoded = raw.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  // Canonical text encodes exactly the characters that need it, in upper case (`%3A` for `:` is not).
  if (strict && encodeVersion(decoded) !== raw) throw new VersError(`version "${raw}" is not canonically percent-encoded`, input);
  if (!/^[\x21-\x7e ]+$/.test(decoded)) throw new VersError(`version "${raw}" is not printable ASCII`, input);
  return decoded;
}

const COMPARATORS: readonly VersComparator[] = ['>=', '<=', '!=', '<', '>'];

function parseConstraint(text: string, scheme: string, strict: boolean, input: string): VersConstraint {
  if (text.startsWith('=')) throw new VersError('equality is a bare version, without "="', input);
  const comparator = COMPARATORS.find((candidate) => text.startsWith(candidate)) ?? '=';
  const raw = comparator === '=' ? text : text.slice(comparator.length);
  if (raw === '') throw new VersError(`constraint "${text}" has no version`, input);
  if (/[><=!*|]/.test(raw)) throw new VersError(`version "${raw}" holds a character that must be percent-encoded`, input);
  const version = decodeVersion(raw, strict, input);
  if (scheme === 'datetime' && !DATETIME.test(version)) {
    throw new VersError(`datetime version "${version}" is not an RFC 3339 timestamp with upper-case T and Z`, input);
  }
  return { comparator, version };
}

/** The syntax of vers-spec's "how to parse", without the ordering rules. */
function parseSyntax(input: string, strict: boolean): VersRange {
  if (/\s/.test(input)) throw new VersError('whitespace is not permitted', input);
  const colon = input.indexOf(':');
  if (colon < 0 || input.slice(0, colon) !== 'vers') throw new VersError('the scheme must be "vers:"', input);
  const specifier = input.slice(colon + 1);
  const slash = specifier.indexOf('/');
  if (slash < 0) throw new VersError('a "/" must separate type and constraints', input);
  const rawScheme = specifier.slice(0, slash);
  const scheme = strict ? rawScheme : rawScheme.toLowerCase();
  if (!/^[a-z][a-z0-9.-]*$/.test(scheme)) throw new VersError(`type "${rawScheme}" must be lower-case letters, digits, "." and "-", starting with a letter`, input);
  if (scheme === 'invalid') throw new VersError('the reserved type "invalid" is never valid', input);
  const constraints = specifier.slice(slash + 1);
  if (constraints === '') throw new VersError('there are no constraints', input);
  if (constraints === '*') return { scheme, star: true, constraints: [] };
  if (constraints.startsWith('|') || constraints.endsWith('|')) throw new VersError('constraints cannot start or end with "|"', input);
  if (constraints.includes('||')) throw new VersError('constraints cannot hold consecutive "|"', input);
  if (constraints.split('|').includes('*')) throw new VersError('"*" must stand alone', input);
  return { scheme, star: false, constraints: constraints.split('|').map((text) => parseConstraint(text, scheme, strict, input)) };
}

/** Orders constraints by version, keeping the given order among equal versions. */
function sortConstraints(range: VersRange, input: string): VersConstraint[] {
  if (range.constraints.length < 2 || UNORDERED_RESERVED_TYPES.has(range.scheme)) return [...range.constraints];
  const ordering = requireOrdering(range.scheme, input);
  return [...range.constraints].sort((a, b) => ordering(a.version, b.version));
}

const isLower = (comparator: VersComparator) => comparator === '<' || comparator === '<=';
const isGreater = (comparator: VersComparator) => comparator === '>' || comparator === '>=';

/** vers-spec 5.4: sorted, unique versions, and comparators that alternate as the spec allows. */
function validateCanonical(range: VersRange, input: string): void {
  if (range.star || range.constraints.length < 2 || UNORDERED_RESERVED_TYPES.has(range.scheme)) return;
  const ordering = requireOrdering(range.scheme, input);
  range.constraints.forEach((constraint, index) => {
    const previous = range.constraints[index - 1];
    if (previous === undefined) return;
    const order = ordering(previous.version, constraint.version);
    if (order > 0) throw new VersError('constraints are not sorted by version', input);
    if (order === 0) throw new VersError(`version "${constraint.version}" appears twice`, input);
  });
  // Ignoring "!=", an equality is followed only by an equality or a lower bound ('>', '>='), and
  // lower and upper bounds alternate.
  const ranged = range.constraints.filter((constraint) => constraint.comparator !== '!=');
  ranged.forEach((constraint, index) => {
    const next = ranged[index + 1];
    if (next === undefined) return;
    const valid =
      constraint.comparator === '=' ? next.comparator === '=' || isGreater(next.comparator) : isLower(constraint.comparator) ? !isLower(next.comparator) : !isGreater(next.comparator) && next.comparator !== '=';
    if (!valid) throw new VersError(`"${constraint.comparator}${constraint.version}" cannot be followed by "${next.comparator}${next.version}"`, input);
  });
}

/**
 * Reads a vers as the spec's parser must: canonical input only (sorted, unique versions, valid
 * comparator sequence, canonical percent-encoding). Refuses rather than repairs.
 * @throws VersError naming the rule the string breaks.
 */
export function parseVers(input: string): VersRange {
  const range = parseSyntax(input, true);
  validateCanonical(range, input);
  return range;
}

/**
 * Reads a vers leniently and puts it in canonical order: the type is lower-cased and the
 * constraints sorted by version. Duplicates and comparator sequences are left as written (the
 * vers-spec suite's own "validate" cases keep them), so use {@link parseVers} to enforce them.
 * @throws VersError for a syntax error or a type forestall cannot order.
 */
export function normaliseVers(input: string): VersRange {
  const range = parseSyntax(input, false);
  return { ...range, constraints: sortConstraints(range, input) };
}

/** The vers string of a range: bare versions for equality, versions percent-encoded where they must be. */
export function formatVers(range: VersRange): string {
  const constraints = range.star
    ? '*'
    : range.constraints.map((constraint) => `${constraint.comparator === '=' ? '' : constraint.comparator}${encodeVersion(constraint.version)}`).join('|');
  return `vers:${range.scheme}/${constraints}`;
}

/**
 * Is `version` inside the range? The vers-spec containment procedure: an equal version on an
 * including comparator (`=`, `<=`, `>=`) is in, on `!=` out; otherwise the version must fall below
 * a leading upper bound, above a trailing lower bound, or between a lower and the next upper bound.
 * @throws VersError for an invalid range; UnsupportedVersion when a version cannot be ordered.
 */
export function versContains(range: VersRange | string, version: string): boolean {
  const input = typeof range === 'string' ? range : formatVers(range);
  const parsed = typeof range === 'string' ? normaliseVers(range) : { ...range, constraints: sortConstraints(range, input) };
  if (parsed.star) return true;
  const ordering = requireOrdering(parsed.scheme, input);
  const equalTo = (constraint: VersConstraint) => ordering(version, constraint.version) === 0;
  const including = parsed.constraints.filter((constraint) => constraint.comparator === '=' || constraint.comparator === '<=' || constraint.comparator === '>=');
  if (including.some(equalTo)) return true;
  if (parsed.constraints.some((constraint) => constraint.comparator === '!=' && equalTo(constraint))) return false;
  const bounds = parsed.constraints.filter((constraint) => constraint.comparator !== '=' && constraint.comparator !== '!=');
  // Only exclusions (`vers:npm/!=1.0.0`): every other version. The spec's procedure would
  // answer "out" for everything, which would make such a range mean nothing.
  if (bounds.length === 0) return parsed.constraints.every((constraint) => constraint.comparator === '!=');
  const first = bounds[0] as VersConstraint;
  const last = bounds[bounds.length - 1] as VersConstraint;
  if (isLower(first.comparator) && ordering(version, first.version) < 0) return true;
  if (isGreater(last.comparator) && ordering(version, last.version) > 0) return true;
  return bounds.some((lower, index) => {
    const upper = bounds[index + 1];
    return (
      upper !== undefined &&
      isGreater(lower.comparator) &&
      isLower(upper.comparator) &&
      ordering(version, lower.version) > 0 &&
      ordering(version, upper.version) < 0
    );
  });
}
