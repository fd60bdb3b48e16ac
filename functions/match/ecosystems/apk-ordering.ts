import { compareNumbers, type Ordering } from './digit-string.ts';
import { UnsupportedVersion } from './unsupported-version.ts';

/**
 * Alpine (and Wolfi, Chainguard): apk-tools' version order, for `1.2.3a_rc1_p2-r4`. The version is
 * read as a chain of tokens whose kind depends on what came before: numbers after `.` (a number with
 * leading zeros is a fraction: `1.01 < 1.1`), a letter after a number, `_` suffixes (`alpha`, `beta`,
 * `pre`, `rc` are pre-releases; `cvs`, `svn`, `git`, `hg`, `p` post-releases) with an optional
 * number, and `-r` revisions. Where two chains agree until one stops or switches kind, the later
 * kind is the older version, except that a pre-release suffix is older than anything.
 */

const Kind = { DigitOrZero: 0, Digit: 1, Letter: 2, Suffix: 3, SuffixNumber: 4, Revision: 5, End: 6, Invalid: -1 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const PRE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'];
const POST_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'];

interface Cursor {
  readonly text: string;
  position: number;
  kind: Kind;
}

/** The kind of token that starts at the cursor, given the kind of the token just read. */
function nextKind(cursor: Cursor): Kind {
  const { text } = cursor;
  const char = text.charAt(cursor.position);
  const previous = cursor.kind;
  let kind: Kind = Kind.Invalid;
  if (char === '') return Kind.End;
  if ((previous === Kind.Digit || previous === Kind.DigitOrZero) && /[a-z]/.test(char)) kind = Kind.Letter;
  else if (previous === Kind.Letter && /\d/.test(char)) kind = Kind.Digit;
  else {
    if (char === '.') kind = Kind.DigitOrZero;
    else if (char === '_') kind = Kind.Suffix;
    else if (char === '-' && text.charAt(cursor.position + 1) === 'r') {
      kind = Kind.Revision;
      cursor.position++;
    }
    cursor.position++;
  }
  // Tokens only move forward in kind, apart from these repetitions.
  const repeats =
    (kind === Kind.DigitOrZero && previous === Kind.Digit) ||
    (kind === Kind.Suffix && previous === Kind.SuffixNumber) ||
    (kind === Kind.Digit && previous === Kind.Letter);
  return kind < previous && !repeats ? Kind.Invalid : kind;
}

/** Reads the token at the cursor (of the cursor's kind) and advances to the next one; its weight. */
function readToken(cursor: Cursor): bigint {
  const rest = cursor.text.slice(cursor.position);
  if (rest === '') {
    cursor.kind = Kind.End;
    return 0n;
  }
  let value: bigint;
  let length: number;
  let following: Kind | undefined;
  switch (cursor.kind) {
    case Kind.DigitOrZero:
    case Kind.Digit:
    case Kind.SuffixNumber:
    case Kind.Revision: {
      const zeros = cursor.kind === Kind.DigitOrZero ? (/^0+/.exec(rest)?.[0] ?? '') : '';
      if (zeros !== '') {
        // Leading zeros: the more there are, the smaller the fraction.
        value = BigInt(-zeros.length);
        length = zeros.length;
        following = Kind.Digit;
        break;
      }
      const digits = /^\d*/.exec(rest)?.[0] ?? '';
      value = digits === '' ? 0n : BigInt(digits);
      length = digits.length;
      break;
    }
    case Kind.Letter:
      value = BigInt(rest.charCodeAt(0));
      length = 1;
      break;
    case Kind.Suffix: {
      const pre = PRE_SUFFIXES.findIndex((suffix) => rest.startsWith(suffix));
      const post = POST_SUFFIXES.findIndex((suffix) => rest.startsWith(suffix));
      if (pre !== -1) {
        value = BigInt(pre - PRE_SUFFIXES.length);
        length = (PRE_SUFFIXES[pre] as string).length;
      } else if (post !== -1) {
        value = BigInt(post);
        length = (POST_SUFFIXES[post] as string).length;
      } else {
        cursor.kind = Kind.Invalid;
        return -1n;
      }
      // A suffix's number is optional; without one the next token follows directly (`_alpha_pre2`).
      if (/^\d/.test(rest.slice(length))) following = Kind.SuffixNumber;
      break;
    }
    default:
      cursor.kind = Kind.Invalid;
      return -1n;
  }
  cursor.position += length;
  if (cursor.position >= cursor.text.length) cursor.kind = Kind.End;
  else if (following !== undefined) cursor.kind = following;
  else cursor.kind = nextKind(cursor);
  return value;
}

function isValid(version: string): boolean {
  if (!/^\d/.test(version)) return false;
  const cursor: Cursor = { text: version, position: 0, kind: Kind.Digit };
  while (cursor.kind !== Kind.End && cursor.kind !== Kind.Invalid) readToken(cursor);
  return cursor.kind === Kind.End;
}

export function compareApkVersions(a: string, b: string, ecosystem = 'Alpine'): Ordering {
  for (const version of [a, b]) if (!isValid(version)) throw new UnsupportedVersion(ecosystem, version, 'not an apk version');
  const left: Cursor = { text: a, position: 0, kind: Kind.Digit };
  const right: Cursor = { text: b, position: 0, kind: Kind.Digit };
  let x = 0n;
  let y = 0n;
  while (left.kind === right.kind && left.kind !== Kind.End && left.kind !== Kind.Invalid && x === y) {
    x = readToken(left);
    y = readToken(right);
  }
  if (x !== y) return x < y ? -1 : 1;
  if (left.kind === right.kind) return 0;
  // Equal so far: a pre-release suffix is older than anything, otherwise the later kind is older.
  if (left.kind === Kind.Suffix && readToken({ ...left }) < 0n) return -1;
  if (right.kind === Kind.Suffix && readToken({ ...right }) < 0n) return 1;
  return compareNumbers(right.kind, left.kind);
}
