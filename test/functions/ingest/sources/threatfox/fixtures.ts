import { createHash } from 'node:crypto';

/**
 * Synthetic ThreatFox documents in the real export and API formats. Addresses come from the benchmarking
 * range 198.18.0.0/15, domains end in `.test`, hashes are digests of `synthetic-<n>`: nothing here is a
 * real indicator. The families and their Malpedia names are ThreatFox's own.
 */

export const IOC_TYPES = ['ip:port', 'domain', 'url', 'sha256_hash', 'md5_hash', 'sha1_hash'] as const;
export type FixtureIocType = (typeof IOC_TYPES)[number];

const FAMILIES = [
  { malware: 'win.cobalt_strike', printable: 'Cobalt Strike', alias: 'Agentemis,BEACON,CobaltStrike,cobeacon' },
  { malware: 'win.asyncrat', printable: 'AsyncRAT', alias: null },
  { malware: 'elf.mirai', printable: 'Mirai', alias: null },
  { malware: 'win.remcos', printable: 'Remcos', alias: 'RemcosRAT,Remvio,Socmer' },
  { malware: 'unknown', printable: 'Unknown malware', alias: null },
] as const;
const PORTS = [443, 8080, 2404, 80] as const;
const CONFIDENCES = [100, 75, 50] as const;
/** 2025-07-19 00:00:00 UTC, the day of the real feeds in the reference data. */
const FIRST_SEEN_BASE = Date.UTC(2025, 6, 19);

export const FIRST_IOC_ID = 1_500_000;

/** `2025-07-19 00:00:07` for the n-th IOC (abuse.ch's format, UTC without a zone). */
export function abuseChTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

export const syntheticAddress = (n: number) => `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
const digest = (algorithm: string, n: number) => createHash(algorithm).update(`synthetic-${n}`).digest('hex');

/** The IOC value of the n-th fixture IOC of a type. */
export function syntheticIocValue(type: FixtureIocType, n: number): string {
  switch (type) {
    case 'ip:port':
      return `${syntheticAddress(n + 1)}:${PORTS[n % PORTS.length]}`;
    case 'domain':
      return `cdn-${n}.malware-c2.test`;
    case 'url':
      return `https://payload-${n}.malware-c2.test/bins/x86?id=${n}`;
    case 'sha256_hash':
      return digest('sha256', n);
    case 'md5_hash':
      return digest('md5', n);
    case 'sha1_hash':
      return digest('sha1', n);
  }
}

/** The n-th record of the JSON export, as ThreatFox writes it. */
export function threatfoxExportIoc(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const type = IOC_TYPES[n % IOC_TYPES.length] as FixtureIocType;
  const family = FAMILIES[n % FAMILIES.length]!;
  return {
    ioc_value: syntheticIocValue(type, n),
    ioc_type: type,
    threat_type: type.endsWith('_hash') ? 'payload' : type === 'url' ? 'payload_delivery' : 'botnet_cc',
    malware: family.malware,
    malware_alias: family.alias,
    malware_printable: family.printable,
    first_seen_utc: abuseChTime(FIRST_SEEN_BASE + n * 1000),
    last_seen_utc: n % 2 === 0 ? null : abuseChTime(FIRST_SEEN_BASE + n * 1000 + 3_600_000),
    confidence_level: CONFIDENCES[n % CONFIDENCES.length],
    reference: n % 3 === 0 ? null : `https://bazaar.abuse.ch/sample/${digest('sha256', n)}/`,
    tags: n % 4 === 0 ? null : `${family.printable.replace(/ /g, '')},c2`,
    anonymous: '0',
    reporter: 'abuse_ch',
    ...overrides,
  };
}

/** The export document: IOC id to a one-element array. */
export function threatfoxExportDocument(options: { count: number; first?: number }): Record<string, unknown[]> {
  const first = options.first ?? 0;
  const document: Record<string, unknown[]> = {};
  for (let n = first; n < first + options.count; n += 1) document[String(FIRST_IOC_ID + n)] = [threatfoxExportIoc(n)];
  return document;
}

/** `https://threatfox.abuse.ch/export/json/recent/` with `count` IOCs. */
export function threatfoxExport(options: { count: number; first?: number }): string {
  return JSON.stringify(threatfoxExportDocument(options), null, 1);
}

/** The n-th IOC of a `get_iocs` answer (`first_seen` with ` UTC`, tags as an array). */
export function threatfoxApiIoc(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const record = threatfoxExportIoc(n);
  return {
    id: String(FIRST_IOC_ID + n),
    ioc: record.ioc_value,
    threat_type: record.threat_type,
    threat_type_desc: 'Indicator that identifies a botnet command&control server (C&C)',
    ioc_type: record.ioc_type,
    ioc_type_desc: 'ip:port combination that is used for botnet Command&control (C&C)',
    malware: record.malware,
    malware_printable: record.malware_printable,
    malware_alias: record.malware_alias,
    malware_malpedia: `https://malpedia.caad.fkie.fraunhofer.de/details/${String(record.malware)}`,
    confidence_level: record.confidence_level,
    first_seen: `${String(record.first_seen_utc)} UTC`,
    last_seen: record.last_seen_utc === null ? null : `${String(record.last_seen_utc)} UTC`,
    reference: record.reference,
    reporter: 'abuse_ch',
    tags: typeof record.tags === 'string' ? record.tags.split(',') : null,
    ...overrides,
  };
}

export function threatfoxApiAnswerDocument(options: { count: number; status?: string }): Record<string, unknown> {
  const status = options.status ?? 'ok';
  if (status !== 'ok') return { query_status: status, data: 'Your search did not yield any results' };
  return { query_status: 'ok', data: Array.from({ length: options.count }, (_, n) => threatfoxApiIoc(n)) };
}

/** The answer to `{"query":"get_iocs","days":1}`. */
export function threatfoxApiAnswer(options: { count: number; status?: string }): string {
  return JSON.stringify(threatfoxApiAnswerDocument(options));
}

/** The plain IP list mirrors publish: one address a line, optionally a `#` banner. */
export function threatfoxIpList(addresses: readonly string[], banner = false): string {
  const head = banner ? '# ThreatFox IOCs: IP addresses\n# Generated 2025-07-19 12:00:00 UTC\n' : '';
  return `${head}${addresses.join('\n')}`;
}
