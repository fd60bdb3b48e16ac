import type { IntelSource } from '../source-plugin.ts';
import { cisaKevSource } from './cisa-kev/cisa-kev-source.ts';
import { cve5AdpSource } from './cve5-adp/cve5-adp-source.ts';
import { epssSource } from './epss/epss-source.ts';
import { mispFeedSource } from './misp/misp-feed-source.ts';
import { mispSource } from './misp/misp-intel-source.ts';
import { nvdSource } from './nvd/nvd-source.ts';
import { osvSource } from './osv/osv-source.ts';
import { stixSource } from './stix/stix-source.ts';
import { taxiiSource } from './taxii/taxii-source.ts';
import { feodoSource } from './feodo/feodo-source.ts';
import { forestallJsonSource } from './forestall-json/forestall-json-source.ts';
import { threatfoxSource } from './threatfox/threatfox-source.ts';
import { urlhausSource } from './urlhaus/urlhaus-source.ts';

/** Every intel source forestall reads. Adding one: its folder under `sources/`, and one line here. */
export const INTEL_SOURCES: readonly IntelSource[] = [cisaKevSource, nvdSource, cve5AdpSource, epssSource, osvSource, stixSource, taxiiSource, mispSource, mispFeedSource, threatfoxSource, urlhausSource, feodoSource, forestallJsonSource];

/** The source named `name`, or an error listing the ones there are. */
export function intelSource(name: string): IntelSource {
  const source = INTEL_SOURCES.find((candidate) => candidate.name === name);
  if (!source) throw new Error(`no intel source "${name}"; sources: ${INTEL_SOURCES.map((s) => s.name).join(', ')}`);
  return source;
}

/** The source whose format `payload` is, for files and pushes that do not say. */
export function detectSource(payload: string): IntelSource | undefined {
  return INTEL_SOURCES.find((source) => source.detect(payload));
}
