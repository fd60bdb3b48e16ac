import { z } from 'zod';
import type { IndicatorFacts } from '../../../model/indicator.ts';
import { describeIssues } from '../../describe-issues.ts';
import { detectIndicator, normaliseIndicatorValue } from '../../indicator-values.ts';
import type { ParseContext, ParsedIntel } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { FeedTimeSchema, OptionalFeedTimeSchema } from '../blocklist/feed-time.ts';
import { IndicatorBatch, OFFLINE_TAG } from '../blocklist/indicator-batch.ts';
import { listHeaderVersion, parsePlainList } from '../blocklist/plain-list.ts';
import { splitCsvLine } from './quoted-csv-line.ts';

/**
 * abuse.ch URLhaus in the forms it is fetched: the CSV dump (`/downloads/csv_recent/`), the host list
 * (urlhaus-filter's domains file, hosts files) and urlhaus-filter's Splunk lookup (`host`, `path`).
 */

/** Source name of abuse.ch URLhaus. */
export const URLHAUS_SOURCE = 'urlhaus';

/**
 * URLhaus lists URLs that were seen serving malware and checked by abuse.ch or its reporters, but a
 * compromised site may be cleaned the next day: likely, short of Feodo's confirmed C2 servers.
 */
export const URLHAUS_CONFIDENCE = 80;

/** Every URLhaus entry is a malware distribution site; the dump's `threat` column says so per row. */
const URLHAUS_THREAT_TYPE = 'malware_download';

/** The dump's columns, in order (its header is a `# id,dateadded,...` comment, or a first row). */
export const URLHAUS_DUMP_COLUMNS = ['id', 'dateadded', 'url', 'url_status', 'last_online', 'threat', 'tags', 'urlhaus_link', 'reporter'] as const;

/** One row of the CSV dump, keyed by column. */
export const UrlhausDumpRowSchema = z.object({
  id: z.string().regex(/^\d+$/, 'URLhaus id as digits'),
  dateadded: FeedTimeSchema,
  url: z.string(),
  url_status: z.enum(['online', 'offline', 'unknown']),
  last_online: OptionalFeedTimeSchema,
  threat: z.string(),
  tags: z.string(),
  urlhaus_link: z.string(),
  reporter: z.string(),
});
export type UrlhausDumpRow = z.infer<typeof UrlhausDumpRowSchema>;

interface DataLine {
  position: string;
  line: string;
}

/** The lines that hold data (neither blank nor `#` comments), and the version the comments give. */
function dataLines(payload: string, source: string, form: string): { lines: DataLine[]; version?: string } {
  const text = payload.replace(/^\uFEFF/, '');
  if (text.trimStart().startsWith('<')) throw new InvalidFeedDocument(`${source}: an HTML or XML page, not ${form}`);
  const lines: DataLine[] = [];
  let version: string | undefined;
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith('#')) {
      version ??= listHeaderVersion(trimmed);
      return;
    }
    lines.push({ position: `line ${index + 1}`, line });
  });
  return version === undefined ? { lines } : { lines, version };
}

const splitTags = (tags: string): string[] => tags.split(',').map((tag) => tag.trim()).filter(Boolean);

function dumpRowFacts(row: UrlhausDumpRow, url: string): IndicatorFacts {
  const tags = splitTags(row.tags);
  // An offline URL stays an indicator (it may come back, and hosts that served it once are worth a look),
  // but block lists can tell it apart.
  if (row.url_status === 'offline' && !tags.includes(OFFLINE_TAG)) tags.push(OFFLINE_TAG);
  const facts: IndicatorFacts = {
    type: 'url',
    value: url,
    firstSeen: row.dateadded,
    confidence: URLHAUS_CONFIDENCE,
    tags,
    campaigns: [],
    targetedSectors: [],
    targetedRegions: [],
    reference: row.urlhaus_link || `https://urlhaus.abuse.ch/url/${row.id}/`,
    sourceRecordId: `${URLHAUS_SOURCE}:${row.id}`,
  };
  if (row.last_online !== undefined) facts.lastSeen = row.last_online;
  if (row.threat) facts.threatType = row.threat;
  return facts;
}

const isNoneAccepted = (batch: IndicatorBatch, rows: number) => rows > 0 && batch.draftCount === 0;

/**
 * The CSV dump: one URL indicator a row, `offline` URLs tagged so. Rows that do not check out are
 * rejected as `line N`; a payload in which no row is a URLhaus record throws InvalidFeedDocument.
 */
export function parseUrlhausCsv(payload: string, context: ParseContext): ParsedIntel {
  const { lines, version } = dataLines(payload, context.source, 'a URLhaus CSV dump');
  const batch = new IndicatorBatch();
  let rows = 0;
  for (const { position, line } of lines) {
    const split = splitCsvLine(line);
    if (split.ok && split.fields[0] === 'id' && rows === 0) {
      if (split.fields.join(',') !== URLHAUS_DUMP_COLUMNS.join(',')) {
        throw new InvalidFeedDocument(`${context.source}: not a URLhaus CSV dump: columns ${split.fields.join(',').slice(0, 200)}, expected ${URLHAUS_DUMP_COLUMNS.join(',')}`);
      }
      continue;
    }
    rows += 1;
    if (!split.ok) {
      batch.reject(position, undefined, `${position}: ${split.reason}`, line);
      continue;
    }
    const { fields } = split;
    const record = /^\d+$/.test(fields[0] ?? '') ? fields[0] : undefined;
    if (fields.length !== URLHAUS_DUMP_COLUMNS.length) {
      batch.reject(position, record, `${position}: expected ${URLHAUS_DUMP_COLUMNS.length} fields (${URLHAUS_DUMP_COLUMNS.join(',')}), found ${fields.length}`, line);
      continue;
    }
    const parsed = UrlhausDumpRowSchema.safeParse(Object.fromEntries(URLHAUS_DUMP_COLUMNS.map((column, index) => [column, fields[index]])));
    if (!parsed.success) {
      batch.reject(position, record, `${position}: ${describeIssues(parsed.error.issues).join('; ')}`, line);
      continue;
    }
    const url = normaliseIndicatorValue('url', parsed.data.url);
    if (!url.ok) {
      batch.reject(position, record, `${position}: url: ${url.reason}`, line);
      continue;
    }
    batch.add(dumpRowFacts(parsed.data, url.value));
  }
  if (isNoneAccepted(batch, rows)) {
    throw new InvalidFeedDocument(`${context.source}: not a URLhaus CSV dump: none of its ${rows} rows is a URLhaus record (${batch.firstRejection?.reason})`);
  }
  return batch.result({ version });
}

/** A host list (one domain or address a line, or a hosts file): URLhaus's confidence and threat type. */
export function parseUrlhausHostList(payload: string, context: ParseContext): ParsedIntel {
  return parsePlainList(payload, context, { confidence: URLHAUS_CONFIDENCE, threatType: URLHAUS_THREAT_TYPE });
}

/**
 * urlhaus-filter's Splunk lookup: `host`, `path`, `message`, `updated`. The lookup has dropped the scheme
 * URLhaus recorded, so a full URL cannot be rebuilt faithfully: a row without a path is a host indicator
 * (which matches whatever the scheme), and a row with one becomes `http://<host><path>` tagged
 * `scheme-unknown`, a guess good enough to match by host and path that says it is one.
 */
export function parseUrlhausSplunkLookup(payload: string, context: ParseContext): ParsedIntel {
  const { lines, version } = dataLines(payload, context.source, 'a URLhaus Splunk lookup');
  const [header, ...rows] = lines;
  const columns = header === undefined ? undefined : splitCsvLine(header.line);
  if (header !== undefined && !(columns?.ok && columns.fields[0] === 'host' && columns.fields[1] === 'path')) {
    throw new InvalidFeedDocument(`${context.source}: not a URLhaus Splunk lookup: the first row is not the "host","path",... header`);
  }
  const batch = new IndicatorBatch();
  for (const { position, line } of rows) {
    const split = splitCsvLine(line);
    if (!split.ok) {
      batch.reject(position, undefined, `${position}: ${split.reason}`, line);
      continue;
    }
    const [host = '', path = ''] = split.fields;
    const hostIndicator = detectIndicator(host);
    if (!hostIndicator.ok || !['domain', 'ipv4', 'ipv6'].includes(hostIndicator.type)) {
      batch.reject(position, undefined, `${position}: host: ${hostIndicator.ok ? `"${host}" is not a domain or address` : hostIndicator.reason}`, line);
      continue;
    }
    const indicator = path === '' ? hostIndicator : normaliseIndicatorValue('url', `http://${host}${path.startsWith('/') ? '' : '/'}${path}`);
    if (!indicator.ok) {
      batch.reject(position, undefined, `${position}: path: ${indicator.reason}`, line);
      continue;
    }
    batch.add({
      type: indicator.type,
      value: indicator.value,
      firstSeen: context.now,
      confidence: URLHAUS_CONFIDENCE,
      threatType: URLHAUS_THREAT_TYPE,
      tags: path === '' ? [] : ['scheme-unknown'],
      campaigns: [],
      targetedSectors: [],
      targetedRegions: [],
    });
  }
  if (isNoneAccepted(batch, rows.length)) {
    throw new InvalidFeedDocument(`${context.source}: not a URLhaus Splunk lookup: none of its ${rows.length} rows names a host (${batch.firstRejection?.reason})`);
  }
  return batch.result({ version });
}

/** Which URLhaus form a payload is, from its first data line. */
export function urlhausForm(payload: string): 'csv' | 'splunk' | 'hosts' {
  const first = payload
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .find((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  if (first === undefined) return 'hosts';
  const split = splitCsvLine(first.trim());
  if (split.ok && split.fields[0] === 'host' && split.fields[1] === 'path') return 'splunk';
  if (first.trim().startsWith('"') || /^\d+,/.test(first.trim()) || (split.ok && split.fields[0] === 'id')) return 'csv';
  return 'hosts';
}

/** Any URLhaus payload: the CSV dump, the Splunk lookup or a host list, told apart by shape. */
export function parseUrlhaus(payload: string, context: ParseContext): ParsedIntel {
  switch (urlhausForm(payload)) {
    case 'csv':
      return parseUrlhausCsv(payload, context);
    case 'splunk':
      return parseUrlhausSplunkLookup(payload, context);
    case 'hosts':
      return parseUrlhausHostList(payload, context);
  }
}
