import { z } from 'zod';
import type { IndicatorFacts } from '../../../model/indicator.ts';
import { describeIssues, formatPath } from '../../describe-issues.ts';
import { normaliseIndicatorValue } from '../../indicator-values.ts';
import type { ParseContext, ParsedIntel } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { parseFeedJson } from '../blocklist/feed-json.ts';
import { FeedTimeSchema, OptionalFeedTimeSchema } from '../blocklist/feed-time.ts';
import { IndicatorBatch, OFFLINE_TAG } from '../blocklist/indicator-batch.ts';
import { parsePlainList } from '../blocklist/plain-list.ts';

/**
 * abuse.ch Feodo Tracker: botnet C2 servers (Emotet, QakBot, Dridex, ...) as `ipblocklist.json` or as the
 * plain `ipblocklist.txt` and its FireHOL `.ipset` mirrors. One address may be listed once per C2 port;
 * the rows merge into one indicator tagged with every port.
 */

/** Source name of abuse.ch Feodo Tracker. */
export const FEODO_SOURCE = 'feodo';

/**
 * Feodo Tracker lists an address only after it answered as a botnet C2 and curates the list by hand:
 * the surest of the abuse.ch feeds.
 */
export const FEODO_CONFIDENCE = 90;

const FEODO_THREAT_TYPE = 'botnet_cc';

const OptionalTextSchema = z
  .string()
  .nullish()
  .transform((text) => (text ? text : undefined));

/** One entry of `ipblocklist.json`. Fields Feodo may add later are allowed. */
export const FeodoEntrySchema = z.looseObject({
  ip_address: z.string(),
  port: z.number().int().min(0).max(65535).nullish(),
  status: OptionalTextSchema,
  hostname: OptionalTextSchema,
  as_number: z.number().int().nonnegative().nullish(),
  as_name: OptionalTextSchema,
  country: OptionalTextSchema,
  first_seen: FeedTimeSchema,
  last_online: OptionalFeedTimeSchema,
  malware: OptionalTextSchema,
});
export type FeodoEntry = z.infer<typeof FeodoEntrySchema>;

function feodoTags(entry: FeodoEntry): string[] {
  const tags: string[] = [];
  if (entry.port != null) tags.push(`port:${entry.port}`);
  // Feodo keeps C2 servers that stopped answering on its list for a while; block lists can tell them apart.
  if (entry.status === 'offline') tags.push(OFFLINE_TAG);
  if (entry.as_number != null) tags.push(`asn:${entry.as_number}`);
  if (entry.country !== undefined) tags.push(`country:${entry.country}`);
  return tags;
}

function feodoFacts(entry: FeodoEntry, type: 'ipv4' | 'ipv6', value: string): IndicatorFacts {
  const facts: IndicatorFacts = {
    type,
    value,
    firstSeen: entry.first_seen,
    confidence: FEODO_CONFIDENCE,
    threatType: FEODO_THREAT_TYPE,
    tags: feodoTags(entry),
    campaigns: [],
    targetedSectors: [],
    targetedRegions: [],
    reference: `https://feodotracker.abuse.ch/browse/host/${value}/`,
    // Feodo has no record ids of its own: it files each C2 server under its address.
    sourceRecordId: `${FEODO_SOURCE}:${value}`,
  };
  if (entry.last_online !== undefined) facts.lastSeen = entry.last_online;
  if (entry.malware !== undefined) facts.malwareFamily = entry.malware;
  return facts;
}

/** `ipblocklist.json`: an array of C2 servers, checked one by one. */
export function parseFeodoJson(payload: string, context: ParseContext): ParsedIntel {
  const document = parseFeedJson(payload, context.source);
  if (!Array.isArray(document)) throw new InvalidFeedDocument(`${context.source}: not a Feodo Tracker block list: expected an array of C2 entries`);
  const batch = new IndicatorBatch();
  document.forEach((raw: unknown, index) => {
    const position = formatPath([index]);
    const parsed = FeodoEntrySchema.safeParse(raw);
    if (!parsed.success) {
      const address = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).ip_address : undefined;
      batch.reject(position, typeof address === 'string' && address ? address.slice(0, 100) : undefined, describeIssues(parsed.error.issues, position).join('; '), raw);
      return;
    }
    const rawAddress = parsed.data.ip_address;
    const address = normaliseIndicatorValue(rawAddress.includes(':') ? 'ipv6' : 'ipv4', rawAddress);
    if (!address.ok || (address.type !== 'ipv4' && address.type !== 'ipv6')) {
      batch.reject(position, rawAddress.slice(0, 100), `${position}.ip_address: ${address.ok ? `"${rawAddress}" is not an address` : address.reason}`, raw);
      return;
    }
    batch.add(feodoFacts(parsed.data, address.type, address.value));
  });
  return batch.result();
}

/** `ipblocklist.txt` or a FireHOL `.ipset` of it: addresses and CIDR blocks, Feodo's confidence. */
export function parseFeodoPlainList(payload: string, context: ParseContext): ParsedIntel {
  return parsePlainList(payload, context, { confidence: FEODO_CONFIDENCE, threatType: FEODO_THREAT_TYPE });
}

/** Any Feodo Tracker payload: the JSON block list or a plain one, told apart by shape. */
export function parseFeodo(payload: string, context: ParseContext): ParsedIntel {
  const text = payload.trimStart();
  return text.startsWith('[') || text.startsWith('{') ? parseFeodoJson(text, context) : parseFeodoPlainList(payload, context);
}
