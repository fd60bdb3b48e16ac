import { Version } from '@renovatebot/ruby-semver/dist/ruby/version.js';
import type { Ordering } from './digit-string.ts';
import { UnsupportedVersion } from './unsupported-version.ts';

function parse(version: string): Version {
  // Gem::Version reads a blank string as "0"; an empty version is unknown, not zero.
  const parsed = version.trim() === '' ? null : Version.create(version);
  if (parsed === null) throw new UnsupportedVersion('RubyGems', version, 'not a Gem::Version');
  return parsed;
}

/** RubyGems: `Gem::Version` (a letter segment makes a pre-release: `1.0.a < 1.0`), by `@renovatebot/ruby-semver`. */
export function compareRubyGemsVersions(a: string, b: string): Ordering {
  return Math.sign(parse(a).compare(parse(b))) as Ordering;
}
