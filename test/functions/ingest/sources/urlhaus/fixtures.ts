/**
 * Synthetic URLhaus documents in the real formats: the CSV dump with abuse.ch's banner (its column header
 * is a `#` comment), urlhaus-filter's domain list and Splunk lookup. Hosts are `.test` names and
 * benchmarking-range addresses; ids start far above URLhaus's real ones.
 */

export const FIRST_URL_ID = 9_000_000;

const TAGS = ['elf,mirai,ua-wget', 'exe,AsyncRAT', '32-bit,elf,mips,Mozi', '', 'doc,emotet,heodo'] as const;
const PATHS = ['/bins/mirai.arm7', '/x86_64', '/i', '/wp-content/uploads/invoice.doc', '/Mozi.m'] as const;

/** `"a","b"`: every field quoted, quotes doubled, as abuse.ch writes its CSV. */
export const csvLine = (fields: readonly string[]) => fields.map((field) => `"${field.replace(/"/g, '""')}"`).join(',');

export const syntheticUrl = (n: number) => (n % 3 === 0 ? `http://198.18.${(n >> 8) & 255}.${n & 255}:${8000 + (n % 1000)}${PATHS[n % PATHS.length]}` : `https://dl-${n}.malware-host.test${PATHS[n % PATHS.length]}`);

const time = (n: number, hours = 0) => new Date(Date.UTC(2025, 6, 19, hours) + n * 1000).toISOString().slice(0, 19).replace('T', ' ');

export type UrlhausRow = Record<'id' | 'dateadded' | 'url' | 'url_status' | 'last_online' | 'threat' | 'tags' | 'urlhaus_link' | 'reporter', string>;

/** The n-th row of the dump: every fifth URL offline, online ones last seen an hour after being added. */
export function urlhausRow(n: number, overrides: Partial<UrlhausRow> = {}): UrlhausRow {
  const id = String(FIRST_URL_ID + n);
  const offline = n % 5 === 4;
  return {
    id,
    dateadded: time(n),
    url: syntheticUrl(n),
    url_status: offline ? 'offline' : 'online',
    last_online: offline ? '' : time(n, 1),
    threat: 'malware_download',
    tags: TAGS[n % TAGS.length] as string,
    urlhaus_link: `https://urlhaus.abuse.ch/url/${id}/`,
    reporter: n % 2 === 0 ? 'abuse_ch' : 'geenensp',
    ...overrides,
  };
}

const COLUMNS = ['id', 'dateadded', 'url', 'url_status', 'last_online', 'threat', 'tags', 'urlhaus_link', 'reporter'] as const;
export const rowLine = (row: UrlhausRow) => csvLine(COLUMNS.map((column) => row[column]));

/** `https://urlhaus.abuse.ch/downloads/csv_recent/`: banner, commented header, one quoted row a line. */
export function urlhausCsv(options: { count?: number; rows?: readonly UrlhausRow[]; headerRow?: boolean } = {}): string {
  const rows = options.rows ?? Array.from({ length: options.count ?? 10 }, (_, n) => urlhausRow(n));
  const banner = [
    '################################################################',
    '# abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #',
    '# Last updated: 2025-07-19 12:05:04 (UTC)                      #',
    '#                                                              #',
    '# Terms Of Use: https://urlhaus.abuse.ch/api/                  #',
    '# For questions please contact urlhaus [at] abuse.ch           #',
    '################################################################',
    '#',
    options.headerRow ? '#' : `# ${COLUMNS.join(',')}`,
  ];
  const header = options.headerRow ? [csvLine(COLUMNS)] : [];
  return `${[...banner, ...header, ...rows.map(rowLine)].join('\r\n')}\r\n`;
}

const FILTER_BANNER = (title: string) => [
  `# Title: ${title}`,
  '# Updated: 2025-07-19T12:11:28Z',
  '# Expires: 12 hours (update frequency)',
  '# Homepage: https://gitlab.com/malware-filter/urlhaus-filter',
  '# Source: https://urlhaus.abuse.ch/api/',
];

/** urlhaus-filter's domain list: one host (domain or address) a line. */
export function urlhausHostList(hosts: readonly string[]): string {
  return `${[...FILTER_BANNER('Online Malicious Domains Blocklist'), ...hosts].join('\n')}\n`;
}

/** urlhaus-filter's Splunk lookup: `host`, `path` (empty for a whole host), message, update time. */
export function urlhausSplunkLookup(rows: ReadonlyArray<readonly [host: string, path: string]>): string {
  const lines = rows.map(([host, path]) => csvLine([host, path, 'urlhaus-filter malicious website detected', '2025-07-19T12:11:28Z']));
  return `${[...FILTER_BANNER('Online Malicious URL Splunk Lookup'), csvLine(['host', 'path', 'message', 'updated']), ...lines].join('\n')}\n`;
}
