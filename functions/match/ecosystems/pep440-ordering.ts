import pep440 from '@renovatebot/pep440';
import type { Ordering } from './digit-string.ts';
import { UnsupportedVersion } from './unsupported-version.ts';

/**
 * PyPI: PEP 440 (epochs, pre/post/dev releases, local versions), by `@renovatebot/pep440`. Strings that
 * are not PEP 440 (`0.1-bulbasaur`, `2013-09-11T19-27-10`) are refused, as current pip and
 * `packaging` refuse them; old `packaging` sorted them as "legacy" versions before all others.
 */
export function comparePep440Versions(a: string, b: string): Ordering {
  for (const version of [a, b]) {
    if (pep440.parse(version) === null) throw new UnsupportedVersion('PyPI', version, 'not a PEP 440 version');
  }
  return Math.sign(pep440.compare(a, b)) as Ordering;
}
