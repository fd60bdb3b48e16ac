import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../functions/config/env.ts';
import { readTenantPolicies } from '../../../functions/config/tenant-policy.ts';

describe('readTenantPolicies', () => {
  it('keeps every tenant in shadow mode with safe defaults when no policy is configured', () => {
    const policyFor = readTenantPolicies(undefined);
    expect(policyFor('default')).toEqual({
      mode: 'shadow',
      neverTouchTags: { 'forestall:never-touch': 'true' },
      protectedIdentities: [],
      maxAssetsPerRun: 25,
      maxAssetsPerWindow: 100,
      windowHours: 24,
      maxUsersPerIdentityAction: 25,
      signOutAllAppUsers: false,
      actuators: {},
    });
    expect(readTenantPolicies('  ')('other')).toEqual(policyFor('default'));
  });

  it('turns enforcement on per tenant, overriding the default policy field by field', () => {
    const policyFor = readTenantPolicies('{"maxAssetsPerRun":3,"neverTouchTags":{"env":"lab"}}', '{"acme":{"mode":"enforce"}}');
    expect(policyFor('acme')).toMatchObject({ mode: 'enforce', maxAssetsPerRun: 3, neverTouchTags: { env: 'lab' } });
    expect(policyFor('globex')).toMatchObject({ mode: 'shadow', maxAssetsPerRun: 3 });
  });

  it('reads the older dryRun spelling as shadow mode, whatever mode says', () => {
    expect(readTenantPolicies('{"mode":"enforce","dryRun":true}')('default').mode).toBe('shadow');
  });

  it('refuses malformed JSON, naming the variable', () => {
    expect(() => readTenantPolicies('{mode: "enforce"}')).toThrow(ConfigurationError);
    expect(() => readTenantPolicies('{mode: "enforce"}')).toThrow(/GUARDRAILS is not valid JSON/);
    expect(() => readTenantPolicies(undefined, '{acme:1}')).toThrow(/TENANT_POLICIES is not valid JSON/);
  });

  it('refuses a policy with a bad or unknown field rather than dropping a guardrail, naming the tenant', () => {
    expect(() => readTenantPolicies('{"maxAssetsPerRun":-1}')).toThrow(/GUARDRAILS .*maxAssetsPerRun/);
    expect(() => readTenantPolicies('{"maxAssetPerRun":5}')).toThrow(/GUARDRAILS is not a valid guardrail policy/);
    expect(() => readTenantPolicies(undefined, '{"acme":{"mode":"enforced"}}')).toThrow(/TENANT_POLICIES\.acme .*mode/);
    expect(() => readTenantPolicies(undefined, '{"Acme Corp":{}}')).toThrow(/TENANT_POLICIES is not valid: Acme Corp/);
  });
});
