import { describe, expect, it } from 'vitest';
import { ec2MetadataToAssets, regionOfZone } from '../../../../functions/inventory/cloud/ec2-metadata.ts';
import { assetOfPartial } from '../../../../functions/inventory/merge-asset.ts';
import { InvalidInputError } from '../../../../functions/inventory/parse-inventory.ts';
import { AssetSchema } from '../../../../functions/model/asset.ts';
import { reachabilityOf } from '../../../../functions/match/reachability.ts';
import { GROUPS, INSTANCES } from '../../../fixtures/inventory/cloud/make-cloud-fixtures.ts';
import { cloudFixture } from './read-fixture.ts';

const input = () => ({ instances: cloudFixture('ec2-describe-instances.json'), securityGroups: cloudFixture('ec2-describe-security-groups.json') });
const options = { sourceName: 'ec2-eu-west-1.json' };
type Json = Record<string, any>;

describe('ec2MetadataToAssets', () => {
  it('makes one partial per live instance: binding with its groups, hostname, IPs, tags, network facts', () => {
    // Act
    const { assets } = ec2MetadataToAssets(input(), options);

    // Assert
    expect(assets.map((asset) => asset.id)).toEqual([INSTANCES.web, INSTANCES.admin, INSTANCES.app, INSTANCES.v6]);
    expect(assets[0]).toEqual({
      id: INSTANCES.web,
      cloud: { provider: 'aws', account: '111122223333', region: 'eu-west-1', instanceId: INSTANCES.web, securityGroups: [GROUPS.web] },
      hostname: 'ip-10-0-1-10.eu-west-1.compute.internal',
      ips: ['10.0.1.10', '203.0.113.10'],
      tags: { Name: 'web-01', env: 'prod' },
      network: {
        publicIps: ['203.0.113.10'],
        ingress: [
          { groupId: GROUPS.web, protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' },
          { groupId: GROUPS.web, protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0/8' },
          { groupId: GROUPS.web, protocol: 'icmp', cidr: '0.0.0.0/0' },
        ],
        loadBalancers: [],
      },
    });
    for (const partial of assets) expect(AssetSchema.safeParse(assetOfPartial(partial)).success, partial.id).toBe(true);
  });

  it('flattens rules one CIDR each, names protocol numbers, and counts IPv6 addresses as public', () => {
    const { assets } = ec2MetadataToAssets(input(), options);
    const byId = new Map(assets.map((asset) => [asset.id, asset]));
    expect(byId.get(INSTANCES.admin)?.network?.ingress).toEqual([{ groupId: GROUPS.admin, protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '198.51.100.0/24' }]);
    expect(byId.get(INSTANCES.app)?.network?.ingress.map((rule) => rule.cidr)).toEqual(['0.0.0.0/0', '::/0']);
    expect(byId.get(INSTANCES.app)?.network?.publicIps).toEqual([]);
    expect(byId.get(INSTANCES.v6)?.network?.publicIps).toEqual(['2001:db8:0:3::40']);
  });

  it('feeds reachability: open 443 with a public IP is internet-facing; SSH from one range is not; no public IP is not', () => {
    const verdicts = Object.fromEntries(ec2MetadataToAssets(input(), options).assets.map((partial) => [partial.id, reachabilityOf(assetOfPartial(partial))]));
    expect(verdicts[INSTANCES.web]).toEqual({ internetFacing: true, evidence: [`${GROUPS.web} admits 0.0.0.0/0 on tcp/443 and the instance has public IP 203.0.113.10`] });
    expect(verdicts[INSTANCES.admin]?.internetFacing).toBe(false);
    expect(verdicts[INSTANCES.admin]?.evidence[0]).toContain('public IP 203.0.113.20 but no ingress rule');
    expect(verdicts[INSTANCES.app]).toEqual({ internetFacing: false, evidence: [] });
    expect(verdicts[INSTANCES.v6]?.evidence).toEqual([`${GROUPS.v6} admits ::/0 on tcp/80 and the instance has public IP 2001:db8:0:3::40`]);
  });

  it('notes terminated instances and groups the output lacks; quarantines a range that is not a CIDR with its path', () => {
    const { quarantined, notes } = ec2MetadataToAssets(input(), options);
    expect(notes).toEqual([
      `ec2-eu-west-1.json: ${INSTANCES.v6}: ${GROUPS.missing} is not in the DescribeSecurityGroups output; its rules are not known`,
      `ec2-eu-west-1.json: Reservations[1].Instances[2]: ${INSTANCES.gone} is terminated; left out`,
    ]);
    expect(quarantined).toEqual([
      expect.objectContaining({ record: GROUPS.v6, reason: 'ec2-eu-west-1.json: SecurityGroups[3].IpPermissions[1].IpRanges[0].CidrIp: not a CIDR: "not-a-cidr"' }),
    ]);
  });

  it('quarantines an instance whose public IP is not an address, naming the field', () => {
    const data = input();
    (data.instances as Json).Reservations[0].Instances[0].PublicIpAddress = '203.0.113';
    const { assets, quarantined } = ec2MetadataToAssets(data, options);
    expect(assets.map((asset) => asset.id)).not.toContain(INSTANCES.web);
    expect(quarantined.at(-1)?.reason).toBe('ec2-eu-west-1.json: Reservations[0].Instances[0].PublicIpAddress: not an IP address: "203.0.113"');
  });

  it('reads pages, takes the region given, and adds the load balancers given', () => {
    const data = input();
    const { assets } = ec2MetadataToAssets(
      { instances: [data.instances], securityGroups: [data.securityGroups] },
      { ...options, region: 'eu-west-1', loadBalancers: { [INSTANCES.app]: [{ name: 'shop-alb', scheme: 'internet-facing', ports: [443] }] } },
    );
    const app = assets.find((asset) => asset.id === INSTANCES.app)!;
    expect(reachabilityOf(assetOfPartial(app))).toEqual({ internetFacing: true, evidence: ['internet-facing load balancer shop-alb forwards to it on port 443'] });
  });

  it('refuses output of another API, naming the source and the field', () => {
    expect(() => ec2MetadataToAssets({ instances: { Instances: [] }, securityGroups: cloudFixture('ec2-describe-security-groups.json') }, options)).toThrow(InvalidInputError);
    expect(() => ec2MetadataToAssets({ instances: { Instances: [] }, securityGroups: cloudFixture('ec2-describe-security-groups.json') }, options)).toThrow(
      /^ec2-eu-west-1\.json: not DescribeInstances output: Reservations: required field missing/,
    );
    expect(() => ec2MetadataToAssets({ instances: cloudFixture('ec2-describe-instances.json'), securityGroups: {} }, options)).toThrow(/not DescribeSecurityGroups output: SecurityGroups/);
  });

  it('reads the region of an availability zone, local zones included', () => {
    expect(regionOfZone('eu-west-1a')).toBe('eu-west-1');
    expect(regionOfZone('us-west-2-lax-1a')).toBe('us-west-2');
    expect(regionOfZone('ap-southeast-4c')).toBe('ap-southeast-4');
    expect(regionOfZone(undefined)).toBeUndefined();
  });
});
