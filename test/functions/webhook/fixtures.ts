import { InvalidFeedDocument } from '../../../functions/ingest/invalid-feed-document.ts';
import type { IntelPush, PushOutcome, ReceiveIntelDeps } from '../../../functions/webhook/receive-intel.ts';
import { signWebhookBody } from '../../../functions/webhook/webhook-signature.ts';

/** Tenants and their webhook secrets; `beta` is rotating (old and new both valid). */
export const TENANT_SECRETS: Readonly<Record<string, readonly string[]>> = {
  acme: ['acme-webhook-secret-0123456789abcdef'],
  beta: ['beta-old-secret-aaaaaaaaaaaaaaaa', 'beta-new-secret-bbbbbbbbbbbbbbbb'],
};
export const ACME_SECRET = TENANT_SECRETS.acme![0]!;

/** 2026-01-27T10:00:00Z: a fixed clock for every webhook test. */
export const NOW_SECONDS = 1_769_508_000;

/**
 * A CISA KEV catalogue document as a sender would push it, with `count` synthetic entries; the first is
 * CVE-2023-4966 (Citrix Bleed, added to KEV on 2023-10-18), the rest made-up CVE ids.
 */
export function kevCatalogueBody(options: { count?: number } = {}): string {
  const count = options.count ?? 3;
  const vulnerabilities = Array.from({ length: count }, (_, index) =>
    index === 0
      ? {
          cveID: 'CVE-2023-4966',
          vendorProject: 'Citrix',
          product: 'NetScaler ADC and NetScaler Gateway',
          vulnerabilityName: 'Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability',
          dateAdded: '2023-10-18',
          shortDescription: 'Citrix NetScaler ADC and NetScaler Gateway contain a buffer overflow vulnerability.',
          requiredAction: 'Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.',
          dueDate: '2023-11-08',
          knownRansomwareCampaignUse: 'Known',
          notes: 'https://support.citrix.com/article/CTX579459',
          cwes: ['CWE-119'],
        }
      : {
          cveID: `CVE-2099-${String(10000 + index)}`,
          vendorProject: 'Example',
          product: `Product ${index}`,
          vulnerabilityName: `Example Product ${index} Vulnerability`,
          dateAdded: '2026-01-20',
          shortDescription: `A made-up vulnerability number ${index}.`,
          requiredAction: 'Apply updates per vendor instructions.',
          dueDate: '2026-02-10',
          knownRansomwareCampaignUse: 'Unknown',
          notes: '',
          cwes: [],
        },
  );
  return JSON.stringify({
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: '2026.01.27',
    dateReleased: '2026-01-27T09:00:00.0000Z',
    count,
    vulnerabilities,
  });
}

/** A request's headers, signed with `secrets` at `timestampSeconds`, plus the content type. */
export function signedHeaders(body: string | Buffer, secrets: string | readonly string[], timestampSeconds = NOW_SECONDS): Record<string, string> {
  return { 'content-type': 'application/json', ...signWebhookBody(secrets, body, timestampSeconds) };
}

/** What a fake `accept` does with a push. */
export type AcceptBehaviour = (push: IntelPush) => Promise<PushOutcome>;

/** Counts entries as accepted, or refuses a document that is not JSON the way a parser would. */
export const countEntries: AcceptBehaviour = async (push) => {
  let document: unknown;
  try {
    document = JSON.parse(push.body);
  } catch (cause) {
    throw new InvalidFeedDocument(`webhook:${push.tenant}: body is not JSON (expected a CISA KEV catalogue)`, { cause });
  }
  // `null`, numbers and arrays are JSON too: refused like any other document without the field.
  const vulnerabilities = typeof document === 'object' && document !== null ? (document as { vulnerabilities?: unknown }).vulnerabilities : undefined;
  if (!Array.isArray(vulnerabilities)) {
    throw new InvalidFeedDocument(`webhook:${push.tenant}: vulnerabilities: expected an array`);
  }
  return { accepted: vulnerabilities.length, rejected: 0, unchanged: 0 };
};

/** Fake webhook dependencies recording every push and secret lookup. */
export function fakeDeps(options: { accept?: AcceptBehaviour; maxBodyBytes?: number; nowSeconds?: number } = {}) {
  const pushes: IntelPush[] = [];
  const lookups: string[] = [];
  const logs: Array<{ level: string; message: string; detail: Record<string, unknown> }> = [];
  const accept = options.accept ?? countEntries;
  const deps: ReceiveIntelDeps = {
    tenantSecrets: async (tenant) => {
      lookups.push(tenant);
      return TENANT_SECRETS[tenant];
    },
    accept: async (push) => {
      pushes.push(push);
      return accept(push);
    },
    nowSeconds: () => options.nowSeconds ?? NOW_SECONDS,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    log: (level, message, detail) => logs.push({ level, message, detail }),
  };
  return { deps, pushes, lookups, logs };
}
