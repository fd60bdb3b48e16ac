import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { CveIdSchema } from '../../../model/vulnerability.ts';
import { describeIssues } from '../../describe-issues.ts';
import { payloadExcerpt, type IntelDraft, type ParseContext, type ParsedIntel, type RejectedRecord } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';

/**
 * FIRST's Exploit Prediction Scoring System: the probability that a CVE is exploited in the next 30 days,
 * published daily for every scored CVE (https://epss.empiricalsecurity.com/epss_scores-YYYY-MM-DD.csv.gz)
 * and queryable per CVE (https://api.first.org/data/v1/epss). EPSS data by FIRST.org, used with attribution.
 *
 * Neither parser sets `complete`: a score is an estimate, not a listing, so a CVE missing from one day's
 * file (a late publication, a hiccup in the model run) is no withdrawal, and its last score stands until
 * a later file gives a new one.
 */

/** Source name of FIRST EPSS. */
export const EPSS_SOURCE = 'epss';

const MODEL_VERSION = /^v[0-9]+(?:\.[0-9]+)*$/;
// The id form CveIdSchema checks, as a bare pattern: the daily file has some 300,000 rows.
const CVE_ID = /^CVE-\d{4}-\d{4,}$/;
const DECIMAL = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;
const dateSchema = z.iso.date('date as YYYY-MM-DD');
const probabilitySchema = z.number().min(0, 'a probability in 0..1').max(1, 'a probability in 0..1');

/** What EPSS says about one CVE on one day. */
export const EpssFactsSchema = z.object({
  /** Probability of exploitation activity in the next 30 days. */
  score: probabilitySchema,
  /** Share of scored CVEs with the same or a lower score. */
  percentile: probabilitySchema,
  /** `v2025.03.14` (daily files), `v4` (some extracts); absent where the source does not say (the API). */
  modelVersion: z.string().regex(MODEL_VERSION, 'model version like v2025.03.14 or v4').optional(),
  scoreDate: dateSchema,
});
export type EpssFacts = z.infer<typeof EpssFactsSchema>;

/** The gzip file as delivered (bytes) or its text; anything else is no EPSS file. */
function epssPayloadText(payload: string | Uint8Array, source: string): string {
  if (typeof payload === 'string') {
    if (payload.startsWith('\u001f\u008b')) throw new InvalidFeedDocument(`${source}: gzip data given as text; pass the file's bytes`);
    return payload.replace(/^\uFEFF/, '');
  }
  let bytes: Uint8Array = payload;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // The daily file is about 10 MB unpacked; the cap keeps a corrupt or hostile archive from filling memory.
      bytes = gunzipSync(bytes, { maxOutputLength: 256 * 1024 * 1024 });
    } catch (error) {
      throw new InvalidFeedDocument(`${source}: not a gzip file that unpacks: ${(error as Error).message}`, { cause: error });
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (error) {
    throw new InvalidFeedDocument(`${source}: not UTF-8 text`, { cause: error });
  }
}

interface FileDefaults {
  modelVersion?: string;
  scoreDate?: string;
}

/** `#model_version:v2025.03.14,score_date:2025-08-15T00:00:00+0000`, the daily file's first line. */
function readModelComment(line: string, source: string): FileDefaults {
  const defaults: FileDefaults = {};
  for (const part of line.replace(/^#/, '').split(',')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const key = part.slice(0, colon).trim().toLowerCase();
    const value = part.slice(colon + 1).trim();
    if (key === 'model_version') {
      if (!MODEL_VERSION.test(value)) throw new InvalidFeedDocument(`${source}: model_version "${value}" in the file comment is not like v2025.03.14`);
      defaults.modelVersion = value;
    } else if (key === 'score_date') {
      const day = value.slice(0, 10);
      if (!dateSchema.safeParse(day).success || (value.length > 10 && value[10] !== 'T')) {
        throw new InvalidFeedDocument(`${source}: score_date "${value}" in the file comment is not a date`);
      }
      defaults.scoreDate = day;
    }
  }
  return defaults;
}

interface Columns {
  cve: number;
  epss: number;
  percentile: number;
  date?: number;
  model?: number;
  count: number;
}

function readHeader(line: string, source: string): Columns {
  const names = splitRow(line).map((name) => name.toLowerCase());
  const at = (name: string) => {
    const index = names.indexOf(name);
    return index < 0 ? undefined : index;
  };
  const cve = at('cve');
  const epss = at('epss');
  const percentile = at('percentile');
  if (cve === undefined || epss === undefined || percentile === undefined) {
    const missing = (['cve', 'epss', 'percentile'] as const).filter((name) => at(name) === undefined);
    throw new InvalidFeedDocument(`${source}: not an EPSS score file: header "${line.slice(0, 200)}" lacks column ${missing.join(', ')}`);
  }
  return { cve, epss, percentile, date: at('date'), model: at('model'), count: names.length };
}

/** EPSS files hold plain values without commas, so a line is its cells; stray quotes are dropped. */
function splitRow(line: string): string[] {
  return line.split(',').map(unquote);
}

function unquote(raw: string): string {
  const cell = raw.trim();
  return cell.length >= 2 && cell.startsWith('"') && cell.endsWith('"') ? cell.slice(1, -1).trim() : cell;
}

function readProbability(text: string | undefined): number | string {
  if (text === undefined || !DECIMAL.test(text)) return `"${text ?? ''}" is not a number`;
  const value = Number(text);
  return value >= 0 && value <= 1 ? value : `${text} is outside 0..1`;
}

type RowResult = { ok: true; cve: string; facts: EpssFacts } | { ok: false; record?: string; problems: string[] };
/** A problem of a row: the column it is in (none for the row as a whole) and what is wrong. */
type CellProblem = [column: string | undefined, message: string];

// Built for each of some 300,000 rows, so it makes no closures and no text until a row is bad.
function readRow(cells: string[], columns: Columns, defaults: FileDefaults, lineNumber: number): RowResult {
  const problems: CellProblem[] = [];
  if (cells.length !== columns.count) problems.push([undefined, `${cells.length} columns where the header has ${columns.count}`]);

  const cve = (cells[columns.cve] ?? '').toUpperCase();
  const cveIsValid = CVE_ID.test(cve);
  if (!cveIsValid) problems.push(['cve', `"${cells[columns.cve] ?? ''}" is not a CVE id like CVE-2023-4966`]);
  const score = readProbability(cells[columns.epss]);
  if (typeof score === 'string') problems.push(['epss', score]);
  const percentile = readProbability(cells[columns.percentile]);
  if (typeof percentile === 'string') problems.push(['percentile', percentile]);

  let scoreDate = defaults.scoreDate;
  if (columns.date !== undefined) {
    const text = cells[columns.date] ?? '';
    if (dateSchema.safeParse(text).success) scoreDate = text;
    else problems.push(['date', `"${text}" is not a date as YYYY-MM-DD`]);
  }
  let modelVersion = defaults.modelVersion;
  if (columns.model !== undefined) {
    const text = cells[columns.model] ?? '';
    if (MODEL_VERSION.test(text)) modelVersion = text;
    else problems.push(['model', `"${text}" is not a model version like v2025.03.14 or v4`]);
  }

  if (problems.length > 0 || typeof score === 'string' || typeof percentile === 'string' || scoreDate === undefined) {
    const where = `line ${lineNumber}`;
    const described = problems.map(([column, message]) => `${where}${column === undefined ? '' : `, column ${column}`}: ${message}`);
    return { ok: false, record: cveIsValid ? cve : undefined, problems: described };
  }
  const facts: EpssFacts = { score, percentile, scoreDate };
  if (modelVersion !== undefined) facts.modelVersion = modelVersion;
  return { ok: true, cve, facts };
}

/** The one model version of the payload: the file's, else the one every row names; undefined when they differ. */
function payloadModelVersion(defaults: FileDefaults, models: Set<string | undefined>): string | undefined {
  if (defaults.modelVersion !== undefined) return defaults.modelVersion;
  const [only, ...others] = [...models];
  return others.length === 0 ? only : undefined;
}

/**
 * Parses an EPSS score file: the daily `epss_scores-YYYY-MM-DD.csv.gz` (bytes, gzip detected by its magic
 * number, or its text), whose first line `#model_version:...,score_date:...` dates every row, or an
 * extract with `date` and `model` columns per row. Rows with a bad CVE id, a score or percentile outside
 * 0..1, or a repeated CVE (the first row wins) are rejected by line and column. `version` is the model
 * version. Throws InvalidFeedDocument when the payload is no such file.
 */
export function parseEpssCsv(payload: string | Uint8Array, context: ParseContext): ParsedIntel {
  const { source } = context;
  const lines = epssPayloadText(payload, source).split(/\r?\n/);

  let index = 0;
  let defaults: FileDefaults = {};
  for (; index < lines.length && (lines[index]!.trim() === '' || lines[index]!.trimStart().startsWith('#')); index += 1) {
    const line = lines[index]!.trim();
    if (line.startsWith('#')) defaults = { ...defaults, ...readModelComment(line, source) };
  }
  if (index >= lines.length) throw new InvalidFeedDocument(`${source}: not an EPSS score file: no header line cve,epss,percentile`);
  const columns = readHeader(lines[index]!, source);
  if (defaults.scoreDate === undefined && columns.date === undefined) {
    throw new InvalidFeedDocument(`${source}: EPSS file without a score date: neither a #score_date comment nor a date column`);
  }

  const drafts: IntelDraft[] = [];
  const rejected: RejectedRecord[] = [];
  const firstLine = new Map<string, number>();
  const models = new Set<string | undefined>();
  for (index += 1; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line.trim() === '') continue;
    const lineNumber = index + 1;
    const row = readRow(splitRow(line), columns, defaults, lineNumber);
    if (!row.ok) {
      const where = `line ${lineNumber}`;
      rejected.push({ position: where, record: row.record ?? where, reason: row.problems.join('; '), payload: payloadExcerpt(line) });
      continue;
    }
    const first = firstLine.get(row.cve);
    if (first !== undefined) {
      const where = `line ${lineNumber}`;
      rejected.push({
        position: where,
        record: row.cve,
        reason: `${where}, column cve: ${row.cve} is scored more than once (first on line ${first}); the first row was kept`,
        payload: payloadExcerpt(line),
      });
      continue;
    }
    firstLine.set(row.cve, lineNumber);
    models.add(row.facts.modelVersion);
    drafts.push({ kind: 'vulnerability', id: row.cve, facts: row.facts });
  }

  const result: ParsedIntel = { drafts, rejected };
  const version = payloadModelVersion(defaults, models);
  if (version !== undefined) result.version = version;
  return result;
}

/** payloadExcerpt, except that JSON nested too deep to write out (stack overflow) does not escape. */
function excerptOf(value: unknown): string {
  try {
    return payloadExcerpt(value);
  } catch {
    return '(not shown: nested too deeply to write out)';
  }
}

const apiProbabilitySchema = z
  .union([z.number(), z.string().regex(DECIMAL, 'a decimal number').transform(Number)])
  .pipe(probabilitySchema);

/** One row of the API's `data`; `time-series` (scope=time-series) holds past days and is not read. */
const EpssApiRowSchema = z.looseObject({
  cve: CveIdSchema,
  epss: apiProbabilitySchema,
  percentile: apiProbabilitySchema,
  date: dateSchema,
});

/** The API's envelope (`envelope=true`, the default); the page is checked row by row. */
export const EpssApiEnvelopeSchema = z.looseObject({
  status: z.string(),
  'status-code': z.number().optional(),
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  limit: z.number().int().nonnegative().optional(),
  data: z.array(z.unknown()),
});

function readApiEnvelope(json: unknown, source: string): z.infer<typeof EpssApiEnvelopeSchema> {
  const status = json !== null && typeof json === 'object' ? (json as Record<string, unknown>).status : undefined;
  if (typeof status === 'string' && status !== 'OK') {
    const { 'status-code': code, message } = json as Record<string, unknown>;
    throw new InvalidFeedDocument(`${source}: the EPSS API answered status "${status}"${code === undefined ? '' : ` (${String(code)})`}${typeof message === 'string' ? `: ${message}` : ''}`);
  }
  const envelope = EpssApiEnvelopeSchema.safeParse(json);
  if (!envelope.success) throw new InvalidFeedDocument(`${source}: not an EPSS API response: ${describeIssues(envelope.error.issues).join('; ')}`);
  return envelope.data;
}

/**
 * Parses one page of the EPSS API (`https://api.first.org/data/v1/epss?...`), where `epss` and
 * `percentile` are decimal strings. Rows carry no model version, so the drafts have none and `version`
 * is unset. Bad rows and repeated CVEs (the first row wins) are rejected as `data[i]`.
 * Throws InvalidFeedDocument when the payload is not an API response or the API reported an error.
 */
export function parseEpssApi(payload: string, context: ParseContext): ParsedIntel {
  const { source } = context;
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (error) {
    throw new InvalidFeedDocument(`${source}: EPSS API response is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const envelope = readApiEnvelope(json, source);

  const drafts: IntelDraft[] = [];
  const rejected: RejectedRecord[] = [];
  const firstRow = new Map<string, number>();
  envelope.data.forEach((raw, index) => {
    const position = `data[${index}]`;
    const rawId = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).cve : undefined;
    const record = typeof rawId === 'string' && rawId !== '' ? rawId : position;
    const row = EpssApiRowSchema.safeParse(raw);
    if (!row.success) {
      rejected.push({ position, record, reason: describeIssues(row.error.issues, position).join('; '), payload: excerptOf(raw) });
      return;
    }
    const first = firstRow.get(row.data.cve);
    if (first !== undefined) {
      rejected.push({
        position,
        record,
        reason: `${position}.cve: ${row.data.cve} is scored more than once (first at data[${first}]); the first row was kept`,
        payload: excerptOf(raw),
      });
      return;
    }
    firstRow.set(row.data.cve, index);
    const facts: EpssFacts = { score: row.data.epss, percentile: row.data.percentile, scoreDate: row.data.date };
    drafts.push({ kind: 'vulnerability', id: row.data.cve, facts });
  });
  return { drafts, rejected };
}

/**
 * The `offset` to request next when the API has more rows than this page (`offset + data.length <
 * total`), else undefined; also undefined for an empty page or anything that is not an API response,
 * so paging always ends. Takes the page as text or as parsed JSON.
 */
export function epssApiNextOffset(json: unknown): number | undefined {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const envelope = EpssApiEnvelopeSchema.safeParse(value);
  if (!envelope.success || envelope.data.status !== 'OK' || envelope.data.data.length === 0) return undefined;
  const next = envelope.data.offset + envelope.data.data.length;
  return next < envelope.data.total ? next : undefined;
}
