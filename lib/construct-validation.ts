import { GuardrailPolicySchema, TenantIdSchema, type GuardrailPolicy } from '../functions/model/tenant.ts';

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

/**
 * Checks a guardrail policy against the domain model's schema and returns the JSON for `GUARDRAILS`,
 * so a bad policy fails at synth rather than at the first playbook run.
 */
export function guardrailsJson(construct: string, value: unknown): string {
  const parsed = GuardrailPolicySchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(policy)'}: ${issue.message}`);
    throw new Error(`${construct}: guardrails: ${problems.join('; ')}`);
  }
  const policy: GuardrailPolicy = parsed.data;
  return JSON.stringify(policy);
}
