import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ActionRecordSchema } from '../model/action.ts';
import type { ActionRecord, Actuator, InverseOperation } from '../model/action.ts';
import type { ActionRepository } from '../store/ports.ts';
import { InvalidActuatorRequest } from './vendor-errors.ts';

// ---- targets ----------------------------------------------------------------------------------

export const Ec2TargetSchema = z
  .object({
    assetId: z.string().min(1),
    account: z.string().regex(/^\d{12}$/, '12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'AWS region such as eu-west-1'),
    instanceId: z.string().min(1),
    securityGroups: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'security group id such as sg-0abc1234')),
  })
  .strict();
export type Ec2Target = z.infer<typeof Ec2TargetSchema>;

export const OktaTargetSchema = z
  .object({
    appId: z.string().min(1),
    /** When set, only this group's members (the app's administrators) are signed out. */
    adminGroupId: z.string().min(1).optional(),
    assetIds: z.array(z.string()).default([]),
  })
  .strict();
export type OktaTarget = z.infer<typeof OktaTargetSchema>;

export const CrowdStrikeTargetSchema = z.object({ assetId: z.string().min(1), deviceId: z.string().min(1) }).strict();
export type CrowdStrikeTarget = z.infer<typeof CrowdStrikeTargetSchema>;

// ---- request / response -----------------------------------------------------------------------

/** The request every actuator Lambda takes; `targets` depends on the actuator. */
export function actuatorRequestSchema<T extends z.ZodType>(target: T) {
  return z.object({
    tenant: z.string().min(1),
    /** The playbook execution (ARN locally or deployed): part of every action id. */
    execution: z.string().min(1),
    operation: z.enum(['apply', 'revert']),
    dryRun: z.boolean(),
    reason: z.string(),
    exposureIds: z.array(z.string()).default([]),
    targets: z.array(target),
    /** For a revert outside the applying execution: the execution whose actions are undone. */
    applyExecution: z.string().min(1).optional(),
  });
}

export const Ec2RequestSchema = actuatorRequestSchema(Ec2TargetSchema);
export type Ec2Request = z.infer<typeof Ec2RequestSchema>;
export const OktaRequestSchema = actuatorRequestSchema(OktaTargetSchema);
export type OktaRequest = z.infer<typeof OktaRequestSchema>;
export const CrowdStrikeRequestSchema = actuatorRequestSchema(CrowdStrikeTargetSchema);
export type CrowdStrikeRequest = z.infer<typeof CrowdStrikeRequestSchema>;

export const ActuatorResponseSchema = z.object({ actions: z.array(ActionRecordSchema) });
export type ActuatorResponse = z.infer<typeof ActuatorResponseSchema>;

/** Fields common to every actuator request, which the flow helper needs. */
export type ActuatorRequestBase = Pick<Ec2Request, 'tenant' | 'execution' | 'operation' | 'dryRun' | 'reason' | 'exposureIds'>;

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

// ---- ids --------------------------------------------------------------------------------------

/**
 * Deterministic action id: the same execution, actuator, operation and target always give the same
 * id, so a retried step finds the record of its first attempt. 24 hex characters (96 bits) of sha256.
 */
export function actionId(execution: string, actuator: Actuator, operation: string, target: string): string {
  return createHash('sha256').update(JSON.stringify([execution, actuator, operation, target])).digest('hex').slice(0, 24);
}

/** sha256 of what is about to be sent, so the audit trail shows exactly what was requested. */
export function requestDigest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

// ---- the flow every actuator follows ----------------------------------------------------------

export interface ActionFlowDeps {
  actions: ActionRepository;
  now?: () => Date;
}

/** What a vendor call reports back to the flow. */
export interface ActionOutcome {
  /** `skipped` when the call found nothing to change (for example a host already contained). */
  status?: 'done' | 'skipped';
  vendorObjectId?: string;
  inverse?: InverseOperation;
  detail?: string;
}

export interface PlannedAction {
  actuator: Actuator;
  operation: string;
  /** Stable text naming the target (for example `123456789012/eu-west-1/sg-0abc1234`). */
  target: string;
  /**
   * What the call would do, in words: recorded as `dry-run: would <wouldDo>` in dry-run. A function is
   * only called in dry-run (it may read from the vendor to say exactly what would change).
   */
  wouldDo: string | (() => Promise<string>);
  /** The request to be sent, digested into the record. */
  request?: unknown;
  /** Inverse known before the call (for the dry-run record). */
  inverse?: InverseOperation;
  expiresAt?: string;
}

const FINISHED = new Set<ActionRecord['status']>(['done', 'skipped', 'reverted']);

/**
 * Runs one vendor change with the audit trail around it:
 * createIfAbsent(planned) -> an earlier done/skipped/reverted record is returned as it is (no second
 * vendor call) -> in dry-run the record becomes `skipped` with "dry-run: would ..." and no call is
 * made -> otherwise `perform` runs and the record becomes done with the vendor object id and the
 * inverse -> on error the record is marked failed and the (named) error is rethrown for the
 * playbook's Retry/Catch. A `planned` or `failed` record from an interrupted attempt is retried.
 */
export async function runAction(
  deps: ActionFlowDeps,
  request: ActuatorRequestBase,
  planned: PlannedAction,
  perform: () => Promise<ActionOutcome>,
): Promise<ActionRecord> {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const createdAt = now();
  const record: ActionRecord = {
    tenant: request.tenant,
    id: actionId(request.execution, planned.actuator, planned.operation, planned.target),
    actuator: planned.actuator,
    operation: planned.operation,
    target: planned.target,
    status: 'planned',
    dryRun: request.dryRun,
    requestedBy: request.execution,
    reason: request.reason,
    exposureIds: request.exposureIds,
    ...(planned.request === undefined ? {} : { requestDigest: requestDigest(planned.request) }),
    ...(planned.inverse === undefined ? {} : { inverse: planned.inverse }),
    ...(planned.expiresAt === undefined ? {} : { expiresAt: planned.expiresAt }),
    createdAt,
    updatedAt: createdAt,
  };
  const { created, record: stored } = await deps.actions.createIfAbsent(record);
  if (!created && FINISHED.has(stored.status)) return stored;

  if (request.dryRun) {
    const wouldDo = typeof planned.wouldDo === 'string' ? planned.wouldDo : await planned.wouldDo();
    const skipped: ActionRecord = { ...stored, status: 'skipped', dryRun: true, detail: `dry-run: would ${wouldDo}`, updatedAt: now() };
    await deps.actions.update(skipped);
    return skipped;
  }

  let outcome: ActionOutcome;
  try {
    outcome = await perform();
  } catch (error) {
    const failed: ActionRecord = { ...stored, status: 'failed', detail: `${(error as Error).name}: ${(error as Error).message}`, updatedAt: now() };
    await deps.actions.update(failed);
    throw error;
  }
  // A call that changed nothing has nothing to undo: drop the inverse planned for the dry-run record.
  const { inverse: plannedInverse, ...rest } = stored;
  const finished: ActionRecord = {
    ...rest,
    ...(outcome.status !== 'skipped' && plannedInverse ? { inverse: plannedInverse } : {}),
    status: outcome.status ?? 'done',
    ...(outcome.vendorObjectId === undefined ? {} : { vendorObjectId: outcome.vendorObjectId }),
    ...(outcome.inverse === undefined ? {} : { inverse: outcome.inverse }),
    ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
    updatedAt: now(),
  };
  await deps.actions.update(finished);
  return finished;
}

/**
 * Finds the apply record a revert undoes (by the deterministic id of the apply) and, once the inverse
 * has run, marks it `reverted`. Returns undefined when no apply was recorded.
 */
export async function findApplyRecord(
  actions: ActionRepository,
  request: Pick<ActuatorRequestBase, 'tenant' | 'execution'> & { applyExecution?: string | undefined },
  actuator: Actuator,
  applyOperation: string,
  target: string,
): Promise<ActionRecord | undefined> {
  return actions.get(request.tenant, actionId(request.applyExecution ?? request.execution, actuator, applyOperation, target));
}

/** Marks an apply record as undone, keeping its history in `detail`. */
export async function markReverted(actions: ActionRepository, apply: ActionRecord, revertId: string, now: Date): Promise<void> {
  await actions.update({ ...apply, status: 'reverted', detail: `${apply.detail ? `${apply.detail}; ` : ''}reverted by ${revertId}`, updatedAt: now.toISOString() });
}
