import { parseDocument } from 'yaml';
import { z } from 'zod';
import { CveIdSchema, VulnerabilityIdSchema } from '../../../model/vulnerability.ts';
import { describeIssues, formatPath } from '../../describe-issues.ts';
import { payloadExcerpt, type ParseContext, type ParsedIntel, type RejectedRecord, type VulnerabilityIntelDraft } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { purlForOsvPackage } from './osv-package-purl.ts';
import { OsvRecordInputSchema, type OsvRecordInput } from './osv-record.ts';

/**
 * OSV advisories (https://ossf.github.io/osv-schema/): GHSA, PyPI (PYSEC), Go, RustSec and the rest, one
 * record as JSON or YAML, or many as a JSON array, an OSV API `{ vulns: [...] }` page or JSON lines.
 * Each record becomes a vulnerability draft filed under its CVE when it has one; its facts keep what
 * purl x version-range matching needs, keyed by OSV id.
 */

/** Source name of OSV advisories. */
export const OSV_SOURCE = 'osv';

/** `details` longer than this is cut: matching never reads it, and facts share a 400 KB item. */
export const OSV_TEXT_LIMIT = 4_000;

export const OsvEventSchema = z.union([
  z.strictObject({ introduced: z.string() }),
  z.strictObject({ fixed: z.string() }),
  z.strictObject({ last_affected: z.string() }),
  z.strictObject({ limit: z.string() }),
]);
export type OsvEvent = z.infer<typeof OsvEventSchema>;

export const OsvRangeSchema = z.object({
  type: z.enum(['SEMVER', 'ECOSYSTEM', 'GIT']),
  /** The repository of a GIT range. */
  repo: z.string().optional(),
  /** In the record's order: OSV evaluates them as a sequence. */
  events: z.array(OsvEventSchema),
});
export type OsvRange = z.infer<typeof OsvRangeSchema>;

export const OsvSeveritySchema = z.object({
  /** `CVSS_V3`, `CVSS_V4` (vectors), `CVSS_V2`, `Ubuntu` (a word). */
  type: z.string(),
  score: z.string(),
});
export type OsvSeverity = z.infer<typeof OsvSeveritySchema>;

export const OsvAffectedSchema = z.object({
  /** Absent only for an entry of GIT ranges alone. */
  package: z
    .object({
      /** As OSV names it, release suffix included (`Debian:12`). */
      ecosystem: z.string(),
      name: z.string(),
      /** The record's own purl, else one derived from ecosystem and name; absent for ecosystems without one. */
      purl: z.string().optional(),
    })
    .optional(),
  ranges: z.array(OsvRangeSchema),
  /** Versions the source lists as affected, in its order. */
  versions: z.array(z.string()),
  /** Severity given for this package alone (records without a top-level `severity`). */
  severity: z.array(OsvSeveritySchema).optional(),
  /** GHSA's upper bound for a range without a closing event (`< 3.5.3.1`). */
  lastKnownAffectedVersionRange: z.string().optional(),
});
export type OsvAffected = z.infer<typeof OsvAffectedSchema>;

/** What one OSV record says, by its own id. */
export const OsvAdvisorySchema = z.object({
  osvId: VulnerabilityIdSchema,
  /** RFC 3339 times in UTC (`Z`). */
  modified: z.string(),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  summary: z.string().optional(),
  /** Cut to OSV_TEXT_LIMIT characters. */
  details: z.string().optional(),
  aliases: z.array(z.string()),
  related: z.array(z.string()),
  severity: z.array(OsvSeveritySchema),
  /** The database's own rating (GHSA: `LOW`, `MODERATE`, `HIGH`, `CRITICAL`). */
  databaseSpecific: z.object({ severity: z.string() }).optional(),
  affected: z.array(OsvAffectedSchema),
});
export type OsvAdvisory = z.infer<typeof OsvAdvisorySchema>;

/**
 * The OSV facts of one vulnerability. A CVE often has several OSV records (a GHSA and a PYSEC for the
 * same flaw), each with its own packages and ranges, so they sit side by side under their OSV ids.
 */
export const OsvFactsSchema = z.object({ advisories: z.record(z.string(), OsvAdvisorySchema) });
export type OsvFacts = z.infer<typeof OsvFactsSchema>;

const isCveId = (id: string) => CveIdSchema.safeParse(id).success && VulnerabilityIdSchema.safeParse(id).success;

/** The record's own id when it is a CVE, else its first CVE alias, else its OSV id. */
export function canonicalOsvId(osvId: string, aliases: readonly string[]): string {
  if (isCveId(osvId)) return osvId;
  return aliases.find(isCveId) ?? osvId;
}

/** Cuts at `limit` characters without splitting a surrogate pair. */
function cut(text: string, limit = OSV_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(limit - 1)) ? limit - 1 : limit;
  return text.slice(0, end);
}

/** Drops undefined fields: stored facts carry no holes. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

const eventOf = ({ kind, version }: { kind: string; version: string }): OsvEvent => ({ [kind]: version }) as OsvEvent;

function affectedOf(entry: OsvRecordInput['affected'][number]): OsvAffected {
  const pkg = entry.package;
  return defined({
    package:
      pkg === undefined
        ? undefined
        : defined({ ecosystem: pkg.ecosystem, name: pkg.name, purl: pkg.purl ?? purlForOsvPackage(pkg.ecosystem, pkg.name) }),
    ranges: entry.ranges.map((range) => defined({ type: range.type, repo: range.repo, events: range.events.map(eventOf) })),
    versions: entry.versions,
    severity: entry.severity.length > 0 ? entry.severity.map(({ type, score }) => ({ type, score })) : undefined,
    lastKnownAffectedVersionRange: entry.database_specific,
  });
}

/** The facts of one checked record. */
export function osvAdvisoryOf(record: OsvRecordInput): OsvAdvisory {
  return defined({
    osvId: record.id,
    modified: record.modified,
    published: record.published,
    withdrawn: record.withdrawn,
    summary: record.summary === undefined ? undefined : cut(record.summary),
    details: record.details === undefined ? undefined : cut(record.details),
    aliases: [...new Set(record.aliases)],
    related: [...new Set(record.related)],
    severity: record.severity.map(({ type, score }) => ({ type, score })),
    databaseSpecific: record.database_specific === undefined ? undefined : { severity: record.database_specific },
    affected: record.affected.map(affectedOf),
  });
}

/** One record of a payload and where it sits. */
interface PayloadRecord {
  raw: unknown;
  /** `vulns[3]`, `[3]`, `line 5`, or `record` for a payload of one record. */
  position: string;
  /** The record as delivered, for quarantine. */
  delivered: string;
  /** Why the record could not even be read (a JSON line that is not JSON). */
  unreadable?: string;
}

const isLine = (position: string) => position.startsWith('line ');

/** Reason lines naming the field: `vulns[3].affected[0].ranges[0].events: ...`, `line 5: id: ...`, `modified: ...`. */
function fieldReasons(position: string, lines: string[]): string {
  return lines.map((line) => (isLine(position) ? `${position}: ${line}` : line)).join('; ');
}
const fieldBase = (position: string) => (isLine(position) || position === 'record' ? '' : position);

function recordIdOf(item: PayloadRecord): string {
  const id = item.raw !== null && typeof item.raw === 'object' ? (item.raw as Record<string, unknown>).id : undefined;
  return typeof id === 'string' && id.length > 0 ? id.slice(0, 200) : item.position;
}

/** A quarantine excerpt that never throws (JSON.stringify does on very deep nesting). */
function excerpt(value: unknown): string {
  try {
    return payloadExcerpt(value);
  } catch {
    return '(not printable)';
  }
}

interface DraftInProgress {
  advisories: Record<string, OsvAdvisory>;
  aliases: Set<string>;
}

/**
 * Drafts from the records of one payload. The same OSV id twice: the first is kept, the later ones
 * rejected. Different OSV records with the same CVE (a GHSA and a PYSEC) merge into one draft whose
 * facts hold both advisories, as they are one vulnerability; it is revoked only when every one of them
 * is withdrawn, since a GHSA withdrawn while the PYSEC stands leaves the CVE affecting PyPI packages.
 */
function draftsOf(items: readonly PayloadRecord[]): ParsedIntel {
  const rejected: RejectedRecord[] = [];
  const drafts = new Map<string, DraftInProgress>();
  const seenOsvIds = new Set<string>();
  const reject = (item: PayloadRecord, reason: string) =>
    rejected.push({ position: item.position, record: recordIdOf(item), reason, payload: payloadExcerpt(item.delivered) });

  for (const item of items) {
    if (item.unreadable !== undefined) {
      reject(item, `${item.position}: ${item.unreadable}`);
      continue;
    }
    const parsed = OsvRecordInputSchema.safeParse(item.raw);
    if (!parsed.success) {
      reject(item, fieldReasons(item.position, describeIssues(parsed.error.issues, fieldBase(item.position))));
      continue;
    }
    const advisory = osvAdvisoryOf(parsed.data);
    if (seenOsvIds.has(advisory.osvId)) {
      const field = isLine(item.position) ? `${item.position}: id` : formatPath(['id'], fieldBase(item.position));
      reject(item, `${field}: ${advisory.osvId} appears more than once in the payload; the first record was kept`);
      continue;
    }
    seenOsvIds.add(advisory.osvId);
    const id = canonicalOsvId(advisory.osvId, advisory.aliases);
    const draft = drafts.get(id) ?? { advisories: {}, aliases: new Set<string>() };
    draft.advisories[advisory.osvId] = advisory;
    for (const alias of [advisory.osvId, ...advisory.aliases]) if (alias !== id) draft.aliases.add(alias);
    drafts.set(id, draft);
  }

  return {
    drafts: [...drafts].map(([id, draft]) => vulnerabilityDraft(id, draft)),
    rejected,
  };
}

function vulnerabilityDraft(id: string, { advisories, aliases }: DraftInProgress): VulnerabilityIntelDraft {
  const facts: OsvFacts = { advisories };
  const withdrawn = Object.values(advisories).map((advisory) => advisory.withdrawn);
  const allWithdrawn = withdrawn.every((at) => at !== undefined);
  const lastWithdrawn = allWithdrawn
    ? (withdrawn as string[]).reduce((latest, at) => (Date.parse(at) > Date.parse(latest) ? at : latest))
    : undefined;
  return {
    kind: 'vulnerability',
    id,
    ...(aliases.size > 0 && { aliases: [...aliases] }),
    ...(lastWithdrawn !== undefined && { revoked: { reason: 'withdrawn by the source', at: lastWithdrawn } }),
    facts,
  };
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const withoutBom = (payload: string) => payload.replace(/^\uFEFF/, '');

/**
 * A document as JSON, else as YAML (JSON is tried first: it is what most sources send, and faster).
 * YAML's core schema keeps unquoted times as text, as JSON has them. Error messages give the place,
 * never the payload's text.
 */
function readJsonOrYaml(text: string, source: string): unknown {
  const json = tryJson(text);
  if (json.ok) return json.value;
  try {
    const document = parseDocument(text, { schema: 'core', prettyErrors: false, uniqueKeys: true });
    const [error] = document.errors;
    if (error !== undefined) {
      const what = error.message.split('\n', 1)[0]?.slice(0, 200);
      throw new InvalidFeedDocument(`${source}: neither JSON nor YAML: ${what} (at character ${error.pos[0]})`);
    }
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof InvalidFeedDocument) throw error;
    // The YAML reader refuses alias bombs and runs out of stack on absurd nesting: not a record either way.
    throw new InvalidFeedDocument(`${source}: neither JSON nor YAML (${error instanceof Error ? error.name : 'unreadable'})`, { cause: error });
  }
}

/**
 * One OSV record, as JSON or YAML (the PyPI advisory database keeps its records as YAML files).
 * A record that breaks the OSV schema is rejected (position `record`, reason naming the field).
 * @throws InvalidFeedDocument when the payload is not one JSON or YAML mapping with a string `id`.
 */
export function parseOsvRecord(payload: string, context: ParseContext): ParsedIntel {
  const document = readJsonOrYaml(withoutBom(payload), context.source);
  if (!isMapping(document)) {
    const found = Array.isArray(document) ? 'a list (parseOsvRecords reads lists)' : document === null ? 'nothing' : `a ${typeof document}`;
    throw new InvalidFeedDocument(`${context.source}: not an OSV record: expected one JSON or YAML object, found ${found}`);
  }
  if (typeof document.id !== 'string') {
    throw new InvalidFeedDocument(`${context.source}: not an OSV record: no string "id" field`);
  }
  return draftsOf([{ raw: document, position: 'record', delivered: payload }]);
}

function listItems(list: unknown[], base: string): PayloadRecord[] {
  return list.map((raw, index) => ({ raw, position: `${base}[${index}]`, delivered: excerpt(raw) }));
}

// An OSV API page: `{ vulns: [...], next_page_token }`, and `{}` when nothing matched.
const API_PAGE_FIELDS = new Set(['vulns', 'next_page_token']);

function jsonLines(text: string, source: string): PayloadRecord[] {
  const items: PayloadRecord[] = [];
  let objects = 0;
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim().length === 0) return;
    const position = `line ${index + 1}`;
    const parsed = tryJson(line);
    if (!parsed.ok) {
      items.push({ raw: undefined, position, delivered: line, unreadable: 'not a JSON value' });
      return;
    }
    if (isMapping(parsed.value)) objects += 1;
    items.push({ raw: parsed.value, position, delivered: line });
  });
  // Not one line an object: this is no list of records, not a list of broken ones.
  if (objects === 0) throw new InvalidFeedDocument(`${source}: not OSV records: neither a JSON document nor JSON lines of objects`);
  return items;
}

function payloadRecords(payload: string, source: string): PayloadRecord[] {
  const text = withoutBom(payload);
  const whole = tryJson(text);
  if (!whole.ok) return jsonLines(text, source);
  const document = whole.value;
  if (Array.isArray(document)) return listItems(document, '');
  if (isMapping(document) && Object.keys(document).every((key) => API_PAGE_FIELDS.has(key))) {
    const vulns = document.vulns ?? [];
    if (!Array.isArray(vulns)) throw new InvalidFeedDocument(`${source}: not an OSV API page: "vulns" is not a list`);
    return listItems(vulns, 'vulns');
  }
  // One object alone is JSON lines of one line.
  if (isMapping(document) && typeof document.id === 'string') return [{ raw: document, position: 'line 1', delivered: text }];
  throw new InvalidFeedDocument(
    `${source}: not OSV records: expected a JSON array of records, an OSV API page { "vulns": [...] } or JSON lines`,
  );
}

/**
 * OSV records as a JSON array (positions `[3]`), an OSV API page `{ "vulns": [...] }` (`vulns[3]`) or
 * JSON lines (`line 4`). Bad records are rejected one by one and the rest go on.
 * @throws InvalidFeedDocument when the payload is none of these forms.
 */
export function parseOsvRecords(payload: string, context: ParseContext): ParsedIntel {
  return draftsOf(payloadRecords(payload, context.source));
}
