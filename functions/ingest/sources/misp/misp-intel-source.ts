import type { IntelSource } from '../../source-plugin.ts';
import { MISP_SOURCE, parseMispEvent } from './misp-parser.ts';

/** MISP events (export, REST answer or pushed): `to_ids` attributes as indicators, deleted ones revoked. */
export const mispSource: IntelSource = {
  name: MISP_SOURCE,
  title: 'MISP events',
  modes: ['webhook', 'file'],
  detect: (payload) => /"(Event|Attribute)"\s*:/.test(payload.slice(0, 8192)),
  parse: parseMispEvent,
};
