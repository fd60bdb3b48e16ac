import { z } from 'zod';
import type { IndicatorFacts, IndicatorType } from '../../model/indicator.ts';

/**
 * How much one source's word on an indicator is worth now: its confidence, halved every half-life since
 * the indicator was last seen. Infrastructure is cheap to move, so an address a C2 tracker reported a
 * month ago is most likely someone else's by now, while a file hash names the same malware forever.
 *
 *   score = confidence / 100 x 0.5 ^ (age / halfLife)
 *
 * with `age` counted from `lastSeen`, else `validFrom`, else `firstSeen`, else when the store last saw
 * the record (a list still carrying an undated entry vouches for it now). Past `validUntil` the score is 0.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

const days = z.number().positive();
/** Half-lives in days: `default` for every type not named. */
const HalfLivesSchema = z
  .object({
    default: days,
    ipv4: days.optional(),
    ipv6: days.optional(),
    cidr: days.optional(),
    domain: days.optional(),
    url: days.optional(),
    md5: days.optional(),
    sha1: days.optional(),
    sha256: days.optional(),
    email: days.optional(),
  })
  .strict();

/** One source's decay: half-life in days (a default and per indicator type) and the confidence it gets when it gives none. */
export const DecayRuleSchema = z.object({
  halfLifeDays: HalfLivesSchema,
  defaultConfidence: z.number().min(0).max(100),
});
export type DecayRule = z.infer<typeof DecayRuleSchema>;

/** Decay rules by source name (`threatfox`, `misp`, ...); `default` covers every source not named. */
export type DecayTable = Readonly<Record<string, DecayRule>> & { readonly default: DecayRule };

/** Overrides from configuration: per source, any half-life or the default confidence. */
export const DecayOverridesSchema = z.record(
  z.string().min(1),
  z.object({ halfLifeDays: HalfLivesSchema.partial().optional(), defaultConfidence: z.number().min(0).max(100).optional() }).strict(),
);
export type DecayOverrides = z.infer<typeof DecayOverridesSchema>;

// Curated shared intel (STIX, MISP, pushed JSON): addresses are rented by the day, URLs live as long as
// the page, domains are registered for months, hashes never change their meaning.
const CURATED_HALF_LIVES = { default: 30, ipv4: 10, ipv6: 10, cidr: 30, url: 30, domain: 60, email: 90, md5: 365, sha1: 365, sha256: 365 } as const;

/**
 * The built-in table. abuse.ch trackers list what is live now and drop what goes offline, so their
 * sightings age fast (Feodo's botnet C2 addresses fastest); hashes they carry keep the slow decay.
 */
export const DEFAULT_DECAY_TABLE: DecayTable = {
  default: { halfLifeDays: CURATED_HALF_LIVES, defaultConfidence: 50 },
  feodo: { halfLifeDays: { default: 7 }, defaultConfidence: 75 },
  urlhaus: { halfLifeDays: { default: 14 }, defaultConfidence: 75 },
  threatfox: { halfLifeDays: { default: 14, md5: 180, sha1: 180, sha256: 180 }, defaultConfidence: 50 },
  blocklist: { halfLifeDays: { default: 14 }, defaultConfidence: 50 },
  stix: { halfLifeDays: CURATED_HALF_LIVES, defaultConfidence: 50 },
  taxii: { halfLifeDays: CURATED_HALF_LIVES, defaultConfidence: 50 },
  misp: { halfLifeDays: CURATED_HALF_LIVES, defaultConfidence: 50 },
  'misp-feed': { halfLifeDays: CURATED_HALF_LIVES, defaultConfidence: 50 },
  'forestall-json': { halfLifeDays: CURATED_HALF_LIVES, defaultConfidence: 50 },
};

/** The built-in table with `overrides` laid over it field by field (a new source starts from `default`). */
export function decayTable(overrides: DecayOverrides = {}, base: DecayTable = DEFAULT_DECAY_TABLE): DecayTable {
  const table: Record<string, DecayRule> = { ...base };
  for (const [source, override] of Object.entries(DecayOverridesSchema.parse(overrides))) {
    const start = base[source] ?? base.default;
    table[source] = {
      halfLifeDays: { ...start.halfLifeDays, ...override.halfLifeDays } as DecayRule['halfLifeDays'],
      defaultConfidence: override.defaultConfidence ?? start.defaultConfidence,
    };
  }
  return table as DecayTable;
}

export function halfLifeDays(table: DecayTable, source: string, type: IndicatorType): number {
  const rule = table[source] ?? table.default;
  return rule.halfLifeDays[type] ?? rule.halfLifeDays.default;
}

/** One source's score and how it was reached, so a reason can say why. */
export interface SourceScore {
  source: string;
  /** confidence / 100, before decay. */
  score: number;
  decayedScore: number;
  confidence: number;
  /** Whether the confidence is the source's default (the record gave none). */
  confidenceDefaulted: boolean;
  /** The time age is counted from, and which field gave it; absent when nothing dated the record. */
  seenAt?: string;
  seenField?: 'lastSeen' | 'validFrom' | 'firstSeen' | 'observedAt';
  ageDays: number;
  halfLifeDays: number;
  expired: boolean;
}

const timeOf = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
};

type SeenField = NonNullable<SourceScore['seenField']>;

/** The first of lastSeen, validFrom, firstSeen and observedAt that is a readable time. */
function datedBy(facts: IndicatorFacts, observedAt: string | undefined): { field: SeenField; text: string; at: number } | undefined {
  const candidates: Array<[SeenField, string | undefined]> = [
    ['lastSeen', facts.lastSeen],
    ['validFrom', facts.validFrom],
    ['firstSeen', facts.firstSeen],
    ['observedAt', observedAt],
  ];
  for (const [field, text] of candidates) {
    const at = timeOf(text);
    if (at !== undefined) return { field, text: text as string, at };
  }
  return undefined;
}

/**
 * Scores one source's facts at `now`. `observedAt` (when the store last wrote the row) dates records
 * that carry no time of their own. An unparseable time counts as absent; a time in the future as now.
 */
export function scoreFacts(source: string, facts: IndicatorFacts, now: Date, table: DecayTable = DEFAULT_DECAY_TABLE, observedAt?: string): SourceScore {
  const rule = table[source] ?? table.default;
  const confidence = facts.confidence ?? rule.defaultConfidence;
  const halfLife = halfLifeDays(table, source, facts.type);
  const nowMs = now.getTime();
  const validUntil = timeOf(facts.validUntil);
  const expired = validUntil !== undefined && validUntil <= nowMs;
  const dated = datedBy(facts, observedAt);
  const ageDays = dated === undefined ? 0 : Math.max(0, nowMs - dated.at) / DAY_MS;
  const score = confidence / 100;
  return {
    source,
    score,
    decayedScore: expired ? 0 : score * 0.5 ** (ageDays / halfLife),
    confidence,
    confidenceDefaulted: facts.confidence === undefined,
    ...(dated ? { seenAt: dated.text, seenField: dated.field } : {}),
    ageDays,
    halfLifeDays: halfLife,
    expired,
  };
}

/** The indicator shape scoring needs: each source's facts and which sources still stand by it. */
export interface ScorableIndicator {
  facts: Record<string, IndicatorFacts>;
  /** Sources that have not revoked it. */
  sources: readonly string[];
  updatedAt?: string;
}

/**
 * The indicator's best score among the sources that have not revoked it: one fresh, confident report is
 * enough to act on, and a stale one should not dilute it. Undefined when no source stands by it.
 */
export function scoreIndicator(indicator: ScorableIndicator, now: Date, table: DecayTable = DEFAULT_DECAY_TABLE): SourceScore | undefined {
  let best: SourceScore | undefined;
  for (const source of indicator.sources) {
    const facts = indicator.facts[source];
    if (facts === undefined) continue;
    const scored = scoreFacts(source, facts, now, table, indicator.updatedAt);
    if (best === undefined || scored.decayedScore > best.decayedScore) best = scored;
  }
  return best;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** "threatfox: confidence 80, last seen 2026-11-20 (11 days ago, half-life 14 days): 0.46" */
export function describeScore(scored: SourceScore): string {
  const confidence = `confidence ${round(scored.confidence, 1)}${scored.confidenceDefaulted ? ' (the source default)' : ''}`;
  if (scored.expired) return `${scored.source}: ${confidence}, but no longer valid: 0`;
  const field = { lastSeen: 'last seen', validFrom: 'valid from', firstSeen: 'first seen', observedAt: 'listed' }[scored.seenField ?? 'observedAt'];
  const age = scored.seenAt === undefined ? 'undated' : `${field} ${scored.seenAt.slice(0, 10)} (${round(scored.ageDays, 1)} days ago, half-life ${scored.halfLifeDays} days)`;
  return `${scored.source}: ${confidence}, ${age}: ${round(scored.decayedScore, 2)}`;
}
