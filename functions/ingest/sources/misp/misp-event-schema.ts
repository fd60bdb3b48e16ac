import { z } from 'zod';

/**
 * The parts of a MISP event this source reads, after the MISP core format (draft-dulaunoy-misp-core-format)
 * and MISP's event schema. Fields MISP may add are allowed; lists MISP leaves out or sends as null are
 * empty. Attributes and objects are checked one by one, so one bad attribute does not sink its event.
 */

/** MISP writes epoch seconds as a string of digits; some tools write the number. */
export const EpochSecondsSchema = z
  .union([z.string().regex(/^\d{1,12}$/, 'epoch seconds as a string of digits'), z.number().int().nonnegative().max(999_999_999_999)])
  .transform(Number);

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * `first_seen`/`last_seen`: ISO 8601 up to the microsecond (`2019-06-02T22:14:28.711954+00:00`), as an
 * ISO string in milliseconds. A time without a zone is UTC, so the result never depends on where it runs.
 */
export const SeenTimeSchema = z.string().transform((text, context) => {
  const match = ISO_DATE_TIME.exec(text.trim());
  const withZone = match && match[1] === undefined && text.trim().length > 10 ? `${text.trim()}Z` : text.trim();
  const time = match ? Date.parse(withZone.replace(' ', 'T')) : NaN;
  if (Number.isNaN(time)) {
    context.addIssue({ code: 'custom', message: 'ISO 8601 date-time like 2019-06-02T22:14:28.711954+00:00' });
    return z.NEVER;
  }
  return new Date(time).toISOString();
});

/** A list MISP may leave out or send as null. */
const listOf = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((items) => items ?? []);

export const MispTagSchema = z.looseObject({ name: z.string().min(1) });

export const MispGalaxySchema = z.looseObject({
  type: z.string().optional(),
  GalaxyCluster: listOf(z.looseObject({ type: z.string().optional(), value: z.string() })),
});
export type MispGalaxy = z.infer<typeof MispGalaxySchema>;

/** An attribute of a type this source reads (indicators and `vulnerability`). */
export const MispAttributeSchema = z.looseObject({
  uuid: z.string().min(1),
  type: z.string(),
  category: z.string().optional(),
  value: z.string(),
  to_ids: z.boolean(),
  deleted: z.boolean().default(false),
  timestamp: EpochSecondsSchema.optional(),
  first_seen: SeenTimeSchema.nullish(),
  last_seen: SeenTimeSchema.nullish(),
  Tag: listOf(MispTagSchema),
  Galaxy: listOf(MispGalaxySchema),
});
export type MispAttribute = z.infer<typeof MispAttributeSchema>;

/** A MISP object: a named group of attributes (`file`, `domain-ip`); deleting it deletes them all. */
export const MispObjectSchema = z.looseObject({
  name: z.string().optional(),
  deleted: z.boolean().default(false),
  Attribute: listOf(z.unknown()),
});

/** MISP's threat levels: 1 high, 2 medium, 3 low, 4 undefined. */
export const ThreatLevelSchema = z.preprocess(
  (value) => (typeof value === 'number' ? String(value) : value),
  z.enum(['1', '2', '3', '4']),
);

export const MispEventSchema = z.looseObject({
  uuid: z.string().min(1),
  info: z.string().default(''),
  date: z.iso.date('date as YYYY-MM-DD').optional(),
  timestamp: EpochSecondsSchema.optional(),
  published: z.boolean().optional(),
  threat_level_id: ThreatLevelSchema.optional(),
  Tag: listOf(MispTagSchema),
  Galaxy: listOf(MispGalaxySchema),
  Attribute: listOf(z.unknown()),
  Object: listOf(z.unknown()),
});
export type MispEvent = z.infer<typeof MispEventSchema>;
