import { compareDigits, compareNumbers, type Ordering } from './digit-string.ts';
import { UnsupportedVersion } from './unsupported-version.ts';

/**
 * Debian and Ubuntu: `dpkg --compare-versions`. A version is `[epoch:]upstream[-revision]`; the epoch
 * compares as a number, then upstream and revision each by dpkg's rule: alternate runs of non-digits
 * (letters before other characters, `~` before everything, even the end) and runs of digits (as numbers).
 */

interface DpkgVersion {
  readonly epoch: string;
  readonly upstream: string;
  readonly revision: string;
}

function parse(version: string, ecosystem: string): DpkgVersion {
  const text = version.trim();
  const colon = text.indexOf(':');
  const epoch = colon === -1 ? '0' : text.slice(0, colon);
  const rest = colon === -1 ? text : text.slice(colon + 1);
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen === -1 ? rest : rest.slice(0, hyphen);
  const revision = hyphen === -1 ? '' : rest.slice(hyphen + 1);
  if (!/^\d+$/.test(epoch)) throw new UnsupportedVersion(ecosystem, version, 'epoch is not a number');
  if (upstream === '' || /\s/.test(upstream + revision)) throw new UnsupportedVersion(ecosystem, version, 'not a Debian version');
  return { epoch, upstream, revision };
}

/** dpkg's weight of one character of a non-digit run ('' is the end of the run). */
function weight(char: string): number {
  if (char === '' || /\d/.test(char)) return 0;
  if (/[A-Za-z]/.test(char)) return char.charCodeAt(0);
  if (char === '~') return -1;
  return char.charCodeAt(0) + 256;
}

function comparePart(a: string, b: string): Ordering {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/\d/.test(a.charAt(i))) || (j < b.length && !/\d/.test(b.charAt(j)))) {
      const order = compareNumbers(weight(a.charAt(i)), weight(b.charAt(j)));
      if (order !== 0) return order;
      i++;
      j++;
    }
    const digitsA = /^\d*/.exec(a.slice(i))?.[0] ?? '';
    const digitsB = /^\d*/.exec(b.slice(j))?.[0] ?? '';
    const order = compareDigits(digitsA || '0', digitsB || '0');
    if (order !== 0) return order;
    i += digitsA.length;
    j += digitsB.length;
  }
  return 0;
}

export function compareDpkgVersions(a: string, b: string, ecosystem = 'Debian'): Ordering {
  const left = parse(a, ecosystem);
  const right = parse(b, ecosystem);
  return compareDigits(left.epoch, right.epoch) || comparePart(left.upstream, right.upstream) || comparePart(left.revision, right.revision);
}
