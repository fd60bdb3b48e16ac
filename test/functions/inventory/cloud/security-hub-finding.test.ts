import { describe, expect, it } from 'vitest';
import { securityHubFindingsToAssets } from '../../../../functions/inventory/cloud/security-hub-finding.ts';
import { assetOfPartial, mergeAssetPartial } from '../../../../functions/inventory/merge-asset.ts';
import { InvalidInputError } from '../../../../functions/inventory/parse-inventory.ts';
import { AssetSchema } from '../../../../functions/model/asset.ts';
import { INSTANCES } from '../../../fixtures/inventory/cloud/make-cloud-fixtures.ts';
import { cloudFixture } from './read-fixture.ts';

const options = { sourceName: 'securityhub.json' };
type Json = Record<string, any>;

describe('securityHubFindingsToAssets', () => {
  it('gathers the findings of one instance into one asset partial: binding from the ARN, software, evidence per vulnerability', () => {
    // Act
    const { assets } = securityHubFindingsToAssets(cloudFixture('securityhub-findings-imported.json'), options);

    // Assert
    expect(assets).toHaveLength(1);
    const [{ partial, evidence }] = assets as [(typeof assets)[number]];
    expect(partial).toMatchObject({
      id: INSTANCES.app,
      cloud: { provider: 'aws', account: '111122223333', region: 'eu-west-1', instanceId: INSTANCES.app, securityGroups: [] },
      ips: ['10.0.2.30'],
      tags: { env: 'prod' },
    });
    expect(partial.software).toEqual([
      { purl: 'pkg:rpm/amzn/glibc@2.26-64.amzn2.0.1?arch=x86_64&distro=amzn-2' },
      { purl: 'pkg:maven/com.example.databind/example-databind@2.9.10' },
    ]);
    expect(evidence.map((entry) => [entry.source, entry.vulnerability, entry.status])).toEqual([
      ['securityhub', 'CVE-2099-3011', 'ACTIVE'],
      ['securityhub', 'CVE-2099-3012', 'ARCHIVED'],
    ]);
    expect(AssetSchema.safeParse(assetOfPartial(partial)).success).toBe(true);
  });

  it('reports an archived finding\'s packages gone unless an active finding of the batch names them', () => {
    const [asset] = securityHubFindingsToAssets(cloudFixture('securityhub-findings-imported.json'), options).assets;
    // glibc is in both the active and the archived finding: it stays.
    expect(asset?.partial.absentSoftware).toEqual([{ purl: 'pkg:rpm/amzn/curl@8.3.0-1.amzn2.0.4?arch=x86_64&distro=amzn-2' }]);
    const stored = assetOfPartial({ id: INSTANCES.app, software: [{ purl: 'pkg:rpm/amzn/curl@8.3.0-1.amzn2.0.4?arch=x86_64&distro=amzn-2' }] });
    expect(mergeAssetPartial(stored, asset!.partial).software.map((software) => ('purl' in software ? software.purl : ''))).not.toContainEqual(expect.stringContaining('curl'));
  });

  it('ignores findings without vulnerabilities and quarantines an unreadable finding with the field path', () => {
    const { quarantined, ignored } = securityHubFindingsToAssets(cloudFixture('securityhub-findings-imported.json'), options);
    expect(ignored).toEqual([expect.stringContaining('detail.findings[2] has no Vulnerabilities')]);
    expect(quarantined).toEqual([
      expect.objectContaining({
        record: 'broken-finding-1',
        reason: 'securityhub.json: finding broken-finding-1: detail.findings[3].Resources: Too small: expected array to have >=1 items',
      }),
    ]);
  });

  it('reads the detail and a bare array of findings as well as the event', () => {
    const event = cloudFixture('securityhub-findings-imported.json') as Json;
    const fromEvent = securityHubFindingsToAssets(event, options).assets;
    expect(securityHubFindingsToAssets(event.detail, options).assets).toEqual(fromEvent);
    expect(securityHubFindingsToAssets(event.detail.findings, options).assets).toEqual(fromEvent);
  });

  it('needs the platform for OS packages whose release does not name the distribution, and quarantines them without it', () => {
    const event = cloudFixture('securityhub-findings-imported.json') as Json;
    const packages = event.detail.findings[0].Vulnerabilities[0].VulnerablePackages;
    packages[0].Release = '34.el9';
    const without = securityHubFindingsToAssets(event, options);
    expect(without.quarantined[0]?.reason).toContain('detail.findings[0].Vulnerabilities[0].VulnerablePackages[0].PackageManager: an OS package of an unknown distribution');

    const withPlatform = securityHubFindingsToAssets(event, { ...options, platform: 'RHEL_9' });
    expect(withPlatform.assets[0]?.partial.software).toContainEqual({ purl: 'pkg:rpm/redhat/glibc@2.26-34.el9?arch=x86_64&distro=rhel-9' });
  });

  it('quarantines a resource Id that is not an instance ARN', () => {
    const event = cloudFixture('securityhub-findings-imported.json') as Json;
    event.detail.findings[0].Resources[0].Id = 'i-0a1b2c3d4e5f60003';
    const { quarantined } = securityHubFindingsToAssets(event, options);
    expect(quarantined[0]?.reason).toContain('detail.findings[0].Resources[0].Id: expected an EC2 instance ARN');
  });

  it('refuses what is not Security Hub findings, naming the source and the field', () => {
    const event = { ...(cloudFixture('securityhub-findings-imported.json') as Json), 'detail-type': 'Security Hub Findings - Custom Action' };
    expect(() => securityHubFindingsToAssets(event, options)).toThrow(InvalidInputError);
    expect(() => securityHubFindingsToAssets(event, options)).toThrow(/^securityhub\.json: detail-type: expected "Security Hub Findings - Imported"/);
    expect(() => securityHubFindingsToAssets({ findings: 'none' }, options)).toThrow(/^securityhub\.json: not Security Hub findings: findings: /);
  });
});
