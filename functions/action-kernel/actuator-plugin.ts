import type { z } from 'zod';
import type { InverseOperation, RevertConfirmation } from '../model/action.ts';
import type { ActionMode, GuardrailPolicy } from '../model/tenant.ts';

/**
 * What an actuator contributes to the action kernel: how its request targets become units (one host, one
 * security group, one user), how to read a unit's state in the vendor, what to change, and how to undo
 * it. The kernel owns everything else: records written before the vendor call, leases so changes to one
 * unit run one at a time, reconciling retries, holds, expiry, announcements and the audit trail.
 *
 * `B` is the vendor state the actuator reads (stored as the before-state), `C` the change it makes.
 */
export interface ActuatorPlugin<T = unknown, U = unknown, B = unknown, C = unknown> {
  /** The registry name, e.g. `crowdstrike-containment`. */
  readonly name: string;
  /**
   * Reversible changes are held by the runs that need them and reverted when the last hold goes;
   * one-shot changes (signing users out) are made once per run and have nothing to undo.
   */
  readonly reversible: boolean;
  readonly targetSchema: z.ZodType<T>;
  readonly unitSchema: z.ZodType<U>;
  readonly beforeSchema: z.ZodType<B>;
  readonly changeSchema: z.ZodType<C>;
  /** The request targets as units. May ask the vendor (group members) and refuse units by guardrail. */
  units(targets: readonly T[], context: UnitContext): Promise<UnitsResult<U>>;
  /**
   * The unit's state in the vendor. `since` is set when reconciling a one-shot change: read whether it
   * was made at or after that time.
   */
  read(unit: U, since?: string): Promise<B>;
  /** The change to make given the state before, or why there is nothing to change. */
  plan(unit: U, before: B): PlannedChange<C> | NothingToChange;
  /** Makes the change. Given the before-state, so a repeated call changes only what is still needed. */
  apply(unit: U, change: C, before: B, context: ActionContext): Promise<ApplyOutcome>;
  /**
   * Idempotent follow-up calls after the change (tagging the vendor object with the action id). Run after
   * `apply`, and again when a retry finds the change already made, so a throttled follow-up is not lost.
   */
  followUp?(unit: U, change: C, context: ActionContext): Promise<void>;
  /** Does `current` show the change made (at or after `attemptedAt` for one-shot changes)? */
  isApplied(unit: U, change: C, current: B, attemptedAt: string): boolean;
  /** The inverse, computed from the recorded before-state (operation `none` for one-shot changes). */
  inverse(unit: U, before: B, change: C): InverseOperation;
  /** Changes the unit back to `before`; reversible actuators only. */
  revert?(unit: U, before: B, change: C, current: B, context: ActionContext): Promise<{ detail: string }>;
  /** Compares the vendor state after a revert with the before-state; reversible actuators only. */
  confirm?(unit: U, before: B, change: C, current: B): Omit<RevertConfirmation, 'checkedAt'>;
}

/** The action a vendor call belongs to: vendor objects are tagged with its id where the vendor allows. */
export interface ActionContext {
  actionId: string;
}

export interface UnitContext {
  tenant: string;
  mode: ActionMode;
  /** The tenant's guardrails: protected identities and user caps are enforced here too, not only in Plan. */
  policy: GuardrailPolicy;
}

/** One thing the kernel locks, records and changes. */
export interface Unit<U> {
  /** Stable text naming it, e.g. `crowdstrike-device:<aid>`: the target of its action records. */
  key: string;
  unit: U;
  /** What people read, e.g. `host 5f4e... (asset nsgw-edge-01)`. */
  label: string;
  /** The assets the unit stands for: its action records name only their exposures (expiry renews on them). */
  assetIds?: readonly string[];
}

export interface UnitsResult<U> {
  units: Array<Unit<U>>;
  /** Units (or whole targets) left alone, with why; recorded as skipped actions. */
  skipped: Array<{ key: string; reason: string }>;
  /** Targets the vendor refused while listing their units (a deleted group); recorded as failed, the rest go on. */
  failed?: Array<{ key: string; reason: string }>;
}

export interface PlannedChange<C> {
  change: C;
  /** In words, for shadow mode and the audit trail: `network-contain host 5f4e...`. */
  describe: string;
}

export interface NothingToChange {
  /** Why, e.g. `host 5f4e... was already contained (not by forestall; it will not be released by forestall)`. */
  nothing: string;
}

export interface ApplyOutcome {
  vendorObjectId?: string;
  detail: string;
}

export function isNothingToChange<C>(plan: PlannedChange<C> | NothingToChange): plan is NothingToChange {
  return 'nothing' in plan;
}
