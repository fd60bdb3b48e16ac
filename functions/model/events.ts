import { z } from 'zod';
import { DecisionSchema } from './exposure.ts';
import { EntityIdSchema } from './ids.ts';
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
  InventoryChanged: 'Inventory Changed',
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
