import { z } from 'zod';
import { TenantIdSchema } from './tenant.ts';
import { CriticalitySchema } from './asset.ts';

/** CISA SSVC coordinator outcomes, in increasing urgency. */
export const DecisionSchema = z.enum(['track', 'track*', 'attend', 'act']);
export type Decision = z.infer<typeof DecisionSchema>;

export const SsvcInputsSchema = z.object({
  exploitation: z.enum(['none', 'public poc', 'active']),
  automatable: z.enum(['no', 'yes']),
  technicalImpact: z.enum(['partial', 'total']),
  missionWellbeing: z.enum(['low', 'medium', 'high']),
});
export type SsvcInputs = z.infer<typeof SsvcInputsSchema>;

/**
 * The response to an exposure as a person reviewing it needs to see it: `containment-standing` when a
 * playbook's patch watch gave up while its changes still stand (reported and alarmed).
 */
export const ExposureResponseSchema = z.object({
  state: z.enum(['containment-standing']),
  execution: z.string(),
  since: z.string(),
  note: z.string(),
});
export type ExposureResponse = z.infer<typeof ExposureResponseSchema>;

/** One vulnerability found on one asset, with the decision and the reasons behind it. */
export const ExposureSchema = z.object({
  tenant: TenantIdSchema,
  id: z.string(),
  vulnerability: z.string(),
  asset: z.string(),
  component: z.string(),
  version: z.string(),
  internetFacing: z.boolean(),
  criticality: CriticalitySchema,
  kev: z.boolean(),
  decision: DecisionSchema,
  ssvc: SsvcInputsSchema,
  reasons: z.array(z.string()),
  state: z.enum(['open', 'fixed']).default('open'),
  /** What the response did about it; kept when the matcher rewrites the exposure. */
  response: ExposureResponseSchema.optional(),
  detectedAt: z.string(),
  updatedAt: z.string(),
});
export type Exposure = z.infer<typeof ExposureSchema>;

export function exposureId(vulnerability: string, asset: string): string {
  return `${vulnerability}|${asset}`;
}
