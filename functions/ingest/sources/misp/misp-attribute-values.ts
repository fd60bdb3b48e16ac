import ipaddr from 'ipaddr.js';
import type { IndicatorType } from '../../../model/indicator.ts';
import { normaliseIndicatorValue, type NormalisedValue } from '../../indicator-values.ts';

/**
 * The indicators a MISP attribute's `type` and `value` stand for. Composite types (`domain|ip`,
 * `filename|sha256`, `ip-dst|port`) split on the last `|`; types that are not indicators (`link`,
 * `comment`, `regkey`, `ssdeep`, ...) stand for none and are left alone.
 */

export interface AttributeIndicator {
  type: IndicatorType;
  value: string;
  /** What the value said beside the indicator itself (`port:443`). */
  tags: string[];
}

export type AttributeValues =
  | { kind: 'indicators'; indicators: AttributeIndicator[] }
  | { kind: 'vulnerabilities'; cveIds: string[] }
  | { kind: 'invalid'; reason: string }
  | { kind: 'not-an-indicator' };

const NOT_AN_INDICATOR: AttributeValues = { kind: 'not-an-indicator' };
const invalid = (reason: string): AttributeValues => ({ kind: 'invalid', reason });

/** An address or CIDR block as `ip-src`/`ip-dst` carry them. */
function normaliseAddress(raw: string): NormalisedValue {
  const text = raw.trim();
  if (text.includes('/')) return normaliseIndicatorValue('cidr', text);
  return normaliseIndicatorValue(text.includes(':') ? 'ipv6' : 'ipv4', text);
}

function isHostName(host: string): boolean {
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return true;
  if (host.startsWith('[') && host.endsWith(']')) return ipaddr.IPv6.isValid(host.slice(1, -1));
  return normaliseIndicatorValue('domain', host).ok;
}

/**
 * MISP's `url` type does not require a scheme, and events are full of `www.whitewall.top:8080/gate`;
 * such a value is read as an `http://` URL when the part before the path is a host name or address.
 * A value whose host is neither (`Data/dtl.dat`, `107.183.86`) is refused rather than guessed at:
 * the URL parser would read `107.183.86` as the address 107.183.0.86.
 */
function normaliseMispUrl(raw: string): NormalisedValue {
  const text = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return normaliseIndicatorValue('url', text);
  const authority = text.split(/[/?#]/, 1)[0] as string;
  const host = authority.replace(/:\d{1,5}$/, '');
  if (!isHostName(host)) return { ok: false, reason: `"${raw}" is not a URL (no scheme, and "${host}" is not a host)` };
  return normaliseIndicatorValue('url', `http://${text}`);
}

function single(normalised: NormalisedValue, tags: string[] = []): AttributeValues {
  return normalised.ok ? { kind: 'indicators', indicators: [{ type: normalised.type, value: normalised.value, tags }] } : invalid(normalised.reason);
}

/** `left|right` at the last `|`, or undefined when there is no `|` or either side is empty. */
function splitComposite(value: string): [string, string] | undefined {
  const at = value.lastIndexOf('|');
  if (at <= 0 || at === value.length - 1) return undefined;
  return [value.slice(0, at), value.slice(at + 1)];
}

function portTag(raw: string): string | undefined {
  const text = raw.trim();
  return /^\d{1,5}$/.test(text) && Number(text) <= 65_535 ? `port:${Number(text)}` : undefined;
}

function withPort(type: string, value: string, normalise: (raw: string) => NormalisedValue): AttributeValues {
  const parts = splitComposite(value);
  if (!parts) return invalid(`"${value}" is not "<${type.split('|')[0]}>|<port>"`);
  const port = portTag(parts[1]);
  if (!port) return invalid(`"${parts[1]}" is not a port number`);
  return single(normalise(parts[0]), [port]);
}

function domainAndAddress(value: string): AttributeValues {
  const parts = splitComposite(value);
  if (!parts) return invalid(`"${value}" is not "<domain>|<ip>"`);
  const domain = normaliseIndicatorValue('domain', parts[0]);
  if (!domain.ok) return invalid(domain.reason);
  const address = normaliseAddress(parts[1]);
  if (!address.ok) return invalid(address.reason);
  return {
    kind: 'indicators',
    indicators: [
      { type: domain.type, value: domain.value, tags: [] },
      { type: address.type, value: address.value, tags: [] },
    ],
  };
}

function fileHash(value: string, hash: IndicatorType): AttributeValues {
  const parts = splitComposite(value);
  if (!parts) return invalid(`"${value}" is not "<filename>|<${hash}>"`);
  return single(normaliseIndicatorValue(hash, parts[1]));
}

const CVE_ID = /\bCVE-\d{4}-\d{4,19}\b/gi;

/** The attribute types this source turns into indicators or vulnerabilities. */
export const INDICATOR_ATTRIBUTE_TYPES = new Set([
  'ip-src',
  'ip-dst',
  'ip-src|port',
  'ip-dst|port',
  'domain',
  'hostname',
  'hostname|port',
  'domain|ip',
  'url',
  'uri',
  'md5',
  'sha1',
  'sha256',
  'filename|md5',
  'filename|sha1',
  'filename|sha256',
  'email',
  'email-src',
  'email-dst',
]);

/** Whether MISP attributes of this type are read at all (indicators and `vulnerability`). */
export const isReadAttributeType = (type: string) => INDICATOR_ATTRIBUTE_TYPES.has(type) || type === 'vulnerability';

/** The indicators (or CVE ids) an attribute of `type` with `value` stands for. */
export function attributeValues(type: string, value: string): AttributeValues {
  switch (type) {
    case 'ip-src':
    case 'ip-dst':
      return single(normaliseAddress(value));
    case 'ip-src|port':
    case 'ip-dst|port':
      return withPort(type, value, normaliseAddress);
    case 'domain':
    case 'hostname':
      return single(normaliseIndicatorValue('domain', value));
    case 'hostname|port':
      return withPort(type, value, (raw) => normaliseIndicatorValue('domain', raw));
    case 'domain|ip':
      return domainAndAddress(value);
    case 'url':
      return single(normaliseMispUrl(value));
    case 'uri': {
      // A `uri` is usually a bare path (`/gate.php`), which is no indicator on its own.
      const url = normaliseIndicatorValue('url', value);
      return url.ok && /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) ? single(url) : NOT_AN_INDICATOR;
    }
    case 'md5':
    case 'sha1':
    case 'sha256':
      return single(normaliseIndicatorValue(type, value));
    case 'filename|md5':
    case 'filename|sha1':
    case 'filename|sha256':
      return fileHash(value, type.slice('filename|'.length) as IndicatorType);
    case 'email':
    case 'email-src':
    case 'email-dst':
      return single(normaliseIndicatorValue('email', value));
    case 'vulnerability': {
      const cveIds = [...new Set([...value.matchAll(CVE_ID)].map((match) => match[0].toUpperCase()))];
      return cveIds.length > 0 ? { kind: 'vulnerabilities', cveIds } : NOT_AN_INDICATOR;
    }
    default:
      return NOT_AN_INDICATOR;
  }
}
