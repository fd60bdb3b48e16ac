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

/**
 * Where an exposure stands: `open` (found, nothing done yet) -> `contained` (a playbook's containment
 * stands) -> `remediated` (the inventory no longer shows an affected version, or VEX says `resolved`)
 * -> `verified` (the playbook checked the fix and released containment). `accepted` is a person's
 * decision to live with it until `acceptedUntil`; `not-affected` is a VEX statement with its justification.
 * Exposures stored before the lifecycle said `fixed`, read as `remediated`.
 */
export const ExposureStateSchema = z.preprocess(
  (value) => (value === 'fixed' ? 'remediated' : value ?? 'open'),
  z.enum(['open', 'contained', 'remediated', 'verified', 'accepted', 'not-affected']),
);
export type ExposureState = z.infer<typeof ExposureStateSchema>;

/** States in which the exposure still needs a response (playbooks act on these; events announce them). */
export const ACTIVE_STATES: ReadonlySet<ExposureState> = new Set(['open', 'contained']);

/**
 * When each step of the exposure happened, so the exposure window (intel published -> contained ->
 * remediated) is measured per exposure. `intelPublishedAt` is the earliest date a source gave the
 * vulnerability (KEV dateAdded, NVD or OSV published).
 */
export const ExposureTimelineSchema = z
  .object({
    intelPublishedAt: z.string().optional(),
    containedAt: z.string().optional(),
    remediatedAt: z.string().optional(),
    verifiedAt: z.string().optional(),
    acceptedAt: z.string().optional(),
    acceptedUntil: z.string().optional(),
    acceptedBy: z.string().optional(),
    /** Why it was accepted, or which VEX statement said not affected. */
    note: z.string().optional(),
  })
  .strict();
export type ExposureTimeline = z.infer<typeof ExposureTimelineSchema>;

/** What an input of the match or the decision rests on, and who said it. */
export const EvidenceSchema = z
  .object({
    /** What this evidence decides: the match itself, an SSVC input, reachability, or a VEX statement. */
    about: z.enum(['match', 'exploitation', 'automatable', 'technical-impact', 'mission-wellbeing', 'reachability', 'vex']),
    /** The value it gives, e.g. `active`, `yes`, `total`, `affected`. */
    value: z.string(),
    /** Who said it: `cisa-kev`, `nvd`, `cisa-adp`, `epss`, `osv:GHSA-...`, `inventory`, `sbom`. */
    source: z.string(),
    detail: z.string(),
  })
  .strict();
export type Evidence = z.infer<typeof EvidenceSchema>;

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
  state: ExposureStateSchema,
  /** Every input of the match and the decision with its source (`forestall explain` prints them). */
  evidence: z.array(EvidenceSchema).default([]),
  timeline: ExposureTimelineSchema.default({}),
  /** What the response did about it; kept when the matcher rewrites the exposure. */
  response: ExposureResponseSchema.optional(),
  detectedAt: z.string(),
  updatedAt: z.string(),
});
export type Exposure = z.infer<typeof ExposureSchema>;

export function exposureId(vulnerability: string, asset: string): string {
  return `${vulnerability}|${asset}`;
}
