import ipaddr from 'ipaddr.js';
import type { IndicatorType } from '../model/indicator.ts';

/**
 * One normal form per indicator value, so the same address or domain from two sources is one record:
 * addresses in canonical text (IPv6 compressed, lower case), domains lower case without a trailing dot,
 * hashes lower-case hex of the right length, URLs with a lower-case scheme and host.
 */

export type NormalisedValue = { ok: true; type: IndicatorType; value: string } | { ok: false; reason: string };

const HASH_LENGTHS: Partial<Record<IndicatorType, number>> = { md5: 32, sha1: 40, sha256: 64 };
// RFC 1035 labels (with underscores, which real malware domains use), at least two labels, a letter in the TLD.
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const EMAIL = /^[^\s@<>()[\],;:"]{1,64}@([^\s@]+)$/;

const fail = (reason: string): NormalisedValue => ({ ok: false, reason });

function normaliseIp(raw: string, type: 'ipv4' | 'ipv6'): NormalisedValue {
  if (type === 'ipv4' ? !ipaddr.IPv4.isValidFourPartDecimal(raw) : !ipaddr.IPv6.isValid(raw)) {
    return fail(`"${raw}" is not an ${type === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
  }
  const parsed = ipaddr.parse(raw);
  // An IPv4-mapped IPv6 address is the IPv4 address.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return { ok: true, type: 'ipv4', value: (parsed as ipaddr.IPv6).toIPv4Address().toString() };
  }
  return { ok: true, type, value: parsed.toString() };
}

function normaliseCidr(raw: string): NormalisedValue {
  try {
    const [address, bits] = ipaddr.parseCIDR(raw);
    const max = address.kind() === 'ipv4' ? 32 : 128;
    // A /32 (or /128) is a single address.
    if (bits === max) return { ok: true, type: address.kind() === 'ipv4' ? 'ipv4' : 'ipv6', value: address.toString() };
    const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(raw) : ipaddr.IPv6.networkAddressFromCIDR(raw);
    return { ok: true, type: 'cidr', value: `${network.toString()}/${bits}` };
  } catch {
    return fail(`"${raw}" is not a CIDR block`);
  }
}

function normaliseDomain(raw: string): NormalisedValue {
  const value = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN.test(value)) return fail(`"${raw}" is not a domain name`);
  return { ok: true, type: 'domain', value };
}

function normaliseUrl(raw: string): NormalisedValue {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return fail(`"${raw}" is not a URL`);
  }
  if (!url.hostname) return fail(`"${raw}" is a URL without a host`);
  // URL() already lower-cases scheme and host and drops default ports; the path keeps its case.
  return { ok: true, type: 'url', value: url.toString() };
}

/** Normalises `raw` as an indicator of `type`, or says why it is not one. */
export function normaliseIndicatorValue(type: IndicatorType, raw: string): NormalisedValue {
  const trimmed = raw.trim();
  if (trimmed.length === 0) return fail('empty value');
  if (trimmed.length > 4096) return fail(`value of ${trimmed.length} characters (4096 at most)`);
  switch (type) {
    case 'ipv4':
    case 'ipv6':
      return normaliseIp(trimmed, type);
    case 'cidr':
      return normaliseCidr(trimmed);
    case 'domain':
      return normaliseDomain(trimmed);
    case 'url':
      return normaliseUrl(trimmed);
    case 'email': {
      const value = trimmed.toLowerCase();
      const match = EMAIL.exec(value);
      if (!match || !DOMAIN.test(match[1] as string)) return fail(`"${raw}" is not an e-mail address`);
      return { ok: true, type, value };
    }
    case 'md5':
    case 'sha1':
    case 'sha256': {
      const value = trimmed.toLowerCase();
      const length = HASH_LENGTHS[type] as number;
      if (!new RegExp(`^[0-9a-f]{${length}}$`).test(value)) return fail(`"${raw}" is not a ${type} hash (${length} hex digits)`);
      return { ok: true, type, value };
    }
  }
}

/**
 * For plain lists that do not say what each line is (block lists, `ip:port` exports): an address,
 * a CIDR block, a URL, a hash or a domain, decided from the text. `1.2.3.4:443` is the address.
 */
export function detectIndicator(raw: string): NormalisedValue {
  const text = raw.trim();
  if (text.length === 0) return fail('empty value');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return normaliseUrl(text);
  if (text.includes('/')) return normaliseCidr(text);
  const hostPort = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text);
  if (hostPort) return normaliseIp(hostPort[1] as string, 'ipv4');
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return normaliseIp(text, 'ipv4');
  if (ipaddr.IPv6.isValid(text)) return normaliseIp(text, 'ipv6');
  if (/^[0-9a-f]{64}$/i.test(text)) return normaliseIndicatorValue('sha256', text);
  if (/^[0-9a-f]{40}$/i.test(text)) return normaliseIndicatorValue('sha1', text);
  if (/^[0-9a-f]{32}$/i.test(text)) return normaliseIndicatorValue('md5', text);
  if (text.includes('@')) return normaliseIndicatorValue('email', text);
  return normaliseDomain(text);
}
