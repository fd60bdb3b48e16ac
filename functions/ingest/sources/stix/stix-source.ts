import type { IntelSource } from '../../source-plugin.ts';
import { parseStixBundle, STIX_SOURCE } from './stix-parser.ts';

// Whole-payload checks: a producer may write `objects` before `type` and `id`, past any fixed head.
const BUNDLE_TYPE = /"type"\s*:\s*"bundle"/;
const BUNDLE_ID = /"id"\s*:\s*"bundle--/;
const OBJECTS_LIST = /"objects"\s*:\s*\[/;
const EMPTY_OBJECTS_LIST = /"objects"\s*:\s*\[\s*\]/;
const STIX_21_OBJECT = /"spec_version"\s*:\s*"2\.1"/;

/**
 * True for a STIX bundle (`"type": "bundle"` with a `bundle--` id) and for a TAXII 2.1 envelope of STIX
 * 2.1 objects. A bundle of another STIX version is still claimed, so the parser names what it refuses
 * (`objects[0].spec_version: spec_version 2.1`) instead of the sender hearing "unknown format".
 */
export function looksLikeStix(payload: string): boolean {
  if (BUNDLE_TYPE.test(payload) && BUNDLE_ID.test(payload)) return true;
  return OBJECTS_LIST.test(payload) && (STIX_21_OBJECT.test(payload) || EMPTY_OBJECTS_LIST.test(payload));
}

/** STIX 2.1 pushed to the webhook or read from a file: a bundle, or the envelope a TAXII server answers. */
export const stixSource: IntelSource = {
  name: STIX_SOURCE,
  title: 'STIX 2.1 bundles and TAXII envelopes',
  modes: ['webhook', 'file'],
  detect: looksLikeStix,
  parse: parseStixBundle,
};
