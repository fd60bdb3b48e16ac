import { z } from 'zod';
import { EntityIdSchema } from './ids.ts';
import { TenantIdSchema } from './tenant.ts';

/**
 * What cloud findings (Amazon Inspector, Security Hub) have said about one asset's software, kept next
 * to the asset so a closed finding takes off only what findings alone put there (see
 * `functions/inventory/cloud/finding-ledger.ts`).
 */
export const FindingLedgerSchema = z.object({
  tenant: TenantIdSchema,
  assetId: EntityIdSchema,
  /** Open findings by source and id (`inspector2:<finding ARN>`, `securityhub:<ASFF Id>`): the software identities (canonical purls) each reports. */
  findings: z.record(z.string(), z.array(z.string())),
  /** Identities a finding added to the asset that the asset did not list already (not the inventory's). */
  introduced: z.array(z.string()),
  /** Bumped on every write; a write expects the version it read. */
  version: z.number().int().min(0),
});
export type FindingLedger = z.infer<typeof FindingLedgerSchema>;
