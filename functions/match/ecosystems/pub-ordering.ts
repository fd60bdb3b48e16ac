import type { Ordering } from './digit-string.ts';
import { compareLists, compareNumbers } from './digit-string.ts';
import { compareLenient, compareSemVerIdentifier, parseSemVerLike } from './semver-ordering.ts';

/**
 * Pub (Dart): SemVer precedence, except that build metadata counts: a version with a build is after
 * the same version without one (`1.0.0 < 1.0.0+1`), and builds compare like pre-release identifiers.
 */
export function comparePubVersions(a: string, b: string): Ordering {
  const left = parseSemVerLike(a, 'Pub');
  const right = parseSemVerLike(b, 'Pub');
  const order = compareLenient(left, right);
  if (order !== 0) return order;
  if (left.build.length === 0 || right.build.length === 0) return compareNumbers(left.build.length, right.build.length);
  return compareLists(left.build, right.build, compareSemVerIdentifier);
}
