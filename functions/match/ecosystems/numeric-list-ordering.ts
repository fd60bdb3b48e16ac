import { compareDigits, compareLists, type Ordering } from './digit-string.ts';
import { UnsupportedVersion } from './unsupported-version.ts';

function numbers(version: string, ecosystem: string, separators: RegExp): string[] {
  const parts = version.trim().split(separators);
  if (parts.some((part) => !/^\d+$/.test(part))) throw new UnsupportedVersion(ecosystem, version, 'not a list of numbers');
  return parts;
}

/**
 * CRAN: R's `package_version`, numbers separated by `.` or `-` (`0.1-2 == 0.1.2`), compared as lists,
 * so a longer version with an equal start is later (`0.1.0 < 0.1.0.0`).
 */
export function compareCranVersions(a: string, b: string): Ordering {
  return compareLists(numbers(a, 'CRAN', /[.-]/), numbers(b, 'CRAN', /[.-]/), compareDigits);
}

/** Hackage: Haskell's `Data.Version`, numbers separated by `.`, compared as lists (`1.0 < 1.0.0`). */
export function compareHackageVersions(a: string, b: string): Ordering {
  return compareLists(numbers(a, 'Hackage', /\./), numbers(b, 'Hackage', /\./), compareDigits);
}
