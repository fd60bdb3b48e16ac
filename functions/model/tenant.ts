import { z } from 'zod';

/** Tenant ids appear in every key; a single-tenant install uses `default`. */
export const TenantIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'tenant id: lower-case letters, digits and dashes, at most 63 characters');
export type TenantId = z.infer<typeof TenantIdSchema>;

export const DEFAULT_TENANT: TenantId = 'default';

/** Guardrails a tenant sets for automated action; every field has a safe default. */
export const GuardrailPolicySchema = z
  .object({
    /** Plan and record actions without calling any vendor API that changes state. */
    dryRun: z.boolean().default(false),
    /** Assets carrying any of these tag key=value pairs are never changed. */
    neverTouchTags: z.record(z.string(), z.string()).default({ 'forestall:never-touch': 'true' }),
    /** At most this many assets are changed by one playbook run; the rest are reported, not touched. */
    maxAssetsPerRun: z.number().int().min(0).max(1000).default(25),
  })
  .strict();
export type GuardrailPolicy = z.infer<typeof GuardrailPolicySchema>;
