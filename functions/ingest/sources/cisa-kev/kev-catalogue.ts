import { z } from 'zod';
import type { KevFacts } from '../../../model/vulnerability.ts';

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
