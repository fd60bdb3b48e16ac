import type { StixMarkingDefinition } from './stix-objects.ts';

/**
 * Traffic Light Protocol markings of STIX objects. STIX 2.1 fixes the ids of the TLP 1.0 markings and
 * the OASIS TLP 2.0 extension those of TLP 2.0, so a bundle may refer to them without carrying the
 * definitions; a bundle's own `tlp` marking definitions are read too.
 */

const WELL_KNOWN_TLP = new Map<string, string>([
  // STIX 2.1 section 7.2.1.4 (TLP 1.0): WHITE is what TLP 2.0 calls CLEAR.
  ['marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9', 'clear'],
  ['marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da', 'green'],
  ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', 'amber'],
  ['marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed', 'red'],
  // TLP 2.0 (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d).
  ['marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487', 'clear'],
  ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'green'],
  ['marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'amber'],
  ['marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003', 'amber+strict'],
  ['marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1', 'red'],
]);

const TLP_ORDER = ['clear', 'green', 'amber', 'amber+strict', 'red'];

/** `white`, `TLP:AMBER+STRICT`, `Green` as the forestall level, or undefined when it is no TLP level. */
export function tlpLevel(text: string): string | undefined {
  const level = text.trim().toLowerCase().replace(/^tlp:/, '');
  if (level === 'white') return 'clear';
  return TLP_ORDER.includes(level) ? level : undefined;
}

/** The stricter of two levels: sharing has to honour the more restrictive marking. */
export function stricterTlp(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return TLP_ORDER.indexOf(a) >= TLP_ORDER.indexOf(b) ? a : b;
}

/** The TLP level a marking definition states: `definition_type: tlp` (TLP 1.0) or a `TLP:` name (TLP 2.0). */
function levelOfDefinition(marking: StixMarkingDefinition): string | undefined {
  const stated = marking.definition?.tlp;
  if (marking.definition_type === 'tlp' && typeof stated === 'string') return tlpLevel(stated);
  return marking.name !== undefined && /^tlp:/i.test(marking.name) ? tlpLevel(marking.name) : undefined;
}

/** The strictest TLP level among an object's marking refs, or undefined when none is a TLP marking. */
export function tlpOfMarkings(refs: readonly string[] | undefined, definitions: ReadonlyMap<string, StixMarkingDefinition>): string | undefined {
  let tlp: string | undefined;
  for (const ref of refs ?? []) {
    const marking = definitions.get(ref);
    const level = WELL_KNOWN_TLP.get(ref) ?? (marking ? levelOfDefinition(marking) : undefined);
    tlp = stricterTlp(tlp, level);
  }
  return tlp;
}
