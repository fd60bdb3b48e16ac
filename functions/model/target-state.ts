import { z } from 'zod';
import { ActuatorNameSchema } from './action.ts';
import { TenantIdSchema } from './tenant.ts';

/** One hold on a target's change: the run that needs it and when it began (its apply action has the expiry). */
export const TargetHoldSchema = z.object({
  id: z.string().min(1),
  label: z.string().min(1),
  /** The apply or held action that added the hold. */
  actionId: z.string(),
  since: z.string(),
});
export type TargetHold = z.infer<typeof TargetHoldSchema>;

/**
 * What forestall has done to one target (a security group, a host, a user) across runs: whether its
 * change stands, the vendor state before it, and the holds that keep it. Operations on a target take its
 * lease first, so they run one at a time; a lease left by a crashed invocation expires.
 */
export const TargetStateSchema = z.object({
  tenant: TenantIdSchema,
  actuator: ActuatorNameSchema,
  key: z.string().min(1),
  unit: z.record(z.string(), z.unknown()).optional(),
  /** `changed`: forestall's change stands in the vendor; `free`: it does not (or never did). */
  state: z.enum(['free', 'changed']).default('free'),
  before: z.unknown().optional(),
  change: z.unknown().optional(),
  /** The action that made the change that stands. */
  changeActionId: z.string().optional(),
  holds: z.array(TargetHoldSchema).default([]),
  /** An action whose vendor call started and has not been recorded as finished. */
  pendingActionId: z.string().optional(),
  leaseActionId: z.string().optional(),
  leaseUntil: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type TargetState = z.infer<typeof TargetStateSchema>;
