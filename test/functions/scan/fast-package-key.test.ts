import fc from 'fast-check';
import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import { fastKeyOfIdentifier, fastKeyOfPackageKey } from '../../../functions/scan/fast-package-key.ts';
import { packageKeyOf } from '../../../functions/store/keys.ts';

describe('fast package keys', () => {
  it.each([
    'pkg:npm/%40babel/core@7.0.0',
    'pkg:npm/@babel/core@7.0.0',
    'pkg:pypi/Django_Rest@1.0',
    'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar',
    'pkg:golang/golang.org/x/net@v0.1.0#sub/dir',
    'pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12',
    'pkg:nuget/Newtonsoft.Json@12.0.3',
    'pkg:npm/left-pad',
    'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*',
    'cpe:2.3:a:ven\\:dor:pro\\:duct:1:*:*:*:*:*:*:*',
  ])('an identifier and its package key meet on one fast key: %s', (identifier) => {
    expect(fastKeyOfIdentifier(identifier)).toBe(fastKeyOfPackageKey(packageKeyOf(identifier)));
  });

  it('never misses: every valid purl has the fast key of its package key', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,12}$/);
    fc.assert(
      fc.property(
        fc.constantFrom('npm', 'pypi', 'maven', 'golang', 'gem', 'nuget', 'cargo', 'composer', 'deb', 'rpm', 'apk', 'generic'),
        fc.option(fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')), { nil: undefined }),
        segment,
        fc.option(segment, { nil: undefined }),
        fc.option(fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), segment, { maxKeys: 2 }), { nil: undefined }),
        (type, namespace, name, version, qualifiers) => {
          let purl: string;
          try {
            purl = new PackageURL(type, namespace, name, version, qualifiers).toString();
            packageKeyOf(purl);
          } catch {
            return; // not a purl packageurl-js builds and reads back: not an inventory identifier
          }
          expect(fastKeyOfIdentifier(purl)).toBe(fastKeyOfPackageKey(packageKeyOf(purl)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is undefined for what is neither a purl nor a CPE 2.3 string', () => {
    expect(fastKeyOfIdentifier('openssl 3.0.7')).toBeUndefined();
    expect(fastKeyOfPackageKey('other:x')).toBeUndefined();
  });
});
