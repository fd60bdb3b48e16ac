import { createHash } from 'node:crypto';

/**
 * Synthetic STIX 2.1 objects and bundles in the shape of the OASIS examples: every object carries the
 * common properties STIX requires, ids are deterministic (a digest of a seed), so tests can refer to
 * an object they built by its seed.
 */

export type StixJson = Record<string, unknown>;

export const DEFAULT_TIME = '2025-08-01T09:00:00.000Z';

/** A UUID-shaped digest of `seed`: stable across runs. */
export function uuidFor(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const stixId = (type: string, seed: string) => `${type}--${uuidFor(`${type}:${seed}`)}`;

function common(type: string, seed: string, overrides: StixJson): StixJson {
  return { type, spec_version: '2.1', id: stixId(type, seed), created: DEFAULT_TIME, modified: DEFAULT_TIME, ...overrides };
}

/** An indicator of `pattern`; `seed` names it (its id is `stixId('indicator', seed)`). */
export function indicator(seed: string, pattern: string, overrides: StixJson = {}): StixJson {
  return common('indicator', seed, {
    name: `Indicator ${seed}`,
    indicator_types: ['malicious-activity'],
    pattern,
    pattern_type: 'stix',
    valid_from: DEFAULT_TIME,
    ...overrides,
  });
}

export const campaign = (name: string, overrides: StixJson = {}) => common('campaign', name, { name, ...overrides });
export const intrusionSet = (name: string, overrides: StixJson = {}) => common('intrusion-set', name, { name, ...overrides });
export const threatActor = (name: string, overrides: StixJson = {}) =>
  common('threat-actor', name, { name, threat_actor_types: ['crime-syndicate'], ...overrides });
export const malware = (name: string, overrides: StixJson = {}) => common('malware', name, { name, is_family: true, malware_types: ['ransomware'], ...overrides });
export const identity = (name: string, sectors: string[], overrides: StixJson = {}) =>
  common('identity', name, { name, identity_class: 'class', sectors, ...overrides });
export const location = (seed: string, where: { region?: string; country?: string }, overrides: StixJson = {}) => common('location', seed, { ...where, ...overrides });

/** A vulnerability named after its CVE, with the `cve` external reference STIX producers use. */
export const vulnerability = (cve: string, overrides: StixJson = {}) =>
  common('vulnerability', cve, {
    name: cve,
    description: `Synthetic description of ${cve}`,
    external_references: [{ source_name: 'cve', external_id: cve }],
    ...overrides,
  });

/** `source relationshipType target`, between two objects built here. */
export function relationship(relationshipType: string, source: StixJson, target: StixJson, overrides: StixJson = {}): StixJson {
  return common('relationship', `${relationshipType}:${String(source.id)}:${String(target.id)}`, {
    relationship_type: relationshipType,
    source_ref: source.id,
    target_ref: target.id,
    ...overrides,
  });
}

/** A TLP 1.0 marking definition as a producer would ship it inside the bundle (own id, not the spec's). */
export function tlpMarkingDefinition(seed: string, level: string): StixJson {
  const { modified: _modified, ...rest } = common('marking-definition', seed, {
    name: `TLP:${level.toUpperCase()}`,
    definition_type: 'tlp',
    definition: { tlp: level },
  });
  return rest;
}

/** The fixed ids STIX 2.1 and the TLP 2.0 extension give the TLP markings. */
export const TLP_MARKING_IDS = {
  white: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  green: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  amber: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  red: 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
  amberStrict: 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
} as const;

export const bundle = (objects: unknown[], seed = 'bundle'): StixJson => ({ type: 'bundle', id: `bundle--${uuidFor(seed)}`, objects });
export const bundleText = (objects: unknown[]) => JSON.stringify(bundle(objects));

/** A TAXII 2.1 envelope of `objects`. */
export const taxiiEnvelope = (objects: unknown[], paging: { more?: boolean; next?: string } = {}): StixJson => ({ more: false, ...paging, objects });

/** The value and pattern of the i-th synthetic indicator: addresses, domains, URLs, hashes and CIDRs in turn. */
export function syntheticIndicator(i: number): { type: string; value: string; pattern: string } {
  const octet = (n: number) => n % 256;
  switch (i % 5) {
    case 0: {
      const value = `10.${octet(i >> 16)}.${octet(i >> 8)}.${octet(i)}`;
      return { type: 'ipv4', value, pattern: `[ipv4-addr:value = '${value}']` };
    }
    case 1: {
      const value = `c2-${i}.example.net`;
      return { type: 'domain', value, pattern: `[domain-name:value = '${value}']` };
    }
    case 2: {
      const value = `https://payload-${i}.example.org/drop/${i}.bin`;
      return { type: 'url', value, pattern: `[url:value = '${value}']` };
    }
    case 3: {
      const value = createHash('sha256').update(`payload ${i}`).digest('hex');
      return { type: 'sha256', value, pattern: `[file:hashes.'SHA-256' = '${value}']` };
    }
    default: {
      const value = `172.${16 + (i % 16)}.${octet(i >> 4)}.0/24`;
      return { type: 'cidr', value, pattern: `[ipv4-addr:value ISSUBSET '${value}']` };
    }
  }
}

/** Options of indicatorBundle. */
export interface IndicatorBundleOptions {
  count: number;
  /** Time of the first indicator; each next one a second later. */
  start?: string;
}

/**
 * A bundle as a threat-intel platform exports it: `count` indicators (see syntheticIndicator), all
 * indicating one malware family used by an intrusion set that targets the finance sector in Europe,
 * half of them also indicating a campaign attributed to that set, marked TLP:AMBER.
 */
export function indicatorBundle(options: IndicatorBundleOptions): StixJson {
  const start = Date.parse(options.start ?? DEFAULT_TIME);
  const family = malware('GhostLoader');
  const actor = intrusionSet('Silent Heron');
  const operation = campaign('Operation Paper Lantern');
  const sector = identity('Banks of Europe', ['financial-services']);
  const europe = location('europe', { region: 'europe' });
  const context = [
    family,
    actor,
    operation,
    sector,
    europe,
    relationship('uses', actor, family),
    relationship('attributed-to', operation, actor),
    relationship('targets', actor, sector),
    relationship('targets', actor, europe),
  ];
  const indicators: StixJson[] = [];
  const links: StixJson[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const time = new Date(start + i * 1000).toISOString();
    const made = indicator(`synthetic-${i}`, syntheticIndicator(i).pattern, {
      created: time,
      modified: time,
      valid_from: time,
      confidence: 50 + (i % 50),
      object_marking_refs: [TLP_MARKING_IDS.amber],
    });
    indicators.push(made);
    links.push(relationship('indicates', made, family));
    if (i % 2 === 0) links.push(relationship('indicates', made, operation));
  }
  return bundle([...context, ...indicators, ...links], `indicator-bundle-${options.count}`);
}
