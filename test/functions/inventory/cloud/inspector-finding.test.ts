import { describe, expect, it } from 'vitest';
import { inspectorFindingToAssets } from '../../../../functions/inventory/cloud/inspector-finding.ts';
import { assetOfPartial, mergeAssetPartial } from '../../../../functions/inventory/merge-asset.ts';
import { InvalidInputError } from '../../../../functions/inventory/parse-inventory.ts';
import { AssetSchema } from '../../../../functions/model/asset.ts';
import { INSTANCES } from '../../../fixtures/inventory/cloud/make-cloud-fixtures.ts';
import { cloudFixture } from './read-fixture.ts';

const options = { sourceName: 'eventbridge:inspector' };
type Json = Record<string, any>;

describe('inspectorFindingToAssets', () => {
  it('turns an EC2 finding into the instance binding, its OS packages as rpm purls of the distribution, and evidence', () => {
    // Act
    const { assets, quarantined, ignored } = inspectorFindingToAssets(cloudFixture('inspector2-finding-al2023.json'), options);

    // Assert
    expect(quarantined).toEqual([]);
    expect(ignored).toEqual([]);
    expect(assets).toHaveLength(1);
    const [{ partial, evidence }] = assets as [(typeof assets)[number]];
    expect(partial).toMatchObject({
      id: INSTANCES.web,
      cloud: { provider: 'aws', account: '111122223333', region: 'eu-west-1', instanceId: INSTANCES.web, securityGroups: [] },
      ips: ['10.0.1.10', '203.0.113.10'],
      tags: { Name: 'web-01', env: 'prod' },
    });
    expect(partial.software).toEqual([
      { purl: 'pkg:rpm/amzn/openssl-libs@3.0.8-1.amzn2023.0.14?arch=x86_64&distro=amzn-2023&epoch=1' },
      { purl: 'pkg:rpm/amzn/openssl@3.0.8-1.amzn2023.0.14?arch=x86_64&distro=amzn-2023&epoch=1' },
    ]);
    expect(evidence).toEqual([
      expect.objectContaining({
        source: 'inspector2',
        vulnerability: 'CVE-2099-3001',
        status: 'ACTIVE',
        instanceId: INSTANCES.web,
        packages: [expect.objectContaining({ fixedInVersion: '1:3.0.8-1.amzn2023.0.16' }), expect.any(Object)],
      }),
    ]);
    expect(AssetSchema.safeParse(assetOfPartial(partial)).success).toBe(true);
  });

  it('reads the detail alone as well as the event', () => {
    const event = cloudFixture('inspector2-finding-al2023.json') as Json;
    expect(inspectorFindingToAssets(event.detail, options).assets).toEqual(inspectorFindingToAssets(event, options).assets);
  });

  it('makes language packages purls of their ecosystem and quarantines the unreadable ones with the field path', () => {
    // Act
    const { assets, quarantined } = inspectorFindingToAssets(cloudFixture('inspector2-finding-languages.json'), options);

    // Assert
    expect(assets[0]?.partial.software?.map((software) => ('purl' in software ? software.purl.split('@')[0] : ''))).toEqual([
      'pkg:deb/ubuntu/libcurl4',
      'pkg:npm/%40example/left-pad',
      'pkg:npm/lodash',
      'pkg:pypi/example-lib',
      'pkg:pypi/requests',
      'pkg:maven/com.example.logging/example-core',
      'pkg:gem/rack',
      'pkg:nuget/Example.Json',
      'pkg:golang/golang.org/x/net',
      'pkg:cargo/example-tokio',
      'pkg:composer/example/framework',
    ]);
    expect(assets[0]?.partial.software?.[0]).toEqual({ purl: 'pkg:deb/ubuntu/libcurl4@7.81.0-1ubuntu1.15?arch=amd64&distro=ubuntu-22.04' });
    expect(quarantined.map((entry) => entry.reason)).toEqual([
      expect.stringMatching(/^eventbridge:inspector: finding arn:aws:inspector2:.*: detail\.packageVulnerabilityDetails\.vulnerablePackages\[11\]\.packageManager: unknown package manager "CONDA"$/),
      expect.stringMatching(/detail\.packageVulnerabilityDetails\.vulnerablePackages\[12\]: version: required field missing/),
    ]);
    expect(quarantined[0]?.record).toMatch(/^arn:aws:inspector2:/);
    expect(JSON.parse(quarantined[0]?.payload ?? '{}')).toMatchObject({ name: 'mystery' });
  });

  it('reports the packages of a closed finding gone, and the merge takes them off the stored asset', () => {
    // Prepare
    const stored = assetOfPartial(inspectorFindingToAssets(cloudFixture('inspector2-finding-al2023.json'), options).assets[0]!.partial);

    // Act
    const closed = inspectorFindingToAssets(cloudFixture('inspector2-finding-closed.json'), options).assets[0]!;
    const merged = mergeAssetPartial(stored, closed.partial);

    // Assert
    expect(closed.partial.software).toEqual([]);
    expect(closed.partial.absentSoftware).toHaveLength(2);
    expect(closed.evidence[0]?.status).toBe('CLOSED');
    expect(merged.software).toEqual([]);
  });

  it('names the asset by the mapping given, and quarantines an id the store would refuse', () => {
    const event = cloudFixture('inspector2-finding-al2023.json');
    const mapped = inspectorFindingToAssets(event, { ...options, assetIdOf: ({ instanceId }) => (instanceId === INSTANCES.web ? 'web-01' : undefined) });
    expect(mapped.assets[0]?.partial.id).toBe('web-01');

    const refused = inspectorFindingToAssets(event, { ...options, assetIdOf: () => 'web#01' });
    expect(refused.assets).toEqual([]);
    expect(refused.quarantined[0]?.reason).toContain('detail.resources[0]: asset id "web#01"');
  });

  it('ignores container images and findings without packages, with a note', () => {
    const event = cloudFixture('inspector2-finding-al2023.json') as Json;
    event.detail.resources[0].type = 'AWS_ECR_CONTAINER_IMAGE';
    expect(inspectorFindingToAssets(event, options)).toMatchObject({ assets: [], quarantined: [], ignored: [expect.stringContaining('detail.resources[0] is a AWS_ECR_CONTAINER_IMAGE')] });

    const reachability = cloudFixture('inspector2-finding-al2023.json') as Json;
    delete reachability.detail.packageVulnerabilityDetails;
    reachability.detail.type = 'NETWORK_REACHABILITY';
    expect(inspectorFindingToAssets(reachability, options).ignored).toEqual([expect.stringContaining('NETWORK_REACHABILITY without packageVulnerabilityDetails')]);
  });

  it('quarantines a resource whose account or instance id is not one', () => {
    const event = cloudFixture('inspector2-finding-al2023.json') as Json;
    event.detail.awsAccountId = '1111';
    const { assets, quarantined } = inspectorFindingToAssets(event, options);
    expect(assets).toEqual([]);
    expect(quarantined[0]?.reason).toMatch(/detail\.resources\[0\]: account: 12-digit AWS account id \(got "1111"\)/);
  });

  it('refuses what is not an Inspector finding, naming the source and the field', () => {
    const wrongType = { ...(cloudFixture('inspector2-finding-al2023.json') as Json), 'detail-type': 'GuardDuty Finding' };
    expect(() => inspectorFindingToAssets(wrongType, options)).toThrow(/^eventbridge:inspector: detail-type: expected "Inspector2 Finding", got "GuardDuty Finding"$/);

    const noArn = cloudFixture('inspector2-finding-al2023.json') as Json;
    delete noArn.detail.findingArn;
    let error: unknown;
    try {
      inspectorFindingToAssets(noArn, options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ source: 'eventbridge:inspector', field: 'detail.findingArn' });
    expect((error as Error).message).toContain('detail.findingArn: required field missing');
  });
});
