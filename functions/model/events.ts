import { z } from 'zod';
import { DecisionSchema } from './exposure.ts';
import { EntityIdSchema } from './ids.ts';
import { IndicatorTypeSchema } from './indicator.ts';
import { ChangeSchema } from './intel-record.ts';
import { TenantIdSchema } from './tenant.ts';

/** Every forestall event carries this `source` and a schema version in its detail. */
export const EVENT_SOURCE = 'forestall';
export const EVENT_VERSION = '1';

export const DetailType = {
  IntelChanged: 'Intel Changed',
  IndicatorsChanged: 'Indicators Changed',
  IntelQuarantined: 'Intel Quarantined',
  ExposureDetected: 'Exposure Detected',
  IndicatorRelevant: 'Indicator Relevant',
  InventoryChanged: 'Inventory Changed',
  InventoryUploadProgressed: 'Inventory Upload Progressed',
  ActionTaken: 'Action Taken',
  ActionReverted: 'Action Reverted',
} as const;

export const IntelChangedSchema = z.object({
  version: z.literal(EVENT_VERSION),
  tenant: TenantIdSchema,
  kind: z.literal('vulnerability'),
  id: z.string(),
  source: z.string(),
  changedFields: z.array(z.string()),
  /** `revoked`: the source withdrew the record (OSV withdrawn, removed from KEV); absent means added or updated. */
  change: ChangeSchema.optional(),
});
export type IntelChanged = z.infer<typeof IntelChangedSchema>;

/** At most this many indicator ids travel in one `Indicators Changed` event; a large poll sends several. */
export const MAX_INDICATORS_PER_EVENT = 500;

/** Indicators one source added, updated or revoked: ids only (the facts are read from the store). */
export const IndicatorsChangedSchema = z.object({
  version: z.literal(EVENT_VERSION),
  tenant: TenantIdSchema,
  source: z.string(),
  change: ChangeSchema,
  ids: z.array(z.string()).min(1).max(MAX_INDICATORS_PER_EVENT),
});
export type IndicatorsChanged = z.infer<typeof IndicatorsChangedSchema>;

/** Records a source delivered that were quarantined, so someone can look at the feed. */
export const IntelQuarantinedSchema = z.object({
  version: z.literal(EVENT_VERSION),
  tenant: TenantIdSchema,
  source: z.string(),
  count: z.number().int().positive(),
  /** The first few reasons, naming position and field. */
  examples: z.array(z.object({ record: z.string(), reason: z.string() })).max(10),
});
export type IntelQuarantined = z.infer<typeof IntelQuarantinedSchema>;

/** At most this many asset ids travel inline; the rest are read from the store by exposure. */
export const MAX_INLINE_ASSETS = 100;

export const ExposureDetectedSchema = z.object({
  version: z.literal(EVENT_VERSION),
  tenant: TenantIdSchema,
  vulnerability: z.object({
    id: z.string(),
    name: z.string().optional(),
    kev: z.boolean(),
    cvss: z.number().optional(),
    requiredAction: z.string().optional(),
    dueDate: z.string().optional(),
  }),
  decision: DecisionSchema,
  /** Hints only: the playbook acts on the exposures it reads back from the store. */
  assetIds: z.array(EntityIdSchema).max(MAX_INLINE_ASSETS),
  assetCount: z.number().int(),
  exposureIds: z.array(z.string()).max(MAX_INLINE_ASSETS),
  reasons: z.array(z.string()),
  detectedAt: z.string(),
});
export type ExposureDetected = z.infer<typeof ExposureDetectedSchema>;

/** Why an indicator concerns the tenant, strongest first: an address or domain of ours beats a sector or a region. */
export const RelevanceKindSchema = z.enum(['targets-our-address', 'targets-our-domain', 'targets-our-sector', 'targets-our-region']);
export type RelevanceKind = z.infer<typeof RelevanceKindSchema>;

/** At most this many reasons travel in one `Indicator Relevant` event; the rest are summed up in the last one. */
export const MAX_INDICATOR_EVENT_REASONS = 50;
const MAX_INDICATOR_SUMMARY_NAMES = 20;

/** What an `Indicator Relevant` event says about the indicator, from the sources that stand by it. */
export const IndicatorSummarySchema = z.object({
  id: z.string().min(1),
  type: IndicatorTypeSchema,
  value: z.string().min(1).max(4096),
  /** Sources that stand by it (not revoked). */
  sources: z.array(z.string()).max(MAX_INDICATOR_SUMMARY_NAMES),
  campaigns: z.array(z.string()).max(MAX_INDICATOR_SUMMARY_NAMES),
  malwareFamily: z.string().optional(),
  /** The latest end of validity any source gives; block lists should lift the block then. */
  validUntil: z.string().optional(),
  /** The strictest TLP marking among the sources, so notifications share no more than allowed. */
  tlp: z.string().optional(),
});
export type IndicatorSummary = z.infer<typeof IndicatorSummarySchema>;

/**
 * `Indicator Relevant`: an indicator that concerns this tenant (it names one of its addresses or domains,
 * or its campaign targets the tenant's sectors or regions) and is fresh and confident enough to act on.
 * Published by indicator matching (functions/match/indicators/match-indicators.ts) on `Indicators Changed`.
 */
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
  reasons: z.array(z.string()).min(1).max(MAX_INDICATOR_EVENT_REASONS),
  detectedAt: z.string(),
});
export type IndicatorRelevant = z.infer<typeof IndicatorRelevantSchema>;

/** At most this many assets travel in one `Inventory Changed` event; a large import sends several. */
export const MAX_ASSETS_PER_INVENTORY_EVENT = 100;

/**
 * Assets whose software an import changed: per asset, the package keys (`cpe:<vendor>:<product>`,
 * `purl:<type>/<namespace>/<name>`) whose components were added, removed or changed version. Hints only:
 * re-matching reads the assets and exposures back from the store. One asset may appear in several events
 * when its keys do not fit one.
 */
export const InventoryChangedSchema = z.object({
  version: z.literal(EVENT_VERSION),
  tenant: TenantIdSchema,
  assets: z
    .array(z.object({ id: EntityIdSchema, packageKeys: z.array(z.string().min(1)).min(1) }))
    .min(1)
    .max(MAX_ASSETS_PER_INVENTORY_EVENT),
  changedAt: z.string(),
});
export type InventoryChanged = z.infer<typeof InventoryChangedSchema>;

/** Where an inventory upload's import stands: `running` continues in a new invocation, `done` and `failed` are final. */
export const UploadStatusSchema = z.enum(['running', 'done', 'failed']);
export type UploadStatus = z.infer<typeof UploadStatusSchema>;

/**
 * `Inventory Upload Progressed`: an inventory object uploaded to the upload bucket was imported as far as
 * one invocation could (`running`: the upload function takes this event from its own account and goes on
 * from the stored checkpoint), all the way (`done`) or not at all past a problem with the file (`failed`,
 * with the reason). Counts are for the whole upload so far.
 */
export const InventoryUploadProgressedSchema = z.object({
  version: z.literal(EVENT_VERSION),
  tenant: TenantIdSchema,
  bucket: z.string().min(1),
  key: z.string().min(1),
  etag: z.string().min(1),
  status: UploadStatusSchema,
  records: z.number().int().min(0),
  imported: z.number().int().min(0),
  quarantined: z.number().int().min(0),
  changedAssets: z.number().int().min(0),
  /** Bytes of the object read and stored so far, of `size`. */
  bytes: z.number().int().min(0).optional(),
  size: z.number().int().min(0).optional(),
  reason: z.string().optional(),
  at: z.string(),
});
export type InventoryUploadProgressed = z.infer<typeof InventoryUploadProgressedSchema>;

export const ActionEventSchema = z.object({
  version: z.literal(EVENT_VERSION),
  tenant: TenantIdSchema,
  actionId: z.string(),
  actuator: z.string(),
  target: z.string(),
  operation: z.string(),
  dryRun: z.boolean(),
  expiresAt: z.string().optional(),
  execution: z.string(),
});
export type ActionEvent = z.infer<typeof ActionEventSchema>;

/** The envelope EventBridge delivers to targets (and the local bus reproduces). */
export function eventEnvelopeSchema<T extends z.ZodType>(detail: T) {
  return z.object({
    version: z.string(),
    id: z.string(),
    'detail-type': z.string(),
    source: z.string(),
    account: z.string(),
    time: z.string(),
    region: z.string(),
    resources: z.array(z.string()),
    detail,
  });
}

/** An event delivered to a target that is not the event it expects; the message names every bad field. */
export class InvalidBusEvent extends Error {}

/**
 * A parser for one event type's envelope and detail: returns the detail, or throws `invalid` (a subclass
 * of InvalidBusEvent, so each target's logs and DLQ name what it expected) listing every field that is
 * missing or malformed.
 */
export function busEventParser<T extends z.ZodType>(
  detailType: string,
  detail: T,
  invalid: new (message: string, options?: { cause?: unknown }) => InvalidBusEvent,
): (event: unknown) => z.infer<T> {
  const schema = eventEnvelopeSchema(detail);
  return (event) => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
      throw new invalid(`not an ${detailType} event: ${problems.join('; ')}`, { cause: parsed.error });
    }
    return (parsed.data as { detail: z.infer<T> }).detail;
  };
}
