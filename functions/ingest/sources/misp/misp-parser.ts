import { indicatorId, type IndicatorFacts } from '../../../model/indicator.ts';
import { describeIssues, formatPath } from '../../describe-issues.ts';
import { payloadExcerpt, type IndicatorIntelDraft, type IntelDraft, type ParseContext, type ParsedIntel, type RejectedRecord } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { attributeValues, isReadAttributeType, type AttributeIndicator } from './misp-attribute-values.ts';
import { MispAttributeSchema, MispEventSchema, MispObjectSchema, type MispAttribute, type MispEvent, type MispGalaxy } from './misp-event-schema.ts';
import { stricterTlp, tagContextOf, withinEvent, type GalaxyCluster, type TagContext } from './misp-tags.ts';

export { mispFeedEventsToFetch, parseMispFeedManifest, type MispFeedEvent, type MispFeedManifest } from './misp-feed-manifest.ts';
export { MISP_SOURCE } from './misp-source.ts';

/**
 * MISP events as a MISP instance or feed delivers them: `{ "Event": {...} }` (an export or a feed's
 * `<uuid>.json`), the REST answer `{ "response": [{ "Event": {...} }] }`, a bare array of `{ Event }`,
 * or the event object itself as PyMISP writes it.
 *
 * Attributes flagged `to_ids` become indicators. One that is `deleted` (or sits in a deleted object),
 * or whose `to_ids` flag is cleared, becomes a revoked draft, so a consumer that blocked it lifts it.
 * CVE ids in `vulnerability` attributes become vulnerability drafts. Attribute types that are not
 * indicators (`link`, `comment`, `regkey`, `ssdeep`, ...) are left alone.
 *
 * Repeats: one attribute uuid delivered twice is a duplicate, and the later one is rejected. The same
 * indicator in several attributes (a hash as `sha256` and again in `filename|sha256`) is one indicator
 * said several times, so those merge: an actionable attribute wins over a revoked one, and tags,
 * campaigns and sectors add up.
 */

/** One event of the payload and where it sits (`Event`, `response[2].Event`, `[0].Event`, or ``). */
interface LocatedEvent {
  position: string;
  raw: unknown;
  /** A list item that is not `{ "Event": ... }`. */
  notAnEvent?: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A PyMISP-style event without the `Event` wrapper. */
const looksLikeBareEvent = (value: Record<string, unknown>) =>
  'uuid' in value && ('Attribute' in value || 'Object' in value || 'info' in value);

function fail(context: ParseContext, what: string): never {
  throw new InvalidFeedDocument(`${context.source}: not a MISP event: ${what}`);
}

/** `{ Event }` items of a list, each as its own event; a list with no `{ Event }` at all is not MISP. */
function eventsOfList(items: unknown[], base: string, context: ParseContext): LocatedEvent[] {
  if (items.length > 0 && !items.some((item) => isObject(item) && 'Event' in item)) {
    fail(context, `${base || 'the list'} holds no { "Event": ... } item`);
  }
  return items.map((item, index) => {
    const position = formatPath([index], base);
    return isObject(item) && 'Event' in item ? { position: `${position}.Event`, raw: item.Event } : { position, raw: item, notAnEvent: true };
  });
}

/** The events a payload holds, in order, whichever of MISP's shapes it has. */
function locateEvents(json: unknown, context: ParseContext): LocatedEvent[] {
  if (Array.isArray(json)) return eventsOfList(json, '', context);
  if (!isObject(json)) return fail(context, 'expected a JSON object or array');
  if ('Event' in json) {
    if (!isObject(json.Event)) fail(context, 'Event is not an object');
    return [{ position: 'Event', raw: json.Event }];
  }
  if ('response' in json) {
    if (!Array.isArray(json.response)) fail(context, 'response is not a list of { "Event": ... }');
    return eventsOfList(json.response, 'response', context);
  }
  if (looksLikeBareEvent(json)) return [{ position: '', raw: json }];
  return fail(context, 'expected { "Event": ... }, { "response": [...] }, a list of { "Event": ... } or an event object');
}

// threat_level_id is the author's rating of the event's severity, not of its accuracy, but it is the one
// weight every event carries: authors mark what they stand behind firmly as high. A confidence tag
// (misp:confidence-level, estimative-language:confidence-in-analytic-judgment, osint:certainty) is a
// direct statement of confidence, so it overrides this.
const CONFIDENCE_OF_THREAT_LEVEL: Record<string, number> = { '1': 90, '2': 70, '3': 50, '4': 30 };

const clustersOf = (galaxies: readonly MispGalaxy[]): GalaxyCluster[] =>
  galaxies.flatMap((galaxy) =>
    galaxy.GalaxyCluster.flatMap((cluster) => {
      const type = cluster.type ?? galaxy.type;
      return type === undefined ? [] : [{ type, value: cluster.value }];
    }),
  );

const epochToIso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** `Network activity` as `network_activity`: the category says what the indicator was seen doing. */
const threatTypeOf = (category: string | undefined) =>
  category?.trim() ? category.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_') : undefined;

/** What an event gives each of its attributes. */
interface EventScope {
  event: MispEvent;
  context: TagContext;
  confidence: number;
  firstSeen: string;
}

function eventScope(event: MispEvent, now: string): EventScope {
  return {
    event,
    context: tagContextOf(
      event.Tag.map((tag) => tag.name),
      clustersOf(event.Galaxy),
    ),
    confidence: CONFIDENCE_OF_THREAT_LEVEL[event.threat_level_id ?? '4'] as number,
    // The event's date is the day its author dates the activity; an attribute's own first_seen is better.
    firstSeen: event.date ? `${event.date}T00:00:00.000Z` : now,
  };
}

function revocationOf(attribute: MispAttribute, objectDeleted: boolean): IndicatorIntelDraft['revoked'] {
  if (!attribute.deleted && !objectDeleted && attribute.to_ids) return undefined;
  const reason = attribute.deleted || objectDeleted ? 'deleted in MISP' : 'to_ids cleared in MISP';
  return attribute.timestamp === undefined ? { reason } : { reason, at: epochToIso(attribute.timestamp) };
}

function indicatorDraft(
  scope: EventScope,
  attribute: MispAttribute,
  indicator: AttributeIndicator,
  revoked: IndicatorIntelDraft['revoked'],
): IndicatorIntelDraft {
  const context = withinEvent(
    scope.context,
    tagContextOf(
      attribute.Tag.map((tag) => tag.name),
      clustersOf(attribute.Galaxy),
    ),
  );
  const facts: IndicatorFacts = {
    type: indicator.type,
    value: indicator.value,
    firstSeen: attribute.first_seen ?? scope.firstSeen,
    confidence: context.confidence ?? scope.confidence,
    tags: [...new Set([...context.tags, ...indicator.tags])],
    campaigns: context.campaigns,
    targetedSectors: context.targetedSectors,
    targetedRegions: [],
    reference: scope.event.uuid,
    sourceRecordId: attribute.uuid,
  };
  if (attribute.last_seen) facts.lastSeen = attribute.last_seen;
  if (context.tlp !== undefined) facts.tlp = context.tlp;
  if (context.malwareFamily !== undefined) facts.malwareFamily = context.malwareFamily;
  const threatType = threatTypeOf(attribute.category);
  if (threatType !== undefined) facts.threatType = threatType;
  const draft: IndicatorIntelDraft = { kind: 'indicator', id: indicatorId(indicator.type, indicator.value), facts };
  if (revoked) draft.revoked = revoked;
  return draft;
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
const earlier = (a: string | undefined, b: string | undefined) => (a === undefined || (b !== undefined && b < a) ? b : a);
const later = (a: string | undefined, b: string | undefined) => (a === undefined || (b !== undefined && b > a) ? b : a);

/** Two statements of one indicator as one: actionable beats revoked, lists add up, the widest time span. */
function mergeIndicator(kept: IndicatorIntelDraft, next: IndicatorIntelDraft): IndicatorIntelDraft {
  if (kept.revoked && !next.revoked) return next;
  if (next.revoked) return kept;
  const facts: IndicatorFacts = {
    ...kept.facts,
    tags: union(kept.facts.tags, next.facts.tags),
    campaigns: union(kept.facts.campaigns, next.facts.campaigns),
    targetedSectors: union(kept.facts.targetedSectors, next.facts.targetedSectors),
  };
  const firstSeen = earlier(kept.facts.firstSeen, next.facts.firstSeen);
  const lastSeen = later(kept.facts.lastSeen, next.facts.lastSeen);
  const tlp = stricterTlp(kept.facts.tlp, next.facts.tlp);
  const confidence = Math.max(kept.facts.confidence ?? 0, next.facts.confidence ?? 0);
  const malwareFamily = kept.facts.malwareFamily ?? next.facts.malwareFamily;
  if (firstSeen !== undefined) facts.firstSeen = firstSeen;
  if (lastSeen !== undefined) facts.lastSeen = lastSeen;
  if (tlp !== undefined) facts.tlp = tlp;
  facts.confidence = confidence;
  if (malwareFamily !== undefined) facts.malwareFamily = malwareFamily;
  return { ...kept, facts };
}

/** Drafts by id in first-seen order, merging repeats of one indicator or CVE. */
class DraftCollector {
  readonly #drafts = new Map<string, IntelDraft>();

  addIndicator(draft: IndicatorIntelDraft): void {
    const kept = this.#drafts.get(draft.id);
    this.#drafts.set(draft.id, kept?.kind === 'indicator' ? mergeIndicator(kept, draft) : draft);
  }

  addVulnerability(cveId: string, event: MispEvent): void {
    const kept = this.#drafts.get(cveId);
    if (kept?.kind === 'vulnerability') {
      const events = kept.facts.mispEvents as string[];
      if (!events.includes(event.uuid)) events.push(event.uuid);
      return;
    }
    this.#drafts.set(cveId, { kind: 'vulnerability', id: cveId, facts: { mispEvents: [event.uuid], info: event.info } });
  }

  drafts(): IntelDraft[] {
    return [...this.#drafts.values()];
  }
}

interface ParseState {
  context: ParseContext;
  drafts: DraftCollector;
  rejected: RejectedRecord[];
  seenAttributes: Set<string>;
  seenEvents: Set<string>;
}

function reject(state: ParseState, position: string, raw: unknown, reason: string, record?: string): void {
  // A bare event sits at the root, which has no path of its own.
  const where = position || 'event';
  state.rejected.push({ position: where, record: record || where, reason, payload: payloadExcerpt(raw) });
}

const uuidOf = (raw: unknown) => (isObject(raw) && typeof raw.uuid === 'string' && raw.uuid ? raw.uuid : undefined);

function readAttribute(state: ParseState, scope: EventScope, raw: unknown, position: string, objectDeleted: boolean): void {
  if (!isObject(raw)) return reject(state, position, raw, `${position}: expected an attribute object`);
  // Types this source does not read are not checked either: a malformed `comment` is none of its business.
  if (typeof raw.type === 'string' && !isReadAttributeType(raw.type)) return;
  const parsed = MispAttributeSchema.safeParse(raw);
  if (!parsed.success) return reject(state, position, raw, describeIssues(parsed.error.issues, position).join('; '), uuidOf(raw));
  const attribute = parsed.data;
  if (state.seenAttributes.has(attribute.uuid)) {
    const reason = `${position}.uuid: attribute ${attribute.uuid} appears more than once in the payload; the first was kept`;
    return reject(state, position, raw, reason, attribute.uuid);
  }
  state.seenAttributes.add(attribute.uuid);

  const values = attributeValues(attribute.type, attribute.value);
  switch (values.kind) {
    case 'invalid':
      return reject(state, position, raw, `${position}.value: ${values.reason} (type ${attribute.type})`, attribute.uuid);
    case 'vulnerabilities':
      // A deleted mention withdraws the event's word, not the CVE; there is nothing to revoke.
      if (!attribute.deleted && !objectDeleted) values.cveIds.forEach((cveId) => state.drafts.addVulnerability(cveId, scope.event));
      return;
    case 'indicators': {
      const revoked = revocationOf(attribute, objectDeleted);
      values.indicators.forEach((indicator) => state.drafts.addIndicator(indicatorDraft(scope, attribute, indicator, revoked)));
      return;
    }
    case 'not-an-indicator':
      return;
  }
}

function readObject(state: ParseState, scope: EventScope, raw: unknown, position: string): void {
  const parsed = MispObjectSchema.safeParse(raw);
  if (!parsed.success) return reject(state, position, raw, describeIssues(parsed.error.issues, position).join('; '), uuidOf(raw));
  parsed.data.Attribute.forEach((attribute, index) =>
    readAttribute(state, scope, attribute, formatPath(['Attribute', index], position), parsed.data.deleted),
  );
}

function readEvent(state: ParseState, located: LocatedEvent): void {
  const { position, raw } = located;
  if (located.notAnEvent) return reject(state, position, raw, `${position}: expected { "Event": ... }`);
  const parsed = MispEventSchema.safeParse(raw);
  // Event-wide fields (TLP tags above all) decide how every attribute may be used, so a bad one sinks the event.
  if (!parsed.success) return reject(state, position, raw, describeIssues(parsed.error.issues, position).join('; '), uuidOf(raw));
  const event = parsed.data;
  if (state.seenEvents.has(event.uuid)) {
    const reason = `${formatPath(['uuid'], position)}: event ${event.uuid} appears more than once in the payload; the first was kept`;
    return reject(state, position, raw, reason, event.uuid);
  }
  state.seenEvents.add(event.uuid);
  const scope = eventScope(event, state.context.now);
  event.Attribute.forEach((attribute, index) => readAttribute(state, scope, attribute, formatPath(['Attribute', index], position), false));
  event.Object.forEach((object, index) => readObject(state, scope, object, formatPath(['Object', index], position)));
}

/**
 * Parses a MISP event payload (see above) into indicator and vulnerability drafts. Throws
 * InvalidFeedDocument when the payload is not JSON or not one of MISP's event shapes.
 */
export function parseMispEvent(payload: string, context: ParseContext): ParsedIntel {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (error) {
    throw new InvalidFeedDocument(`${context.source}: not a MISP event: not JSON (${(error as Error).message})`, { cause: error });
  }
  const state: ParseState = { context, drafts: new DraftCollector(), rejected: [], seenAttributes: new Set(), seenEvents: new Set() };
  for (const located of locateEvents(json, context)) readEvent(state, located);
  return { drafts: state.drafts.drafts(), rejected: state.rejected };
}
