import type { IntelSource } from '../../source-plugin.ts';
import { CVE5_ADP_SOURCE, parseCve5Records } from './cve5-parser.ts';

/** CVE JSON 5 records with CISA's ADP container (vulnrichment): SSVC options and the KEV reference. */
export const cve5AdpSource: IntelSource = {
  name: CVE5_ADP_SOURCE,
  title: 'CVE JSON 5 records with the CISA ADP container (vulnrichment)',
  modes: ['file', 'webhook'],
  detect: (payload) => /"dataType"\s*:\s*"CVE_RECORD"/.test(payload.slice(0, 4096)),
  parse: parseCve5Records,
};
