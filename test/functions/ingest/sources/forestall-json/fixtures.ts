import type { ForestallIntelDocument } from '../../../../../functions/ingest/sources/forestall-json/forestall-json-source.ts';

/**
 * Synthetic forestall `intel/1` documents, as a SIEM rule or a sandbox would push them: addresses from
 * the documentation ranges, example.com names, made-up hashes and campaigns; the one CVE is Citrix Bleed.
 */

export const SAMPLE_SHA256 = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855';

/** One indicator of each kind the format reads, spelt as senders spell them (upper case, /32, TLP: prefix). */
export function forestallIntel(): ForestallIntelDocument {
  return {
    forestall: 'intel/1',
    indicators: [
      {
        type: 'ipv4',
        value: '203.0.113.10',
        confidence: 80,
        validFrom: '2025-08-01T00:00:00Z',
        validUntil: '2026-08-01T00:00:00+02:00',
        tags: ['c2', 'c2', 'sandbox'],
        malwareFamily: 'NightOwl',
        campaigns: ['Operation Quiet Harbour'],
        tlp: 'TLP:AMBER',
        sourceRecordId: 'sandbox-run-4711',
      },
      { type: 'domain', value: 'Beacon.Example.NET.', threatType: 'botnet_cc', targetedSectors: ['financial-services'], targetedRegions: ['europe'] },
      { type: 'url', value: 'HTTPS://Drop.Example.com/Payload.bin', reference: 'https://intel.example.org/reports/17' },
      { type: 'sha256', value: SAMPLE_SHA256, firstSeen: '2025-07-30T12:00:00.5Z', lastSeen: '2025-08-20T08:00:00Z' },
      { type: 'ipv6', value: '2001:DB8:0:0:0:0:0:1' },
      { type: 'cidr', value: '198.51.100.77/24' },
      { type: 'cidr', value: '192.0.2.9/32' },
      { type: 'email', value: 'Phish@Example.org' },
    ],
    vulnerabilities: [
      { id: 'CVE-2023-4966', title: 'Citrix Bleed', exploited: true, notes: 'Sessions hijacked at the edge.' },
      { id: 'cve-2099-10001' },
    ],
  };
}

export const forestallIntelText = (document: unknown = forestallIntel()): string => JSON.stringify(document);
