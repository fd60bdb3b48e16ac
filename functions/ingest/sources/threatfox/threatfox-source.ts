import { singleDownloadSource } from '../single-download.ts';
import { THREATFOX_SOURCE, parseThreatFox } from './threatfox-feed.ts';

// abuse.ch updates its feeds every few minutes; conditional GETs make unchanged polls cost nothing.
export const threatfoxSource = singleDownloadSource({
  name: THREATFOX_SOURCE,
  title: 'ThreatFox IOCs (JSON export, API answer or IP list)',
  modes: ['scheduled', 'webhook', 'file'],
  detect: (payload) => /"(ioc_value|query_status)"\s*:/.test(payload.slice(0, 8192)),
  parse: parseThreatFox,
  defaultUrl: 'https://threatfox.abuse.ch/export/json/recent/',
  label: 'threatfox-recent.json',
  everyMinutes: 30,
});
