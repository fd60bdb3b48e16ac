import { z } from 'zod';
import { EntityIdSchema } from './ids.ts';
import { TenantIdSchema } from './tenant.ts';

/**
 * What one source says about one intel record, stored on its own: a vulnerability or an indicator is
 * the set of its sources' rows. A source's write never touches another source's facts, so two feeds
 * ingesting the same CVE at once cannot overwrite each other, and change detection is per source.
 */
export const IntelKindSchema = z.enum(['vulnerability', 'indicator']);
export type IntelKind = z.infer<typeof IntelKindSchema>;

export const RevocationSchema = z.object({ reason: z.string(), at: z.string().optional() });
export type Revocation = z.infer<typeof RevocationSchema>;

/** NVD lookup bookkeeping, kept on the `nvd` row (see the NVD source). */
export const NvdLookupStateSchema = z.enum(['pending', 'awaiting-analysis', 'analysed', 'not-found']);
export type NvdLookupState = z.infer<typeof NvdLookupStateSchema>;

export const SourceFactsSchema = z.object({
  tenant: TenantIdSchema,
  kind: IntelKindSchema,
  id: EntityIdSchema,
  /** The source's name (`cisa-kev`, `nvd`, `threatfox`, ...). */
  source: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'source name: lower-case letters, digits and dashes'),
  /** The source's facts as its own schema describes them; absent on a placeholder (NVD lookup pending). */
  facts: z.record(z.string(), z.unknown()).optional(),
  aliases: z.array(z.string()).default([]),
  revoked: RevocationSchema.optional(),
  /** Set when the facts were too large for an item even compressed: what was left out and why. */
  omitted: z.string().optional(),
  lookup: NvdLookupStateSchema.optional(),
  /** When the next NVD lookup is due (pending and awaiting-analysis records). */
  nextLookupAt: z.string().optional(),
  observedAt: z.string(),
});
export type SourceFacts = z.infer<typeof SourceFactsSchema>;

/** One record's change as announced on the bus. */
export const ChangeSchema = z.enum(['added', 'updated', 'revoked']);
export type Change = z.infer<typeof ChangeSchema>;

/** A change stored before it is announced (the outbox), so every stored change is announced at least once. */
export const PendingAnnouncementSchema = z.object({
  kind: IntelKindSchema,
  id: z.string(),
  source: z.string(),
  change: ChangeSchema,
  changedFields: z.array(z.string()),
});
export type PendingAnnouncement = z.infer<typeof PendingAnnouncementSchema>;
