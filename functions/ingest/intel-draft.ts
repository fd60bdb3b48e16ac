import type { IndicatorFacts } from '../model/indicator.ts';

/**
 * What a source's parser gives the ingest runner: one draft per record the payload speaks of, the
 * records it refused (with where and why), and whether the payload is the source's whole list.
 * Parsers are pure: text in, drafts out, no I/O; a payload that is not the source's format at all
 * throws InvalidFeedDocument, and nothing else may escape them.
 */

/** The kinds of canonical intel record. */
export type IntelKind = 'vulnerability' | 'indicator';

interface DraftBase {
  /**
   * Canonical id. Vulnerabilities: the CVE id when the record has one (an OSV record with a CVE alias
   * is filed under the CVE), else the source's id (`GHSA-...`, `PYSEC-...`). Indicators: `indicatorId()`.
   */
  id: string;
  /** Other ids of the same record (`GHSA-...` for a CVE, the STIX id of an indicator). */
  aliases?: string[];
  /**
   * The source withdrew this record (OSV `withdrawn`, STIX `revoked`, a MISP attribute deleted or no
   * longer `to_ids`, an indicator past `valid_until`): a change in its own right, announced as such.
   */
  revoked?: { reason: string; at?: string };
}

export interface VulnerabilityIntelDraft extends DraftBase {
  kind: 'vulnerability';
  /** The source's facts about the vulnerability (JSON data, checked by the source's own schema). */
  facts: Record<string, unknown>;
}

export interface IndicatorIntelDraft extends DraftBase {
  kind: 'indicator';
  facts: IndicatorFacts;
}

export type IntelDraft = VulnerabilityIntelDraft | IndicatorIntelDraft;

/** A record the parser refused: quarantined by the runner with the source's name. */
export interface RejectedRecord {
  /** Where in the payload: `vulnerabilities[17]`, `line 2041`, `objects[3]`. */
  position: string;
  /** The record's own id when it could be read, else the position. */
  record: string;
  /** Names the field: `vulnerabilities[17].dateAdded: date as YYYY-MM-DD`. */
  reason: string;
  /** The record as delivered, cut to a size that fits a quarantine item. */
  payload?: string;
}

export interface ParsedIntel {
  drafts: IntelDraft[];
  rejected: RejectedRecord[];
  /**
   * True only when the payload is the source's complete list and it checks out (a KEV catalogue whose
   * `count` equals its entries): then a record the source delivered before and left out now is removed.
   * Partial pages and feeds without such a check leave it unset, so a short feed never lifts a block.
   */
  complete?: boolean;
  /** Version or date the source gives the payload (`catalogVersion`, EPSS model date). */
  version?: string;
}

export interface ParseContext {
  /** Source name, used in every error and rejection (`threatfox`, `cisa-kev`). */
  source: string;
  /** ISO time of this ingest: default `firstSeen` and the reference point for `valid_until`. */
  now: string;
}

/** Keeps quarantine items far below DynamoDB's 400 KB item limit. */
export function payloadExcerpt(value: unknown, limit = 16_000): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch (error) {
    // JSON nested deeper than the stack (hostile input) cannot be shown; say so instead of throwing.
    text = '(not shown: nested too deeply to write out)';
  }
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
}
