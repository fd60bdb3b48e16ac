import type { IndicatorFacts } from '../../../model/indicator.ts';
import { detectIndicator } from '../../indicator-values.ts';
import type { ParseContext, ParsedIntel } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { utcTimestamp } from './feed-time.ts';
import { IndicatorBatch } from './indicator-batch.ts';

/**
 * Plain block lists: one address, CIDR block, domain, URL or hash a line, as abuse.ch's `ipblocklist.txt`,
 * FireHOL `.ipset` files, urlhaus-filter's domain lists and hosts files (`0.0.0.0 example.com`) give them.
 * `#` and `;` start comments (whole lines, or after a space: Spamhaus writes `1.2.3.0/24 ; SBL123`).
 */

/** Source name of a plain list registered without a source of its own. */
export const BLOCKLIST_SOURCE = 'blocklist';

/**
 * A plain list says nothing of how sure it is about an entry, nor why the entry is there: an even chance
 * until a source that knows its list better (Feodo, URLhaus) says otherwise.
 */
export const PLAIN_LIST_CONFIDENCE = 50;

const HOSTS_FILE_LINE = /^(?:0\.0\.0\.0|127\.0\.0\.1|::1?)\s+(\S+)$/;
// The preamble every hosts file carries; these name the machine itself, never a threat.
const HOSTS_FILE_SELF = new Set(['localhost', 'localhost.localdomain', 'local', 'broadcasthost', 'ip6-localhost', 'ip6-loopback', '0.0.0.0']);
const INLINE_COMMENT = /\s[#;].*$/;
const ADDRESS_WITH_PORT = /^\d{1,3}(?:\.\d{1,3}){3}:(\d{1,5})$/;
const ENTRIES_HEADER = /^#\s*Entries\s*:\s*(\d+)/i;
const DATE_HEADER = /^#\s*(?:Last updated|Updated|Source File Date)\s*:\s*(.*?)[\s#]*$/i;
const EXPLICIT_ZONE = /\b(?:UTC|GMT)\b|Z$|[+-]\d{2}:?\d{2}$/;

type LineValue = { kind: 'none' } | { kind: 'value'; text: string } | { kind: 'bad'; reason: string };

/** What one line holds once comments and a hosts-file address are taken off. */
export function plainListLineValue(line: string): LineValue {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return { kind: 'none' };
  const text = trimmed.replace(INLINE_COMMENT, '');
  const hostsEntry = HOSTS_FILE_LINE.exec(text);
  if (hostsEntry) {
    const host = (hostsEntry[1] as string).toLowerCase();
    return HOSTS_FILE_SELF.has(host) ? { kind: 'none' } : { kind: 'value', text: host };
  }
  if (/\s/.test(text)) return { kind: 'bad', reason: `expected one value, found "${text.length > 200 ? `${text.slice(0, 200)}...` : text}"` };
  return { kind: 'value', text };
}

/** A header time (`# Updated: 2025-07-19T12:11:28Z`, FireHOL's `Fri Dec  9 11:28:08 UTC 2016`) as ISO 8601. */
function headerTime(text: string): string {
  const withoutZoneNote = text.replace(/\s*\(UTC\)$/i, '');
  const iso = utcTimestamp(withoutZoneNote);
  if (iso !== undefined) return iso;
  // Only a time that names its zone is converted; anything else is kept as the source wrote it.
  const parsed = EXPLICIT_ZONE.test(withoutZoneNote) ? Date.parse(withoutZoneNote) : Number.NaN;
  return Number.isNaN(parsed) ? text : new Date(parsed).toISOString();
}

interface ListHeader {
  entries?: number;
  version?: string;
}

/** The date a comment line gives the list (`# Updated: ...`, `# Last updated: ...`), as its version. */
export function listHeaderVersion(commentLine: string): string | undefined {
  const date = DATE_HEADER.exec(commentLine.trim());
  return date?.[1] ? headerTime(date[1]) : undefined;
}

function readHeader(commentLine: string, header: ListHeader): void {
  const entries = ENTRIES_HEADER.exec(commentLine);
  if (entries && header.entries === undefined) header.entries = Number(entries[1]);
  header.version ??= listHeaderVersion(commentLine);
}

/**
 * Parses a plain list into indicator drafts; `defaults` (confidence, threat type, family, tags) apply to
 * every entry, and `firstSeen` is the ingest time unless the defaults give one. An `address:port` entry
 * is the address, tagged `port:N`. Lines that are no indicator are rejected as `line N`; repeats merge.
 * The list is `complete` when a FireHOL `# Entries : N` header agrees with what was read. Throws
 * InvalidFeedDocument for an HTML page or a payload in which no line is an indicator.
 */
export function parsePlainList(payload: string, context: ParseContext, defaults: Partial<IndicatorFacts> = {}): ParsedIntel {
  const text = payload.replace(/^\uFEFF/, '');
  if (text.trimStart().startsWith('<')) throw new InvalidFeedDocument(`${context.source}: an HTML or XML page, not a plain list`);
  const batch = new IndicatorBatch();
  const header: ListHeader = {};
  let valueLines = 0;
  text.split(/\r?\n/).forEach((line, index) => {
    const position = `line ${index + 1}`;
    if (line.trimStart().startsWith('#')) readHeader(line.trim(), header);
    const value = plainListLineValue(line);
    if (value.kind === 'none') return;
    valueLines += 1;
    if (value.kind === 'bad') {
      batch.reject(position, undefined, `${position}: ${value.reason}`, line);
      return;
    }
    const detected = detectIndicator(value.text);
    if (!detected.ok) {
      batch.reject(position, undefined, `${position}: ${detected.reason}`, line);
      return;
    }
    const port = ADDRESS_WITH_PORT.exec(value.text)?.[1];
    batch.add({
      confidence: PLAIN_LIST_CONFIDENCE,
      firstSeen: context.now,
      campaigns: [],
      targetedSectors: [],
      targetedRegions: [],
      ...defaults,
      type: detected.type,
      value: detected.value,
      tags: port === undefined ? [...(defaults.tags ?? [])] : [...(defaults.tags ?? []), `port:${port}`],
    });
  });
  if (valueLines > 0 && batch.draftCount === 0) {
    const first = batch.firstRejection;
    throw new InvalidFeedDocument(`${context.source}: not a plain list: none of its ${valueLines} entries is an indicator (${first?.reason ?? 'no reason'})`);
  }
  const complete = header.entries !== undefined && batch.rejectedCount === 0 && batch.draftCount === header.entries;
  return batch.result({ complete, version: header.version });
}

/** A plain list from a source that says nothing more of it: confidence PLAIN_LIST_CONFIDENCE. */
export function parseBlocklist(payload: string, context: ParseContext): ParsedIntel {
  return parsePlainList(payload, context);
}
