import { ConfigurationError } from '../config/env.ts';
import { GuardrailPolicySchema, type GuardrailPolicy } from '../model/tenant.ts';

/**
 * Reads the tenant's guardrail policy from its JSON text (the GUARDRAILS environment variable in a
 * deployment). Absent means every default of GuardrailPolicySchema; malformed stops the function at init
 * with the offending field named, so a typo never silently disables a guardrail.
 */
export function parseGuardrailPolicy(text: string | undefined, source = 'GUARDRAILS'): GuardrailPolicy {
  if (text === undefined || text.trim() === '') return GuardrailPolicySchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${source} is not valid JSON`, { cause: error });
  }
  const parsed = GuardrailPolicySchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(policy)'}: ${issue.message}`);
    throw new ConfigurationError(`${source} is not a valid guardrail policy: ${problems.join('; ')}`);
  }
  return parsed.data;
}
