import { compareDigits, compareLists, compareNumbers, compareStrings, type Ordering } from './digit-string.ts';
import { UnsupportedVersion } from './unsupported-version.ts';

interface NuGetVersion {
  readonly numbers: readonly string[];
  readonly prerelease: readonly string[];
}

const NUGET = /^(\d+(?:\.\d+)*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function parse(version: string): NuGetVersion {
  const match = NUGET.exec(version.trim());
  if (!match) throw new UnsupportedVersion('NuGet', version, 'not a NuGet version');
  const [, numbers = '', prerelease] = match;
  // Pre-release labels compare case-insensitively; build metadata is ignored.
  return { numbers: numbers.split('.'), prerelease: prerelease === undefined ? [] : prerelease.toLowerCase().split('.') };
}

function compareLabel(a: string, b: string): Ordering {
  const aNumeric = /^\d+$/.test(a);
  const bNumeric = /^\d+$/.test(b);
  if (aNumeric && bNumeric) return compareDigits(a, b);
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  return compareStrings(a, b);
}

/**
 * NuGet: SemVer 2.0.0 precedence extended to a fourth (revision) number, with missing numbers as 0
 * (`1.0 == 1.0.0.0`), leading zeros ignored and pre-release labels compared case-insensitively.
 */
export function compareNuGetVersions(a: string, b: string): Ordering {
  const left = parse(a);
  const right = parse(b);
  const length = Math.max(left.numbers.length, right.numbers.length);
  for (let i = 0; i < length; i++) {
    const order = compareDigits(left.numbers[i] ?? '0', right.numbers[i] ?? '0');
    if (order !== 0) return order;
  }
  if (left.prerelease.length === 0 || right.prerelease.length === 0) return compareNumbers(right.prerelease.length, left.prerelease.length);
  return compareLists(left.prerelease, right.prerelease, compareLabel);
}
