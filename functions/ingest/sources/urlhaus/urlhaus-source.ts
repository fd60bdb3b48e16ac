import { singleDownloadSource } from '../single-download.ts';
import { URLHAUS_SOURCE, parseUrlhaus } from './urlhaus-feed.ts';

// abuse.ch updates its feeds every few minutes; conditional GETs make unchanged polls cost nothing.
export const urlhausSource = singleDownloadSource({
  name: URLHAUS_SOURCE,
  title: 'URLhaus malware URLs (CSV dump, host list)',
  modes: ['scheduled', 'webhook', 'file'],
  // A comment line naming URLhaus (the dump and the block lists built on it), or the dump's CSV field
  // linking each row to its URLhaus page; a bare "URLhaus" elsewhere (another format's tag) says nothing.
  detect: (payload) => /^#.*urlhaus|,"https:\/\/urlhaus\.abuse\.ch\/url\/\d+\/",/im.test(payload.slice(0, 8192)),
  parse: parseUrlhaus,
  defaultUrl: 'https://urlhaus.abuse.ch/downloads/csv_recent/',
  label: 'urlhaus-recent.csv',
  everyMinutes: 30,
});
