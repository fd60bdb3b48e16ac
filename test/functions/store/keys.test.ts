import { describe, expect, it } from 'vitest';
import { packageKeyOfCpe } from '../../../functions/match/cpe.ts';
import { idProblem } from '../../../functions/model/ids.ts';
import {
  InvalidKeyPart,
  InvalidPackageIdentifier,
  assetKey,
  cpePackageKey,
  describeSoftware,
  exposureKey,
  packageKeyOf,
  parseCpe23,
  purlPackageKey,
  targetKey,
  vulnerabilityKey,
} from '../../../functions/store/keys.ts';

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

describe('table keys (found on main: T#a#ASSET#b#ASSET#c had two readings)', () => {
  it('gives every key one reading: tenants are tenant ids and no id carries a key delimiter', () => {
    expect(assetKey('a', 'b').pk).toBe('T#a#ASSET#b');
    expect(() => assetKey('a', 'b#ASSET#c')).toThrow(new InvalidKeyPart('asset id "b#ASSET#c" must not contain "#" (a key delimiter)'));
    expect(() => assetKey('a#ASSET#b', 'c')).toThrow(/tenant "a#ASSET#b" is not a tenant id/);
    expect(() => vulnerabilityKey('Default', 'CVE-2023-4966')).toThrow(InvalidKeyPart);
    expect(() => exposureKey('default', 'CVE-2023-4966', 'gw|1')).toThrow(/must not contain "\|"/);
    expect(() => targetKey('default', 'crowdstrike#x', 'host')).toThrow(InvalidKeyPart);
    // Targets are hashed into their key: any text names one target, and the tenant still bounds it.
    expect(targetKey('default', 'crowdstrike-containment', 'crowdstrike-device:a#b').pk).toMatch(/^T#default#TARGET#crowdstrike-containment#[0-9a-f]{32}$/);
  });

  it('refuses ids that display as something they are not, naming the character', () => {
    expect(idProblem('nsgw-edge-01')).toBeUndefined();
    expect(idProblem('edge\u202e10-wgsn')).toBe('must not contain bidirectional or invisible formatting character U+202E');
    expect(idProblem('edge\u200b01')).toBe('must not contain bidirectional or invisible formatting character U+200B');
    expect(idProblem('edge\u000701')).toBe('must not contain control character U+0007');
    expect(idProblem(' edge')).toBe('must not start or end with whitespace');
  });
});
