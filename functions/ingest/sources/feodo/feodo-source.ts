import { singleDownloadSource } from '../single-download.ts';
import { FEODO_SOURCE, parseFeodo } from './feodo-feed.ts';

// abuse.ch updates its feeds every few minutes; conditional GETs make unchanged polls cost nothing.
export const feodoSource = singleDownloadSource({
  name: FEODO_SOURCE,
  title: 'Feodo Tracker botnet C2 IPs (JSON or plain block list)',
  modes: ['scheduled', 'webhook', 'file'],
  // The JSON list's own fields, or a comment line naming Feodo Tracker (the plain and FireHOL lists); a
  // malware family "Feodo" inside another format's document says nothing.
  detect: (payload) => /"ip_address"[^}]*"as_number"|^#.*feodo/im.test(payload.slice(0, 8192)),
  parse: parseFeodo,
  defaultUrl: 'https://feodotracker.abuse.ch/downloads/ipblocklist.json',
  label: 'ipblocklist.json',
  everyMinutes: 30,
});
