import { z } from 'zod';
import { TenantIdSchema } from './tenant.ts';

/** Where a feed's last successful poll left off, for conditional and incremental fetches. */
export const SourceCursorSchema = z.object({
  tenant: TenantIdSchema,
  source: z.string(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  catalogVersion: z.string().optional(),
  /** sha256 of the last body processed, so a byte-identical re-download costs no writes. */
  bodyHash: z.string().optional(),
  lastPolledAt: z.string(),
  lastChangedAt: z.string().optional(),
  /** Where an incremental source resumes (NVD window end, TAXII `added_after` and `next`, MISP timestamp). */
  position: z.record(z.string(), z.string()).optional(),
  /** Cursors written before sources stored their facts per source lack this; they are read as absent. */
  layout: z.literal(2).optional(),
});
export type SourceCursor = z.infer<typeof SourceCursorSchema>;
