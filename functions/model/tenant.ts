import { z } from 'zod';
import { TenantProfileSchema } from '../match/indicators/tenant-profile.ts';

/** Tenant ids appear in every key; a single-tenant install uses `default`. */
export const TenantIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'tenant id: lower-case letters, digits and dashes, at most 63 characters');
export type TenantId = z.infer<typeof TenantIdSchema>;

export const DEFAULT_TENANT: TenantId = 'default';

/**
 * `shadow`: plan, record and announce what would be done, change nothing (every new deployment starts
 * here). `enforce`: change vendor state.
 */
export const ActionModeSchema = z.enum(['shadow', 'enforce']);
export type ActionMode = z.infer<typeof ActionModeSchema>;

/** What the expiry sweeper does with an action whose expiry has passed. */
export const OnExpirySchema = z.enum(['revert', 'renew', 'notify']);
export type OnExpiry = z.infer<typeof OnExpirySchema>;

/** What a failed playbook run does with the changes it already made. */
export const OnFailureSchema = z.enum(['revert', 'keep']);
export type OnFailure = z.infer<typeof OnFailureSchema>;

/** Per-actuator overrides of the actuator's own defaults (its definition names them). */
export const ActuatorPolicySchema = z
  .object({
    /** Hours a reversible change stands before the sweeper handles it. */
    expiresAfterHours: z.number().positive().max(24 * 90).optional(),
    onExpiry: OnExpirySchema.optional(),
    onFailure: OnFailureSchema.optional(),
    /** false: the actuator is left out of every plan. */
    enabled: z.boolean().optional(),
  })
  .strict();
export type ActuatorPolicy = z.infer<typeof ActuatorPolicySchema>;

/**
 * A vendor identity as `<kind>:<id>`: `okta-user:00u1abc`, `entra-user:<object id>`,
 * `crowdstrike-device:<aid>`, `aws-instance:i-0abc...`, `aws-security-group:sg-0abc...`, `okta-app:0oa...`.
 */
export const VendorIdentitySchema = z.string().regex(/^[a-z0-9-]+:\S+$/, 'a vendor identity such as okta-user:00u1abc or crowdstrike-device:<aid>');

/** Guardrails a tenant sets for automated action; every field has a safe default. */
export const GuardrailPolicySchema = z
  .object({
    /** New deployments start in shadow mode; enforcement is turned on per tenant. */
    mode: ActionModeSchema.default('shadow'),
    /** Older spelling of shadow mode: `dryRun: true` keeps the tenant in shadow whatever `mode` says. */
    dryRun: z.boolean().optional(),
    /** Assets carrying any of these tag key=value pairs are never changed, nor is any vendor identity they carry. */
    neverTouchTags: z.record(z.string(), z.string()).default({ 'forestall:never-touch': 'true' }),
    /** Vendor identities never acted on: break-glass and service accounts, critical hosts and groups. */
    protectedIdentities: z.array(VendorIdentitySchema).default([]),
    /** At most this many assets are changed by one playbook run; the rest are reported, not touched. */
    maxAssetsPerRun: z.number().int().min(0).max(1000).default(25),
    /** At most this many distinct assets are changed for the tenant within `windowHours`, across runs. */
    maxAssetsPerWindow: z.number().int().min(0).max(10_000).default(100),
    windowHours: z.number().int().min(1).max(24 * 30).default(24),
    /** At most this many users are signed out or disabled by one identity action; above it, none are. */
    maxUsersPerIdentityAction: z.number().int().min(0).max(10_000).default(25),
    /** Without an admin group, sign out every user assigned to the application (off: nothing is done). */
    signOutAllAppUsers: z.boolean().default(false),
    /** Per-actuator expiry and failure policy, by actuator name. */
    actuators: z.record(z.string(), ActuatorPolicySchema).default({}),
    /**
     * What the tenant declares about itself for indicator relevance: sectors, regions, own domains and
     * network ranges (TenantProfileSchema). Absent: only the asset inventory makes an indicator relevant.
     */
    profile: TenantProfileSchema.optional(),
  })
  .strict()
  .transform(({ dryRun, ...policy }) => (dryRun ? { ...policy, mode: 'shadow' as const } : policy));
export type GuardrailPolicy = z.infer<typeof GuardrailPolicySchema>;
export type GuardrailPolicyInput = z.input<typeof GuardrailPolicySchema>;

/** Per-tenant policies: each tenant's entries override the deployment's default policy field by field. */
export const TenantPoliciesSchema = z.record(TenantIdSchema, z.record(z.string(), z.unknown()));
export type TenantPolicies = z.infer<typeof TenantPoliciesSchema>;
