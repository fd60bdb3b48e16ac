import { z } from 'zod';

export const ActuatorSchema = z.enum(['ec2-security-group', 'okta-sessions', 'crowdstrike-containment', 'slack']);
export type Actuator = z.infer<typeof ActuatorSchema>;

/** How to undo an action; `none` when the vendor offers no inverse (cleared sessions stay cleared). */
export const InverseOperationSchema = z.object({
  operation: z.string(),
  /** Everything the inverse call needs, so it can run without the original context. */
  parameters: z.record(z.string(), z.unknown()).default({}),
  description: z.string(),
});
export type InverseOperation = z.infer<typeof InverseOperationSchema>;

/**
 * One audit-trail record per automated change: who (playbook execution), what (actuator, operation,
 * target), why (exposure and reasons), and how to undo it. `id` is derived from the execution, actuator,
 * operation and target, so a retried step finds its earlier record instead of acting twice.
 */
export const ActionRecordSchema = z.object({
  tenant: z.string(),
  id: z.string(),
  actuator: ActuatorSchema,
  operation: z.string(),
  target: z.string(),
  status: z.enum(['planned', 'done', 'skipped', 'failed', 'reverted']),
  dryRun: z.boolean(),
  requestedBy: z.string(),
  reason: z.string(),
  exposureIds: z.array(z.string()).default([]),
  requestDigest: z.string().optional(),
  vendorObjectId: z.string().optional(),
  inverse: InverseOperationSchema.optional(),
  detail: z.string().optional(),
  expiresAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ActionRecord = z.infer<typeof ActionRecordSchema>;
