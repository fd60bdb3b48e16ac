import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Indicators of compromise: the second canonical intel kind beside vulnerabilities. Every source that
 * speaks of indicators (abuse.ch, STIX, MISP, pushed JSON) gives them in this shape, so matching and
 * block lists never need to know where an indicator came from.
 */
export const IndicatorTypeSchema = z.enum(['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'md5', 'sha1', 'sha256', 'email']);
export type IndicatorType = z.infer<typeof IndicatorTypeSchema>;

/** What one source says about one indicator. Times are ISO 8601; confidence is 0-100. */
export const IndicatorFactsSchema = z.object({
  type: IndicatorTypeSchema,
  /** Normalised: lower-case domains, hashes and e-mail addresses; addresses in canonical text form. */
  value: z.string().min(1).max(4096),
  firstSeen: z.string().optional(),
  lastSeen: z.string().optional(),
  validFrom: z.string().optional(),
  validUntil: z.string().optional(),
  confidence: z.number().min(0).max(100).optional(),
  /** Malware family or threat name (`Emotet`, `Cobalt Strike`). */
  malwareFamily: z.string().optional(),
  /** What the indicator is for: `botnet_cc`, `payload_delivery`, ... as the source names it. */
  threatType: z.string().optional(),
  tags: z.array(z.string()).default([]),
  /** Traffic Light Protocol marking (`clear`, `green`, `amber`, `amber+strict`, `red`). */
  tlp: z.string().optional(),
  /** Campaigns, intrusion sets or threat actors this indicator is tied to, by name. */
  campaigns: z.array(z.string()).default([]),
  /** Sectors and regions the campaign targets, as the source states them. */
  targetedSectors: z.array(z.string()).default([]),
  targetedRegions: z.array(z.string()).default([]),
  /** Where a person can read more (the source's page for this indicator). */
  reference: z.string().optional(),
  /** The source's own id for the record (`threatfox:1234`, a STIX id, a MISP attribute uuid). */
  sourceRecordId: z.string().optional(),
});
export type IndicatorFacts = z.infer<typeof IndicatorFactsSchema>;

/**
 * The stable id of an indicator: its type and a digest of its normalised value. URLs and e-mail
 * addresses may hold characters a key cannot (`#`), so the value itself is never the id.
 */
export function indicatorId(type: IndicatorType, normalisedValue: string): string {
  return `${type}--${createHash('sha256').update(normalisedValue).digest('hex').slice(0, 40)}`;
}
