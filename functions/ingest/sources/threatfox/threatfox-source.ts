import { z } from 'zod';
import type { IntelSource } from '../../source-plugin.ts';
import { singleDownload } from '../single-download.ts';
import { THREATFOX_SOURCE, parseThreatFox } from './threatfox-feed.ts';

const SettingsSchema = z.object({ url: z.string().min(1).default('https://threatfox.abuse.ch/export/json/recent/') });

export const threatfoxSource: IntelSource = {
  name: THREATFOX_SOURCE,
  title: 'ThreatFox IOCs (JSON export, API answer or IP list)',
  modes: ['scheduled', 'webhook', 'file'],
  detect: (payload) => /"(ioc_value|query_status)"\s*:/.test(payload.slice(0, 8192)),
  parse: parseThreatFox,
  // abuse.ch updates these every few minutes; conditional GETs make unchanged polls cost nothing.
  everyMinutes: 30,
  settingsSchema: SettingsSchema,
  hosts: ['threatfox.abuse.ch'],
  poll: (context) => singleDownload(context, SettingsSchema.parse(context.settings).url, 'query_status)"\s*:/|threatfox-recent.json'),
};
