import { z } from 'zod';
import { TenantIdSchema } from './tenant.ts';

/** A feed or inventory record that failed validation: kept with the reason, never silently dropped. */
export const QuarantineRecordSchema = z.object({
  tenant: TenantIdSchema,
  source: z.string(),
  record: z.string(),
  reason: z.string(),
  payload: z.string().optional(),
  quarantinedAt: z.string(),
});
export type QuarantineRecord = z.infer<typeof QuarantineRecordSchema>;
