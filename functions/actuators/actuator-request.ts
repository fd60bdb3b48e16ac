import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ActionRecordSchema } from '../model/action.ts';
import type { ActionRecord, Actuator, InverseOperation } from '../model/action.ts';
import { DetailType, EVENT_VERSION } from '../model/events.ts';
import type { ActionEvent } from '../model/events.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
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
  /**
   * Announces real changes on the bus (`Action Taken`, `Action Reverted`) so rules in other accounts
   * can follow them; nothing is announced without it.
   */
  publishEvents?: PublishEvents;
  /** Problem reports (the handlers pass the Powertools logger), e.g. an announcement the bus refused. */
  log?: (level: 'warn', message: string, detail?: Record<string, unknown>) => void;
}

/** What a vendor call reports back to the flow. */
export interface ActionOutcome {
  /** `skipped` when the call found nothing to change (for example a host already contained). */
  status?: 'done' | 'skipped';
  vendorObjectId?: string;
  inverse?: InverseOperation;
  detail?: string;
  /**
   * The apply record this call undid, as markReverted returned it: the flow then announces
   * `Action Reverted` for it instead of `Action Taken` for the revert record.
   */
  reverted?: ActionRecord;
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
 *
 * Announcements (with `deps.publishEvents`): a record that becomes `done` through the vendor call is
 * announced once as `Action Taken`, right after it is stored; when the call undid an apply
 * (`outcome.reverted`), `Action Reverted` is announced for that apply record instead. Dry-run, skipped
 * and failed records changed nothing and are not announced, nor is a finished record found again on a
 * retry (it was announced when it finished). The change has already happened in the vendor, so a
 * refused announcement does not fail the action: the record stays `done`, the error is logged, and its
 * `detail` ends with `not announced on the bus (<error>)`, stored with the record, so the audit trail,
 * the playbook output and the notification show which change other accounts did not hear about.
 * Announcements are at most once: an invocation that dies between storing and publishing loses it.
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
  if (finished.status !== 'done' || !deps.publishEvents) return finished;
  return announce(deps, deps.publishEvents, finished, outcome.reverted, now);
}

/**
 * The `Action Taken` / `Action Reverted` detail for a record: what changed (actuator, target,
 * operation), which action record tells the rest (`actionId`), and the execution that requested it.
 * For `Action Reverted` the record is the apply record that was undone, so `actionId` matches the
 * `Action Taken` announced for it.
 */
export function actionEventDetail(record: ActionRecord): ActionEvent {
  return {
    version: EVENT_VERSION,
    tenant: record.tenant,
    actionId: record.id,
    actuator: record.actuator,
    target: record.target,
    operation: record.operation,
    dryRun: record.dryRun,
    ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
    execution: record.requestedBy,
  };
}

async function announce(
  deps: ActionFlowDeps,
  publishEvents: PublishEvents,
  finished: ActionRecord,
  reverted: ActionRecord | undefined,
  now: () => string,
): Promise<ActionRecord> {
  const detailType = reverted ? DetailType.ActionReverted : DetailType.ActionTaken;
  const subject = reverted ?? finished;
  try {
    await publishEvents([{ detailType, detail: actionEventDetail(subject) }]);
    return finished;
  } catch (error) {
    const reason = `${(error as Error).name}: ${(error as Error).message}`;
    deps.log?.('warn', `${detailType} not announced on the bus; the action stands`, { actionId: subject.id, recordId: finished.id, error: reason });
    const noted: ActionRecord = {
      ...finished,
      detail: `${finished.detail ? `${finished.detail}; ` : ''}${detailType} not announced on the bus (${reason})`,
      updatedAt: now(),
    };
    // The note is best effort too: the change stands whether or not the audit trail takes it.
    await deps.actions.update(noted).catch((noteError: unknown) =>
      deps.log?.('warn', 'could not note the missed announcement on the action record', { recordId: finished.id, error: (noteError as Error).message }),
    );
    return noted;
  }
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

/**
 * Marks an apply record as undone, keeping its history in `detail`, and returns it as stored: pass it
 * back as `ActionOutcome.reverted` so the flow announces `Action Reverted` once the revert is recorded.
 */
export async function markReverted(actions: ActionRepository, apply: ActionRecord, revertId: string, now: Date): Promise<ActionRecord> {
  const reverted: ActionRecord = { ...apply, status: 'reverted', detail: `${apply.detail ? `${apply.detail}; ` : ''}reverted by ${revertId}`, updatedAt: now.toISOString() };
  await actions.update(reverted);
  return reverted;
}
