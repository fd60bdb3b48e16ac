import { EVENT_VERSION, DetailType, type ActionEvent } from '../model/events.ts';
import type { ActionRecord, ActionStatus, Hold } from '../model/action.ts';
import { GuardrailPolicySchema, type GuardrailPolicy } from '../model/tenant.ts';
import type { TargetHold, TargetState } from '../model/target-state.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
import type { ActionRepository, TargetRepository } from '../store/ports.ts';
import { TargetBusy } from '../store/ports.ts';
import { VendorRequestFailed, AccountNotEnrolled } from '../vendor/vendor-errors.ts';
import { isNothingToChange, type ActuatorPlugin, type Unit } from './actuator-plugin.ts';
import { actionId, type ActuatorRequest, type ActuatorResponse, type ApplyRequest, type ReleaseRequest } from './actuator-request.ts';

export interface KernelDeps {
  actions: ActionRepository;
  targets: TargetRepository;
  now?: () => Date;
  /**
   * How long a lease lasts: longer than one invocation (the actuator's Lambda timeout), so only a crashed
   * invocation's lease ever expires while its owner might still act. Default 2 minutes.
   */
  leaseMs?: number;
  /** The tenant's guardrails (defaults when absent). */
  policyFor?: (tenant: string) => GuardrailPolicy;
  /** Announces changes on the bus (`Action Taken`, `Action Reverted`); nothing is announced without it. */
  publishEvents?: PublishEvents;
  /** Problem reports (the handlers pass the Powertools logger). */
  log?: (level: 'warn', message: string, detail?: Record<string, unknown>) => void;
}

const DEFAULT_LEASE_MS = 120_000;
const FINAL_APPLY: ReadonlySet<ActionStatus> = new Set(['done', 'held', 'skipped', 'failed', 'released', 'reverted']);
const FINAL_RELEASE: ReadonlySet<ActionStatus> = new Set(['released', 'reverted', 'skipped', 'failed']);

/**
 * Runs one actuator request through the kernel, unit by unit:
 *
 * apply: the unit's lease is taken (TargetBusy while another action holds it, which the playbook retries).
 * If forestall's change already stands on the unit, this run adds its hold (`held`, no vendor call).
 * Otherwise the vendor state is read; when it already is what the change would make it (a host a person
 * contained), nothing is done and nothing will ever be undone (`skipped`). Else the record, holding the
 * before-state and the change, is written as `applying` before the vendor call; a retry finds it and
 * reconciles against the vendor's current state instead of calling blindly; the inverse always derives
 * from the recorded before-state.
 *
 * release: the run's hold is dropped. While other holds remain the change stands (`released`, naming
 * them); when the last goes the inverse runs, the vendor is read again and the record says whether it
 * shows the before-state (`reverted` with a confirmation).
 *
 * A unit the vendor refuses (unknown device, 4xx) is recorded `failed` and the rest go on; throttling,
 * outages and store errors stop the request and surface for the playbook's Retry, and the next attempt
 * resumes from the records.
 */
export async function runActuator<T, U, B, C>(deps: KernelDeps, plugin: ActuatorPlugin<T, U, B, C>, request: ActuatorRequest<T>): Promise<ActuatorResponse> {
  const kernel = new Kernel(deps, plugin);
  const actions = request.operation === 'apply' ? await kernel.apply(request) : await kernel.release(request);
  const summary: Record<string, number> = {};
  for (const action of actions) summary[action.status] = (summary[action.status] ?? 0) + 1;
  return { actuator: plugin.name, operation: request.operation, summary, actions };
}

/** Errors that concern one unit only: record the unit as failed and carry on with the others. */
function isUnitRefusal(error: unknown): boolean {
  if (error instanceof AccountNotEnrolled) return true;
  return error instanceof VendorRequestFailed && (error.status === undefined || error.status < 500);
}

const describeError = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

class Kernel<T, U, B, C> {
  private readonly now: () => Date;
  private readonly leaseMs: number;

  constructor(
    private readonly deps: KernelDeps,
    private readonly plugin: ActuatorPlugin<T, U, B, C>,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  }

  private iso(): string {
    return this.now().toISOString();
  }

  // ---- apply -------------------------------------------------------------------------------------

  async apply(request: ApplyRequest<T>): Promise<ActionRecord[]> {
    const policy = this.deps.policyFor?.(request.tenant) ?? GuardrailPolicySchema.parse({});
    const { units, skipped, failed } = await this.plugin.units(request.targets, { tenant: request.tenant, mode: request.mode, policy });
    const results: ActionRecord[] = [];
    for (const item of skipped) results.push(await this.recordSkipped(request, item.key, undefined, item.reason));
    for (const item of failed ?? []) results.push(await this.recordFailedUnit(request, { key: item.key, unit: undefined as U, label: item.key }, new Error(item.reason)));
    let busy: TargetBusy | undefined;
    for (const unit of units) {
      try {
        results.push(await this.applyUnit(request, unit));
      } catch (error) {
        if (error instanceof TargetBusy) {
          // Others go on; the playbook retries the request and finished units return their records.
          busy ??= error;
        } else if (isUnitRefusal(error)) {
          results.push(await this.recordFailedUnit(request, unit, error));
        } else {
          throw error;
        }
      }
    }
    if (busy) throw busy;
    return results;
  }

  private baseRecord(request: ApplyRequest<T> | ReleaseRequest, operation: 'apply' | 'release', key: string, unit: U | undefined, unitAssets?: readonly string[]): ActionRecord {
    const at = this.iso();
    return {
      tenant: request.tenant,
      id: actionId(request.tenant, request.hold.id, this.plugin.name, operation, key),
      actuator: this.plugin.name,
      operation,
      target: key,
      ...(unit === undefined ? {} : { unit: unit as Record<string, unknown> }),
      status: 'applying',
      dryRun: request.operation === 'apply' && request.mode === 'shadow',
      requestedBy: request.execution,
      reason: request.reason,
      exposureIds: request.operation === 'apply' ? exposuresOf(request.exposureIds, unitAssets) : [],
      hold: request.hold,
      ...(request.operation === 'apply' && request.expiry && this.plugin.reversible ? { expiresAt: request.expiry.expiresAt, onExpiry: request.expiry.onExpiry } : {}),
      createdAt: at,
      updatedAt: at,
    };
  }

  private async recordSkipped(request: ApplyRequest<T>, key: string, unit: U | undefined, reason: string, dryRun = false): Promise<ActionRecord> {
    const { expiresAt: _e, onExpiry: _o, ...base } = this.baseRecord(request, 'apply', key, unit);
    const record: ActionRecord = { ...base, status: 'skipped', dryRun, detail: reason };
    const { created, record: stored } = await this.deps.actions.createIfAbsent(record);
    if (!created && FINAL_APPLY.has(stored.status)) return stored;
    if (!created) await this.deps.actions.update(record);
    return record;
  }

  private async recordFailedUnit(request: ApplyRequest<T>, unit: Unit<U>, error: unknown): Promise<ActionRecord> {
    const id = actionId(request.tenant, request.hold.id, this.plugin.name, 'apply', unit.key);
    const existing = await this.deps.actions.get(request.tenant, id);
    const { expiresAt: _e, onExpiry: _o, ...base } = existing ?? this.baseRecord(request, 'apply', unit.key, unit.unit);
    const failed: ActionRecord = { ...base, status: 'failed', detail: `${unit.label}: ${(error as Error).name === 'Error' ? (error as Error).message : describeError(error)}`, updatedAt: this.iso() };
    if (existing) await this.deps.actions.update(failed);
    else await this.deps.actions.createIfAbsent(failed);
    return failed;
  }

  private async applyUnit(request: ApplyRequest<T>, unit: Unit<U>): Promise<ActionRecord> {
    const id = actionId(request.tenant, request.hold.id, this.plugin.name, 'apply', unit.key);
    const existing = await this.deps.actions.get(request.tenant, id);
    if (existing && FINAL_APPLY.has(existing.status)) return existing;

    if (request.mode === 'shadow') return this.shadowApply(request, unit);

    let target = await this.acquire(request.tenant, unit.key, id);
    try {
      target = await this.settleOthers(target, id);
      if (target.state === 'changed' && target.changeActionId !== id) return await this.joinHold(request, unit, target, id);

      let record: ActionRecord;
      let before: B;
      let change: C;
      if (existing?.status === 'applying' && existing.before !== undefined && existing.change !== undefined) {
        // A retry of an attempt whose outcome is unknown: reconcile with what the vendor shows now.
        record = existing;
        before = this.plugin.beforeSchema.parse(existing.before);
        change = this.plugin.changeSchema.parse(existing.change);
        const current = await this.plugin.read(unit.unit, existing.attemptedAt);
        if (this.plugin.isApplied(unit.unit, change, current, existing.attemptedAt ?? existing.createdAt)) {
          const note = await this.followUp(unit.unit, change, id);
          return await this.finishApply(request, unit, target, record, before, change, { detail: `confirmed on retry: the vendor shows the change made by the earlier attempt${note}` }, id);
        }
      } else {
        before = await this.plugin.read(unit.unit);
        const plan = this.plugin.plan(unit.unit, before);
        if (isNothingToChange(plan)) {
          await this.deps.targets.releaseLease(request.tenant, this.plugin.name, unit.key, id);
          return await this.recordSkipped(request, unit.key, unit.unit, plan.nothing);
        }
        change = plan.change;
        record = { ...this.baseRecord(request, 'apply', unit.key, unit.unit, unit.assetIds), before, change, detail: plan.describe };
      }

      // Intent and before-state are durable before the vendor is called.
      const attemptedAt = this.iso();
      record = { ...record, status: 'applying', attemptedAt, attempts: (record.attempts ?? 0) + 1, updatedAt: attemptedAt };
      if (existing) await this.deps.actions.update(record);
      else {
        const { created, record: stored } = await this.deps.actions.createIfAbsent(record);
        if (!created && FINAL_APPLY.has(stored.status)) return stored;
        if (!created) await this.deps.actions.update(record);
      }
      target = { ...target, unit: unit.unit as Record<string, unknown>, pendingActionId: id, updatedAt: attemptedAt };
      await this.deps.targets.save(target, id);

      let outcome;
      try {
        outcome = await this.plugin.apply(unit.unit, change, before, { actionId: id });
      } catch (error) {
        if (!isUnitRefusal(error)) throw error;
        // Refused outright: nothing changed. The target is free again and the unit fails alone.
        await this.deps.targets.save(withoutPending(target), id);
        throw error;
      }
      const note = await this.followUp(unit.unit, change, id);
      return await this.finishApply(request, unit, target, record, before, change, { ...outcome, detail: `${outcome.detail}${note}` }, id);
    } finally {
      await this.deps.targets.releaseLease(request.tenant, this.plugin.name, unit.key, id).catch(() => undefined);
    }
  }

  private async shadowApply(request: ApplyRequest<T>, unit: Unit<U>): Promise<ActionRecord> {
    const before = await this.plugin.read(unit.unit);
    const plan = this.plugin.plan(unit.unit, before);
    const detail = isNothingToChange(plan) ? `shadow: nothing to change: ${plan.nothing}` : `shadow: would ${plan.describe}`;
    const record = await this.recordSkipped(request, unit.key, unit.unit, detail, true);
    if (isNothingToChange(plan)) return record;
    // Shadow mode announces what it would do, marked dryRun, so subscribers can rehearse.
    return this.announce({ ...record, before, change: plan.change }, DetailType.ActionTaken, record);
  }

  private async finishApply(
    request: ApplyRequest<T>,
    unit: Unit<U>,
    target: TargetState,
    record: ActionRecord,
    before: B,
    change: C,
    outcome: { vendorObjectId?: string; detail: string },
    id: string,
  ): Promise<ActionRecord> {
    const at = this.iso();
    const hold = this.targetHold(request, id, at);
    // Holds other runs added while this apply's record was unfinished stay.
    const holds = this.plugin.reversible ? [...target.holds.filter((h) => h.id !== request.hold.id), hold] : [];
    const next: TargetState = this.plugin.reversible
      ? { ...withoutPending(target), state: 'changed', before, change, changeActionId: id, holds, updatedAt: at }
      : { ...withoutPending(target), updatedAt: at };
    await this.deps.targets.save(next, id);
    const done: ActionRecord = {
      ...record,
      status: 'done',
      inverse: this.plugin.inverse(unit.unit, before, change),
      ...(outcome.vendorObjectId === undefined ? {} : { vendorObjectId: outcome.vendorObjectId }),
      detail: outcome.detail,
      holds: holds.map(toHold),
      updatedAt: at,
    };
    await this.deps.actions.update(done);
    return this.announce(done, DetailType.ActionTaken, done);
  }

  /** Forestall's change already stands on the unit: add this run's hold, re-applying only if the vendor lost it. */
  private async joinHold(request: ApplyRequest<T>, unit: Unit<U>, target: TargetState, id: string): Promise<ActionRecord> {
    const before = this.plugin.beforeSchema.parse(target.before);
    const change = this.plugin.changeSchema.parse(target.change);
    const at = this.iso();
    // The intent is recorded before the hold is added: a hold never stands without an apply that names it.
    const intent: ActionRecord = {
      ...this.baseRecord(request, 'apply', unit.key, unit.unit, unit.assetIds),
      status: 'applying',
      before,
      change,
      ...(target.changeActionId ? { changedBy: target.changeActionId } : {}),
      detail: `${unit.label}: joining the change forestall already made`,
    };
    const { created, record: stored } = await this.deps.actions.createIfAbsent(intent);
    if (!created && FINAL_APPLY.has(stored.status)) return stored;
    // Judged against the attempt that made the change, not now: a one-shot part of it happened then.
    const changedAt = target.changeActionId ? (await this.deps.actions.get(request.tenant, target.changeActionId))?.attemptedAt : undefined;
    const current = await this.plugin.read(unit.unit, changedAt);
    let note = '';
    if (!this.plugin.isApplied(unit.unit, change, current, changedAt ?? at)) {
      // Someone undid it by hand while runs still need it: make it again, keeping the original before-state.
      const changeId = target.changeActionId ?? id;
      const outcome = await this.plugin.apply(unit.unit, change, before, { actionId: changeId });
      note = `; the vendor no longer showed the change, so it was made again (${outcome.detail}${await this.followUp(unit.unit, change, changeId)})`;
    }
    const holds = target.holds.some((h) => h.id === request.hold.id) ? target.holds : [...target.holds, this.targetHold(request, id, at)];
    await this.deps.targets.save({ ...target, holds, updatedAt: at }, id);
    const others = holds.filter((h) => h.id !== request.hold.id).map((h) => h.label);
    const held: ActionRecord = {
      ...intent,
      status: 'held',
      inverse: this.plugin.inverse(unit.unit, before, change),
      holds: holds.map(toHold),
      detail: `${unit.label}: already changed by forestall for ${[...new Set(others)].join(', ') || 'another run'}; held for ${request.hold.label} too${note}`,
      updatedAt: this.iso(),
    };
    await this.deps.actions.update(held);
    return held;
  }

  private targetHold(request: ApplyRequest<T>, actionIdValue: string, since: string): TargetHold {
    return { id: request.hold.id, label: request.hold.label, actionId: actionIdValue, since };
  }

  /**
   * Runs the plugin's follow-up. The change is already made, so a refusal (a 4xx on tagging) does not fail
   * the unit: it is noted on the record. Throttling and outages surface for the retry, which finds the
   * change made and runs the follow-up again.
   */
  private async followUp(unit: U, change: C, actionIdValue: string): Promise<string> {
    try {
      await this.plugin.followUp?.(unit, change, { actionId: actionIdValue });
      return '';
    } catch (error) {
      if (!isUnitRefusal(error)) throw error;
      return `; follow-up refused (${describeError(error)})`;
    }
  }

  // ---- release -----------------------------------------------------------------------------------

  async release(request: ReleaseRequest): Promise<ActionRecord[]> {
    // The run's own applies name the units it changed or held; nothing else is released.
    const applies = (await this.deps.actions.listByExecution(request.tenant, request.hold.id)).filter(
      (action) =>
        action.actuator === this.plugin.name &&
        action.operation === 'apply' &&
        action.hold?.id === request.hold.id &&
        (!request.actionIds || request.actionIds.includes(action.id)),
    );
    const results: ActionRecord[] = [];
    let busy: TargetBusy | undefined;
    for (const apply of applies) {
      try {
        results.push(await this.releaseUnit(request, apply));
      } catch (error) {
        if (error instanceof TargetBusy) busy ??= error;
        else if (isUnitRefusal(error)) results.push(await this.recordFailedRelease(request, apply, error));
        else throw error;
      }
    }
    if (busy) throw busy;
    return results;
  }

  /**
   * The vendor refused the revert of one unit (it no longer knows the host or user): recorded as failed,
   * the rest of the release goes on, and the apply leaves the expiry index, since retrying cannot help.
   */
  private async recordFailedRelease(request: ReleaseRequest, apply: ActionRecord, error: unknown): Promise<ActionRecord> {
    const id = actionId(request.tenant, request.hold.id, this.plugin.name, 'release', apply.target);
    const existing = await this.deps.actions.get(request.tenant, id);
    const failed: ActionRecord = { ...(existing ?? this.baseRecord(request, 'release', apply.target, undefined)), status: 'failed', detail: `${apply.target}: ${describeError(error)}; the change may still stand`, updatedAt: this.iso() };
    if (existing) await this.deps.actions.update(failed);
    else await this.deps.actions.createIfAbsent(failed);
    await this.markApply(request.tenant, apply.id, 'failed', `release refused by the vendor (${describeError(error)}); check ${apply.target} by hand`);
    const target = await this.deps.targets.get(request.tenant, this.plugin.name, apply.target);
    if (target?.pendingActionId === id) {
      const now = this.now();
      await this.deps.targets.acquire(request.tenant, this.plugin.name, apply.target, id, now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString());
      await this.deps.targets.save(withoutPending(target), id);
      await this.deps.targets.releaseLease(request.tenant, this.plugin.name, apply.target, id);
    }
    return failed;
  }

  private async releaseUnit(request: ReleaseRequest, apply: ActionRecord): Promise<ActionRecord> {
    const id = actionId(request.tenant, request.hold.id, this.plugin.name, 'release', apply.target);
    const existing = await this.deps.actions.get(request.tenant, id);
    if (existing && FINAL_RELEASE.has(existing.status)) return existing;
    const unit = apply.unit === undefined ? undefined : this.plugin.unitSchema.parse(apply.unit);
    const base = this.baseRecord(request, 'release', apply.target, unit);

    if (!this.plugin.reversible || !unit) {
      return this.createFinal({ ...base, status: 'skipped', detail: `nothing to release: ${apply.target} was ${apply.status}${apply.status === 'done' ? ' by a one-shot change that cannot be undone' : ''}` });
    }

    let target = await this.acquire(request.tenant, apply.target, id);
    try {
      target = await this.settleOthers(target, id);
      if (existing?.status === 'reverting') return await this.continueRevert(request, unit, target, existing, id);
      if (!target.holds.some((hold) => hold.id === request.hold.id)) {
        if (['done', 'held', 'released', 'reverted'].includes(apply.status)) {
          // An earlier attempt dropped the hold and stopped before recording it: finish the record.
          await this.markApply(request.tenant, apply.id, 'released', `hold of ${request.hold.label} released (${request.reason})`);
          return await this.createFinal({ ...base, status: 'released', holds: target.holds.map(toHold), detail: `hold of ${request.hold.label} was already released` });
        }
        return await this.createFinal({ ...base, status: 'skipped', detail: `nothing to release on ${apply.target}: its apply was ${apply.status}` });
      }
      const remaining = target.holds.filter((hold) => hold.id !== request.hold.id);
      const at = this.iso();
      if (remaining.length > 0) {
        await this.deps.targets.save({ ...target, holds: remaining, updatedAt: at }, id);
        await this.markApply(request.tenant, apply.id, 'released', `hold of ${request.hold.label} released (${request.reason})`);
        const labels = [...new Set(remaining.map((hold) => hold.label))].join(', ');
        return await this.createFinal({
          ...base,
          status: 'released',
          ...(target.changeActionId ? { changedBy: target.changeActionId } : {}),
          holds: remaining.map(toHold),
          detail: `hold of ${request.hold.label} released; the change stands: still held for ${labels}`,
        });
      }
      // The last hold: change the vendor back to the recorded before-state.
      const before = this.plugin.beforeSchema.parse(target.before);
      const change = this.plugin.changeSchema.parse(target.change);
      const reverting: ActionRecord = {
        ...base,
        status: 'reverting',
        before,
        change,
        ...(target.changeActionId ? { changedBy: target.changeActionId } : {}),
        inverse: this.plugin.inverse(unit, before, change),
        attemptedAt: at,
        attempts: 1,
      };
      const { created, record: stored } = await this.deps.actions.createIfAbsent(reverting);
      if (!created && FINAL_RELEASE.has(stored.status)) return stored;
      target = { ...target, pendingActionId: id, updatedAt: at };
      await this.deps.targets.save(target, id);
      return await this.continueRevert(request, unit, target, reverting, id);
    } finally {
      await this.deps.targets.releaseLease(request.tenant, this.plugin.name, apply.target, id).catch(() => undefined);
    }
  }

  /** Runs (or resumes) a revert: calls the inverse unless the vendor already shows the before-state, then confirms. */
  private async continueRevert(request: Pick<ReleaseRequest, 'tenant'> & { hold: Hold }, unit: U, target: TargetState, record: ActionRecord, id: string): Promise<ActionRecord> {
    const before = this.plugin.beforeSchema.parse(record.before);
    const change = this.plugin.changeSchema.parse(record.change);
    const confirm = this.plugin.confirm;
    const revert = this.plugin.revert;
    if (!confirm || !revert) throw new Error(`actuator ${this.plugin.name} is reversible but has no revert or confirm`);
    const current = await this.plugin.read(unit);
    let detail: string;
    if (confirm(unit, before, change, current).verdict === 'differs') {
      detail = (await revert(unit, before, change, current, { actionId: record.id })).detail;
    } else {
      detail = 'the vendor already showed the state before forestall acted; nothing sent';
    }
    const after = await this.plugin.read(unit);
    const at = this.iso();
    const confirmation = { ...confirm(unit, before, change, after), checkedAt: at };
    const { before: _b, change: _c, changeActionId, ...rest } = withoutPending(target);
    await this.deps.targets.save({ ...rest, state: 'free', holds: [], updatedAt: at }, id);
    const reverted: ActionRecord = { ...record, status: 'reverted', confirmation, holds: [], detail: `${detail}; after: ${confirmation.observed} (${confirmation.verdict})`, updatedAt: at };
    await this.deps.actions.update(reverted);
    // Every apply that held the change is done with: the one that made it and the last run's.
    const applyIds = new Set([...target.holds.map((hold) => hold.actionId), ...(changeActionId ? [changeActionId] : [])]);
    let subject: ActionRecord | undefined;
    for (const applyId of applyIds) {
      const marked = await this.markApply(request.tenant, applyId, 'reverted', `reverted by ${id}`);
      if (applyId === changeActionId) subject = marked;
    }
    return this.announce(reverted, DetailType.ActionReverted, subject ?? reverted);
  }

  private async markApply(tenant: string, applyId: string, status: ActionStatus, note: string): Promise<ActionRecord | undefined> {
    const apply = await this.deps.actions.get(tenant, applyId);
    if (!apply || !['applying', 'done', 'held', 'released'].includes(apply.status)) return apply;
    const marked: ActionRecord = { ...apply, status, detail: `${apply.detail ? `${apply.detail}; ` : ''}${note}`, updatedAt: this.iso() };
    await this.deps.actions.update(marked);
    return marked;
  }

  private async createFinal(record: ActionRecord): Promise<ActionRecord> {
    const { created, record: stored } = await this.deps.actions.createIfAbsent(record);
    if (!created && stored.status !== 'reverting' && stored.status !== 'applying') return stored;
    if (!created) await this.deps.actions.update(record);
    return record;
  }

  // ---- leases and interrupted work ---------------------------------------------------------------

  private acquire(tenant: string, key: string, id: string): Promise<TargetState> {
    const now = this.now();
    return this.deps.targets.acquire(tenant, this.plugin.name, key, id, now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString());
  }

  /**
   * Another action left work unfinished on this target (its invocation died and its lease expired): finish
   * it before anything else, so a release never overtakes the change it undoes. An interrupted apply
   * stands if the vendor shows it, and otherwise is recorded as not made; an interrupted revert completes.
   */
  private async settleOthers(target: TargetState, id: string): Promise<TargetState> {
    await this.finishChangeRecord(target, id);
    const pending = target.pendingActionId;
    if (!pending || pending === id) return target;
    const record = await this.deps.actions.get(target.tenant, pending);
    if (!record || (record.status !== 'applying' && record.status !== 'reverting') || record.unit === undefined) return withoutPending(target);
    const unit = this.plugin.unitSchema.parse(record.unit);
    if (record.status === 'reverting') {
      const hold = record.hold ?? { id: record.requestedBy, label: record.requestedBy };
      await this.continueRevert({ tenant: target.tenant, hold }, unit, target, record, id);
      return (await this.deps.targets.get(target.tenant, this.plugin.name, target.key)) ?? withoutPending(target);
    }
    const before = this.plugin.beforeSchema.parse(record.before);
    const change = this.plugin.changeSchema.parse(record.change);
    const current = await this.plugin.read(unit, record.attemptedAt);
    const at = this.iso();
    if (this.plugin.isApplied(unit, change, current, record.attemptedAt ?? record.createdAt)) {
      await this.followUp(unit, change, record.id);
      const hold: TargetHold = { id: record.hold?.id ?? record.requestedBy, label: record.hold?.label ?? record.requestedBy, actionId: record.id, since: at };
      const next: TargetState = this.plugin.reversible
        ? { ...withoutPending(target), state: 'changed', before, change, changeActionId: record.id, holds: [...target.holds.filter((h) => h.id !== hold.id), hold], updatedAt: at }
        : { ...withoutPending(target), updatedAt: at };
      await this.deps.targets.save(next, id);
      const done: ActionRecord = { ...record, status: 'done', inverse: this.plugin.inverse(unit, before, change), holds: next.holds.map(toHold), detail: `${record.detail ?? ''}; interrupted, then confirmed in the vendor by ${id}`, updatedAt: at };
      await this.deps.actions.update(done);
      await this.announce(done, DetailType.ActionTaken, done);
      return next;
    }
    const next = { ...withoutPending(target), updatedAt: at };
    await this.deps.targets.save(next, id);
    await this.deps.actions.update({ ...record, status: 'failed', detail: `${record.detail ?? ''}; interrupted before the vendor made the change (checked by ${id})`, updatedAt: at });
    return next;
  }

  /** The target shows a change whose apply died before recording it done: record it now, from the target. */
  private async finishChangeRecord(target: TargetState, id: string): Promise<void> {
    const changeId = target.changeActionId;
    if (target.state !== 'changed' || !changeId || changeId === id) return;
    const record = await this.deps.actions.get(target.tenant, changeId);
    if (record?.status !== 'applying' || record.unit === undefined) return;
    const unit = this.plugin.unitSchema.parse(record.unit);
    const before = this.plugin.beforeSchema.parse(target.before);
    const change = this.plugin.changeSchema.parse(target.change);
    const done: ActionRecord = {
      ...record,
      status: 'done',
      inverse: this.plugin.inverse(unit, before, change),
      holds: target.holds.map(toHold),
      detail: `${record.detail ?? ''}; interrupted, then confirmed in the vendor by ${id}`,
      updatedAt: this.iso(),
    };
    await this.deps.actions.update(done);
    await this.announce(done, DetailType.ActionTaken, done);
  }

  // ---- announcements -----------------------------------------------------------------------------

  /**
   * Announces a change on the bus. The change has already happened, so a refused announcement does not
   * fail the action: the record stays as it is, the error is logged, and `detail` says which change other
   * accounts did not hear about.
   */
  private async announce(record: ActionRecord, detailType: string, subject: ActionRecord): Promise<ActionRecord> {
    if (!this.deps.publishEvents) return record;
    try {
      await this.deps.publishEvents([{ detailType, detail: actionEventDetail(subject) }]);
      return record;
    } catch (error) {
      const reason = describeError(error);
      this.deps.log?.('warn', `${detailType} not announced on the bus; the action stands`, { actionId: subject.id, recordId: record.id, error: reason });
      const noted: ActionRecord = { ...record, detail: `${record.detail ? `${record.detail}; ` : ''}${detailType} not announced on the bus (${reason})`, updatedAt: this.iso() };
      await this.deps.actions.update(noted).catch((noteError: unknown) =>
        this.deps.log?.('warn', 'could not note the missed announcement on the action record', { recordId: record.id, error: (noteError as Error).message }),
      );
      return noted;
    }
  }
}

/** The request's exposures that concern the unit's assets (all of them when the unit does not say). */
function exposuresOf(exposureIds: readonly string[], assetIds: readonly string[] | undefined): string[] {
  if (!assetIds) return [...exposureIds];
  const assets = new Set(assetIds);
  return exposureIds.filter((id) => assets.has(id.slice(id.indexOf('|') + 1)));
}

function withoutPending(target: TargetState): TargetState {
  const { pendingActionId: _p, ...rest } = target;
  return rest;
}

const toHold = (hold: TargetHold): Hold => ({ id: hold.id, label: hold.label });

/**
 * The `Action Taken` / `Action Reverted` detail for a record: what changed (actuator, target, operation),
 * which action record tells the rest (`actionId`), and the execution that requested it. For
 * `Action Reverted` the record is the apply that made the change, so `actionId` pairs it with its
 * `Action Taken`.
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
