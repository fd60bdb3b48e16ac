import { describe, expect, it } from 'vitest';
import {
  buildPackageUrl,
  canonicalPackageUrl,
  formatPackageUrl,
  PackageUrlError,
  parsePackageUrl,
} from '../../../../functions/match/purl/package-url.ts';

describe('parsePackageUrl', () => {
  it('applies the type rules packageurl-js knows (PyPI lower case with -)', () => {
    expect(parsePackageUrl('pkg:PYPI/Django_package@1.11.1.dev1')).toEqual({
      type: 'pypi',
      namespace: undefined,
      name: 'django-package',
      version: '1.11.1.dev1',
      qualifiers: undefined,
      subpath: undefined,
    });
  });

  it('reads a git purl as host namespace and repository-path name', () => {
    const purl = parsePackageUrl('pkg:git/codeberg.org/forgejo/forgejo@a72d2c0#options/locale_readme.md');

    expect(purl).toMatchObject({ namespace: 'codeberg.org', name: 'forgejo/forgejo', subpath: 'options/locale_readme.md' });
  });

  it('lower-cases Homebrew tap and formula names', () => {
    expect(parsePackageUrl('pkg:brew/Homebrew/Core/SQLite@3.43.2')).toMatchObject({ namespace: 'homebrew/core', name: 'sqlite' });
  });

  it.each([
    ['pkg:cpan/URI::PackageURL', 'cannot contain ::'],
    ['pkg:julia/Dates', 'uuid qualifier'],
    ['pkg:otp/namespace/hex@2.1.1', 'no namespace'],
    ['pkg:vcpkg/boost/asio@1.84.0', 'no namespace'],
    ['pkg:vscode-extension/java@1.46.2025091308', 'publisher'],
    ['pkg:chrome-extension/dogs', '32 letters'],
    ['pkg:vcpkg/@1.0.8', 'name is empty'],
    ['pkg:gem/jruby-launcher@1.1.2?Platform=java', 'not lower case'],
  ])('refuses %s (%s)', (input, reason) => {
    expect(() => parsePackageUrl(input)).toThrow(PackageUrlError);
    expect(() => parsePackageUrl(input)).toThrow(reason);
  });

  it('repairs upper-case qualifier keys only when asked to normalise', () => {
    expect(parsePackageUrl('pkg:gem/jruby-launcher@1.1.2?Platform=java', { normalise: true }).qualifiers).toEqual({ platform: 'java' });
  });
});

describe('formatPackageUrl', () => {
  it('percent-encodes as ECMA-427: colons literal, + and @ encoded, qualifiers sorted', () => {
    const purl = buildPackageUrl({
      type: 'deb',
      namespace: 'debian',
      name: 'attr',
      version: '1:2.4.47-2+b1',
      qualifiers: { distro: 'debian-12', arch: 'amd64', download_url: 'https://example.org/a b' },
    });

    expect(formatPackageUrl(purl)).toBe('pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64&distro=debian-12&download_url=https:%2F%2Fexample.org%2Fa%20b');
  });

  it('keeps the path separators of namespace, git name and subpath', () => {
    expect(canonicalPackageUrl('pkg:git/codeberg.org/forgejo/forgejo#options/locale_readme.md')).toBe(
      'pkg:git/codeberg.org/forgejo/forgejo#options/locale_readme.md',
    );
    expect(canonicalPackageUrl('pkg:npm/@babel/core#/googleapis/api/')).toBe('pkg:npm/%40babel/core#googleapis/api');
  });

  it('refuses components without a type', () => {
    expect(() => buildPackageUrl({ type: null, name: 'nginx' })).toThrow(PackageUrlError);
  });
});
