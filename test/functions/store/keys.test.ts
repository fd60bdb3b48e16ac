import { describe, expect, it } from 'vitest';
import { packageKeyOfCpe } from '../../../functions/match/cpe.ts';
import { InvalidPackageIdentifier, cpePackageKey, describeSoftware, packageKeyOf, parseCpe23, purlPackageKey } from '../../../functions/store/keys.ts';

describe('package keys', () => {
  it('parses CPE 2.3 strings honouring backslash escapes', () => {
    const cpe = parseCpe23('cpe:2.3:a:foo\\:bar:big\\\\product:1.0\\:beta:*:*:*:*:*:*:*');
    expect(cpe).toMatchObject({ part: 'a', vendor: 'foo:bar', product: 'big\\product', version: '1.0:beta' });
    expect(() => parseCpe23('cpe:2.3:a:citrix')).toThrow(InvalidPackageIdentifier);
    expect(() => parseCpe23('cpe:/a:citrix:netscaler')).toThrow(InvalidPackageIdentifier);
  });

  it('gives one key per vendor and product however the CPE was written, the same key the matcher looks up', () => {
    const variants = [
      'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*',
      'cpe:2.3:a:Citrix:NetScaler_Gateway:*:*:*:*:*:*:*:*',
      'cpe:2.3:o:microsoft:windows_8\\.1:-:*:*:*:*:*:*:*',
      'cpe:2.3:a:foo\\:bar:product:1:*:*:*:*:*:*:*',
    ];
    expect(cpePackageKey(variants[0]!)).toBe('cpe:citrix:netscaler_gateway');
    expect(cpePackageKey(variants[1]!)).toBe('cpe:citrix:netscaler_gateway');
    expect(cpePackageKey(variants[2]!)).toBe('cpe:microsoft:windows_8.1');
    expect(cpePackageKey(variants[3]!)).toBe('cpe:foo\\:bar:product');
    for (const cpe of variants) expect(cpePackageKey(cpe)).toBe(packageKeyOfCpe(cpe));
  });

  it('keys purls by type, namespace and name, normalised per type', () => {
    expect(purlPackageKey('pkg:npm/%40angular/core@16.0.0')).toBe('purl:npm/@angular/core');
    expect(purlPackageKey('pkg:pypi/Django@4.2')).toBe('purl:pypi/django');
    expect(purlPackageKey('pkg:npm/lodash@4.17.20')).toBe('purl:npm/lodash');
    expect(packageKeyOf('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1')).toBe('purl:maven/org.apache.logging.log4j/log4j-core');
    expect(describeSoftware({ purl: 'pkg:deb/debian/curl@7.68.0-1?arch=amd64' })).toEqual({
      packageKey: 'purl:deb/debian/curl',
      identifier: 'pkg:deb/debian/curl@7.68.0-1?arch=amd64',
      version: '7.68.0-1',
    });
    expect(() => purlPackageKey('pkg:')).toThrow(InvalidPackageIdentifier);
  });
});
