import { compareDigits, compareStrings, type Ordering } from './digit-string.ts';
import { UnsupportedVersion } from './unsupported-version.ts';

/**
 * RPM's `rpmvercmp`, used by Red Hat, Rocky Linux, AlmaLinux, SUSE, openSUSE and Mageia. Segments
 * are runs of digits or of letters, everything else separates them; digits beat letters; `~` sorts
 * before anything (pre-releases: `1.0~rc1 < 1.0`), `^` after the end but before any more segments
 * (snapshots: `1.0 < 1.0^git1 < 1.0.1`).
 */
export function rpmvercmp(a: string, b: string): Ordering {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const separator = (char: string) => char !== '' && !/[0-9A-Za-z~^]/.test(char);
  while (i < a.length || j < b.length) {
    while (separator(a.charAt(i))) i++;
    while (separator(b.charAt(j))) j++;
    const x = a.charAt(i);
    const y = b.charAt(j);
    if (x === '~' || y === '~') {
      if (x !== '~') return 1;
      if (y !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (x === '^' || y === '^') {
      if (x === '') return -1;
      if (y === '') return 1;
      if (x !== '^') return 1;
      if (y !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (x === '' || y === '') break;
    const numeric = /\d/.test(x);
    const run = numeric ? /^\d+/ : /^[A-Za-z]+/;
    const segmentA = run.exec(a.slice(i))?.[0] ?? '';
    const segmentB = run.exec(b.slice(j))?.[0] ?? '';
    // A number against letters: the number is newer.
    if (segmentB === '') return numeric ? 1 : -1;
    const order = numeric ? compareDigits(segmentA, segmentB) : compareStrings(segmentA, segmentB);
    if (order !== 0) return order;
    i += segmentA.length;
    j += segmentB.length;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

interface Evr {
  readonly epoch: string;
  readonly version: string;
  readonly release: string;
}

/** rpm's own reading: an epoch only when digits precede the first `:`, the release after the last `-`. */
function parse(version: string, ecosystem: string): Evr {
  const text = version.trim();
  if (text === '') throw new UnsupportedVersion(ecosystem, version, 'empty');
  const epochMatch = /^(\d*):/.exec(text);
  const rest = epochMatch ? text.slice(epochMatch[0].length) : text;
  const hyphen = rest.lastIndexOf('-');
  return {
    epoch: epochMatch?.[1] || '0',
    version: hyphen === -1 ? rest : rest.slice(0, hyphen),
    release: hyphen === -1 ? '' : rest.slice(hyphen + 1),
  };
}

/** Orders `[epoch:]version[-release]` strings: epoch as a number (missing is 0), then version, then release. */
export function compareRpmVersions(a: string, b: string, ecosystem = 'Red Hat'): Ordering {
  const left = parse(a, ecosystem);
  const right = parse(b, ecosystem);
  return compareDigits(left.epoch, right.epoch) || rpmvercmp(left.version, right.version) || rpmvercmp(left.release, right.release);
}
