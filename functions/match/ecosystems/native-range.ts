import pep440 from '@renovatebot/pep440';
import { satisfies as satisfiesSemVer } from 'semver';
import { UnsupportedEcosystem } from './unsupported-version.ts';

/** How a native range treats pre-releases and loose version strings. */
export interface NativeRangeOptions {
  /**
   * Whether a pre-release can fall in a range that names no pre-release of its own version
   * (npm: `2.0.0-rc.1` in `>=1.0.0 <3.0.0`; PyPI: `2.0b1` in `>=1.0`). On by default: an advisory's
   * range covers the pre-releases inside it, whatever a package manager would install.
   * @default true
   */
  readonly includePrerelease?: boolean;
  /** npm only: accept node-semver's loose version and range forms. @default false */
  readonly loose?: boolean;
}

/**
 * Whether a version falls in a range written in its ecosystem's own syntax, as GitHub advisories and
 * package manifests write them: npm ranges (`>=1.2.0 <1.4.2 || ^2.0.0`, by `semver`) and PyPI
 * specifiers (`>=1.0,!=1.3.*`, by `@renovatebot/pep440`). Throws `UnsupportedEcosystem` for others.
 */
export function satisfiesNativeRange(ecosystem: string, version: string, range: string, options: NativeRangeOptions = {}): boolean {
  const includePrerelease = options.includePrerelease ?? true;
  switch (ecosystem) {
    case 'npm':
      return satisfiesSemVer(version, range, { includePrerelease, loose: options.loose ?? false });
    case 'PyPI':
      return pep440.satisfies(version, range, { prereleases: includePrerelease });
    default:
      throw new UnsupportedEcosystem(ecosystem);
  }
}
