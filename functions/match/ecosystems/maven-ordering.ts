import { compareDigits, compareNumbers, compareStrings, type Ordering } from './digit-string.ts';
import { UnsupportedVersion } from './unsupported-version.ts';

/**
 * Maven: the "Version Order Specification" of the POM reference, which Maven's `ComparableVersion`
 * implements. A version is cut into tokens at `.`, at `-` and at each switch between digits and
 * letters (a switch counts as `-`); each token keeps the separator before it, and the separator takes
 * part in the order: `.qualifier < -qualifier < -number < .number`.
 */

interface Token {
  readonly separator: '.' | '-';
  readonly value: string;
  /** Padding added to the shorter version; a real `0` token is not padding. */
  readonly padding: boolean;
}

/** Known qualifiers in their order; `''` is the release itself; unknown qualifiers sort after all. */
const QUALIFIER_ORDER = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Readonly<Record<string, string>> = { cr: 'rc', ga: '', final: '', release: '' };
/** Single-letter shorthands, valid only when a number follows directly (`a1`, not `a`). */
const SHORTHANDS: Readonly<Record<string, string>> = { a: 'alpha', b: 'beta', m: 'milestone' };

const isNumber = (value: string) => /^\d+$/.test(value);
const isNull = (token: Token) => token.value === '0' || token.value === '';

function tokenize(version: string): Token[] {
  const tokens: Token[] = [];
  for (const [index, part] of version.toLowerCase().split(/(?=[.-])/).entries()) {
    const separator = index === 0 || part.startsWith('.') ? '.' : '-';
    const body = index === 0 ? part : part.slice(1);
    const pieces = body.match(/\d+|\D+/g) ?? [''];
    pieces.forEach((piece, position) => {
      let value = piece === '' ? '0' : piece;
      value = ALIASES[value] ?? value;
      if (position < pieces.length - 1) value = SHORTHANDS[value] ?? value;
      if (isNumber(value)) value = value.replace(/^0+(?=\d)/, '');
      tokens.push({ separator: position === 0 ? separator : '-', value, padding: false });
    });
  }
  // Trailing null values are dropped, and again before each remaining hyphen, from the end.
  let i = tokens.length - 1;
  while (i > 0) {
    const token = tokens[i] as Token;
    if (isNull(token)) {
      tokens.splice(i, 1);
      i--;
      continue;
    }
    while (i >= 0 && tokens[i]?.separator !== '-') i--;
    i--;
  }
  return tokens;
}

/** Separator order when two tokens differ in separator. */
function separatorRank(token: Token): number {
  if (isNumber(token.value)) return token.separator === '-' ? 2 : 3;
  return token.separator === '-' ? 1 : 0;
}

function qualifierRank(value: string): number {
  const rank = QUALIFIER_ORDER.indexOf(value);
  return rank === -1 ? QUALIFIER_ORDER.length : rank;
}

function compareTokens(a: Token, b: Token): Ordering {
  if (a.separator !== b.separator) return compareNumbers(separatorRank(a), separatorRank(b));
  const aNumber = isNumber(a.value);
  const bNumber = isNumber(b.value);
  if (aNumber && bNumber) return compareDigits(a.value, b.value);
  // A number is after any qualifier, but padding is not a number.
  if (aNumber && !a.padding) return 1;
  if (bNumber && !b.padding) return -1;
  const aRank = qualifierRank(a.value);
  const bRank = qualifierRank(b.value);
  if (aRank === QUALIFIER_ORDER.length && bRank === QUALIFIER_ORDER.length) return compareStrings(a.value, b.value);
  return compareNumbers(aRank, bRank);
}

/** What the shorter version is padded with, facing `other`: `.0` (`.''` before `.sp`, the one qualifier after a release) or `-''`. */
function paddingFor(other: Token): Token {
  if (other.separator === '-') return { separator: '-', value: '', padding: true };
  return { separator: '.', value: other.value === 'sp' ? '' : '0', padding: true };
}

/** Orders two Maven versions. Every string is some Maven version, so only an empty one is refused. */
export function compareMavenVersions(a: string, b: string): Ordering {
  for (const version of [a, b]) if (version.trim() === '') throw new UnsupportedVersion('Maven', version, 'empty');
  const left = tokenize(a);
  const right = tokenize(b);
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const x = left[i] ?? paddingFor(right[i] as Token);
    const y = right[i] ?? paddingFor(left[i] as Token);
    if (x.separator === y.separator && x.value === y.value) continue;
    return compareTokens(x, y);
  }
  return 0;
}
