import type { KeptObject, StixObject, StixRelationship } from './stix-objects.ts';

/**
 * What a bundle's relationships say about its indicators and vulnerabilities, resolved within the
 * bundle: an indicator `indicates` a campaign, intrusion set, threat actor or malware; actors `use`
 * malware, are `attributed-to` one another and `target` identities (sectors) and locations (regions).
 * References to objects outside the bundle are left alone: there is nothing to name them by.
 */

export interface IndicatorContext {
  /** Campaigns, intrusion sets and threat actors, by name. */
  campaigns: string[];
  malwareFamily?: string;
  targetedSectors: string[];
  targetedRegions: string[];
}

export interface VulnerabilityContext {
  campaigns: string[];
  /** Intrusion sets and threat actors. */
  threatActors: string[];
}

const ACTOR_TYPES = new Set(['campaign', 'intrusion-set', 'threat-actor']);
const isActor = (object: StixObject) => ACTOR_TYPES.has(object.type);
const unique = <T>(items: Iterable<T>): T[] => [...new Set(items)];
const nameOf = (object: StixObject): string | undefined => (object.type === 'relationship' ? undefined : object.name);
const namesOf = (objects: readonly StixObject[]): string[] => unique(objects.map(nameOf).filter((name): name is string => name !== undefined && name.length > 0));

export class StixRelations {
  // Keyed by object id and relationship type: a malware family may be indicated by thousands of
  // indicators, and looking up who uses it must not walk all of them.
  private readonly outgoing = new Map<string, string[]>();
  private readonly incoming = new Map<string, string[]>();

  /** `objects` is the bundle's latest version of each id; revoked objects and relationships say nothing. */
  constructor(private readonly objects: ReadonlyMap<string, KeptObject>) {
    const relationships = [...objects.values()]
      .map((kept) => kept.object)
      .filter((object): object is StixRelationship => object.type === 'relationship' && object.revoked !== true);
    for (const relationship of relationships) {
      push(this.outgoing, key(relationship.source_ref, relationship.relationship_type), relationship.target_ref);
      push(this.incoming, key(relationship.target_ref, relationship.relationship_type), relationship.source_ref);
    }
  }

  private live(id: string): StixObject | undefined {
    const object = this.objects.get(id)?.object;
    return object && object.revoked !== true ? object : undefined;
  }

  /** Objects `id` points at with a relationship of `type`, in bundle order. */
  private targets(id: string, type: string): StixObject[] {
    return (this.outgoing.get(key(id, type)) ?? []).flatMap((target) => this.live(target) ?? []);
  }

  /** Objects pointing at `id` with a relationship of `type`, in bundle order. */
  private sources(id: string, type: string): StixObject[] {
    return (this.incoming.get(key(id, type)) ?? []).flatMap((source) => this.live(source) ?? []);
  }

  /** Adds the actors the given ones are attributed to: one step, so a chain does not run away. */
  private withAttribution(actors: readonly StixObject[]): StixObject[] {
    return unique([...actors, ...actors.flatMap((actor) => this.targets(actor.id, 'attributed-to').filter(isActor))]);
  }

  indicatorContext(indicatorId: string): IndicatorContext {
    const indicated = this.targets(indicatorId, 'indicates');
    const malware = indicated.filter((object) => object.type === 'malware');
    // An actor that uses the malware an indicator indicates is behind that indicator too.
    const users = malware.flatMap((family) => this.sources(family.id, 'uses').filter(isActor));
    const actors = this.withAttribution(unique([...indicated.filter(isActor), ...users]));
    const targeted = unique([...actors, ...malware].flatMap((object) => this.targets(object.id, 'targets')));
    const context: IndicatorContext = {
      campaigns: namesOf(actors),
      targetedSectors: unique(targeted.flatMap((object) => (object.type === 'identity' ? (object.sectors ?? []) : []))),
      targetedRegions: unique(
        targeted.flatMap((object) => (object.type === 'location' ? [object.region, object.country].filter((part): part is string => part !== undefined) : [])),
      ),
    };
    const family = namesOf(malware)[0];
    if (family !== undefined) context.malwareFamily = family;
    return context;
  }

  vulnerabilityContext(vulnerabilityId: string): VulnerabilityContext {
    const attackers = this.sources(vulnerabilityId, 'targets');
    const campaigns = attackers.filter((object) => object.type === 'campaign');
    const actors = this.withAttribution(attackers.filter(isActor)).filter((object) => object.type !== 'campaign');
    return { campaigns: namesOf(campaigns), threatActors: namesOf(actors) };
  }
}

const key = (id: string, relationshipType: string) => `${relationshipType} ${id}`;

function push(map: Map<string, string[]>, at: string, id: string): void {
  const list = map.get(at);
  if (list) list.push(id);
  else map.set(at, [id]);
}
