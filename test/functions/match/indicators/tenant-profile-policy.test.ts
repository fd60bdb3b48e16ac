import { describe, expect, it } from 'vitest';
import { readTenantPolicies, tenantProfiles } from '../../../../functions/config/tenant-policy.ts';
import { EMPTY_TENANT_PROFILE } from '../../../../functions/match/indicators/tenant-profile.ts';
import { tenantPolicySettings } from '../../../../lib/construct-validation.ts';

describe('tenant profile in the tenant policy', () => {
  it('reads the default profile from GUARDRAILS and a tenant override from TENANT_POLICIES, normalised', () => {
    const guardrails = JSON.stringify({ profile: { sectors: ['Banking'], regions: ['DE'], domains: ['Example.COM.'], networks: ['198.51.100.7/24'] } });
    const overrides = JSON.stringify({ acme: { mode: 'enforce', profile: { sectors: ['healthcare'] } } });

    const profileOf = tenantProfiles(readTenantPolicies(guardrails, overrides));

    expect(profileOf('default')).toEqual({ sectors: ['Banking'], regions: ['DE'], domains: ['example.com'], networks: ['198.51.100.0/24'] });
    // A tenant's profile replaces the default one whole, like any other policy field.
    expect(profileOf('acme')).toEqual({ sectors: ['healthcare'], regions: [], domains: [], networks: [] });
  });

  it('gives the empty profile to a tenant that declares none', () => {
    expect(tenantProfiles(readTenantPolicies(undefined))('default')).toEqual(EMPTY_TENANT_PROFILE);
  });

  it('stops at init naming the tenant and the field of a bad profile', () => {
    expect(() => readTenantPolicies('{}', JSON.stringify({ acme: { profile: { networks: ['10.0.0.0/33'] } } }))).toThrow(
      /TENANT_POLICIES\.acme is not a valid guardrail policy: profile\.networks\.0: "10\.0\.0\.0\/33" is not a CIDR block/,
    );
    expect(() => readTenantPolicies(JSON.stringify({ profile: { sector: ['finance'] } }))).toThrow(/GUARDRAILS .*profile: .*sector/);
  });

  it('fails synth naming the context key path of a bad profile', () => {
    expect(() => tenantPolicySettings('ForestallStack', { profile: { domains: ['not a domain'] } }, {})).toThrow(/ForestallStack: guardrails\.profile\.domains\.0: /);
    expect(() => tenantPolicySettings('ForestallStack', {}, { acme: { profile: { regions: 'DE' } } })).toThrow(/ForestallStack: tenants\.acme\.profile\.regions: /);
  });
});
