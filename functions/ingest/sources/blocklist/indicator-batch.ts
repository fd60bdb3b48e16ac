import { indicatorId, type IndicatorFacts } from '../../../model/indicator.ts';
import { payloadExcerpt, type IndicatorIntelDraft, type ParsedIntel, type RejectedRecord } from '../../intel-draft.ts';

/**
 * Collects the indicators of one payload. Indicator feeds repeat a value on purpose (ThreatFox lists
 * `1.2.3.4:443` and `1.2.3.4:8080` as two IOCs, Feodo one row per C2 port), so a repeat of the same
 * normalised value is merged into the first draft rather than rejected: see mergeIndicatorFacts.
 */

const union = (a: readonly string[], b: readonly string[]): string[] => (b.every((item) => a.includes(item)) ? [...a] : [...new Set([...a, ...b])]);

/** The tag a feed puts on an indicator that has stopped answering (Feodo's and URLhaus's `offline`). */
export const OFFLINE_TAG = 'offline';

/** United tags, where `offline` holds only if both reports say so: one live report makes it live. */
function mergeTags(kept: readonly string[], repeat: readonly string[]): string[] {
  const tags = union(kept, repeat);
  return kept.includes(OFFLINE_TAG) && repeat.includes(OFFLINE_TAG) ? tags : tags.filter((tag) => tag !== OFFLINE_TAG);
}

function pickTime(a: string | undefined, b: string | undefined, pick: 'earliest' | 'latest'): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const later = Date.parse(b) > Date.parse(a);
  return (pick === 'latest') === later ? b : a;
}

/**
 * Two reports of one indicator in one payload as one: tags (`offline` only when both are), campaigns and
 * targets united, the earliest first sighting and the latest last one, the higher confidence (a second
 * report does not make an indicator less likely). Family, threat type, reference and record id stay the
 * first report's, filled from the repeat when the first had none.
 */
export function mergeIndicatorFacts(kept: IndicatorFacts, repeat: IndicatorFacts): IndicatorFacts {
  const confidences = [kept.confidence, repeat.confidence].filter((value): value is number => value !== undefined);
  const merged: IndicatorFacts = {
    ...repeat,
    ...kept,
    tags: mergeTags(kept.tags, repeat.tags),
    campaigns: union(kept.campaigns, repeat.campaigns),
    targetedSectors: union(kept.targetedSectors, repeat.targetedSectors),
    targetedRegions: union(kept.targetedRegions, repeat.targetedRegions),
  };
  for (const key of ['malwareFamily', 'threatType', 'reference', 'sourceRecordId', 'tlp', 'validFrom', 'validUntil'] as const) {
    merged[key] = kept[key] ?? repeat[key];
  }
  merged.firstSeen = pickTime(kept.firstSeen, repeat.firstSeen, 'earliest');
  merged.lastSeen = pickTime(kept.lastSeen, repeat.lastSeen, 'latest');
  merged.confidence = confidences.length > 0 ? Math.max(...confidences) : undefined;
  for (const key of Object.keys(merged) as Array<keyof IndicatorFacts>) {
    if (merged[key] === undefined) delete merged[key];
  }
  return merged;
}

/** The draft of one indicator: its id from type and normalised value. */
export function indicatorDraft(facts: IndicatorFacts): IndicatorIntelDraft {
  return { kind: 'indicator', id: indicatorId(facts.type, facts.value), facts };
}

export class IndicatorBatch {
  private readonly drafts = new Map<string, IndicatorIntelDraft>();
  private readonly rejections: RejectedRecord[] = [];

  /** Adds an indicator, merging it into an earlier draft of the same value. */
  add(facts: IndicatorFacts): void {
    const draft = indicatorDraft(facts);
    const earlier = this.drafts.get(draft.id);
    if (earlier === undefined) {
      this.drafts.set(draft.id, draft);
      return;
    }
    const repeatId = facts.sourceRecordId;
    earlier.facts = mergeIndicatorFacts(earlier.facts, facts);
    // The repeat's own record id stays findable: the draft answers to every report it merged.
    if (repeatId !== undefined && repeatId !== earlier.facts.sourceRecordId && !earlier.aliases?.includes(repeatId)) {
      earlier.aliases = [...(earlier.aliases ?? []), repeatId];
    }
  }

  /** Refuses one record; `raw` is the record as delivered (text or parsed JSON). */
  reject(position: string, record: string | undefined, reason: string, raw: unknown): void {
    this.rejections.push({ position, record: record || position, reason, payload: payloadExcerpt(raw) });
  }

  get draftCount(): number {
    return this.drafts.size;
  }

  get rejectedCount(): number {
    return this.rejections.length;
  }

  get firstRejection(): RejectedRecord | undefined {
    return this.rejections[0];
  }

  result(about: Pick<ParsedIntel, 'complete' | 'version'> = {}): ParsedIntel {
    const parsed: ParsedIntel = { drafts: [...this.drafts.values()], rejected: [...this.rejections] };
    if (about.complete) parsed.complete = true;
    if (about.version !== undefined) parsed.version = about.version;
    return parsed;
  }
}
