import { z } from 'zod';
import type { QuarantineRecord } from '../model/quarantine.ts';
import type { KevFacts } from '../model/vulnerability.ts';
import { describeIssues } from './describe-issues.ts';
import { InvalidFeedDocument } from './invalid-feed-document.ts';
import type { VulnerabilityDraft } from './vulnerability-draft.ts';

/** Source name of the CISA Known Exploited Vulnerabilities catalogue. */
export const KEV_SOURCE = 'cisa-kev';

/**
 * One catalogue entry, after CISA's JSON schema (known_exploited_vulnerabilities_schema.json): the eight
 * required fields, dates as YYYY-MM-DD, CWE ids as CWE-<digits>. Fields CISA may add later are allowed.
 */
export const KevEntrySchema = z.looseObject({
  cveID: z.string().regex(/^CVE-[0-9]{4}-[0-9]{4,19}$/, 'CVE id like CVE-2023-4966'),
  vendorProject: z.string(),
  product: z.string(),
  vulnerabilityName: z.string(),
  dateAdded: z.iso.date('date as YYYY-MM-DD'),
  shortDescription: z.string(),
  requiredAction: z.string(),
  dueDate: z.iso.date('date as YYYY-MM-DD'),
  knownRansomwareCampaignUse: z.string().default('Unknown'),
  notes: z.string().optional(),
  cwes: z.array(z.string().regex(/^CWE-[0-9]+$/, 'CWE id like CWE-119')).default([]),
});
export type KevEntry = z.infer<typeof KevEntrySchema>;

/** The catalogue envelope; entries are checked one by one so one bad entry does not sink the rest. */
export const KevCatalogueSchema = z.looseObject({
  title: z.string().optional(),
  catalogVersion: z.string(),
  dateReleased: z.iso.datetime({ offset: true, message: 'date-time like 2025-08-25T17:04:19.9796Z' }),
  count: z.number().int().nonnegative(),
  vulnerabilities: z.array(z.unknown()),
});

export { InvalidFeedDocument };

export interface NormalisedKevCatalogue {
  catalogVersion: string;
  dateReleased: string;
  count: number;
  vulnerabilities: VulnerabilityDraft[];
  quarantined: QuarantineRecord[];
}

export interface NormaliseOptions {
  tenant: string;
  /** ISO time stamped on quarantine records. */
  now: string;
  /** Quarantine source name; `cisa-kev` by default. */
  source?: string;
}

/** The KEV facts of a valid entry (`notes` is CISA's free text and not part of the facts). */
export function kevFactsOf(entry: KevEntry): KevFacts {
  return {
    vendorProject: entry.vendorProject,
    product: entry.product,
    vulnerabilityName: entry.vulnerabilityName,
    dateAdded: entry.dateAdded,
    dueDate: entry.dueDate,
    requiredAction: entry.requiredAction,
    knownRansomwareCampaignUse: entry.knownRansomwareCampaignUse,
    shortDescription: entry.shortDescription,
    cwes: entry.cwes,
  };
}

const payloadOf = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  // Keep quarantine items far below DynamoDB's 400 KB item limit.
  return text.length > 16_000 ? `${text.slice(0, 16_000)}...` : text;
};

/**
 * Validates a KEV catalogue and turns each valid entry into a draft with its KEV facts. Invalid entries
 * become quarantine records whose reason names the field (`vulnerabilities[17].dateAdded: ...`);
 * a repeated cveID is quarantined too (the first one wins). Throws InvalidFeedDocument when the
 * envelope itself is wrong.
 */
export function normaliseKevCatalogue(json: unknown, options: NormaliseOptions): NormalisedKevCatalogue {
  const source = options.source ?? KEV_SOURCE;
  const envelope = KevCatalogueSchema.safeParse(json);
  if (!envelope.success) {
    throw new InvalidFeedDocument(`${source}: not a KEV catalogue: ${describeIssues(envelope.error.issues).join('; ')}`);
  }
  const vulnerabilities: VulnerabilityDraft[] = [];
  const quarantined: QuarantineRecord[] = [];
  const seen = new Set<string>();
  envelope.data.vulnerabilities.forEach((raw, index) => {
    const base = `vulnerabilities[${index}]`;
    const rawId = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).cveID : undefined;
    const record = typeof rawId === 'string' && rawId ? rawId : base;
    const parsed = KevEntrySchema.safeParse(raw);
    if (!parsed.success) {
      quarantined.push({
        tenant: options.tenant,
        source,
        record,
        reason: describeIssues(parsed.error.issues, base).join('; '),
        payload: payloadOf(raw),
        quarantinedAt: options.now,
      });
      return;
    }
    if (seen.has(parsed.data.cveID)) {
      quarantined.push({
        tenant: options.tenant,
        source,
        record,
        reason: `${base}.cveID: ${parsed.data.cveID} appears more than once in the catalogue; the first entry was kept`,
        payload: payloadOf(raw),
        quarantinedAt: options.now,
      });
      return;
    }
    seen.add(parsed.data.cveID);
    vulnerabilities.push({ id: parsed.data.cveID, source, kev: kevFactsOf(parsed.data) });
  });
  return {
    catalogVersion: envelope.data.catalogVersion,
    dateReleased: envelope.data.dateReleased,
    count: envelope.data.count,
    vulnerabilities,
    quarantined,
  };
}
