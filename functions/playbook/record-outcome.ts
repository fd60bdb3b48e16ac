import { z } from 'zod';
import { HOLDING_STATUSES } from '../model/action.ts';
import { EntityIdSchema } from '../model/ids.ts';
import { ActionModeSchema, TenantIdSchema } from '../model/tenant.ts';
import type { ExposureTransition } from '../match/exposure-lifecycle.ts';
import type { Repositories } from '../store/ports.ts';

/** What an actuator step left in the state (`$.applied[*]`): counts of its actions per status. */
const AppliedStepSchema = z.object({
  actuator: z.string(),
  operation: z.string(),
  summary: z.record(z.string(), z.number()),
});

const RunSchema = z.object({
  tenant: TenantIdSchema,
  execution: z.string().min(1),
  vulnerability: z.string().min(1),
  assetIds: z.array(EntityIdSchema),
});

/**
 * Input of the RecordContained task, run right after every plan step was applied: the run, its CVE, the
 * assets it acted on, the mode and what each actuator reported.
 */
export const RecordContainedInputSchema = RunSchema.extend({
  outcome: z.literal('contained'),
  mode: ActionModeSchema,
  applied: z.array(AppliedStepSchema).default([]),
});
export type RecordContainedInput = z.input<typeof RecordContainedInputSchema>;

/** Input of the RecordVerified task, run once the patch check found every asset fixed and the run released its holds. */
export const RecordVerifiedInputSchema = RunSchema.extend({ outcome: z.literal('verified') });
export type RecordVerifiedInput = z.input<typeof RecordVerifiedInputSchema>;

/**
 * The outcomes the playbook records on its exposures (`outcome` tells these steps from ReportStanding,
 * which shares their function).
 */
export const RecordOutcomeInputSchema = z.discriminatedUnion('outcome', [RecordContainedInputSchema, RecordVerifiedInputSchema]);
export type RecordOutcomeInput = z.input<typeof RecordOutcomeInputSchema>;

export interface OutcomeRecord {
  outcome: 'contained' | 'verified';
  /** Exposures moved to the outcome's state (their timeline stamped). */
  changed: number;
  /** Assets whose exposure was left as it was, with why (the first MAX_LISTED; `refusedCount` counts all). */
  refused: Array<{ asset: string; reason: string }>;
  refusedCount: number;
  note: string;
}

export interface RecordOutcomeDeps {
  repositories: Pick<Repositories, 'exposures'>;
  now: () => Date;
}

/** The state carries a few refusals as examples; the log and the exposures themselves tell the rest. */
const MAX_LISTED = 20;
/** Statuses of an apply whose change stands (made by this run, or held by it on another run's change). */
const STANDING: ReadonlySet<string> = new Set([...HOLDING_STATUSES].filter((status) => status !== 'applying'));

/**
 * Containment was applied: the exposures of the assets acted on become `contained`, with
 * `timeline.containedAt`, so the exposure window (intel published -> contained) is measured per exposure.
 * Nothing is marked in shadow mode (nothing was changed), nor when no actuator reports a change that
 * stands. An exposure the matcher found remediated meanwhile, or that a person accepted, stays as it is.
 */
export async function recordContained(deps: RecordOutcomeDeps, input: RecordContainedInput): Promise<OutcomeRecord> {
  const run = RecordContainedInputSchema.parse(input);
  const nothing = (note: string): OutcomeRecord => ({ outcome: 'contained', changed: 0, refused: [], refusedCount: 0, note });
  if (run.mode !== 'enforce') return nothing('shadow mode: nothing was changed, the exposures stay open');
  const stands = run.applied.some((step) => Object.entries(step.summary).some(([status, count]) => STANDING.has(status) && count > 0));
  if (!stands) return nothing('no actuator reported a change that stands: the exposures stay open');
  return record(deps, run, { to: 'contained', at: deps.now().toISOString(), by: `playbook ${run.execution}` });
}

/**
 * The patch check found every asset acted on fixed and the run released its holds: their exposures become
 * `verified` (from `remediated`, or from `contained` when the matcher has not seen the new inventory yet,
 * which stamps `remediatedAt` too). Exposures in any other state (a shadow run's `open` ones, an
 * acceptance) are left as they are.
 */
export async function recordVerified(deps: RecordOutcomeDeps, input: RecordVerifiedInput): Promise<OutcomeRecord> {
  const run = RecordVerifiedInputSchema.parse(input);
  return record(deps, run, { to: 'verified', at: deps.now().toISOString(), by: `playbook ${run.execution}` });
}

export function recordOutcome(deps: RecordOutcomeDeps, input: RecordOutcomeInput): Promise<OutcomeRecord> {
  return input.outcome === 'contained' ? recordContained(deps, input) : recordVerified(deps, input);
}

async function record(deps: RecordOutcomeDeps, run: z.infer<typeof RunSchema>, transition: ExposureTransition & { to: 'contained' | 'verified' }): Promise<OutcomeRecord> {
  if (run.assetIds.length === 0) return { outcome: transition.to, changed: 0, refused: [], refusedCount: 0, note: 'no assets were acted on' };
  const { changed, refused } = await deps.repositories.exposures.transition(run.tenant, run.vulnerability, run.assetIds, transition);
  return {
    outcome: transition.to,
    changed: changed.length,
    refused: refused.slice(0, MAX_LISTED),
    refusedCount: refused.length,
    note: `${changed.length} exposure(s) of ${run.vulnerability} ${transition.to}${refused.length ? `, ${refused.length} left as they were` : ''}`,
  };
}
