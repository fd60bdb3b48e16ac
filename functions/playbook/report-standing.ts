import { z } from 'zod';
import { EntityIdSchema } from '../model/ids.ts';
import { TenantIdSchema } from '../model/tenant.ts';
import type { Repositories } from '../store/ports.ts';

/** Input of the ReportStanding task: the run, its CVE and the assets still unpatched when the watch gave up. */
export const ReportStandingInputSchema = z.object({
  tenant: TenantIdSchema,
  execution: z.string().min(1),
  vulnerability: z.string().min(1),
  assetIds: z.array(EntityIdSchema),
  checks: z.number().int().min(0),
});
export type ReportStandingInput = z.infer<typeof ReportStandingInputSchema>;

export interface StandingReport {
  /** Exposures marked `containment-standing`. */
  marked: number;
  note: string;
}

/**
 * The patch watch gave up while the run's changes still stand: says so on each unpatched exposure
 * (`response.state = containment-standing`), so anyone looking at the exposure sees it, and returns what
 * the handler counts in the `ContainmentStanding` metric that the stack alarms on.
 */
export async function reportStanding(deps: { repositories: Pick<Repositories, 'exposures'>; now: () => Date }, input: ReportStandingInput): Promise<StandingReport> {
  const note = `patch not verified after ${input.checks} checks; the run's changes stand until their expiry`;
  const marked = await deps.repositories.exposures.setResponse(input.tenant, input.vulnerability, input.assetIds, {
    state: 'containment-standing',
    execution: input.execution,
    since: deps.now().toISOString(),
    note,
  });
  return { marked, note };
}
