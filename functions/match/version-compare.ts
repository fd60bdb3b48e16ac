import { SemVer } from 'semver';

/**
 * Ordering of vendor version strings as they appear in NVD configurations and asset inventories:
 * `13.1-48.47 < 13.1-49.15`, `14.1-8.6 < 14.1-8.50`, `10.0.14393.4470 < 10.0.17763.2029`.
 *
 * Rules of the vendor ordering (used unless both sides are valid SemVer, see below):
 * - The string is cut into tokens at every character that is not a letter or digit (`.` `-` `_` `+`
 *   `(` `)` ...) and at every switch between digits and letters (`8p7` -> `8`, `p`, `7`).
 * - Numeric tokens compare as integers of any length (`50 > 6`, `007 == 7`).
 * - Letter tokens compare case-insensitively.
 * - A leading `v` before a digit is ignored (`v2.4 == 2.4`).
 * - Missing trailing tokens count as `0`, so `1.0 == 1.0.0` and `1.0 < 1.0.1`.
 * - Pre-release words sort before the release they qualify: `1.0-dev < 1.0-alpha1 < 1.0-beta <
 *   1.0-rc1 < 1.0 < 1.0.1` (words: dev, snapshot, alpha, beta, milestone, pre, preview, rc).
 * - Any other letter token marks a later build of the same release and sorts after every number:
 *   `9.8 < 9.8p7`, `1.0.2 < 1.0.2k` (OpenSSL letters), `15.2(4) < 15.2(4)M3` (Cisco IOS).
 *   So single letters `a`/`b` are post-release letters, not Python-style alpha/beta: PyPI ordering
 *   belongs to ecosystem matching, not to vendor CPE versions.
 *
 * Together this is a lexicographic order over token sequences padded with `0`, hence a total
 * preorder: antisymmetric and transitive (property-tested).
 *
 * Where both strings are valid SemVer 2.0.0 (`7.0.13`, `1.2.3-rc.1`), SemVer precedence decides
 * instead. The two orderings agree on plain `X.Y.Z` and on `X.Y.Z-<pre-release word>[.N]`; they differ
 * on hyphenated build numbers (`1.2.3-4` is a SemVer pre-release of `1.2.3`, a later build for the
 * vendor ordering), on upper-case pre-release words, on a trailing `.0` pre-release identifier
 * (`1.2.3-rc.0` is after `1.2.3-rc` for SemVer, equal for the vendor ordering) and on build metadata
 * (`+build` is ignored by SemVer). Ordering across a set mixing such SemVer strings with vendor strings is therefore not
 * guaranteed to be transitive.
 */

/** Pre-release words in increasing order; everything else that is made of letters is post-release. */
const PRE_RELEASE_RANK: ReadonlyMap<string, number> = new Map([
  ['dev', 0],
  ['snapshot', 1],
  ['alpha', 2],
  ['beta', 3],
  ['milestone', 4],
  ['pre', 5],
  ['preview', 6],
  ['rc', 7],
]);

/** Token classes in their sort order: pre-release words < numbers < post-release words. */
const TokenClass = { PreRelease: 0, Number: 1, PostRelease: 2 } as const;
type TokenClass = (typeof TokenClass)[keyof typeof TokenClass];

interface Token {
  readonly cls: TokenClass;
  /** Number: digits without leading zeros ('' for zero). Words: lower-case text. */
  readonly text: string;
  /** Pre-release words only: position in PRE_RELEASE_RANK. */
  readonly rank: number;
}

/** A version string cut into tokens once, so range checks do not re-tokenise per comparison. */
export interface CompiledVersion {
  readonly raw: string;
  readonly tokens: readonly Token[];
  /** Set when the string is valid SemVer 2.0.0. */
  readonly semver: SemVer | undefined;
}

const ZERO: Token = { cls: TokenClass.Number, text: '', rank: 0 };
const TOKEN_PATTERN = /[0-9]+|[A-Za-z]+/g;

function tokenize(version: string): Token[] {
  const tokens: Token[] = [];
  // A leading `v` (`v2.4`) is a prefix, not a post-release word that would outrank every number.
  const text = /^[vV]\d/.test(version) ? version.slice(1) : version;
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const token = match[0];
    const first = token.charCodeAt(0);
    if (first >= 48 && first <= 57) {
      tokens.push({ cls: TokenClass.Number, text: token.replace(/^0+/, ''), rank: 0 });
    } else {
      const word = token.toLowerCase();
      const rank = PRE_RELEASE_RANK.get(word);
      tokens.push(
        rank === undefined
          ? { cls: TokenClass.PostRelease, text: word, rank: 0 }
          : { cls: TokenClass.PreRelease, text: word, rank },
      );
    }
  }
  return tokens;
}

function parseSemver(version: string): SemVer | undefined {
  // Cheap pre-check: most vendor strings (two or four dotted numbers) are not SemVer.
  if (!/^v?\d+\.\d+\.\d+(?:[-+].*)?$/.test(version)) return undefined;
  try {
    return new SemVer(version);
  } catch {
    return undefined;
  }
}

/** Tokenises a version string for repeated comparisons with {@link compareCompiledVersions}. */
export function compileVersion(version: string): CompiledVersion {
  return { raw: version, tokens: tokenize(version), semver: parseSemver(version) };
}

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareTokens(a: Token, b: Token): -1 | 0 | 1 {
  if (a.cls !== b.cls) return a.cls < b.cls ? -1 : 1;
  switch (a.cls) {
    case TokenClass.Number:
      // Digit strings without leading zeros: longer is larger, equal length compares as text.
      if (a.text.length !== b.text.length) return a.text.length < b.text.length ? -1 : 1;
      return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
    case TokenClass.PreRelease:
      if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
      return 0;
    case TokenClass.PostRelease:
      return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  }
}

/** Compares two compiled versions: negative when `a` is older, 0 when equal, positive when newer. */
export function compareCompiledVersions(a: CompiledVersion, b: CompiledVersion): -1 | 0 | 1 {
  if (a.semver !== undefined && b.semver !== undefined) return sign(a.semver.compare(b.semver));
  const length = Math.max(a.tokens.length, b.tokens.length);
  for (let i = 0; i < length; i += 1) {
    const order = compareTokens(a.tokens[i] ?? ZERO, b.tokens[i] ?? ZERO);
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * Compares two version strings (see the module notes for the rules): -1 when `a` is older than `b`,
 * 0 when they denote the same version (`1.0` and `1.0.0`), 1 when `a` is newer.
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  return compareCompiledVersions(compileVersion(a), compileVersion(b));
}
