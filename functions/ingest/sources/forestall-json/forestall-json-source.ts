import { z } from 'zod';
import { type IndicatorFacts, indicatorId, IndicatorTypeSchema } from '../../../model/indicator.ts';
import { describeIssues } from '../../describe-issues.ts';
import { normaliseIndicatorValue } from '../../indicator-values.ts';
import { type IndicatorIntelDraft, type IntelDraft, type ParseContext, type ParsedIntel, payloadExcerpt, type RejectedRecord } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import type { IntelSource } from '../../source-plugin.ts';
import { tlpLevel } from '../stix/stix-markings.ts';

/**
 * forestall's own push format, for systems that speak no STIX or MISP (a SIEM rule, a sandbox, a script):
 *
 *   {
 *     "forestall": "intel/1",
 *     "indicators": [
 *       { "type": "ipv4", "value": "203.0.113.10", "confidence": 80, "validUntil": "2026-01-01T00:00:00Z",
 *         "tags": ["c2"], "malwareFamily": "QakBot", "campaigns": ["Operation X"], "tlp": "amber" },
 *       { "type": "domain", "value": "old.example.com", "revoked": true }
 *     ],
 *     "vulnerabilities": [
 *       { "id": "CVE-2023-4966", "title": "Citrix Bleed", "exploited": true, "notes": "seen at the edge" }
 *     ]
 *   }
 *
 * `forestall` must be `intel/1`, or the whole document is refused. Both lists are optional. An indicator
 * has `type` (ipv4, ipv6, cidr, domain, url, md5, sha1, sha256, email) and `value`, and may carry any
 * other field of IndicatorFacts (firstSeen, lastSeen, validFrom, validUntil, confidence 0-100,
 * malwareFamily, threatType, tags, tlp, campaigns, targetedSectors, targetedRegions, reference,
 * sourceRecordId) and `revoked`. Values are normalised (lower-case domains and hashes, canonical
 * addresses), so one value sent in two spellings is one indicator. Unknown fields are refused rather than
 * ignored: a misspelt `validUntill` must not leave a block in place forever. A bad record is refused by
 * its position (`indicators[3].value: "10.0.0.300" is not an IPv4 address`) and the others are stored.
 * `revoked: true`, or a `validUntil` already past, withdraws the record. Documented in docs/intel-push.md.
 */

export const FORESTALL_JSON_SOURCE = 'forestall-json';
export const FORESTALL_INTEL_VERSION = 'intel/1';

const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;

const TimeSchema = z.iso
  .datetime({ offset: true, error: (issue) => (issue.input === undefined ? undefined : 'ISO 8601 date-time like 2026-01-01T00:00:00Z') })
  .transform((text) => new Date(text).toISOString());
const NameSchema = z.string().trim().min(1).max(200);
const NamesSchema = z.array(NameSchema).max(100);
const TlpSchema = z.string().transform((text, context) => {
  const level = tlpLevel(text);
  if (level === undefined) {
    context.addIssue({ code: 'custom', message: 'TLP level: clear, white, green, amber, amber+strict or red' });
    return z.NEVER;
  }
  return level;
});

/** One pushed indicator. */
export const PushedIndicatorSchema = z.strictObject({
  type: IndicatorTypeSchema,
  value: z.string(),
  firstSeen: TimeSchema.optional(),
  lastSeen: TimeSchema.optional(),
  validFrom: TimeSchema.optional(),
  validUntil: TimeSchema.optional(),
  confidence: z.number().min(0).max(100).optional(),
  malwareFamily: NameSchema.optional(),
  threatType: NameSchema.optional(),
  tags: NamesSchema.optional(),
  tlp: TlpSchema.optional(),
  campaigns: NamesSchema.optional(),
  targetedSectors: NamesSchema.optional(),
  targetedRegions: NamesSchema.optional(),
  reference: z.string().trim().min(1).max(2048).optional(),
  sourceRecordId: z.string().trim().min(1).max(256).optional(),
  revoked: z.boolean().optional(),
});
export type PushedIndicator = z.infer<typeof PushedIndicatorSchema>;

/** One pushed vulnerability, by CVE id. */
export const PushedVulnerabilitySchema = z.strictObject({
  id: z.string().trim().toUpperCase().regex(CVE_ID, 'CVE id like CVE-2023-4966'),
  title: z.string().trim().min(1).max(500).optional(),
  exploited: z.boolean().optional(),
  notes: z.string().max(10_000).optional(),
  revoked: z.boolean().optional(),
});
export type PushedVulnerability = z.infer<typeof PushedVulnerabilitySchema>;

/** What a vulnerability draft of this source says (the facts stored under `forestall-json`). */
export type PushedVulnerabilityFacts = Omit<PushedVulnerability, 'id' | 'revoked'>;

// Records are checked one by one, so the envelope takes any list items.
const EnvelopeSchema = z.strictObject({
  forestall: z.literal(FORESTALL_INTEL_VERSION),
  indicators: z.array(z.unknown()).default([]),
  vulnerabilities: z.array(z.unknown()).default([]),
});

/** A whole document as a sender writes it (for TypeScript senders). */
export interface ForestallIntelDocument {
  forestall: typeof FORESTALL_INTEL_VERSION;
  indicators?: z.input<typeof PushedIndicatorSchema>[];
  vulnerabilities?: z.input<typeof PushedVulnerabilitySchema>[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const unique = (values: readonly string[] | undefined): string[] => [...new Set(values ?? [])];

function envelopeOf(payload: string, source: string) {
  let json: unknown;
  try {
    json = JSON.parse(payload.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InvalidFeedDocument(`${source}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(json)) throw new InvalidFeedDocument(`${source}: expected a JSON object {"forestall": "${FORESTALL_INTEL_VERSION}", ...}`);
  if (json.forestall !== FORESTALL_INTEL_VERSION) {
    const stated = json.forestall === undefined ? 'missing' : JSON.stringify(json.forestall)?.slice(0, 100);
    throw new InvalidFeedDocument(`${source}: "forestall" is ${stated}; this version of forestall reads "${FORESTALL_INTEL_VERSION}" documents`);
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) throw new InvalidFeedDocument(`${source}: not a forestall ${FORESTALL_INTEL_VERSION} document: ${describeIssues(envelope.error.issues).join('; ')}`);
  return envelope.data;
}

/** The indicator's id when its type and value can be read, for the quarantine record. */
function indicatorRecordOf(raw: unknown, position: string): string {
  if (!isObject(raw) || typeof raw.value !== 'string') return position;
  const type = IndicatorTypeSchema.safeParse(raw.type);
  if (!type.success) return position;
  const value = normaliseIndicatorValue(type.data, raw.value);
  return value.ok ? indicatorId(value.type, value.value) : position;
}

function readIndicator(raw: unknown, position: string, now: string): IndicatorIntelDraft | RejectedRecord {
  const refuse = (reason: string, record = indicatorRecordOf(raw, position)): RejectedRecord => ({ position, record, reason, payload: payloadExcerpt(raw) });
  const parsed = PushedIndicatorSchema.safeParse(raw);
  if (!parsed.success) return refuse(describeIssues(parsed.error.issues, position).join('; '));
  const { type, value: rawValue, revoked, ...rest } = parsed.data;
  const value = normaliseIndicatorValue(type, rawValue);
  if (!value.ok) return refuse(`${position}.value: ${value.reason}`, position);
  if (rest.validFrom !== undefined && rest.validUntil !== undefined && Date.parse(rest.validUntil) <= Date.parse(rest.validFrom)) {
    return refuse(`${position}.validUntil: ${rest.validUntil} is not later than validFrom ${rest.validFrom}`);
  }
  const facts: IndicatorFacts = {
    ...rest,
    // A /32 sent as a cidr is the address: the normal form may change the type.
    type: value.type,
    value: value.value,
    tags: unique(rest.tags),
    campaigns: unique(rest.campaigns),
    targetedSectors: unique(rest.targetedSectors),
    targetedRegions: unique(rest.targetedRegions),
  };
  const draft: IndicatorIntelDraft = { kind: 'indicator', id: indicatorId(value.type, value.value), facts };
  if (rest.sourceRecordId !== undefined) draft.aliases = [rest.sourceRecordId];
  if (revoked === true) draft.revoked = { reason: 'revoked by the sender', at: now };
  else if (rest.validUntil !== undefined && Date.parse(rest.validUntil) <= Date.parse(now)) draft.revoked = { reason: 'validUntil passed', at: rest.validUntil };
  return draft;
}

function readVulnerability(raw: unknown, position: string, now: string): IntelDraft | RejectedRecord {
  const parsed = PushedVulnerabilitySchema.safeParse(raw);
  if (!parsed.success) {
    const record = isObject(raw) && typeof raw.id === 'string' && raw.id.trim() ? raw.id.trim().slice(0, 100) : position;
    return { position, record, reason: describeIssues(parsed.error.issues, position).join('; '), payload: payloadExcerpt(raw) };
  }
  const { id, revoked, ...facts } = parsed.data;
  const draft: IntelDraft = { kind: 'vulnerability', id, facts: facts satisfies PushedVulnerabilityFacts };
  if (revoked === true) draft.revoked = { reason: 'revoked by the sender', at: now };
  return draft;
}

/**
 * Parses a forestall `intel/1` document (see the top of this file). Throws InvalidFeedDocument when the
 * payload is not JSON, not an object, not `intel/1`, or has fields the format does not know; refuses bad
 * records one by one, and a record repeated in the document (the first one stands).
 */
export function parseForestallJson(payload: string, context: ParseContext): ParsedIntel {
  const envelope = envelopeOf(payload, context.source);
  const drafts: IntelDraft[] = [];
  const rejected: RejectedRecord[] = [];
  const seen = new Map<string, string>();
  const keep = (outcome: IntelDraft | RejectedRecord, raw: unknown, position: string, field: string) => {
    if (!('kind' in outcome)) {
      rejected.push(outcome);
      return;
    }
    const key = `${outcome.kind}:${outcome.id}`;
    const first = seen.get(key);
    if (first !== undefined) {
      rejected.push({ position, record: outcome.id, reason: `${position}.${field}: the same ${outcome.kind} as ${first}; the first was kept`, payload: payloadExcerpt(raw) });
      return;
    }
    seen.set(key, position);
    drafts.push(outcome);
  };
  envelope.indicators.forEach((raw, index) => {
    const position = `indicators[${index}]`;
    keep(readIndicator(raw, position, context.now), raw, position, 'value');
  });
  envelope.vulnerabilities.forEach((raw, index) => {
    const position = `vulnerabilities[${index}]`;
    keep(readVulnerability(raw, position, context.now), raw, position, 'id');
  });
  return { drafts, rejected };
}

/** A `"forestall": "..."` member anywhere: the sender meant this format, so a wrong version is named, not "unknown format". */
const FORESTALL_MEMBER = /"forestall"\s*:\s*"/;

export const forestallJsonSource: IntelSource = {
  name: FORESTALL_JSON_SOURCE,
  title: 'forestall intel/1 JSON',
  modes: ['webhook', 'file'],
  detect: (payload) => FORESTALL_MEMBER.test(payload),
  parse: parseForestallJson,
};
