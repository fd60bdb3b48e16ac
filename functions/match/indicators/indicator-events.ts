import { z } from 'zod';
import { EVENT_VERSION, MAX_INLINE_ASSETS } from '../../model/events.ts';
import { EntityIdSchema } from '../../model/ids.ts';
import { IndicatorTypeSchema } from '../../model/indicator.ts';
import { TenantIdSchema } from '../../model/tenant.ts';

/**
 * `Indicator Relevant`: an indicator that concerns this tenant (it names one of its addresses or domains,
 * or its campaign targets the tenant's sectors or regions) and is fresh and confident enough to act on.
 * Kept here until it moves into model/events.ts beside the rest of the catalogue.
 */
export const INDICATOR_RELEVANT = 'Indicator Relevant';

/** Why it concerns the tenant, strongest first: an address or domain of ours beats a sector or a region. */
export const RelevanceKindSchema = z.enum(['targets-our-address', 'targets-our-domain', 'targets-our-sector', 'targets-our-region']);
export type RelevanceKind = z.infer<typeof RelevanceKindSchema>;

/** At most this many reasons travel in one event; the rest are summed up in the last one. */
export const MAX_EVENT_REASONS = 50;
const MAX_SUMMARY_NAMES = 20;

export const IndicatorSummarySchema = z.object({
  id: z.string().min(1),
  type: IndicatorTypeSchema,
  value: z.string().min(1).max(4096),
  /** Sources that stand by it (not revoked). */
  sources: z.array(z.string()).max(MAX_SUMMARY_NAMES),
  campaigns: z.array(z.string()).max(MAX_SUMMARY_NAMES),
  malwareFamily: z.string().optional(),
  /** The latest end of validity any source gives; block lists should lift the block then. */
  validUntil: z.string().optional(),
  /** The strictest TLP marking among the sources, so notifications share no more than allowed. */
  tlp: z.string().optional(),
});
export type IndicatorSummary = z.infer<typeof IndicatorSummarySchema>;

export const IndicatorRelevantSchema = z.object({
  version: z.literal(EVENT_VERSION),
  tenant: TenantIdSchema,
  indicator: IndicatorSummarySchema,
  kind: RelevanceKindSchema,
  /** The best source's confidence / 100, before decay. */
  score: z.number().min(0).max(1),
  /** That score decayed by age (functions/match/indicators/indicator-decay.ts). */
  decayedScore: z.number().min(0).max(1),
  /** Matching assets, capped; `assetCount` is the full number. */
  assetIds: z.array(EntityIdSchema).max(MAX_INLINE_ASSETS),
  assetCount: z.number().int().min(0),
  reasons: z.array(z.string()).min(1).max(MAX_EVENT_REASONS),
  detectedAt: z.string(),
});
export type IndicatorRelevant = z.infer<typeof IndicatorRelevantSchema>;
