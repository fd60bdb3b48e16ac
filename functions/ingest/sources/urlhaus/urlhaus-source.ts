import { z } from 'zod';
import type { IntelSource } from '../../source-plugin.ts';
import { singleDownload } from '../single-download.ts';
import { URLHAUS_SOURCE, parseUrlhaus } from './urlhaus-feed.ts';

const SettingsSchema = z.object({ url: z.string().min(1).default('https://urlhaus.abuse.ch/downloads/csv_recent/') });

export const urlhausSource: IntelSource = {
  name: URLHAUS_SOURCE,
  title: 'URLhaus malware URLs (CSV dump, host list)',
  modes: ['scheduled', 'webhook', 'file'],
  detect: (payload) => /"urlhaus_link"|URLhaus/.test(payload.slice(0, 8192)),
  parse: parseUrlhaus,
  // abuse.ch updates these every few minutes; conditional GETs make unchanged polls cost nothing.
  everyMinutes: 30,
  settingsSchema: SettingsSchema,
  hosts: ['urlhaus.abuse.ch'],
  poll: (context) => singleDownload(context, SettingsSchema.parse(context.settings).url, 'urlhaus-recent.csv'),
};
