import { singleDownloadSource } from '../single-download.ts';
import { EPSS_SOURCE, parseEpssApi, parseEpssCsv } from './epss-parser.ts';

/** FIRST's daily scores for every published CVE, gzip CSV. */
export const EPSS_DAILY_URL = 'https://epss.empiricalsecurity.com/epss_scores-current.csv.gz';

const looksLikeApi = (payload: string) => /^\s*\{/.test(payload) && /"data"\s*:/.test(payload.slice(0, 2048)) && /"epss"/.test(payload.slice(0, 8192));

export const epssSource = singleDownloadSource({
  name: EPSS_SOURCE,
  title: 'FIRST EPSS scores (daily gzip CSV or API answer)',
  modes: ['scheduled', 'file'],
  detect: (payload) => /^(#model_version|cve,epss,percentile)/.test(payload.trimStart().slice(0, 200)) || looksLikeApi(payload),
  parse: (payload, context) => (looksLikeApi(payload) ? parseEpssApi(payload, context) : parseEpssCsv(payload, context)),
  defaultUrl: EPSS_DAILY_URL,
  label: 'epss-scores.csv',
  everyMinutes: 24 * 60,
  timeoutMs: 120_000,
});
