/**
 * What MISP tags and galaxy clusters say about an indicator: its TLP marking, a stated confidence,
 * the malware family, the campaigns or actors behind it and the sectors they target. Tags are
 * machine tags (`namespace:predicate="value"`); a galaxy cluster tag is `misp-galaxy:<type>="<value>"`.
 */

/** A galaxy cluster, from the event's `Galaxy` list or from a `misp-galaxy:` tag. */
export interface GalaxyCluster {
  /** The galaxy type: `threat-actor`, `sector`, `malpedia`, ... */
  type: string;
  value: string;
}

/** What one level (the event, or one attribute) says through its tags and clusters. */
export interface TagContext {
  tlp?: string;
  confidence?: number;
  malwareFamily?: string;
  campaigns: string[];
  targetedSectors: string[];
  /** Every tag name as delivered, so nothing the source said is lost. */
  tags: string[];
}

interface MachineTag {
  namespace: string;
  predicate: string;
  value?: string;
}

/** `misp-galaxy:threat-actor="Sofacy"` into its three parts; a plain tag (`OSINT`) has none. */
export function parseMachineTag(name: string): MachineTag | undefined {
  const match = /^([^:="]+):(.+?)(?:="(.*)")?$/s.exec(name.trim());
  if (!match) return undefined;
  const [, namespace, predicate, value] = match as unknown as [string, string, string, string | undefined];
  return value === undefined ? { namespace, predicate } : { namespace, predicate, value };
}

// TLP 2.0 renamed WHITE to CLEAR; both mean the same marking.
const TLP_LEVELS: Record<string, string> = {
  white: 'clear',
  clear: 'clear',
  green: 'green',
  amber: 'amber',
  'amber+strict': 'amber+strict',
  red: 'red',
};
const TLP_ORDER = ['clear', 'green', 'amber', 'amber+strict', 'red'];

/** The more restrictive of two TLP markings: sharing must honour the stricter one. */
export function stricterTlp(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return TLP_ORDER.indexOf(a) >= TLP_ORDER.indexOf(b) ? a : b;
}

// The taxonomies' own numerical_value for each entry (misp-taxonomies `misp` and `estimative-language`),
// the numbers MISP's decaying models use, so a score here means what it means in MISP.
const CONFIDENCE_LEVELS: Record<string, Record<string, number>> = {
  'misp:confidence-level': {
    'completely-confident': 100,
    'usually-confident': 75,
    'fairly-confident': 50,
    'rarely-confident': 25,
    unconfident: 0,
    'confidence-cannot-be-evalued': 50,
  },
  'estimative-language:confidence-in-analytic-judgment': { high: 95, moderate: 55, low: 0 },
};

function confidenceOf(tag: MachineTag): number | undefined {
  if (tag.value === undefined) return undefined;
  const key = `${tag.namespace}:${tag.predicate}`.toLowerCase();
  // `osint:certainty="93"` states the percentage itself.
  if (key === 'osint:certainty') {
    const certainty = /^\d{1,3}$/.test(tag.value) ? Number(tag.value) : NaN;
    return certainty <= 100 ? certainty : undefined;
  }
  return CONFIDENCE_LEVELS[key]?.[tag.value.toLowerCase()];
}

const CAMPAIGN_GALAXIES = new Set(['threat-actor', 'mitre-intrusion-set', 'mitre-enterprise-attack-intrusion-set']);
// Malpedia names the family; the ransomware galaxy is the fallback (`SamSam` over `Samas-Samsam`).
const MALWARE_GALAXIES = ['malpedia', 'ransomware'];

/** ATT&CK galaxies suffix their names with the group id (`APT28 - G0007`); the name alone is the campaign. */
const withoutAttackId = (name: string) => name.replace(/\s+-\s+[GS]\d{4}$/, '');

const distinct = (values: readonly string[]) => [...new Set(values)];

/** The galaxy clusters stated by `misp-galaxy:` tags. */
function clustersOfTags(tags: readonly MachineTag[]): GalaxyCluster[] {
  return tags
    .filter((tag) => tag.namespace === 'misp-galaxy' && tag.value !== undefined)
    .map((tag) => ({ type: tag.predicate, value: tag.value as string }));
}

/** Reads one level's tags and galaxy clusters. */
export function tagContextOf(tagNames: readonly string[], galaxyClusters: readonly GalaxyCluster[] = []): TagContext {
  const machineTags = tagNames.map(parseMachineTag).filter((tag): tag is MachineTag => tag !== undefined);
  const clusters = [...clustersOfTags(machineTags), ...galaxyClusters];

  let tlp: string | undefined;
  let confidence: number | undefined;
  for (const tag of machineTags) {
    if (tag.namespace.toLowerCase() === 'tlp') tlp = stricterTlp(tlp, TLP_LEVELS[tag.predicate.toLowerCase()]);
    const stated = confidenceOf(tag);
    // Two confidence tags on one level disagree; the lower one is the safer ground for blocking.
    if (stated !== undefined) confidence = confidence === undefined ? stated : Math.min(confidence, stated);
  }

  const sectorTags = machineTags.filter((tag) => tag.namespace === 'sector').map((tag) => tag.value ?? tag.predicate);
  const malwareFamily = MALWARE_GALAXIES.map((type) => clusters.find((cluster) => cluster.type === type)?.value).find(Boolean);
  const context: TagContext = {
    campaigns: distinct(clusters.filter((cluster) => CAMPAIGN_GALAXIES.has(cluster.type)).map((cluster) => withoutAttackId(cluster.value))),
    targetedSectors: distinct([...clusters.filter((cluster) => cluster.type === 'sector').map((cluster) => cluster.value), ...sectorTags]),
    tags: distinct(tagNames),
  };
  if (tlp !== undefined) context.tlp = tlp;
  if (confidence !== undefined) context.confidence = confidence;
  if (malwareFamily !== undefined) context.malwareFamily = malwareFamily;
  return context;
}

/**
 * An attribute's context within its event: the attribute's own TLP, confidence and malware family
 * win (they are the more specific statement); campaigns, sectors and tags add up.
 */
export function withinEvent(event: TagContext, attribute: TagContext): TagContext {
  const context: TagContext = {
    campaigns: distinct([...event.campaigns, ...attribute.campaigns]),
    targetedSectors: distinct([...event.targetedSectors, ...attribute.targetedSectors]),
    tags: distinct([...event.tags, ...attribute.tags]),
  };
  const tlp = attribute.tlp ?? event.tlp;
  const confidence = attribute.confidence ?? event.confidence;
  const malwareFamily = attribute.malwareFamily ?? event.malwareFamily;
  if (tlp !== undefined) context.tlp = tlp;
  if (confidence !== undefined) context.confidence = confidence;
  if (malwareFamily !== undefined) context.malwareFamily = malwareFamily;
  return context;
}
