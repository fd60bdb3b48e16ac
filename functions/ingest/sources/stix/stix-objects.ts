import { z } from 'zod';
import { describeIssues } from '../../describe-issues.ts';
import type { RejectedRecord } from '../../intel-draft.ts';
import { payloadExcerpt } from '../../intel-draft.ts';

/**
 * The STIX 2.1 objects forestall reads, checked one by one against the required properties of the
 * STIX 2.1 JSON schemas (`common/core.json` and each object's own): a bad object is refused with the
 * field named, the rest of the bundle goes on. Types not listed here are skipped, not refused: a
 * bundle may carry anything (attack patterns, observed data, custom `x-` objects).
 */

const STIX_ID = /^[a-z0-9-]+--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const StixIdSchema = z.string().regex(STIX_ID, 'STIX id like indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f');
// STIX timestamps are UTC with a Z and any fraction of a second.
const TimestampSchema = z.iso.datetime({
  // A missing timestamp keeps zod's own "required" wording.
  error: (issue) => (issue.input === undefined ? undefined : 'timestamp like 2016-05-12T08:17:27.000Z'),
});

export const ExternalReferenceSchema = z.looseObject({
  source_name: z.string(),
  external_id: z.string().optional(),
  url: z.string().optional(),
  description: z.string().optional(),
});

const CommonSchema = z.looseObject({
  type: z.string(),
  id: StixIdSchema,
  spec_version: z.string().refine((value) => value === '2.1', 'spec_version 2.1'),
  created: TimestampSchema,
  modified: TimestampSchema,
  revoked: z.boolean().optional(),
  labels: z.array(z.string()).optional(),
  confidence: z.number().int().min(0).max(100).optional(),
  object_marking_refs: z.array(StixIdSchema).optional(),
  external_references: z.array(ExternalReferenceSchema).optional(),
});

const named = CommonSchema.extend({ name: z.string() });

export const IndicatorSchema = CommonSchema.extend({
  type: z.literal('indicator'),
  name: z.string().optional(),
  description: z.string().optional(),
  indicator_types: z.array(z.string()).optional(),
  pattern: z.string(),
  pattern_type: z.string(),
  valid_from: TimestampSchema,
  valid_until: TimestampSchema.optional(),
});

export const VulnerabilitySchema = named.extend({ type: z.literal('vulnerability'), description: z.string().optional() });
export const CampaignSchema = named.extend({ type: z.literal('campaign') });
export const IntrusionSetSchema = named.extend({ type: z.literal('intrusion-set') });
export const ThreatActorSchema = named.extend({ type: z.literal('threat-actor') });
// STIX requires a name only of a malware family; an instance may go without.
export const MalwareSchema = CommonSchema.extend({ type: z.literal('malware'), is_family: z.boolean(), name: z.string().optional() });
export const IdentitySchema = named.extend({ type: z.literal('identity'), sectors: z.array(z.string()).optional() });
export const LocationSchema = CommonSchema.extend({
  type: z.literal('location'),
  name: z.string().optional(),
  region: z.string().optional(),
  country: z.string().optional(),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
}).refine((location) => location.region !== undefined || location.country !== undefined || location.latitude !== undefined, {
  message: 'a location needs region, country or latitude and longitude',
  path: ['region'],
});
export const RelationshipSchema = CommonSchema.extend({
  type: z.literal('relationship'),
  relationship_type: z.string(),
  source_ref: StixIdSchema,
  target_ref: StixIdSchema,
});
// Marking definitions are immutable, so they have no `modified`.
export const MarkingDefinitionSchema = CommonSchema.omit({ modified: true }).extend({
  type: z.literal('marking-definition'),
  name: z.string().optional(),
  definition_type: z.string().optional(),
  definition: z.record(z.string(), z.unknown()).optional(),
});

const SCHEMAS = {
  indicator: IndicatorSchema,
  vulnerability: VulnerabilitySchema,
  campaign: CampaignSchema,
  'intrusion-set': IntrusionSetSchema,
  'threat-actor': ThreatActorSchema,
  malware: MalwareSchema,
  identity: IdentitySchema,
  location: LocationSchema,
  relationship: RelationshipSchema,
  'marking-definition': MarkingDefinitionSchema,
} as const;

export type StixType = keyof typeof SCHEMAS;
export type StixIndicator = z.infer<typeof IndicatorSchema>;
export type StixVulnerability = z.infer<typeof VulnerabilitySchema>;
export type StixRelationship = z.infer<typeof RelationshipSchema>;
export type StixMarkingDefinition = z.infer<typeof MarkingDefinitionSchema>;
export type StixObject = { [K in StixType]: z.infer<(typeof SCHEMAS)[K]> }[StixType];

const isStixType = (type: string): type is StixType => Object.hasOwn(SCHEMAS, type);

/** One object as kept: its latest version and where in `objects` it was. */
export interface KeptObject {
  object: StixObject;
  index: number;
}

export interface ReadObjects {
  /** The latest valid version of each id, in the order the ids first appear. */
  byId: Map<string, KeptObject>;
  rejected: RejectedRecord[];
}

/** An excerpt that cannot throw: a hostile object may nest too deep to stringify. */
export function objectExcerpt(raw: unknown): string {
  try {
    return payloadExcerpt(raw);
  } catch {
    return '(object nested too deeply to show)';
  }
}

const versionOf = (object: StixObject): string => (object.type === 'marking-definition' ? object.created : object.modified);

/** The object's id if it has a readable one, for naming a refused object. */
function idOf(raw: unknown): string | undefined {
  const id = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).id : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= 200 ? id : undefined;
}

/** Checks one entry of `objects`: the object, undefined for a type forestall does not read, or why not. */
function checkObject(raw: unknown, base: string): { ok: true; object: StixObject | undefined } | { ok: false; reason: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: `${base}: expected a STIX object` };
  const type = (raw as Record<string, unknown>).type;
  if (typeof type !== 'string') return { ok: false, reason: `${base}.type: required field missing (expected string)` };
  if (!isStixType(type)) return { ok: true, object: undefined };
  const parsed = SCHEMAS[type].safeParse(raw);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error.issues, base).join('; ') };
  const object = parsed.data as StixObject;
  if (!object.id.startsWith(`${type}--`)) return { ok: false, reason: `${base}.id: "${object.id}" is not an id of a ${type}` };
  return { ok: true, object };
}

/**
 * Reads the `objects` of a bundle or envelope. Of several versions of one id the newest `modified`
 * wins (TAXII hands out every version); the same id at the same version twice is a repeat, refused
 * with a pointer to the first.
 */
export function readStixObjects(objects: readonly unknown[]): ReadObjects {
  const byId = new Map<string, KeptObject>();
  const rejected: RejectedRecord[] = [];
  objects.forEach((raw, index) => {
    const base = `objects[${index}]`;
    const checked = checkObject(raw, base);
    if (!checked.ok) {
      rejected.push({ position: base, record: idOf(raw) ?? base, reason: checked.reason, payload: objectExcerpt(raw) });
      return;
    }
    const object = checked.object;
    if (object === undefined) return;
    const earlier = byId.get(object.id);
    if (earlier === undefined) {
      byId.set(object.id, { object, index });
      return;
    }
    const order = Date.parse(versionOf(object)) - Date.parse(versionOf(earlier.object));
    if (order > 0) {
      // Map.set on an existing key keeps its place: the id stays where it first appeared.
      byId.set(object.id, { object, index });
    } else if (order === 0) {
      rejected.push({
        position: base,
        record: object.id,
        reason: `${base}: repeats ${object.id} at the same version (${versionOf(object)}) as objects[${earlier.index}], which was kept`,
        payload: objectExcerpt(raw),
      });
    }
  });
  return { byId, rejected };
}
