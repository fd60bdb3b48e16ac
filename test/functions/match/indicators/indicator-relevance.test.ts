import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  buildAddressIndex,
  parseAddress,
  relevantIndicators,
  sortIpv4Entries,
  type AddressedAsset,
  type IndicatorSighting,
} from '../../../../functions/match/indicators/indicator-relevance.ts';
import { EMPTY_TENANT_PROFILE, TenantProfileSchema } from '../../../../functions/match/indicators/tenant-profile.ts';
import type { IndicatorType } from '../../../../functions/model/indicator.ts';
import { daysAgo, ESTATE, indicator, NOW } from './fixtures.ts';

const PROFILE = TenantProfileSchema.parse({
  sectors: ['Finance'],
  regions: ['DE'],
  domains: ['example.com'],
  networks: ['203.0.113.0/24', '2001:db8:ff00::/40'],
});

const relevant = (type: IndicatorType, value: string, facts = {}) => relevantIndicators([indicator(type, value, facts)], ESTATE, PROFILE, NOW)[0];

describe('relevantIndicators: what concerns the tenant', () => {
  it.each<[string, IndicatorType, string, Partial<IndicatorSighting> | undefined, string?]>([
    // IPv4
    ['an asset public IP', 'ipv4', '198.51.100.7', { kind: 'targets-our-address', assetIds: ['web-1'] }, 'a public IP of asset web-1 (network.publicIps)'],
    ['an asset address', 'ipv4', '198.51.100.200', { kind: 'targets-our-address', assetIds: ['app-3'] }, 'an address of asset app-3 (ips)'],
    ['an asset address written with an interface mask', 'ipv4', '192.0.2.44', { assetIds: ['odd-4'] }],
    ['an address in a tenant network', 'ipv4', '203.0.113.99', { kind: 'targets-our-address', assetIds: [], assetCount: 0 }, "inside the tenant's network 203.0.113.0/24"],
    ['the first address of a tenant network', 'ipv4', '203.0.113.0', { kind: 'targets-our-address' }],
    ['the last address of a tenant network', 'ipv4', '203.0.113.255', { kind: 'targets-our-address' }],
    ['the address after a tenant network', 'ipv4', '203.0.114.0', undefined],
    ['the address before a tenant network', 'ipv4', '203.0.112.255', undefined],
    ['an address nobody holds', 'ipv4', '198.51.100.8', undefined],
    ['a private address, even one an asset holds', 'ipv4', '10.0.0.5', undefined],
    // IPv6
    ['an asset IPv6 address', 'ipv6', '2001:db8:1::10', { kind: 'targets-our-address', assetIds: ['db-2'] }],
    ['an IPv6 address in a tenant network', 'ipv6', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', { kind: 'targets-our-address' }, '2001:db8:ff00::/40'],
    ['the first IPv6 address of a tenant network', 'ipv6', '2001:db8:ff00::', { kind: 'targets-our-address' }],
    ['the IPv6 address before a tenant network', 'ipv6', '2001:db8:feff:ffff:ffff:ffff:ffff:ffff', undefined],
    ['a unique-local IPv6 address', 'ipv6', 'fd00::1', undefined],
    // CIDR blocks
    ['a block holding two assets', 'cidr', '198.51.100.0/24', { kind: 'targets-our-address', assetIds: ['app-3', 'web-1'], assetCount: 2 }, '198.51.100.0/24 contains 198.51.100.7, a public IP of asset web-1'],
    ['a block holding one of them', 'cidr', '198.51.100.128/25', { assetIds: ['app-3'] }],
    ['a block ending just before an asset', 'cidr', '198.51.100.0/30', undefined],
    ['a block starting at an asset', 'cidr', '198.51.100.7/32', { assetIds: ['web-1'] }],
    ['a block inside a tenant network', 'cidr', '203.0.113.128/25', { kind: 'targets-our-address', assetCount: 0 }, "overlaps the tenant's network 203.0.113.0/24"],
    ['a block around a tenant network', 'cidr', '203.0.112.0/22', { kind: 'targets-our-address' }, "overlaps the tenant's network 203.0.113.0/24"],
    ['an IPv6 block holding an asset', 'cidr', '2001:db8:1::/48', { assetIds: ['db-2'] }],
    ['an IPv6 block beside it', 'cidr', '2001:db8:2::/48', undefined],
    ['a block broader than a /8', 'cidr', '198.0.0.0/7', undefined],
    ['a private block', 'cidr', '10.0.0.0/24', undefined],
    // Domains, URLs, e-mail
    ['a tenant domain', 'domain', 'example.com', { kind: 'targets-our-domain' }, "example.com is the tenant's domain example.com"],
    ['a subdomain of a tenant domain', 'domain', 'login.example.com', { kind: 'targets-our-domain', assetIds: [] }, "login.example.com is a subdomain of the tenant's domain example.com"],
    ['a lookalike of a tenant domain', 'domain', 'evil-example.com', undefined],
    ['a tenant domain under another', 'domain', 'example.com.evil.net', undefined],
    ['a lookalike suffix', 'domain', 'myexample.com', undefined],
    ['an asset hostname', 'domain', 'www.example.com', { assetIds: ['web-1'] }, 'www.example.com is the hostname of asset web-1'],
    ['a subdomain of an asset hostname', 'domain', 'a.api.shop.example.net', { kind: 'targets-our-domain', assetIds: ['app-3'] }, 'a.api.shop.example.net is a subdomain of api.shop.example.net, the hostname of asset app-3'],
    ['a parent of an asset hostname', 'domain', 'shop.example.net', undefined],
    ['a URL on a tenant subdomain', 'url', 'https://login.example.com/reset?u=1', { kind: 'targets-our-domain' }, "the URL's host login.example.com is a subdomain of the tenant's domain example.com"],
    ['a URL on an asset public IP', 'url', 'http://198.51.100.7/payload.exe', { kind: 'targets-our-address', assetIds: ['web-1'] }, "the URL's host 198.51.100.7 is a public IP of asset web-1"],
    ['a URL on an asset IPv6 address', 'url', 'http://[2001:db8:1::10]:8080/x', { assetIds: ['db-2'] }],
    ['a URL that only mentions the domain', 'url', 'https://evil-example.com/example.com', undefined],
    ['a sender at a tenant domain', 'email', 'ceo@mail.example.com', { kind: 'targets-our-domain' }, "the sender domain mail.example.com is a subdomain of the tenant's domain example.com"],
    ['a sender at a lookalike', 'email', 'ceo@evil-example.com', undefined],
    ['a hash with no targeting', 'sha256', 'a'.repeat(64), undefined],
  ])('%s (%s %s)', (_, type, value, expected, reason) => {
    const sighting = relevant(type, value);
    if (expected === undefined) return expect(sighting).toBeUndefined();
    expect(sighting).toMatchObject({ type, value, ...expected });
    if (reason) expect(sighting?.reasons.join('\n')).toContain(reason);
  });

  it.each<[string, object, IndicatorSighting['kind'] | undefined, string?]>([
    ['a campaign targeting a sector synonym', { campaigns: ['FIN7'], targetedSectors: ['Financial Services'] }, 'targets-our-sector', 'campaign FIN7 (misp) targets the Financial Services sector; the tenant declares "Finance"'],
    ['a family targeting banking', { malwareFamily: 'Dridex', targetedSectors: ['banking'] }, 'targets-our-sector', 'Dridex (misp) targets the banking sector'],
    ['a campaign targeting another sector', { campaigns: ['X'], targetedSectors: ['Healthcare'] }, undefined],
    ['a campaign targeting our region', { campaigns: ['APT28'], targetedRegions: ['Western Europe'] }, 'targets-our-region', 'campaign APT28 (misp) targets Western Europe; the tenant operates in "DE"'],
    ['a campaign targeting our country by name', { targetedRegions: ['Germany'] }, 'targets-our-region', 'the source misp targets Germany'],
    ['a campaign targeting elsewhere', { targetedRegions: ['Japan', 'eastern-asia'] }, undefined],
    ['a sector beats a region', { targetedRegions: ['DE'], targetedSectors: ['finance'] }, 'targets-our-sector'],
  ])('%s', (_, facts, kind, reason) => {
    const sighting = relevant('sha256', 'b'.repeat(64), facts);
    expect(sighting?.kind).toBe(kind);
    if (reason) expect(sighting?.reasons.join('\n')).toContain(reason);
  });

  it('names every reason, strongest kind first, and the score last', () => {
    const sighting = relevant('ipv4', '198.51.100.7', { campaigns: ['FIN7'], targetedSectors: ['finance'], confidence: 80, lastSeen: daysAgo(10) });
    expect(sighting).toMatchObject({ kind: 'targets-our-address', score: 0.8, decayedScore: 0.4, scoredBy: 'misp' });
    expect(sighting?.reasons).toEqual([
      '198.51.100.7 is a public IP of asset web-1 (network.publicIps)',
      'campaign FIN7 (misp) targets the finance sector; the tenant declares "Finance"',
      `score 0.4 from misp: confidence 80, last seen ${daysAgo(10).slice(0, 10)} (10 days ago, half-life 10 days): 0.4`,
    ]);
  });
});

describe('relevantIndicators: freshness and confidence', () => {
  it('leaves out an expired indicator whatever it matches', () => {
    expect(relevant('ipv4', '198.51.100.7', { validUntil: daysAgo(1) })).toBeUndefined();
    expect(relevant('ipv4', '198.51.100.7', { validUntil: '2027-01-01T00:00:00Z' })).toBeDefined();
  });

  it('leaves out a stale indicator unless the minimum is lowered', () => {
    const stale = indicator('ipv4', '198.51.100.7', { confidence: 80, lastSeen: daysAgo(60) }, 'threatfox');
    expect(relevantIndicators([stale], ESTATE, PROFILE, NOW)).toEqual([]);
    expect(relevantIndicators([stale], ESTATE, PROFILE, NOW, { minDecayedScore: 0.01 })).toHaveLength(1);
    // A longer half-life for the source keeps it relevant at the default minimum.
    expect(relevantIndicators([stale], ESTATE, PROFILE, NOW, { decay: { threatfox: { halfLifeDays: { ipv4: 90 } } } })).toHaveLength(1);
  });

  it('leaves out an indicator every source revoked', () => {
    const revoked = { ...indicator('ipv4', '198.51.100.7'), sources: [], revoked: { misp: { reason: 'false positive' } } };
    expect(relevantIndicators([revoked], ESTATE, PROFILE, NOW)).toEqual([]);
  });

  it('matches private addresses only when asked', () => {
    expect(relevantIndicators([indicator('ipv4', '10.0.0.5')], ESTATE, PROFILE, NOW, { matchPrivateAddresses: true })[0]?.assetIds).toEqual(['web-1']);
  });
});

describe('relevantIndicators: scale and shape', () => {
  it('caps asset ids and asset reasons, keeping the full count', () => {
    const assets: AddressedAsset[] = Array.from({ length: 150 }, (_, i) => ({ id: `host-${String(i).padStart(3, '0')}`, ips: [`198.18.${Math.floor(i / 100)}.${i % 100}`] }));
    const [sighting] = relevantIndicators([indicator('cidr', '198.18.0.0/16')], assets, EMPTY_TENANT_PROFILE, NOW, { maxAssetIds: 20 });
    expect(sighting?.assetCount).toBe(150);
    expect(sighting?.assetIds).toEqual(assets.slice(0, 20).map((asset) => asset.id));
    expect(sighting?.reasons).toHaveLength(12);
    expect(sighting?.reasons[10]).toBe('... and 140 more matching asset addresses or hostnames');
  });

  it('counts an asset with two matching addresses once', () => {
    const assets: AddressedAsset[] = [{ id: 'dual', ips: ['198.51.100.1', '198.51.100.2'], network: { publicIps: ['198.51.100.1'] } }];
    expect(relevantIndicators([indicator('cidr', '198.51.100.0/24')], assets, EMPTY_TENANT_PROFILE, NOW)[0]).toMatchObject({ assetIds: ['dual'], assetCount: 1 });
  });

  it('reuses an index built once, skipping addresses it cannot read', () => {
    const index = buildAddressIndex(ESTATE);
    expect(index.unreadable).toBe(1);
    const indicators = [indicator('ipv4', '198.51.100.7'), indicator('domain', 'login.example.com'), indicator('md5', 'c'.repeat(32))];
    expect(relevantIndicators(indicators, index, PROFILE, NOW)).toEqual(relevantIndicators(indicators, ESTATE, PROFILE, NOW));
    expect(relevantIndicators(indicators, index, PROFILE, NOW).map((s) => s.value)).toEqual(['198.51.100.7', 'login.example.com']);
  });

  it('finds nothing in an empty estate with an empty profile', () => {
    expect(relevantIndicators([indicator('ipv4', '198.51.100.7'), indicator('domain', 'example.com')], [], EMPTY_TENANT_PROFILE, NOW)).toEqual([]);
  });
});

describe('parseAddress', () => {
  const valueOf = (address: ipaddr.IPv4 | ipaddr.IPv6) =>
    address.kind() === 'ipv4' ? { family: 4, value: address.toByteArray().reduce((sum, byte) => sum * 256 + byte, 0) } : { family: 6, value: BigInt(`0x${Buffer.from(address.toByteArray()).toString('hex')}`) };

  it('reads every way an IPv6 address is written as ipaddr.js does', () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(groups, fc.constantFrom('compressed', 'normalized', 'fixed', 'upper', 'bracketed', 'dotted'), (parts, form) => {
        const address = new ipaddr.IPv6(parts);
        const text =
          form === 'normalized' ? address.toNormalizedString()
          : form === 'fixed' ? address.parts.map((part) => part.toString(16).padStart(4, '0')).join(':')
          : form === 'upper' ? address.toString().toUpperCase()
          : form === 'bracketed' ? `[${address.toString()}]`
          : form === 'dotted' ? `${address.parts.map((part) => part.toString(16).padStart(4, '0')).join(':').split(':').slice(0, 6).join(':')}:${(parts[6] as number) >> 8}.${(parts[6] as number) & 255}.${(parts[7] as number) >> 8}.${(parts[7] as number) & 255}`
          : address.toString();
        const expected = address.isIPv4MappedAddress() ? valueOf(address.toIPv4Address()) : valueOf(address);
        expect(parseAddress(text)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it.each(['', '1.2.3', '1.2.3.256', '1.2.3.4.5', '1..2.3', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::1', '1.2.3.4::', '::1.2.3', 'example.com'])('refuses %j', (text) => {
    expect(parseAddress(text)).toBeUndefined();
  });

  it.each([
    ['::', { family: 6, value: 0n }],
    ['::ffff:198.51.100.7', { family: 4, value: 3325256711 }],
    ['fe80::1%eth0', { family: 6, value: (0xfe80n << 112n) | 1n }],
    [' 10.0.0.5/24 ', { family: 4, value: 167772165 }],
  ])('reads %j', (text, expected) => {
    expect(parseAddress(text)).toEqual(expected);
  });
});

describe('sortIpv4Entries', () => {
  it('sorts the same with packed doubles and with a comparator (estates past 2^21 addresses)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 200 }), (addresses) => {
        const entries = addresses.map((_, i) => i * 3);
        const packed = sortIpv4Entries(addresses, entries);
        expect(sortIpv4Entries(addresses, entries, 1)).toEqual(packed);
        expect([...packed.v4]).toEqual([...addresses].sort((a, b) => a - b));
      }),
    );
  });
});

describe('relevantIndicators: properties', () => {
  const publicV4 = fc
    .tuple(fc.integer({ min: 11, max: 99 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
    .map((parts) => parts.join('.'));
  const v6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }).map((rest) => ipaddr.fromByteArray([0x20, 0x01, ...rest.flatMap((n) => [n >> 8, n & 0xff])]).toString());
  const blockOf = (address: string, bits: number) => {
    const family = address.includes(':') ? ipaddr.IPv6 : ipaddr.IPv4;
    return `${family.networkAddressFromCIDR(`${address}/${bits}`).toString()}/${bits}`;
  };
  const inside = (address: string, block: string) => {
    const parsed = ipaddr.parse(address);
    const range = ipaddr.parseCIDR(block);
    return parsed.kind() === range[0].kind() && parsed.match(range);
  };

  it('a CIDR indicator finds an asset address exactly when the address is inside it (IPv4)', () => {
    fc.assert(
      fc.property(publicV4, publicV4, fc.integer({ min: 8, max: 32 }), fc.boolean(), (assetIp, other, bits, near) => {
        // Half the blocks are built around the asset's address, so both outcomes are common.
        const block = blockOf(near ? assetIp : other, bits);
        const found = relevantIndicators([indicator('cidr', block)], [{ id: 'a', ips: [assetIp] }], EMPTY_TENANT_PROFILE, NOW);
        expect(found.length === 1).toBe(inside(assetIp, block));
      }),
      { numRuns: 500 },
    );
  });

  it('an address indicator is in a tenant network exactly when the network holds it (IPv4 and IPv6)', () => {
    const case4 = fc.tuple(publicV4, publicV4, fc.integer({ min: 8, max: 32 }));
    const case6 = fc.tuple(v6, v6, fc.integer({ min: 16, max: 128 }));
    fc.assert(
      fc.property(fc.oneof(case4, case6), fc.boolean(), ([address, other, bits], near) => {
        const network = blockOf(near ? address : other, bits);
        const profile = TenantProfileSchema.parse({ networks: [network] });
        const type = address.includes(':') ? 'ipv6' : 'ipv4';
        const found = relevantIndicators([indicator(type, address)], [], profile, NOW);
        expect(found.length === 1).toBe(inside(address, network));
      }),
      { numRuns: 500 },
    );
  });

  it('a CIDR indicator finds every IPv6 asset inside it and none outside', () => {
    fc.assert(
      fc.property(fc.array(v6, { minLength: 1, maxLength: 20 }), fc.integer({ min: 20, max: 128 }), (addresses, bits) => {
        const block = blockOf(addresses[0] as string, bits);
        const assets = addresses.map((ip, i) => ({ id: `a${i}`, ips: [ip] }));
        const expected = assets.filter((asset) => inside(asset.ips[0] as string, block)).map((asset) => asset.id).sort();
        const [sighting] = relevantIndicators([indicator('cidr', block)], assets, EMPTY_TENANT_PROFILE, NOW);
        expect(sighting?.assetIds).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a subdomain of a tenant domain always matches, a name merely ending in it never does', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    fc.assert(
      fc.property(label, label, fc.constantFrom('', 'x', '-', 'evil-'), (sub, apexLabel, glue) => {
        const apex = `${apexLabel}.com`;
        const profile = TenantProfileSchema.parse({ domains: [apex] });
        expect(relevantIndicators([indicator('domain', `${sub}.${apex}`)], [], profile, NOW)).toHaveLength(1);
        const lookalike = `${sub}${glue}${apex}`;
        expect(relevantIndicators([indicator('domain', lookalike)], [], profile, NOW)).toHaveLength(lookalike === apex ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });
});
