/**
 * Synthetic Feodo Tracker block lists in the real `ipblocklist.json` format. Addresses come from the
 * benchmarking range 198.18.0.0/15; families, ports and networks are the kinds Feodo lists.
 */

const FAMILIES = ['Emotet', 'QakBot', 'Dridex', 'TrickBot', 'BazarLoader'] as const;
const PORTS = [443, 8080, 2222, 995, 7080] as const;
const NETWORKS = [
  { as_number: 14061, as_name: 'DIGITALOCEAN-ASN', country: 'US' },
  { as_number: 16276, as_name: 'OVH', country: 'FR' },
  { as_number: 24940, as_name: 'HETZNER-AS', country: 'DE' },
] as const;

export const feodoAddress = (n: number) => `198.19.${((n + 1) >> 8) & 255}.${(n + 1) & 255}`;

/** The n-th entry: every third offline (last online a day before), every fourth with a hostname. */
export function feodoEntry(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const offline = n % 3 === 2;
  return {
    ip_address: feodoAddress(n),
    port: PORTS[n % PORTS.length],
    status: offline ? 'offline' : 'online',
    hostname: n % 4 === 0 ? `c2-${n}.malware-host.test` : null,
    ...NETWORKS[n % NETWORKS.length],
    first_seen: new Date(Date.UTC(2025, 5, 1) + n * 60_000).toISOString().slice(0, 19).replace('T', ' '),
    last_online: offline ? '2025-07-18' : '2025-07-19',
    malware: FAMILIES[n % FAMILIES.length],
    ...overrides,
  };
}

export function feodoDocument(options: { count: number }): Array<Record<string, unknown>> {
  return Array.from({ length: options.count }, (_, n) => feodoEntry(n));
}

/** `https://feodotracker.abuse.ch/downloads/ipblocklist.json` with `count` C2 servers. */
export function feodoJson(options: { count: number } | { entries: readonly unknown[] }): string {
  return JSON.stringify('entries' in options ? options.entries : feodoDocument(options), null, 4);
}

/** `ipblocklist.txt`: abuse.ch's boxed banner, then one address a line. */
export function feodoBlocklistText(addresses: readonly string[]): string {
  return [
    '################################################################',
    '# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (recommended)   #',
    '# Last updated: 2025-07-19 12:11:28 UTC                        #',
    '#                                                              #',
    '# For questions please contact feodotracker [at] abuse.ch       #',
    '################################################################',
    '#',
    '# DstIP',
    ...addresses,
    `# END (${addresses.length} entries)`,
  ].join('\n');
}
