import { z } from 'zod';
import { UploadStatusSchema } from './events.ts';
import { TenantIdSchema } from './tenant.ts';

/**
 * How far the import of one uploaded inventory object (bucket, key, ETag) got: everything before
 * `position` is stored, so an import that ran out of time or crashed goes on from there instead of
 * starting over. A new upload of the same key has another ETag and so its own checkpoint.
 */
export const UploadCheckpointSchema = z.object({
  tenant: TenantIdSchema,
  bucket: z.string().min(1),
  key: z.string().min(1),
  etag: z.string().min(1),
  status: UploadStatusSchema,
  /** Records (array elements, lines) read and stored, and the byte offset of the next one. */
  position: z.object({ records: z.number().int().min(0), bytes: z.number().int().min(0) }),
  size: z.number().int().min(0),
  imported: z.number().int().min(0),
  quarantined: z.number().int().min(0),
  changedAssets: z.number().int().min(0),
  /** Invocations that worked on it (a long upload takes several). */
  invocations: z.number().int().min(1),
  startedAt: z.string(),
  updatedAt: z.string(),
  /** Why the import stopped for good (`failed`). */
  reason: z.string().optional(),
});
export type UploadCheckpoint = z.infer<typeof UploadCheckpointSchema>;
