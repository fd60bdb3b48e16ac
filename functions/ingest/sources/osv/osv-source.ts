import type { IntelSource } from '../../source-plugin.ts';
import { OSV_SOURCE, parseOsvRecords } from './osv-parser.ts';

/** OSV and GHSA advisories: package ranges for purl matching, withdrawn records revoked. */
export const osvSource: IntelSource = {
  name: OSV_SOURCE,
  title: 'OSV / GHSA advisories (JSON, JSON lines, API pages)',
  modes: ['file', 'webhook'],
  detect: (payload) => {
    const head = payload.slice(0, 8192);
    return /"(schema_version|affected|vulns)"\s*:/.test(head) && /"(modified|vulns)"\s*:/.test(head) && !/"dataType"\s*:\s*"CVE_RECORD"/.test(head);
  },
  parse: parseOsvRecords,
};
