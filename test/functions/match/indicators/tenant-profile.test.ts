import { describe, expect, it } from 'vitest';
import { regionsOverlap, resolveRegion, sectorKey, TenantProfileSchema } from '../../../../functions/match/indicators/tenant-profile.ts';

describe('sectorKey', () => {
  it.each([
    ['finance', 'financial-services'],
    ['Financial Services', 'financial-services'],
    ['financial-services', 'financial-services'],
    ['BANKING', 'financial-services'],
    ['Banking & Finance', 'financial-services'],
    ['Government, Administration', 'government'],
    ['government-national', 'government'],
    ['Public Sector', 'government'],
    ['Health care', 'healthcare'],
    ['Telco', 'telecommunications'],
    ['Defence', 'defense'],
    ['IT', 'technology'],
    ['Space Mining', 'space-mining'],
    ['  space   mining ', 'space-mining'],
  ])('%j is %j', (text, key) => {
    expect(sectorKey(text)).toBe(key);
  });

  it('keeps distinct sectors apart', () => {
    expect(sectorKey('insurance')).not.toBe(sectorKey('finance'));
    expect(sectorKey('energy')).not.toBe(sectorKey('utilities'));
  });
});

describe('resolveRegion', () => {
  it.each([
    ['DE', 'DE'],
    ['de', 'DE'],
    ['Germany', 'DE'],
    ['UK', 'GB'],
    ['United Kingdom', 'GB'],
    ['USA', 'US'],
    ['Côte d’Ivoire', 'CI'],
    ['Western Europe', 'western-europe'],
    ['western-europe', 'western-europe'],
    ['EMEA', 'emea'],
    ['Atlantis', 'atlantis'],
  ])('%j resolves to %j', (text, key) => {
    expect(resolveRegion(text).key).toBe(key);
  });

  it.each([
    ['DE', 'Europe', true],
    ['Europe', 'Germany', true],
    ['western-europe', 'DE', true],
    ['eastern-europe', 'DE', false],
    ['DE', 'asia', false],
    ['EMEA', 'ZA', true],
    ['APAC', 'JP', true],
    ['north america', 'MX', true],
    ['EU', 'GB', false],
    ['Atlantis', 'atlantis', true],
    ['Atlantis', 'Europe', false],
  ])('%j and %j overlap: %s', (a, b, overlap) => {
    expect(regionsOverlap(resolveRegion(a), resolveRegion(b))).toBe(overlap);
  });
});

describe('TenantProfileSchema', () => {
  it('normalises domains and networks and defaults to nothing declared', () => {
    expect(TenantProfileSchema.parse({})).toEqual({ sectors: [], regions: [], domains: [], networks: [] });
    const profile = TenantProfileSchema.parse({
      sectors: ['Finance'],
      regions: ['DE'],
      domains: ['Example.COM.'],
      networks: ['203.0.113.7/24', '2001:DB8::1', '198.51.100.9', '2001:db8:ff00::/40'],
    });
    expect(profile.domains).toEqual(['example.com']);
    expect(profile.networks).toEqual(['203.0.113.0/24', '2001:db8::1/128', '198.51.100.9/32', '2001:db8:ff00::/40']);
  });

  it.each([
    [{ domains: ['not a domain'] }, 'domains.0'],
    [{ networks: ['10.0.0.0/33'] }, 'networks.0'],
    [{ networks: ['example.com'] }, 'networks.0'],
    [{ industry: ['finance'] }, ''],
  ])('refuses %j', (input, path) => {
    const parsed = TenantProfileSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join('.')).toBe(path);
  });
});
