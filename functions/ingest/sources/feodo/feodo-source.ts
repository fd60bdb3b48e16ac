import { z } from 'zod';
import type { IntelSource } from '../../source-plugin.ts';
import { singleDownload } from '../single-download.ts';
import { FEODO_SOURCE, parseFeodo } from './feodo-feed.ts';

const SettingsSchema = z.object({ url: z.string().min(1).default('https://feodotracker.abuse.ch/downloads/ipblocklist.json') });

export const feodoSource: IntelSource = {
  name: FEODO_SOURCE,
  title: 'Feodo Tracker botnet C2 IPs (JSON or plain block list)',
  modes: ['scheduled', 'webhook', 'file'],
  detect: (payload) => /"ip_address"[^}]*"as_number"|Feodo/.test(payload.slice(0, 8192)),
  parse: parseFeodo,
  // abuse.ch updates these every few minutes; conditional GETs make unchanged polls cost nothing.
  everyMinutes: 30,
  settingsSchema: SettingsSchema,
  hosts: ['feodotracker.abuse.ch'],
  poll: (context) => singleDownload(context, SettingsSchema.parse(context.settings).url, 'ipblocklist.json'),
};
