import { readTenantPolicies } from '../functions/config/tenant-policy.ts';
import { GuardrailPolicySchema, TenantIdSchema, TenantPoliciesSchema } from '../functions/model/tenant.ts';

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Checks an https URL prop and returns it; the error names the construct and the prop. */
export function validateHttpsUrl(construct: string, prop: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new Error(`${construct}: ${prop} is not a URL: ${value}`, { cause });
  }
  if (url.protocol !== 'https:') throw new Error(`${construct}: ${prop} must be an https URL, got ${value}`);
  return value;
}

/**
 * Checks a Secrets Manager secret *name* (not an ARN, never a value). A name ending in a hyphen and six
 * characters is refused: Secrets Manager would confuse it with the random suffix of a full ARN.
 */
export function validateSecretName(construct: string, prop: string, value: string): string {
  if (value.startsWith('arn:')) throw new Error(`${construct}: ${prop} must be a secret name, not an ARN`);
  if (!SECRET_NAME.test(value)) throw new Error(`${construct}: ${prop} "${value}" is not a valid Secrets Manager secret name`);
  if (/-[A-Za-z0-9]{6}$/.test(value)) {
    throw new Error(`${construct}: ${prop} "${value}" ends like a random ARN suffix (-xxxxxx); choose another name`);
  }
  return value;
}

/** Checks a tenant id against the domain model's schema (the shape the store uses in keys). */
export function validateTenantId(construct: string, value: string): string {
  const parsed = TenantIdSchema.safeParse(value);
  if (!parsed.success) throw new Error(`${construct}: tenantId "${value}": ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** The kinds of value an actuator setting takes (`ActuatorSetting.kind`). */
export type SettingKind = 'https-url' | 'string' | 'list' | 'tag' | 'role-name';

const LIST_ITEM = /^[A-Za-z0-9._:/@+=-]{1,256}$/;
const TAG_KEY = /^[A-Za-z0-9 +\-=._:/@]{1,127}$/;
const TAG_VALUE = /^[A-Za-z0-9 +\-=._:/@]{0,255}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * Checks an actuator setting by its kind and returns the value the function gets (lists trimmed and
 * comma-joined), or undefined when a list or string holds nothing. The error names the construct and
 * the setting's context key.
 */
export function validateSetting(construct: string, key: string, kind: SettingKind, value: string): string | undefined {
  const where = `${construct}: ${key}`;
  switch (kind) {
    case 'https-url':
      return validateHttpsUrl(construct, key, value.trim());
    case 'list': {
      const items = value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      const bad = items.filter((item) => !LIST_ITEM.test(item));
      if (bad.length > 0) throw new Error(`${where} must be a comma-separated list of names, got ${JSON.stringify(bad)}`);
      return items.length > 0 ? items.join(',') : undefined;
    }
    case 'tag': {
      const at = value.indexOf('=');
      if (at <= 0) throw new Error(`${where} must be key=value, got "${value}"`);
      const [tagKey, tagValue] = [value.slice(0, at), value.slice(at + 1)];
      if (!TAG_KEY.test(tagKey) || tagKey.toLowerCase().startsWith('aws:')) {
        throw new Error(`${where}: "${tagKey}" is not a valid tag key (1-127 letters, digits, spaces and + - = . _ : / @, not aws:)`);
      }
      if (!TAG_VALUE.test(tagValue)) throw new Error(`${where}: tag value "${tagValue}" is not valid (at most 255 letters, digits, spaces and + - = . _ : / @)`);
      return value;
    }
    case 'role-name':
      if (!ROLE_NAME.test(value)) throw new Error(`${where} "${value}" is not an IAM role name (1-64 letters, digits and + = , . @ _ -)`);
      return value;
    case 'string':
      // Control characters never belong in a setting; an empty one is unset.
      if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`${where} contains control characters`);
      return value.trim() === '' ? undefined : value;
    default: {
      const unknown: never = kind;
      throw new Error(`${where}: unknown setting kind ${String(unknown)}`);
    }
  }
}

/** The tenant policy settings as the functions read them (`GUARDRAILS`, `TENANT_POLICIES`), checked. */
export interface TenantPolicySettings {
  /** `GUARDRAILS`: every tenant's default policy, as the operator wrote it (the functions fill the defaults). */
  readonly guardrailsJson: string;
  /** `TENANT_POLICIES`: per-tenant overrides, field by field. */
  readonly tenantPoliciesJson: string;
  /** The tenants named in the overrides. */
  readonly tenants: readonly string[];
}

/**
 * Checks the default guardrail policy (`forestall:guardrails`) and the per-tenant overrides
 * (`forestall:tenants`) against the domain model's schemas, exactly as the functions will read them
 * (`readTenantPolicies`), so a bad policy fails synth, naming the tenant and the field, instead of
 * stopping every function at its first start. Absent policies keep every tenant in shadow mode.
 */
export function tenantPolicySettings(construct: string, guardrails: unknown = {}, tenants: unknown = {}): TenantPolicySettings {
  const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(guardrails)) throw new Error(`${construct}: guardrails must be a JSON object (a guardrail policy)`);
  if (!isObject(tenants)) throw new Error(`${construct}: tenants must be a JSON object of tenant id to policy override`);
  const problems = (issues: readonly { path: readonly PropertyKey[]; message: string }[], prefix: string) =>
    issues.map((issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`);

  const base = GuardrailPolicySchema.safeParse(guardrails);
  if (!base.success) throw new Error(`${construct}: ${problems(base.error.issues, 'guardrails').join('; ')}`);
  const badTenants = Object.entries(tenants as Record<string, unknown>).flatMap(([tenant, override]) => {
    const id = TenantIdSchema.safeParse(tenant);
    if (!id.success) return [`tenants: tenant "${tenant}": ${id.error.issues[0]?.message ?? 'invalid tenant id'}`];
    return isObject(override) ? [] : [`tenants: tenant "${tenant}": expected an object of policy fields`];
  });
  if (badTenants.length > 0) throw new Error(`${construct}: ${badTenants.join('; ')}`);
  const overrides = TenantPoliciesSchema.safeParse(tenants);
  if (!overrides.success) {
    const named = overrides.error.issues.map((issue) => `tenants: tenant "${String(issue.path[0] ?? '')}": ${issue.message}`);
    throw new Error(`${construct}: ${named.join('; ')}`);
  }
  const errors: string[] = [];
  for (const [tenant, override] of Object.entries(overrides.data)) {
    const merged = GuardrailPolicySchema.safeParse({ ...(guardrails as object), ...override });
    if (!merged.success) errors.push(...problems(merged.error.issues, `tenants.${tenant}`));
  }
  if (errors.length > 0) throw new Error(`${construct}: ${errors.join('; ')}`);

  const guardrailsJson = JSON.stringify(guardrails);
  const tenantPoliciesJson = JSON.stringify(overrides.data);
  // The functions' own reader, as a last word: what passes here starts there.
  try {
    readTenantPolicies(guardrailsJson, tenantPoliciesJson);
  } catch (cause) {
    throw new Error(`${construct}: ${(cause as Error).message}`, { cause });
  }
  return { guardrailsJson, tenantPoliciesJson, tenants: Object.keys(overrides.data) };
}

/**
 * `accountTenants` (`{"111122223333": "acme"}`: which tenant another account speaks for), checked: keys
 * 12-digit account ids, values tenant ids. An error names the construct and the entry.
 */
export function validateAccountTenants(construct: string, accountTenants: Readonly<Record<string, unknown>> = {}): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [account, tenant] of Object.entries(accountTenants)) {
    if (!/^\d{12}$/.test(account)) throw new Error(`${construct}: accountTenants key "${account}" is not a 12-digit AWS account id`);
    if (typeof tenant !== 'string') throw new Error(`${construct}: accountTenants.${account}: expected a tenant id, got ${JSON.stringify(tenant)}`);
    checked[account] = validateTenantId(`${construct}: accountTenants.${account}`, tenant);
  }
  return checked;
}
