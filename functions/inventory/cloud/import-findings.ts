import { z } from 'zod';
import { describeIssues } from '../../ingest/describe-issues.ts';
import { AccountIdSchema, AccountTenantsEnvSchema } from '../../config/account-tenants.ts';
import { TenantIdSchema } from '../../model/tenant.ts';
import type { PublishEvents } from '../../routing/event-publisher.ts';
import type { FindingLedgerRepository, Repositories } from '../../store/ports.ts';
import { announceInventoryChanges, announcePendingInventoryChanges } from '../announce-inventory.ts';
import { mergeAssetPartial } from '../merge-asset.ts';
import { InvalidInputError } from '../parse-inventory.ts';
import { payloadOf, type FindingReading } from './cloud-finding.ts';
import { emptyLedger, planFindingMerge, settleLedger } from './finding-ledger.ts';
import { INSPECTOR_DETAIL_TYPE, inspectorFindingToAssets } from './inspector-finding.ts';
import { SECURITY_HUB_DETAIL_TYPE, securityHubFindingsToAssets } from './security-hub-finding.ts';

/** EventBridge sources of the finding events, with the detail-type each sends findings under. */
export const FINDING_SOURCES = {
  'aws.inspector2': INSPECTOR_DETAIL_TYPE,
  'aws.securityhub': SECURITY_HUB_DETAIL_TYPE,
} as const;
type FindingSource = keyof typeof FINDING_SOURCES;

/** Quarantine source of everything this path refuses (`forestall quarantine cloud-findings`). */
export const CLOUD_FINDINGS_QUARANTINE_SOURCE = 'cloud-findings';


/** Which accounts' findings are taken, and into which tenant. */
export const CloudFindingsSettingsSchema = z.object({
  /** Tenant of accounts `accountTenants` does not name. */
  defaultTenant: TenantIdSchema,
  /** The stack's own account: always allowed. */
  ownAccount: AccountIdSchema,
  /** Member accounts whose findings are taken (the allow-list). */
  memberAccounts: z.array(AccountIdSchema),
  /** Account -> tenant; a named account is allowed too. */
  accountTenants: z.record(AccountIdSchema, TenantIdSchema),
});
export type CloudFindingsSettings = z.infer<typeof CloudFindingsSettingsSchema>;

const accountList = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(AccountIdSchema));

/**
 * The function's environment: `OWN_ACCOUNT_ID`, `TENANT_ID` (default `default`), `MEMBER_ACCOUNT_IDS`
 * (comma-separated) and `ACCOUNT_TENANTS` (JSON `{"111122223333": "acme"}`). `readEnv` names the bad
 * variable and entry (`ACCOUNT_TENANTS.1234: a 12-digit AWS account id`).
 */
export const CloudFindingsEnvSchema = z
  .object({
    OWN_ACCOUNT_ID: AccountIdSchema,
    TENANT_ID: TenantIdSchema.default('default'),
    MEMBER_ACCOUNT_IDS: accountList,
    ACCOUNT_TENANTS: AccountTenantsEnvSchema,
  })
  .transform(
    (env): CloudFindingsSettings => ({
      defaultTenant: env.TENANT_ID,
      ownAccount: env.OWN_ACCOUNT_ID,
      memberAccounts: env.MEMBER_ACCOUNT_IDS,
      accountTenants: env.ACCOUNT_TENANTS,
    }),
  );

const FindingEventSchema = z.looseObject({
  id: z.string().min(1),
  source: z.enum(Object.keys(FINDING_SOURCES) as [FindingSource, ...FindingSource[]]),
  'detail-type': z.string(),
  account: AccountIdSchema,
  detail: z.unknown(),
});

export interface ImportCloudFindingsDeps {
  repositories: Pick<Repositories, 'assets' | 'quarantine'>;
  findingLedger: FindingLedgerRepository;
  now(): Date;
  /** Publishes `Inventory Changed` for assets whose software changed; without it nothing is announced. */
  publishEvents?: PublishEvents;
}

export interface CloudFindingsSummary {
  eventId?: string;
  source?: string;
  /** The sending account, as EventBridge set it. */
  account?: string;
  tenant: string;
  /** Why the whole event was refused (unknown account, not a finding event); quarantined too. */
  refused?: string;
  /** Assets the findings were merged into (stored, changed or not). */
  assetIds: string[];
  /** Assets whose software changed: announced with `Inventory Changed`. */
  changedAssets: number;
  quarantined: Array<{ record: string; reason: string }>;
  /** Resources and findings left alone, and why (container images, findings without packages). */
  ignored: string[];
}

/** The allow-list: the stack's own account, the member accounts and the accounts mapped to a tenant. */
export const allowedAccounts = (settings: CloudFindingsSettings) =>
  new Set([settings.ownAccount, ...settings.memberAccounts, ...Object.keys(settings.accountTenants)]);

/**
 * Takes an Amazon Inspector (`aws.inspector2`, "Inspector2 Finding") or Security Hub (`aws.securityhub`,
 * "Security Hub Findings - Imported", ASFF) event from the bus into the inventory:
 * - only from an allowed account (EventBridge sets `account` to the sender's; nobody may send `aws.*`
 *   sources themselves). Anything else is refused and quarantined with the reason, and so is a finding on
 *   an instance in an account that is not allowed or belongs to another tenant than the sender's;
 * - the tenant is the sender's (`accountTenants`, else the default), so an account only writes its own tenant;
 * - each instance's partial goes into every asset whose cloud binding names the instance (an inventory
 *   asset `web-01` bound to `i-...`), else into an asset named by the instance id; the merge adds and
 *   updates software and never wipes the inventory's, and a closed finding removes only what findings
 *   alone put there (the ledger, `finding-ledger.ts`);
 * - malformed findings and packages are quarantined naming the field; the rest goes on;
 * - assets whose software changed are announced with `Inventory Changed` (re-matched); a re-delivered,
 *   unchanged finding writes and announces nothing.
 * Storage errors propagate, so the delivery is retried; the merge is idempotent, and a retry after the
 * ledger was written but the asset was not decides the same (see `planFindingMerge`). Each asset's changes
 * are recorded in the inventory outbox before it is written, so an attempt whose announcement failed is
 * announced by the retry (or the tenant's next store) although the retry finds nothing to change.
 */
export async function importCloudFindings(deps: ImportCloudFindingsDeps, event: unknown, settings: CloudFindingsSettings): Promise<CloudFindingsSummary> {
  const now = deps.now().toISOString();
  const quarantined: CloudFindingsSummary['quarantined'] = [];
  const quarantine = async (tenant: string, record: string, reason: string, payload: string) => {
    await deps.repositories.quarantine.put({ tenant, source: CLOUD_FINDINGS_QUARANTINE_SOURCE, record, reason, payload, quarantinedAt: now });
    quarantined.push({ record, reason });
  };
  const refuse = async (summary: Omit<CloudFindingsSummary, 'assetIds' | 'changedAssets' | 'quarantined' | 'ignored' | 'refused'>, record: string, reason: string) => {
    await quarantine(summary.tenant, record, reason, payloadOf(event));
    return { ...summary, refused: reason, assetIds: [], changedAssets: 0, quarantined, ignored: [] };
  };

  const envelope = FindingEventSchema.safeParse(event);
  const tenantOf = (account: string) => settings.accountTenants[account] ?? settings.defaultTenant;
  if (!envelope.success) {
    const id = typeof (event as { id?: unknown } | null)?.id === 'string' ? String((event as { id: string }).id) : '(event)';
    return refuse({ tenant: settings.defaultTenant }, id, `cloud finding event ${id}: not an Inspector2 or Security Hub finding event: ${describeIssues(envelope.error.issues).join('; ')}`);
  }
  const { id, source, account } = envelope.data;
  const detailType = envelope.data['detail-type'];
  const allowed = allowedAccounts(settings);
  if (!allowed.has(account)) {
    return refuse(
      { eventId: id, source, account, tenant: settings.defaultTenant },
      id,
      `cloud finding event ${id}: account ${account} is not allowed (the stack's own account, memberAccountIds or accountTenants); refused`,
    );
  }
  const tenant = tenantOf(account);
  const base = { eventId: id, source, account, tenant };
  if (detailType !== FINDING_SOURCES[source]) {
    return refuse(base, id, `cloud finding event ${id}: detail-type: expected "${FINDING_SOURCES[source]}" from ${source}, got "${detailType}"`);
  }

  const sourceName = `eventbridge:${id}`;
  let reading: FindingReading;
  try {
    reading = source === 'aws.inspector2' ? inspectorFindingToAssets(event, { sourceName }) : securityHubFindingsToAssets(event, { sourceName });
  } catch (error) {
    if (error instanceof InvalidInputError) return refuse(base, id, error.message);
    throw error;
  }
  for (const record of reading.quarantined) await quarantine(tenant, record.record, record.reason, record.payload);

  // An instance in an account the sender may not speak for would let one account write another's assets.
  const instances: FindingReading['assets'] = [];
  for (const found of reading.assets) {
    const cloud = found.partial.cloud!;
    const problem = !allowed.has(cloud.account)
      ? `account ${cloud.account} is not allowed`
      : tenantOf(cloud.account) !== tenant
        ? `account ${cloud.account} belongs to tenant ${tenantOf(cloud.account)}, not ${tenant} of sender ${account}`
        : undefined;
    if (problem) await quarantine(tenant, cloud.instanceId, `${sourceName}: instance ${cloud.instanceId}: ${problem}; refused`, payloadOf(found.evidence));
    else instances.push(found);
  }

  const identities = instances.map((found) => `aws-instance:${found.partial.cloud!.instanceId}`);
  const bound = identities.length > 0 ? await deps.repositories.assets.assetIdsByIdentity(tenant, identities) : new Map<string, string[]>();
  const assetIds: string[] = [];
  const changes: Array<{ id: string; packageKeys: string[] }> = [];
  // Outbox records of this event's changes (see storeAssets), settled once announced.
  const pending: string[] = [];
  // One asset at a time: each is a read-merge-write of the asset and its ledger.
  for (const [index, found] of instances.entries()) {
    const targets = bound.get(identities[index]!) ?? [];
    for (const assetId of targets.length > 0 ? [...targets].sort() : [found.partial.id]) {
      const stored = await deps.repositories.assets.get(tenant, assetId);
      const ledger = (await deps.findingLedger.get(tenant, assetId)) ?? emptyLedger(tenant, assetId);
      const plan = planFindingMerge(stored, ledger, { partial: { ...found.partial, id: assetId }, evidence: found.evidence });
      let merged;
      try {
        merged = mergeAssetPartial(stored, plan.partial, sourceName);
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        await quarantine(tenant, assetId, `${sourceName}: ${error.message}`, payloadOf(found.evidence));
        continue;
      }
      // Ledger, asset, then the settled ledger: the first write still counts what is removed as
      // introduced, so if the asset write fails the retry (which reads this ledger) removes it again;
      // an identity introduced but not yet on the asset is re-introduced because the asset lacks it.
      const written = plan.ledgerChanged ? await deps.findingLedger.put(plan.ledger) : ledger;
      const result = await deps.repositories.assets.put(tenant, merged, deps.publishEvents ? { recordPending: { at: now } } : {});
      pending.push(...(result.pending ?? []));
      const settled = settleLedger(written, plan.removed);
      if (settled) await deps.findingLedger.put(settled);
      assetIds.push(assetId);
      if (result.packageKeys.length > 0) changes.push({ id: assetId, packageKeys: result.packageKeys });
    }
  }
  if (deps.publishEvents) {
    await announceInventoryChanges(deps.publishEvents, tenant, changes, now);
    await deps.repositories.assets.settlePending(tenant, pending);
    await announcePendingInventoryChanges({ assets: deps.repositories.assets, publishEvents: deps.publishEvents }, tenant);
  }
  return { ...base, assetIds, changedAssets: changes.length, quarantined, ignored: reading.ignored };
}
