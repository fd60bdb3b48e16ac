import { z } from 'zod';
import { type IndicatorFacts, indicatorId } from '../../../model/indicator.ts';
import { describeIssues } from '../../describe-issues.ts';
import { normaliseIndicatorValue } from '../../indicator-values.ts';
import type { IndicatorIntelDraft, IntelDraft, ParseContext, ParsedIntel, RejectedRecord, VulnerabilityIntelDraft } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { stricterTlp, tlpOfMarkings } from './stix-markings.ts';
import { type KeptObject, objectExcerpt, readStixObjects, type StixIndicator, type StixMarkingDefinition, type StixVulnerability } from './stix-objects.ts';
import { parseStixPattern, StixPatternError } from './stix-pattern.ts';
import { StixRelations } from './stix-relations.ts';

/** Source name of STIX 2.1 bundles (a file, a push, or the objects of a TAXII collection). */
export const STIX_SOURCE = 'stix';

export { InvalidFeedDocument };

/** A STIX 2.1 bundle: `objects` is optional, an empty bundle is a bundle. */
export const StixBundleSchema = z.looseObject({
  type: z.literal('bundle'),
  id: z.string().regex(/^bundle--/, 'bundle id like bundle--44af6c39-c09b-49c5-9de2-394224b04982'),
  objects: z.array(z.unknown()).optional(),
});

/** A TAXII 2.1 envelope (the answer of a collection's objects endpoint); `{}` is an empty one. */
export const TaxiiEnvelopeSchema = z.looseObject({
  more: z.boolean().optional(),
  next: z.string().optional(),
  objects: z.array(z.unknown()).optional(),
});

/** The facts of a vulnerability draft from STIX: the object and who targets it. */
export interface StixVulnerabilityFacts {
  stixId: string;
  name: string;
  description?: string;
  campaigns: string[];
  threatActors: string[];
}

const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;

/** The `objects` of a bundle or a TAXII envelope; anything else is not this format. */
function objectsOf(payload: string, source: string): unknown[] {
  let document: unknown;
  try {
    document = JSON.parse(payload);
  } catch (error) {
    throw new InvalidFeedDocument(`${source}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new InvalidFeedDocument(`${source}: not a STIX bundle or TAXII envelope: expected a JSON object`);
  }
  const record = document as Record<string, unknown>;
  if ('type' in record) {
    const bundle = StixBundleSchema.safeParse(record);
    if (!bundle.success) throw new InvalidFeedDocument(`${source}: not a STIX bundle: ${describeIssues(bundle.error.issues).join('; ')}`);
    return bundle.data.objects ?? [];
  }
  const keys = Object.keys(record);
  if (keys.length > 0 && !keys.some((key) => key === 'objects' || key === 'more' || key === 'next')) {
    throw new InvalidFeedDocument(`${source}: neither a STIX bundle (type "bundle") nor a TAXII envelope (objects, more, next)`);
  }
  const envelope = TaxiiEnvelopeSchema.safeParse(record);
  if (!envelope.success) throw new InvalidFeedDocument(`${source}: not a TAXII envelope: ${describeIssues(envelope.error.issues).join('; ')}`);
  return envelope.data.objects ?? [];
}

/** Collects drafts; a second draft of one id (two STIX objects, one value) is merged into the first. */
class DraftCollector {
  private readonly drafts = new Map<string, IntelDraft>();
  readonly rejected: RejectedRecord[] = [];

  add(draft: IntelDraft): void {
    const earlier = this.drafts.get(draft.id);
    if (earlier === undefined) this.drafts.set(draft.id, draft);
    else if (earlier.kind === 'indicator' && draft.kind === 'indicator') this.drafts.set(draft.id, mergeIndicatorDrafts(earlier, draft));
    else if (earlier.kind === 'vulnerability' && draft.kind === 'vulnerability') this.drafts.set(draft.id, mergeVulnerabilityDrafts(earlier, draft));
  }

  reject(kept: KeptObject, field: string, why: string): void {
    const position = `objects[${kept.index}]`;
    this.rejected.push({ position, record: kept.object.id, reason: `${position}.${field}: ${why}`, payload: objectExcerpt(kept.object) });
  }

  all(): IntelDraft[] {
    return [...this.drafts.values()];
  }
}

const union = (a: readonly string[] = [], b: readonly string[] = []): string[] => [...new Set([...a, ...b])];

function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return Date.parse(b) < Date.parse(a) ? b : a;
}

/**
 * Two STIX indicators of one value as one draft: lists united, the higher confidence, the stricter
 * TLP, the earliest start; it ends when the last of them ends (never, if one has no `valid_until`),
 * and it is revoked only when every one of them is. Other facts stay the first indicator's.
 */
export function mergeIndicatorDrafts(kept: IndicatorIntelDraft, repeat: IndicatorIntelDraft): IndicatorIntelDraft {
  const a = kept.facts;
  const b = repeat.facts;
  const facts: IndicatorFacts = {
    ...b,
    ...a,
    tags: union(a.tags, b.tags),
    campaigns: union(a.campaigns, b.campaigns),
    targetedSectors: union(a.targetedSectors, b.targetedSectors),
    targetedRegions: union(a.targetedRegions, b.targetedRegions),
  };
  const confidences = [a.confidence, b.confidence].filter((value): value is number => value !== undefined);
  if (confidences.length > 0) facts.confidence = Math.max(...confidences);
  const tlp = stricterTlp(a.tlp, b.tlp);
  if (tlp !== undefined) facts.tlp = tlp;
  const validFrom = earliest(a.validFrom, b.validFrom);
  if (validFrom !== undefined) facts.validFrom = validFrom;
  const firstSeen = earliest(a.firstSeen, b.firstSeen);
  if (firstSeen !== undefined) facts.firstSeen = firstSeen;
  if (a.validUntil === undefined || b.validUntil === undefined) delete facts.validUntil;
  else facts.validUntil = Date.parse(b.validUntil) > Date.parse(a.validUntil) ? b.validUntil : a.validUntil;
  const merged: IndicatorIntelDraft = { kind: 'indicator', id: kept.id, aliases: union(kept.aliases, repeat.aliases), facts };
  if (kept.revoked && repeat.revoked) merged.revoked = kept.revoked;
  return merged;
}

function mergeVulnerabilityDrafts(kept: VulnerabilityIntelDraft, repeat: VulnerabilityIntelDraft): VulnerabilityIntelDraft {
  const facts = kept.facts as unknown as StixVulnerabilityFacts;
  const more = repeat.facts as unknown as StixVulnerabilityFacts;
  const merged: VulnerabilityIntelDraft = {
    kind: 'vulnerability',
    id: kept.id,
    aliases: union(kept.aliases, repeat.aliases),
    facts: { ...facts, campaigns: union(facts.campaigns, more.campaigns), threatActors: union(facts.threatActors, more.threatActors) },
  };
  if (kept.revoked && repeat.revoked) merged.revoked = kept.revoked;
  return merged;
}

interface Bundle {
  relations: StixRelations;
  markings: ReadonlyMap<string, StixMarkingDefinition>;
  now: string;
}

/** Why an indicator no longer holds: revoked by its producer, or past `valid_until`. */
function revocationOf(indicator: StixIndicator, now: string): IndicatorIntelDraft['revoked'] {
  if (indicator.revoked === true) return { reason: 'revoked by the source', at: indicator.modified };
  if (indicator.valid_until !== undefined && Date.parse(indicator.valid_until) <= Date.parse(now)) {
    return { reason: 'valid_until passed', at: indicator.valid_until };
  }
  return undefined;
}

/** The facts every value of one STIX indicator shares. */
function sharedFacts(indicator: StixIndicator, bundle: Bundle): Omit<IndicatorFacts, 'type' | 'value'> {
  const context = bundle.relations.indicatorContext(indicator.id);
  const facts: Omit<IndicatorFacts, 'type' | 'value'> = {
    firstSeen: indicator.created,
    validFrom: indicator.valid_from,
    tags: union(indicator.labels, indicator.indicator_types),
    campaigns: context.campaigns,
    targetedSectors: context.targetedSectors,
    targetedRegions: context.targetedRegions,
    sourceRecordId: indicator.id,
  };
  if (indicator.valid_until !== undefined) facts.validUntil = indicator.valid_until;
  if (indicator.confidence !== undefined) facts.confidence = indicator.confidence;
  if (context.malwareFamily !== undefined) facts.malwareFamily = context.malwareFamily;
  const tlp = tlpOfMarkings(indicator.object_marking_refs, bundle.markings);
  if (tlp !== undefined) facts.tlp = tlp;
  const reference = indicator.external_references?.find((ref) => ref.url !== undefined)?.url;
  if (reference !== undefined) facts.reference = reference;
  return facts;
}

/** One draft per value the indicator's pattern is an OR of; a pattern forestall cannot use is refused. */
function readIndicator(kept: KeptObject & { object: StixIndicator }, bundle: Bundle, out: DraftCollector): void {
  const indicator = kept.object;
  if (indicator.pattern_type !== 'stix') {
    out.reject(kept, 'pattern_type', `"${indicator.pattern_type}" patterns are not read (only stix)`);
    return;
  }
  if (indicator.valid_until !== undefined && Date.parse(indicator.valid_until) <= Date.parse(indicator.valid_from)) {
    out.reject(kept, 'valid_until', `${indicator.valid_until} is not later than valid_from ${indicator.valid_from}`);
    return;
  }
  let values;
  try {
    values = parseStixPattern(indicator.pattern);
  } catch (error) {
    if (!(error instanceof StixPatternError)) throw error;
    out.reject(kept, 'pattern', error.message);
    return;
  }
  if (values.values.length === 0) {
    out.reject(kept, 'pattern', `not a plain list of values: ${values.unsupported ?? 'no values'}`);
    return;
  }
  const shared = sharedFacts(indicator, bundle);
  const revoked = revocationOf(indicator, bundle.now);
  const invalid: string[] = [];
  for (const { type, value } of values.values) {
    const normalised = normaliseIndicatorValue(type, value);
    if (!normalised.ok) {
      invalid.push(normalised.reason);
      continue;
    }
    const draft: IndicatorIntelDraft = {
      kind: 'indicator',
      id: indicatorId(normalised.type, normalised.value),
      aliases: [indicator.id],
      facts: { ...shared, type: normalised.type, value: normalised.value },
    };
    if (revoked) draft.revoked = revoked;
    out.add(draft);
  }
  // The values that did normalise still stand: each alternative of an OR identifies on its own.
  if (invalid.length > 0) out.reject(kept, 'pattern', invalid.join('; '));
}

/** A vulnerability draft per CVE the object names in `external_references`; without a CVE, none. */
function readVulnerability(kept: KeptObject & { object: StixVulnerability }, bundle: Bundle, out: DraftCollector): void {
  const vulnerability = kept.object;
  const references = vulnerability.external_references ?? [];
  const cves: string[] = [];
  for (const [index, reference] of references.entries()) {
    if (reference.source_name.toLowerCase() !== 'cve') continue;
    const cve = reference.external_id?.trim().toUpperCase();
    if (cve === undefined || !CVE_ID.test(cve)) {
      out.reject(kept, `external_references[${index}].external_id`, 'CVE id like CVE-2012-0158');
      return;
    }
    if (!cves.includes(cve)) cves.push(cve);
  }
  const context = bundle.relations.vulnerabilityContext(vulnerability.id);
  for (const cve of cves) {
    const facts: StixVulnerabilityFacts = { stixId: vulnerability.id, name: vulnerability.name, campaigns: context.campaigns, threatActors: context.threatActors };
    if (vulnerability.description !== undefined) facts.description = vulnerability.description;
    const draft: VulnerabilityIntelDraft = { kind: 'vulnerability', id: cve, aliases: [vulnerability.id], facts: { ...facts } };
    if (vulnerability.revoked === true) draft.revoked = { reason: 'revoked by the source', at: vulnerability.modified };
    out.add(draft);
  }
}

/**
 * Parses a STIX 2.1 bundle or TAXII 2.1 envelope into indicator drafts (one per value a pattern is an
 * OR of) and vulnerability drafts (one per CVE), with campaigns, malware, targets and TLP resolved from
 * the bundle's other objects. Objects of other types are context or ignored; an object missing what
 * STIX requires of it is refused naming `objects[N].field`. Two indicators of one value are merged
 * (see mergeIndicatorDrafts). Throws InvalidFeedDocument when the payload is neither format.
 */
export function parseStixBundle(payload: string, context: ParseContext): ParsedIntel {
  const { byId, rejected } = readStixObjects(objectsOf(payload, context.source));
  const markings = new Map<string, StixMarkingDefinition>();
  for (const { object } of byId.values()) if (object.type === 'marking-definition') markings.set(object.id, object);
  const bundle: Bundle = { relations: new StixRelations(byId), markings, now: context.now };
  const out = new DraftCollector();
  out.rejected.push(...rejected);
  for (const kept of byId.values()) {
    if (kept.object.type === 'indicator') readIndicator(kept as KeptObject & { object: StixIndicator }, bundle, out);
    else if (kept.object.type === 'vulnerability') readVulnerability(kept as KeptObject & { object: StixVulnerability }, bundle, out);
  }
  return { drafts: out.all(), rejected: out.rejected.sort((a, b) => positionIndex(a) - positionIndex(b)) };
}

const positionIndex = (record: RejectedRecord) => Number(/\d+/.exec(record.position)?.[0] ?? 0);
