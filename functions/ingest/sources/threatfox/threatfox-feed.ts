import { z } from 'zod';
import type { IndicatorFacts, IndicatorType } from '../../../model/indicator.ts';
import { describeIssues, formatPath } from '../../describe-issues.ts';
import { normaliseIndicatorValue } from '../../indicator-values.ts';
import type { ParseContext, ParsedIntel } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { parseFeedJson } from '../blocklist/feed-json.ts';
import { FeedTimeSchema, OptionalFeedTimeSchema } from '../blocklist/feed-time.ts';
import { IndicatorBatch } from '../blocklist/indicator-batch.ts';
import { parsePlainList, PLAIN_LIST_CONFIDENCE } from '../blocklist/plain-list.ts';

/**
 * abuse.ch ThreatFox in the three forms it is fetched: the JSON export (`/export/json/recent/`, an object
 * of IOC id to a one-element array), the API answer to `get_iocs` (`{ query_status, data: [...] }`) and
 * the plain IP list mirrors publish. `ip:port` IOCs become address indicators tagged `port:N`.
 */

/** Source name of abuse.ch ThreatFox. */
export const THREATFOX_SOURCE = 'threatfox';

/** The IOC types ThreatFox gives that are indicators here; any other is rejected naming `ioc_type`. */
const IOC_TYPES = ['ip:port', 'domain', 'url', 'md5_hash', 'sha1_hash', 'sha256_hash'] as const;
type ThreatFoxIocType = (typeof IOC_TYPES)[number];
const HASH_TYPES: Record<string, IndicatorType> = { md5_hash: 'md5', sha1_hash: 'sha1', sha256_hash: 'sha256' };

const ConfidenceSchema = z
  .union([z.number(), z.string().regex(/^\d{1,3}$/, 'confidence as a number 0-100').transform(Number)])
  .pipe(z.number().int('confidence as a whole number').min(0).max(100));
const OptionalTextSchema = z
  .string()
  .nullish()
  .transform((text) => (text ? text : undefined));
const IocIdSchema = z.union([z.string().regex(/^\d+$/, 'IOC id as digits'), z.number().int().nonnegative().transform(String)]);

/** The fields both forms share, under the names the export gives them. */
const iocFields = {
  ioc_type: z.enum(IOC_TYPES),
  threat_type: OptionalTextSchema,
  malware: OptionalTextSchema,
  malware_printable: OptionalTextSchema,
  confidence_level: ConfidenceSchema,
};

/** One IOC of the JSON export. Fields ThreatFox may add later are allowed. */
export const ThreatFoxExportIocSchema = z.looseObject({
  ...iocFields,
  ioc_value: z.string(),
  first_seen_utc: FeedTimeSchema,
  last_seen_utc: OptionalFeedTimeSchema,
  tags: z.string().nullish(),
});
export type ThreatFoxExportIoc = z.infer<typeof ThreatFoxExportIocSchema>;

/** One IOC of a `get_iocs` answer. */
export const ThreatFoxApiIocSchema = z.looseObject({
  ...iocFields,
  id: IocIdSchema,
  ioc: z.string(),
  first_seen: FeedTimeSchema,
  last_seen: OptionalFeedTimeSchema,
  tags: z.array(z.string()).nullish(),
});
export type ThreatFoxApiIoc = z.infer<typeof ThreatFoxApiIocSchema>;

/** The API envelope; `data` is a message string when there is no result, so it is checked per status. */
export const ThreatFoxApiAnswerSchema = z.looseObject({ query_status: z.string(), data: z.unknown().optional() });

type IocValue = { ok: true; type: IndicatorType; value: string; tags: string[] } | { ok: false; reason: string };

// `1.2.3.4:443` or `[2001:db8::1]:443`.
const ADDRESS_AND_PORT = /^(?:\[([0-9a-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/i;

function addressIndicator(raw: string): IocValue {
  const text = raw.trim();
  const match = ADDRESS_AND_PORT.exec(text);
  if (match) {
    const [, ipv6, ipv4, port] = match;
    if (Number(port) > 65535) return { ok: false, reason: `"${raw}" has port ${port} (65535 at most)` };
    const address = ipv6 !== undefined ? normaliseIndicatorValue('ipv6', ipv6) : normaliseIndicatorValue('ipv4', ipv4 as string);
    return address.ok ? { ...address, tags: [`port:${Number(port)}`] } : address;
  }
  // An address without a port is still the address.
  const address = normaliseIndicatorValue(text.includes(':') ? 'ipv6' : 'ipv4', text);
  return address.ok ? { ...address, tags: [] } : { ok: false, reason: `"${raw}" is not an address:port` };
}

/** The indicator an IOC value of `iocType` is, normalised. */
export function threatFoxIndicatorValue(iocType: ThreatFoxIocType, raw: string): IocValue {
  if (iocType === 'ip:port') return addressIndicator(raw);
  const normalised = normaliseIndicatorValue(iocType === 'domain' || iocType === 'url' ? iocType : (HASH_TYPES[iocType] as IndicatorType), raw);
  return normalised.ok ? { ...normalised, tags: [] } : normalised;
}

const splitTags = (tags: string | null | undefined): string[] => (tags ? tags.split(',') : []);

/** What ThreatFox says of one IOC, in the terms both forms share. */
interface ThreatFoxIoc {
  id: string;
  iocType: ThreatFoxIocType;
  value: string;
  threatType: string | undefined;
  malware: string | undefined;
  malwarePrintable: string | undefined;
  confidence: number;
  firstSeen: string;
  lastSeen: string | undefined;
  tags: string[];
}

function threatFoxFacts(ioc: ThreatFoxIoc, indicator: { type: IndicatorType; value: string; tags: string[] }): IndicatorFacts {
  const tags = [...new Set([...ioc.tags.map((tag) => tag.trim()).filter(Boolean), ...indicator.tags])];
  // ThreatFox files IOCs of no known family under `unknown` ("Unknown malware"): not a family name.
  const malwareFamily = ioc.malware === 'unknown' ? undefined : (ioc.malwarePrintable ?? ioc.malware);
  const facts: IndicatorFacts = {
    type: indicator.type,
    value: indicator.value,
    firstSeen: ioc.firstSeen,
    confidence: ioc.confidence,
    tags,
    campaigns: [],
    targetedSectors: [],
    targetedRegions: [],
    // The IOC's page on ThreatFox; the `reference` field is the reporter's own link, not always given.
    reference: `https://threatfox.abuse.ch/ioc/${ioc.id}/`,
    sourceRecordId: `${THREATFOX_SOURCE}:${ioc.id}`,
  };
  if (ioc.lastSeen !== undefined) facts.lastSeen = ioc.lastSeen;
  if (malwareFamily !== undefined) facts.malwareFamily = malwareFamily;
  if (ioc.threatType !== undefined) facts.threatType = ioc.threatType;
  return facts;
}

function addIoc(batch: IndicatorBatch, ioc: ThreatFoxIoc, position: string, valueField: string, raw: unknown): void {
  const indicator = threatFoxIndicatorValue(ioc.iocType, ioc.value);
  if (!indicator.ok) {
    batch.reject(position, ioc.id, `${position}.${valueField}: ${indicator.reason}`, raw);
    return;
  }
  batch.add(threatFoxFacts(ioc, indicator));
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function exportIntel(document: unknown, context: ParseContext): ParsedIntel {
  if (!isRecord(document)) throw new InvalidFeedDocument(`${context.source}: not a ThreatFox export: expected an object of IOC id to IOC records`);
  const batch = new IndicatorBatch();
  for (const [id, records] of Object.entries(document)) {
    const position = formatPath([id]);
    if (!/^\d+$/.test(id)) {
      batch.reject(position, id.slice(0, 100), `${position}: IOC id as digits`, records);
      continue;
    }
    if (!Array.isArray(records)) {
      batch.reject(position, id, `${position}: expected an array of IOC records`, records);
      continue;
    }
    records.forEach((raw: unknown, index) => {
      const recordPosition = formatPath([id, index]);
      const parsed = ThreatFoxExportIocSchema.safeParse(raw);
      if (!parsed.success) {
        batch.reject(recordPosition, id, describeIssues(parsed.error.issues, recordPosition).join('; '), raw);
        return;
      }
      const ioc = parsed.data;
      const entry: ThreatFoxIoc = {
        id,
        iocType: ioc.ioc_type,
        value: ioc.ioc_value,
        threatType: ioc.threat_type,
        malware: ioc.malware,
        malwarePrintable: ioc.malware_printable,
        confidence: ioc.confidence_level,
        firstSeen: ioc.first_seen_utc,
        lastSeen: ioc.last_seen_utc,
        tags: splitTags(ioc.tags),
      };
      addIoc(batch, entry, recordPosition, 'ioc_value', raw);
    });
  }
  return batch.result();
}

function apiAnswerIntel(document: unknown, context: ParseContext): ParsedIntel {
  const envelope = ThreatFoxApiAnswerSchema.safeParse(document);
  if (!envelope.success) {
    throw new InvalidFeedDocument(`${context.source}: not a ThreatFox API answer: ${describeIssues(envelope.error.issues).join('; ')}`);
  }
  const { query_status: status, data } = envelope.data;
  if (status === 'no_result') return { drafts: [], rejected: [] };
  if (status !== 'ok') throw new InvalidFeedDocument(`${context.source}: the ThreatFox API answered query_status "${status.slice(0, 100)}"`);
  if (!Array.isArray(data)) throw new InvalidFeedDocument(`${context.source}: a ThreatFox API answer with status ok but no data array`);
  const batch = new IndicatorBatch();
  data.forEach((raw: unknown, index) => {
    const position = `data[${index}]`;
    const parsed = ThreatFoxApiIocSchema.safeParse(raw);
    if (!parsed.success) {
      const rawId = isRecord(raw) ? raw.id : undefined;
      const record = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : undefined;
      batch.reject(position, record, describeIssues(parsed.error.issues, position).join('; '), raw);
      return;
    }
    const ioc = parsed.data;
    const entry: ThreatFoxIoc = {
      id: ioc.id,
      iocType: ioc.ioc_type,
      value: ioc.ioc,
      threatType: ioc.threat_type,
      malware: ioc.malware,
      malwarePrintable: ioc.malware_printable,
      confidence: ioc.confidence_level,
      firstSeen: ioc.first_seen,
      lastSeen: ioc.last_seen,
      tags: ioc.tags ?? [],
    };
    addIoc(batch, entry, position, 'ioc', raw);
  });
  return batch.result();
}

/** The JSON export: IOC id to an array of (one) IOC record. */
export function parseThreatFoxExport(payload: string, context: ParseContext): ParsedIntel {
  return exportIntel(parseFeedJson(payload, context.source), context);
}

/**
 * The answer to `get_iocs`: `ok` with its IOCs, `no_result` as an empty batch; any other status
 * (`illegal_search_term`, `unknown_auth_key`, ...) throws InvalidFeedDocument naming it.
 */
export function parseThreatFoxApiAnswer(payload: string, context: ParseContext): ParsedIntel {
  return apiAnswerIntel(parseFeedJson(payload, context.source), context);
}

/**
 * The plain IP list: addresses only, no family or confidence per entry. It holds every ThreatFox IP IOC
 * whatever its confidence, so it gets the plain list's even chance.
 */
export function parseThreatFoxIpList(payload: string, context: ParseContext): ParsedIntel {
  return parsePlainList(payload, context, { confidence: PLAIN_LIST_CONFIDENCE });
}

/** Any ThreatFox payload: the JSON export, a `get_iocs` answer or the plain IP list, told apart by shape. */
export function parseThreatFox(payload: string, context: ParseContext): ParsedIntel {
  const text = payload.trimStart();
  if (!text.startsWith('{') && !text.startsWith('[')) return parseThreatFoxIpList(payload, context);
  const document = parseFeedJson(text, context.source);
  if (isRecord(document) && 'query_status' in document) return apiAnswerIntel(document, context);
  return exportIntel(document, context);
}
