import { ConfigurationError } from './env.ts';
import { EMPTY_TENANT_PROFILE, type TenantProfile } from '../match/indicators/tenant-profile.ts';
import { GuardrailPolicySchema, TenantPoliciesSchema, type GuardrailPolicy } from '../model/tenant.ts';

function parseJson(text: string | undefined, source: string): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${source} is not valid JSON`, { cause: error });
  }
}

function checkedPolicy(raw: unknown, source: string): GuardrailPolicy {
  const parsed = GuardrailPolicySchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(policy)'}: ${issue.message}`);
    throw new ConfigurationError(`${source} is not a valid guardrail policy: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * Reads the guardrail policies from their JSON texts (in a deployment the GUARDRAILS and TENANT_POLICIES
 * environment variables): GUARDRAILS is every tenant's default, TENANT_POLICIES overrides it per tenant
 * field by field (`{"acme": {"mode": "enforce"}}`). Absent means every default of GuardrailPolicySchema,
 * which keeps tenants in shadow mode. Every tenant's policy is checked at once, so a typo stops the
 * function at init with the tenant and field named instead of silently disabling a guardrail.
 */
export function readTenantPolicies(guardrailsText: string | undefined, tenantPoliciesText?: string, source = 'GUARDRAILS'): (tenant: string) => GuardrailPolicy {
  const defaults = (parseJson(guardrailsText, source) ?? {}) as Record<string, unknown>;
  if (typeof defaults !== 'object' || Array.isArray(defaults) || defaults === null) throw new ConfigurationError(`${source} must be a JSON object`);
  const base = checkedPolicy(defaults, source);
  const overrides = parseJson(tenantPoliciesText, 'TENANT_POLICIES') ?? {};
  const tenants = TenantPoliciesSchema.safeParse(overrides);
  if (!tenants.success) {
    const problems = tenants.error.issues.map((issue) => `${issue.path.join('.') || '(policies)'}: ${issue.message}`);
    throw new ConfigurationError(`TENANT_POLICIES is not valid: ${problems.join('; ')}`);
  }
  const resolved = new Map<string, GuardrailPolicy>();
  for (const [tenant, override] of Object.entries(tenants.data)) {
    resolved.set(tenant, checkedPolicy({ ...defaults, ...override }, `TENANT_POLICIES.${tenant}`));
  }
  return (tenant) => resolved.get(tenant) ?? base;
}

/** The policies from this process's environment. */
export function tenantPoliciesFromEnv(env: NodeJS.ProcessEnv = process.env): (tenant: string) => GuardrailPolicy {
  return readTenantPolicies(env.GUARDRAILS, env.TENANT_POLICIES);
}

/**
 * Each tenant's profile (sectors, regions, own domains and networks) from its policy: `profile` in
 * GUARDRAILS for every tenant, or in a tenant's TENANT_POLICIES entry for that tenant (the whole profile
 * replaces the default one). A tenant that declares none gets the empty profile.
 */
export function tenantProfiles(policyFor: (tenant: string) => GuardrailPolicy): (tenant: string) => TenantProfile {
  return (tenant) => policyFor(tenant).profile ?? EMPTY_TENANT_PROFILE;
}
