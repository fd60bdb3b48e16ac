import { compareDigits, compareNumbers, type Ordering } from './digit-string.ts';
import { UnsupportedVersion } from './unsupported-version.ts';

/**
 * Packagist: PHP's `version_compare`, which Composer uses, after Composer's removal of a leading `v`.
 * The version is cut at `.`, `-`, `_`, `+`, any other non-alphanumeric character and every switch
 * between digits and letters; numbers compare as numbers, words by their leading special form:
 * any other word < `dev` < `alpha`/`a` < `beta`/`b` < `RC`/`rc` < a number < `pl`/`p`.
 */

const SPECIAL_FORMS: readonly (readonly [string, number])[] = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];
/** Where a number stands among the special forms. */
const NUMBER_RANK = 4;
const UNKNOWN_RANK = -6;

function specialRank(word: string): number {
  return SPECIAL_FORMS.find(([form]) => word.startsWith(form))?.[1] ?? UNKNOWN_RANK;
}

const startsWithDigit = (part: string) => /^\d/.test(part);

/** PHP's canonical form, cut into its parts. */
function parts(version: string): string[] {
  const text = version.replace(/^[vV](?=\d)/, '');
  let canonical = '';
  let previous = '';
  for (const char of text) {
    const isDigit = /\d/.test(char);
    const wasDigit = /\d/.test(previous);
    const isSeparator = !/[0-9A-Za-z]/.test(char);
    if (canonical === '') canonical = char;
    else if (isSeparator) {
      if (!canonical.endsWith('.')) canonical += '.';
    } else if (previous !== '.' && previous !== '' && isDigit !== wasDigit && /[0-9A-Za-z]/.test(previous)) {
      if (!canonical.endsWith('.')) canonical += '.';
      canonical += char;
    } else canonical += char;
    previous = char;
  }
  return canonical.split('.');
}

function comparePart(a: string, b: string): Ordering {
  const aDigit = startsWithDigit(a);
  const bDigit = startsWithDigit(b);
  if (aDigit && bDigit) return compareDigits(a.match(/^\d+/)?.[0] ?? '0', b.match(/^\d+/)?.[0] ?? '0');
  return compareNumbers(aDigit ? NUMBER_RANK : specialRank(a), bDigit ? NUMBER_RANK : specialRank(b));
}

/** What the parts left over on one side weigh against a side that has run out. */
function compareRest(rest: readonly string[]): Ordering {
  const [first = ''] = rest;
  if (startsWithDigit(first)) return 1;
  if (first === '') return -1;
  return compareNumbers(specialRank(first), NUMBER_RANK);
}

export function comparePackagistVersions(a: string, b: string): Ordering {
  for (const version of [a, b]) if (version.trim() === '') throw new UnsupportedVersion('Packagist', version, 'empty');
  const left = parts(a);
  const right = parts(b);
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const order = comparePart(left[i] as string, right[i] as string);
    if (order !== 0) return order;
  }
  if (left.length > length) return compareRest(left.slice(length));
  if (right.length > length) return (-compareRest(right.slice(length)) || 0) as Ordering;
  return 0;
}
