import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ActionRecordSchema, HoldSchema } from '../model/action.ts';
import { ActionModeSchema, OnExpirySchema, TenantIdSchema } from '../model/tenant.ts';
import { InvalidActuatorRequest } from '../vendor/vendor-errors.ts';

/** When a change expires and what the sweeper then does; set by Plan from the tenant's policy. */
export const ExpirySchema = z.object({ expiresAt: z.iso.datetime(), onExpiry: OnExpirySchema }).strict();
export type Expiry = z.infer<typeof ExpirySchema>;

/**
 * `apply`: change the targets for a run, adding the run's hold. `release`: drop the run's hold on what its
 * applies changed (all of them, or `actionIds`); the vendor is changed back only when the last hold goes.
 */
export function actuatorRequestSchema<T extends z.ZodType>(target: T) {
  const common = {
    tenant: TenantIdSchema,
    /** Who asks: the playbook execution, or `sweeper:<time>` for expiry. */
    execution: z.string().min(1),
    reason: z.string().min(1),
    /** The run whose changes these are, and what it answers (the CVE). */
    hold: HoldSchema,
  };
  return z.discriminatedUnion('operation', [
    z
      .object({
        operation: z.literal('apply'),
        ...common,
        mode: ActionModeSchema,
        exposureIds: z.array(z.string()).default([]),
        expiry: ExpirySchema.optional(),
        targets: z.array(target).min(1),
      })
      .strict(),
    z
      .object({
        operation: z.literal('release'),
        ...common,
        /** Only these applies of the run (the sweeper releases one expired action at a time). */
        actionIds: z.array(z.string().min(1)).optional(),
      })
      .strict(),
  ]);
}
export type ActuatorRequest<T> = ApplyRequest<T> | ReleaseRequest;
export interface ApplyRequest<T> {
  operation: 'apply';
  tenant: string;
  execution: string;
  reason: string;
  hold: z.infer<typeof HoldSchema>;
  mode: z.infer<typeof ActionModeSchema>;
  exposureIds: string[];
  expiry?: Expiry | undefined;
  targets: T[];
}
export interface ReleaseRequest {
  operation: 'release';
  tenant: string;
  execution: string;
  reason: string;
  hold: z.infer<typeof HoldSchema>;
  actionIds?: string[] | undefined;
}

/** Counts per status, so a state machine can carry the outcome without every record. */
export const ActionSummarySchema = z.record(z.string(), z.number().int());

export const ActuatorResponseSchema = z.object({
  actuator: z.string(),
  operation: z.enum(['apply', 'release']),
  summary: ActionSummarySchema,
  actions: z.array(ActionRecordSchema),
});
export type ActuatorResponse = z.infer<typeof ActuatorResponseSchema>;

/**
 * Parses a handler's input, naming every bad field and the source ("actuator request") so a playbook
 * author sees what to fix.
 */
export function parseActuatorInput<T extends z.ZodType>(schema: T, input: unknown, source: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
    throw new InvalidActuatorRequest(`invalid ${source}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * Deterministic action id: the same tenant, hold (run), actuator, operation and target always give the
 * same id, so a retried step finds the record of its first attempt. 24 hex characters (96 bits) of sha256.
 */
export function actionId(tenant: string, holdId: string, actuator: string, operation: string, target: string): string {
  return createHash('sha256').update(JSON.stringify([tenant, holdId, actuator, operation, target])).digest('hex').slice(0, 24);
}

/** sha256 of what is about to be sent, so the audit trail shows exactly what was requested. */
export function requestDigest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
