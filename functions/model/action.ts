import { z } from 'zod';
import { OnExpirySchema, TenantIdSchema } from './tenant.ts';

/** Actuator names are the registry's (functions/actuators/registry.ts); the model only fixes their shape. */
export const ActuatorNameSchema = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'actuator name: kebab-case');
export type ActuatorName = z.infer<typeof ActuatorNameSchema>;

/** How to undo an action; `none` when the vendor offers no inverse (cleared sessions stay cleared). */
export const InverseOperationSchema = z.object({
  operation: z.string(),
  /** Everything the inverse call needs, so it can run without the original context. */
  parameters: z.record(z.string(), z.unknown()).default({}),
  description: z.string(),
});
export type InverseOperation = z.infer<typeof InverseOperationSchema>;

/** A reason a change stands: the playbook run (and the vulnerability it answers) that needs it. */
export const HoldSchema = z.object({
  /** The run that needs the change: its execution id. */
  id: z.string().min(1),
  /** What people read: the vulnerability, e.g. `CVE-2023-4966`. */
  label: z.string().min(1),
});
export type Hold = z.infer<typeof HoldSchema>;

/**
 * Where an action stands:
 * - `applying`: intent and before-state recorded, vendor call made or about to be, outcome not yet known;
 *   a retry reconciles against the vendor instead of calling blindly;
 * - `done`: this action changed the vendor; `held`: the change another action made already stood, and this
 *   run added its hold to it (no vendor call);
 * - `skipped`: nothing to change, a guardrail, or shadow mode (`dryRun`); `failed`: the vendor refused;
 * - `reverting`: the last hold went and the inverse is being applied; `reverted`: the vendor was changed
 *   back (see `confirmation`); `released`: this run's hold was dropped while others keep the change.
 */
export const ActionStatusSchema = z.enum(['applying', 'done', 'held', 'skipped', 'failed', 'reverting', 'reverted', 'released']);
export type ActionStatus = z.infer<typeof ActionStatusSchema>;

/** What a revert found when it read the vendor again. */
export const RevertConfirmationSchema = z.object({
  /** `restored`: the vendor shows the before-state; `pending`: accepted, still settling; `differs`: it does not. */
  verdict: z.enum(['restored', 'pending', 'differs']),
  observed: z.string(),
  checkedAt: z.string(),
});
export type RevertConfirmation = z.infer<typeof RevertConfirmationSchema>;

/**
 * One audit-trail record per change asked of one target: who (playbook execution), what (actuator,
 * operation, target), why (exposures and reason), what the target looked like before, and how to undo it.
 * `id` derives from tenant, hold, actuator, operation and target, so a retried step finds its earlier
 * record instead of acting twice.
 */
export const ActionRecordSchema = z.object({
  tenant: TenantIdSchema,
  id: z.string(),
  actuator: ActuatorNameSchema,
  /** `apply` or `release` for actuators; `notify-<kind>` for notifications. */
  operation: z.string(),
  /** Stable text naming the target, e.g. `crowdstrike-device:<aid>`. */
  target: z.string(),
  /** The target's data as the actuator needs it to act again (release, expiry), without the plan. */
  unit: z.record(z.string(), z.unknown()).optional(),
  status: ActionStatusSchema,
  /** Shadow mode: nothing was changed; `detail` says what would have been. */
  dryRun: z.boolean(),
  requestedBy: z.string(),
  reason: z.string(),
  exposureIds: z.array(z.string()).default([]),
  /** The hold this action adds (apply) or drops (release). */
  hold: HoldSchema.optional(),
  /** Every hold on the target once this action finished: "still contained for CVE-...". */
  holds: z.array(HoldSchema).optional(),
  /** The vendor state before the change, recorded before the vendor call; the inverse derives from it. */
  before: z.unknown().optional(),
  /** What the change consists of (for example the rules revoked). */
  change: z.unknown().optional(),
  /** When the vendor call was last attempted: the window a retry reconciles in. */
  attemptedAt: z.string().optional(),
  attempts: z.number().int().min(0).optional(),
  /** For `held` and `released`: the action whose change stands. */
  changedBy: z.string().optional(),
  requestDigest: z.string().optional(),
  vendorObjectId: z.string().optional(),
  inverse: InverseOperationSchema.optional(),
  detail: z.string().optional(),
  expiresAt: z.string().optional(),
  onExpiry: OnExpirySchema.optional(),
  /** `onExpiry: notify` was carried out: people were told the change stands past its expiry. */
  expiryNotifiedAt: z.string().optional(),
  confirmation: RevertConfirmationSchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ActionRecord = z.infer<typeof ActionRecordSchema>;

/**
 * Statuses of an apply whose hold may still stand: these sit in the expiry index. `applying` is among
 * them so that even a run that died mid-change cannot leave a hold nobody ever releases.
 */
export const HOLDING_STATUSES: ReadonlySet<ActionStatus> = new Set(['applying', 'done', 'held']);
