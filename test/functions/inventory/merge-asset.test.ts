import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assetOfPartial, mergeAssetPartial, type AssetPartial } from '../../../functions/inventory/merge-asset.ts';
import { InvalidInputError } from '../../../functions/inventory/parse-inventory.ts';
import { AssetSchema, type Asset } from '../../../functions/model/asset.ts';

const cloud = { provider: 'aws' as const, account: '111122223333', region: 'eu-west-1', instanceId: 'i-0a1b2c3d4e5f60001', securityGroups: ['sg-0a0000000000000a1'] };
const stored = (): Asset =>
  AssetSchema.parse({
    id: 'web-01',
    hostname: 'web-01.corp.example.com',
    ips: ['10.0.1.10'],
    internetFacing: true,
    criticality: 'high',
    owner: 'shop',
    tags: { env: 'prod' },
    software: [{ purl: 'pkg:npm/lodash@4.17.20' }, { cpe: 'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*' }],
    edr: { vendor: 'crowdstrike', deviceId: 'abc123' },
    cloud,
    network: { publicIps: ['203.0.113.9'], ingress: [], servicePorts: [443] },
  });

describe('mergeAssetPartial', () => {
  it('adds a source\'s software by identifier, keeps bindings and declared facts, replaces the network', () => {
    // Prepare
    const partial: AssetPartial = {
      id: 'web-01',
      hostname: 'ip-10-0-1-10.eu-west-1.compute.internal',
      ips: ['10.0.1.10', '203.0.113.10'],
      tags: { Name: 'web-01' },
      cloud: { ...cloud, securityGroups: [] },
      software: [{ purl: 'pkg:npm/lodash@4.17.20' }, { purl: 'pkg:rpm/amzn/openssl@3.0.8-1.amzn2023.0.14?distro=amzn-2023&arch=x86_64' }],
      network: { publicIps: ['203.0.113.10'], ingress: [{ groupId: 'sg-0a0000000000000a1', protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' }], loadBalancers: [] },
    };

    // Act
    const merged = mergeAssetPartial(stored(), partial);

    // Assert
    expect(merged).toEqual({
      ...stored(),
      ips: ['10.0.1.10', '203.0.113.10'],
      tags: { env: 'prod', Name: 'web-01' },
      software: [...stored().software, { purl: 'pkg:rpm/amzn/openssl@3.0.8-1.amzn2023.0.14?distro=amzn-2023&arch=x86_64' }],
      network: { ...partial.network, servicePorts: [443] },
    });
    expect(AssetSchema.safeParse(merged).success).toBe(true);
  });

  it('knows the same purl in two spellings as one package', () => {
    const merged = mergeAssetPartial(stored(), { id: 'web-01', software: [{ purl: 'pkg:npm/lodash@4.17.20?' }] });
    expect(merged.software).toHaveLength(2);
  });

  it('takes off what a source reports gone, and replaces security groups only when the source names some', () => {
    const merged = mergeAssetPartial(stored(), { id: 'web-01', absentSoftware: [{ purl: 'pkg:npm/lodash@4.17.20' }], cloud: { ...cloud, securityGroups: ['sg-0b0000000000000b2'] } });
    expect(merged.software).toEqual([stored().software[1]]);
    expect(merged.cloud?.securityGroups).toEqual(['sg-0b0000000000000b2']);
  });

  it('builds a new asset from a partial alone, with the model\'s defaults', () => {
    expect(assetOfPartial({ id: 'i-0a1b2c3d4e5f60001', cloud })).toEqual({
      id: 'i-0a1b2c3d4e5f60001',
      ips: [],
      internetFacing: false,
      criticality: 'medium',
      tags: {},
      software: [],
      cloud,
    });
  });

  it('refuses another asset\'s partial or another instance, naming the source and the field', () => {
    expect(() => mergeAssetPartial(stored(), { id: 'db-01' }, 'inspector')).toThrow(InvalidInputError);
    expect(() => mergeAssetPartial(stored(), { id: 'db-01' }, 'inspector')).toThrow(/^inspector: asset id "db-01" is not the stored asset's id "web-01"$/);
    expect(() => mergeAssetPartial(stored(), { id: 'web-01', cloud: { ...cloud, instanceId: 'i-0ffffffffffffffff' } }, 'ec2.json')).toThrow(
      /^ec2\.json: asset web-01: instance i-0ffffffffffffffff is not the stored binding's instance i-0a1b2c3d4e5f60001$/,
    );
    expect(() => mergeAssetPartial(undefined, { id: 'web#01' }, 'csv')).toThrow(/^csv: asset web#01: id: must not contain "#"/);
  });

  const purls = fc.array(
    fc.tuple(fc.constantFrom('lodash', 'express', 'left-pad'), fc.constantFrom('1.0.0', '2.0.0')).map(([name, version]) => ({ purl: `pkg:npm/${name}@${version}` })),
    { maxLength: 6 },
  );

  it('property: merging keeps every package of both sides once, and merging again changes nothing', () => {
    fc.assert(
      fc.property(purls, purls, (mine, theirs) => {
        const base = assetOfPartial({ id: 'web-01', software: mine });
        const once = mergeAssetPartial(base, { id: 'web-01', software: theirs });
        const identities = once.software.map((software) => ('purl' in software ? software.purl : software.cpe));
        expect(new Set(identities).size).toBe(identities.length);
        expect(new Set(identities)).toEqual(new Set([...mine, ...theirs].map((software) => software.purl)));
        expect(mergeAssetPartial(once, { id: 'web-01', software: theirs })).toEqual(once);
      }),
    );
  });
});
