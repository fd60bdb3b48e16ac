import fc from 'fast-check';
import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import { osReleaseOfPackage, osReleaseOfPlatform, purlOfPackage } from '../../../../functions/inventory/cloud/package-purl.ts';
import { describeSoftware } from '../../../../functions/store/keys.ts';

describe('osReleaseOfPlatform', () => {
  it.each([
    ['AMAZON_LINUX_2023', { type: 'rpm', namespace: 'amzn', distro: 'amzn-2023' }],
    ['AMAZON_LINUX_2', { type: 'rpm', namespace: 'amzn', distro: 'amzn-2' }],
    ['UBUNTU_22_04', { type: 'deb', namespace: 'ubuntu', distro: 'ubuntu-22.04' }],
    ['DEBIAN_12', { type: 'deb', namespace: 'debian', distro: 'debian-12' }],
    ['RHEL_9', { type: 'rpm', namespace: 'redhat', distro: 'rhel-9' }],
    ['ALPINE_3_18', { type: 'apk', namespace: 'alpine', distro: 'alpine-3.18' }],
    ['ORACLE_LINUX_8', { type: 'rpm', namespace: 'oracle', distro: 'ol-8' }],
    ['SLES_15_4', { type: 'rpm', namespace: 'suse', distro: 'sles-15.4' }],
  ])('%s is %o', (platform, release) => {
    expect(osReleaseOfPlatform(platform)).toEqual(release);
  });

  it('knows no distribution for Windows, an unknown or no platform', () => {
    expect(osReleaseOfPlatform('WINDOWS_SERVER_2022')).toBeUndefined();
    expect(osReleaseOfPlatform('PLAN9')).toBeUndefined();
    expect(osReleaseOfPlatform(undefined)).toBeUndefined();
  });

  it('reads the distribution from a release that marks it, when there is no platform', () => {
    expect(osReleaseOfPackage({ version: '2.26', release: '64.amzn2.0.1' })).toEqual({ type: 'rpm', namespace: 'amzn', distro: 'amzn-2' });
    expect(osReleaseOfPackage({ version: '7.88.1', release: '10+deb12u5' })).toEqual({ type: 'deb', namespace: 'debian', distro: 'debian-12' });
    expect(osReleaseOfPackage({ version: '1.2.3', release: '4.el9' })).toBeUndefined();
  });
});

describe('purlOfPackage', () => {
  const debian = osReleaseOfPlatform('DEBIAN_12');
  const amazon = osReleaseOfPlatform('AMAZON_LINUX_2023');

  it('keeps a dpkg epoch in the version and an rpm epoch as a qualifier, as each format orders them', () => {
    expect(purlOfPackage({ name: 'passwd', version: '4.13', release: '3', epoch: 1, arch: 'AMD64', packageManager: 'OS' }, debian)).toEqual({
      purl: 'pkg:deb/debian/passwd@1:4.13-3?arch=amd64&distro=debian-12',
    });
    expect(purlOfPackage({ name: 'openssl', version: '3.0.8', release: '1.amzn2023.0.14', epoch: 1, packageManager: 'OS' }, amazon)).toEqual({
      purl: 'pkg:rpm/amzn/openssl@3.0.8-1.amzn2023.0.14?distro=amzn-2023&epoch=1',
    });
    expect(purlOfPackage({ name: 'musl', version: '1.2.4', release: 'r2', packageManager: 'OS' }, osReleaseOfPlatform('ALPINE_3_18'))).toEqual({
      purl: 'pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.18',
    });
  });

  it.each([
    ['NPM', '@scope/pkg', 'pkg:npm/%40scope/pkg@1.0.0'],
    ['NODEPKG', 'express', 'pkg:npm/express@1.0.0'],
    ['PIPENV', 'Flask_Login', 'pkg:pypi/flask-login@1.0.0'],
    ['POM', 'org.example:lib', 'pkg:maven/org.example/lib@1.0.0'],
    ['GEMSPEC', 'rack', 'pkg:gem/rack@1.0.0'],
    ['DOTNET_CORE', 'Example.Lib', 'pkg:nuget/Example.Lib@1.0.0'],
    ['GOMOD', 'github.com/example/mod', 'pkg:golang/github.com/example/mod@1.0.0'],
    ['CARGO', 'serde', 'pkg:cargo/serde@1.0.0'],
    ['COMPOSER', 'vendor/pkg', 'pkg:composer/vendor/pkg@1.0.0'],
  ])('%s %s becomes %s', (packageManager, name, purl) => {
    expect(purlOfPackage({ name, version: '1.0.0', packageManager }, undefined)).toEqual({ purl });
  });

  it('names the field that stops a package: unknown manager, unknown distribution, bad name', () => {
    expect(purlOfPackage({ name: 'x', version: '1', packageManager: 'CONDA' }, undefined)).toMatchObject({ field: 'packageManager', problem: expect.stringContaining('"CONDA"') });
    expect(purlOfPackage({ name: 'bash', version: '5.1', release: '4.el9', packageManager: 'OS' }, undefined)).toMatchObject({ field: 'packageManager', problem: expect.stringContaining('unknown distribution') });
    expect(purlOfPackage({ name: 'lib', version: '1', packageManager: 'JAR' }, undefined)).toMatchObject({ field: 'name', problem: expect.stringContaining('group:artifact') });
    expect(purlOfPackage({ name: '@scope', version: '1', packageManager: 'NPM' }, undefined)).toMatchObject({ field: 'name' });
  });

  it('property: an OS package on a known platform gives a purl the store takes, with its version and distro', () => {
    const token = fc.stringMatching(/^[a-z0-9][a-z0-9.+~-]{0,12}$/);
    fc.assert(
      fc.property(
        fc.constantFrom('AMAZON_LINUX_2023', 'UBUNTU_22_04', 'DEBIAN_12', 'ALPINE_3_19', 'RHEL_9'),
        fc.stringMatching(/^[a-z0-9][a-z0-9+.-]{0,20}$/),
        fc.stringMatching(/^[0-9][0-9a-z.]{0,10}$/),
        token,
        fc.nat({ max: 3 }),
        (platform, name, version, release, epoch) => {
          const os = osReleaseOfPlatform(platform);
          const result = purlOfPackage({ name, version, release, epoch, packageManager: 'OS' }, os);
          if (!('purl' in result)) return false;
          describeSoftware(result);
          const parsed = PackageURL.fromString(result.purl);
          expect(parsed.type).toBe(os?.type);
          expect(parsed.qualifiers?.distro).toBe(os?.distro);
          expect(parsed.version).toContain(`${version}-${release}`);
          return true;
        },
      ),
    );
  });
});
