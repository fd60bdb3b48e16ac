import { gzipSync } from 'node:zlib';

/**
 * Synthetic EPSS documents in FIRST's real formats: the daily `epss_scores-YYYY-MM-DD.csv.gz`, the extract
 * with `date` and `model` columns, and EPSS API pages. A few rows restate real scores of 2025-08-15
 * (EPSS by FIRST.org); the rest are made up from a fixed seed, so every build gives the same bytes.
 */

export interface EpssRow {
  cve: string;
  /** As written in the file: five decimals in the daily file, nine in the API. */
  epss: string;
  percentile: string;
}

/** Real scores of 2025-08-15 (model v4 in the extract, v2025.03.14 in the daily file). */
export const REAL_ROWS: readonly EpssRow[] = [
  { cve: 'CVE-2021-44228', epss: '0.94358', percentile: '0.99955' },
  { cve: 'CVE-2024-3400', epss: '0.94326', percentile: '0.99942' },
  { cve: 'CVE-2021-23337', epss: '0.00551', percentile: '0.66964' },
];

/** A small linear congruential generator: the same rows on every run. */
function randomNumbers(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** `count` rows with distinct CVE ids across 1999-2025, scores and percentiles in 0..1. */
export function syntheticRows(count: number, seed = 7): EpssRow[] {
  const random = randomNumbers(seed);
  const rows: EpssRow[] = [];
  for (let index = 0; index < count; index += 1) {
    const year = 1999 + (index % 27);
    // Six-digit numbers, clear of the real rows' ids.
    const number = 100_000 + Math.floor(index / 27);
    // EPSS scores bunch near zero; cubing a uniform number gives that shape.
    const score = random() ** 3;
    rows.push({ cve: `CVE-${year}-${number}`, epss: score.toFixed(5), percentile: random().toFixed(5) });
  }
  return rows;
}

export interface DailyFileOptions {
  rows?: readonly EpssRow[];
  /** Synthetic rows added after `rows`. */
  count?: number;
  modelVersion?: string;
  scoreDate?: string;
  lineEnding?: '\n' | '\r\n';
}

/** The daily file's text: `#model_version:...,score_date:...`, the header `cve,epss,percentile`, the rows. */
export function epssDailyCsv(options: DailyFileOptions = {}): string {
  const { modelVersion = 'v2025.03.14', scoreDate = '2025-08-15', lineEnding = '\n' } = options;
  const rows = [...(options.rows ?? REAL_ROWS), ...syntheticRows(options.count ?? 0)];
  const lines = [`#model_version:${modelVersion},score_date:${scoreDate}T00:00:00+0000`, 'cve,epss,percentile'];
  for (const row of rows) lines.push(`${row.cve},${row.epss},${row.percentile}`);
  return lines.join(lineEnding) + lineEnding;
}

/** The daily file as delivered: gzip bytes. */
// Level 1 keeps building a day at real size quick; the format is the same at every level.
export const epssDailyCsvGz = (options: DailyFileOptions = {}): Uint8Array => gzipSync(epssDailyCsv(options), { level: 1 });

/** The extract form: `cve,epss,percentile,date,model,in_cisa_kev`, model and date on every row. */
export function epssExtractCsv(rows: readonly (EpssRow & { date?: string; model?: string; kev?: boolean })[] = REAL_ROWS): string {
  const lines = ['cve,epss,percentile,date,model,in_cisa_kev'];
  for (const row of rows) {
    lines.push([row.cve, row.epss, row.percentile, row.date ?? '2025-08-15', row.model ?? 'v4', String(row.kev ?? true)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

export interface ApiPageOptions {
  /** Rows as delivered; anything, to build broken pages too. */
  rows?: readonly unknown[];
  total?: number;
  offset?: number;
  limit?: number;
  date?: string;
}

/** An API row as the API writes it: decimals as strings with nine places. */
export const apiRow = (row: EpssRow, date = '2025-08-15'): Record<string, unknown> => ({
  cve: row.cve,
  epss: Number(row.epss).toFixed(9),
  percentile: Number(row.percentile).toFixed(9),
  date,
});

/** One page of `https://api.first.org/data/v1/epss` as JSON text. */
export function epssApiPage(options: ApiPageOptions = {}): string {
  const data = options.rows ?? REAL_ROWS.map((row) => apiRow(row, options.date));
  return JSON.stringify({
    status: 'OK',
    'status-code': 200,
    version: '1.0',
    access: 'private, no-cache',
    total: options.total ?? data.length,
    offset: options.offset ?? 0,
    limit: options.limit ?? 100,
    data,
  });
}
