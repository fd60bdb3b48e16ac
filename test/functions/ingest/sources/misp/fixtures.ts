/**
 * Synthetic MISP events in MISP's export format (the shape of CIRCL's published events): builders for
 * single attributes, objects, galaxies, whole events, REST answers and feed manifests.
 */

export type Json = Record<string, unknown>;

/** A uuid that is a valid v4 form and tells which builder made it: `…-4000-8000-<kind><n>`. */
export function fixtureUuid(kind: 'a' | 'b' | 'c' | 'e', n: number): string {
  return `00000000-0000-4000-8000-${kind}${n.toString(16).padStart(11, '0')}`;
}

export interface AttributeSpec {
  type: string;
  value: string;
  toIds?: boolean;
  deleted?: boolean;
  uuid?: string;
  category?: string;
  /** Epoch seconds. */
  timestamp?: number;
  tags?: string[];
  firstSeen?: string | null;
  lastSeen?: string | null;
  galaxies?: Json[];
}

let attributeCount = 0;

/** An attribute as MISP exports it (string timestamp, boolean flags, `Tag` objects). */
export function mispAttribute(spec: AttributeSpec): Json {
  attributeCount += 1;
  const attribute: Json = {
    uuid: spec.uuid ?? fixtureUuid('a', attributeCount),
    type: spec.type,
    category: spec.category ?? 'Network activity',
    value: spec.value,
    to_ids: spec.toIds ?? true,
    deleted: spec.deleted ?? false,
    disable_correlation: false,
    distribution: '5',
    sharing_group_id: '0',
    timestamp: String(spec.timestamp ?? 1_710_000_000),
    comment: '',
  };
  if (spec.tags) attribute.Tag = spec.tags.map(mispTag);
  if (spec.firstSeen !== undefined) attribute.first_seen = spec.firstSeen;
  if (spec.lastSeen !== undefined) attribute.last_seen = spec.lastSeen;
  if (spec.galaxies) attribute.Galaxy = spec.galaxies;
  return attribute;
}

export const mispTag = (name: string): Json => ({ name, colour: '#004646', exportable: true, hide_tag: false });

/** A galaxy with clusters of one type (`threat-actor`, `sector`, `mitre-intrusion-set`, ...). */
export function mispGalaxy(type: string, values: string[]): Json {
  return {
    type,
    name: type,
    GalaxyCluster: values.map((value) => ({ type, value, tag_name: `misp-galaxy:${type}="${value}"`, description: '', meta: {} })),
  };
}

let objectCount = 0;

/** A MISP object (`file`, `domain-ip`) around attributes. */
export function mispObject(name: string, attributes: Json[], options: { deleted?: boolean } = {}): Json {
  objectCount += 1;
  return { name, 'meta-category': 'network', uuid: fixtureUuid('b', objectCount), deleted: options.deleted ?? false, Attribute: attributes };
}

export interface EventSpec {
  uuid?: string;
  info?: string;
  date?: string;
  /** '1' high .. '4' undefined. */
  threatLevel?: string;
  timestamp?: number;
  published?: boolean;
  tags?: string[];
  galaxies?: Json[];
  attributes?: Json[];
  objects?: Json[];
}

/** The event object itself (what sits under `Event`). */
export function mispEventBody(spec: EventSpec = {}): Json {
  const body: Json = {
    uuid: spec.uuid ?? fixtureUuid('e', 1),
    info: spec.info ?? 'Synthetic event',
    date: spec.date ?? '2024-03-12',
    timestamp: String(spec.timestamp ?? 1_710_300_000),
    publish_timestamp: String(spec.timestamp ?? 1_710_300_000),
    published: spec.published ?? true,
    threat_level_id: spec.threatLevel ?? '2',
    analysis: '2',
    distribution: '3',
    Orgc: { id: '2', name: 'Forestall test org', uuid: '00000000-0000-4000-8000-c00000000001' },
    Tag: (spec.tags ?? ['tlp:green']).map(mispTag),
    Attribute: spec.attributes ?? [],
    Object: spec.objects ?? [],
  };
  if (spec.galaxies) body.Galaxy = spec.galaxies;
  return body;
}

/** `{ "Event": {...} }`, as a MISP export or a feed's `<uuid>.json`. */
export const mispEvent = (spec: EventSpec = {}): Json => ({ Event: mispEventBody(spec) });

/** The REST answer of `/events/restSearch`. */
export const mispRestResponse = (events: Json[]): Json => ({ response: events });

export const SAMPLE_SHA256 = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855';
export const SAMPLE_SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
export const SAMPLE_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

/** The uuid of the attribute at `Event.Attribute[0]` of `mixedMispEvent`, repeated in its last object. */
export const MIXED_EVENT_FIRST_ATTRIBUTE = fixtureUuid('a', 0xf00);

/**
 * One event with every case the parser must tell apart, at known positions:
 * Attribute[0] ip-dst with a confidence tag; [1] domain|ip; [2] ip-dst|port; [3] ip-dst whose value is
 * no address; [4] filename|sha256 in upper case; [5] a deleted url; [6] a hostname with to_ids cleared;
 * [7] an e-mail with its own TLP; [8] a CVE; [9] a link; [10] a comment without value; [11] an md5
 * without to_ids. Object[0] a file; Object[1] a deleted domain-ip object; Object[2] repeats Attribute[0].
 */
export function mixedMispEvent(): Json {
  return mispEvent({
    uuid: fixtureUuid('e', 0xa),
    info: 'Synthetic: QakBot distribution against banks',
    threatLevel: '2',
    tags: ['tlp:amber', 'misp-galaxy:threat-actor="APT28"', 'misp-galaxy:malpedia="QakBot"', 'sector:Finance', 'type:OSINT'],
    galaxies: [mispGalaxy('mitre-intrusion-set', ['APT28 - G0007', 'Wizard Spider - G0102']), mispGalaxy('sector', ['Energy'])],
    attributes: [
      mispAttribute({ uuid: MIXED_EVENT_FIRST_ATTRIBUTE, type: 'ip-dst', value: '203.0.113.10', tags: ['misp:confidence-level="completely-confident"'] }),
      mispAttribute({ type: 'domain|ip', value: 'Evil.Example.com.|198.51.100.7' }),
      mispAttribute({ type: 'ip-dst|port', value: '198.51.100.8|8443' }),
      mispAttribute({ type: 'ip-dst', value: 'not-an-ip' }),
      mispAttribute({ type: 'filename|sha256', value: `invoice.exe|${SAMPLE_SHA256}`, category: 'Payload delivery' }),
      mispAttribute({ type: 'url', value: 'https://evil.example.com/gate.php', deleted: true, timestamp: 1_710_400_000 }),
      mispAttribute({ type: 'hostname', value: 'cdn.example.net', toIds: false, timestamp: 1_710_500_000 }),
      mispAttribute({ type: 'email-src', value: 'Phish@Example.org', category: 'Payload delivery', tags: ['tlp:red', 'misp-galaxy:threat-actor="FIN7"'] }),
      mispAttribute({ type: 'vulnerability', value: 'CVE-2023-4966', toIds: false, category: 'Payload delivery' }),
      mispAttribute({ type: 'link', value: 'https://blog.example/report', toIds: false, category: 'External analysis' }),
      { type: 'comment', category: 'Other' },
      { ...mispAttribute({ type: 'md5', value: SAMPLE_MD5 }), to_ids: undefined },
    ],
    objects: [
      mispObject('file', [
        mispAttribute({ type: 'filename', value: 'invoice.exe', toIds: false, category: 'Payload delivery' }),
        mispAttribute({ type: 'sha1', value: SAMPLE_SHA1, category: 'Payload delivery' }),
        mispAttribute({ type: 'size-in-bytes', value: '1024', toIds: false, category: 'Other' }),
      ]),
      mispObject('domain-ip', [mispAttribute({ type: 'domain', value: 'old.example.com' })], { deleted: true }),
      mispObject('domain-ip', [mispAttribute({ uuid: MIXED_EVENT_FIRST_ATTRIBUTE, type: 'ip-dst', value: '203.0.113.10' })]),
    ],
  });
}

/** A large event of `count` distinct to_ids addresses, half top-level and half in `domain-ip` objects. */
export function largeMispEvent(options: { count: number; uuid?: string }): Json {
  const address = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  const half = Math.floor(options.count / 2);
  const top = Array.from({ length: half }, (_, n) => mispAttribute({ type: 'ip-dst', value: address(n) }));
  const objects = Array.from({ length: options.count - half }, (_, n) =>
    mispObject('domain-ip', [mispAttribute({ type: 'ip-dst', value: address(half + n) })]),
  );
  return mispEvent({ uuid: options.uuid ?? fixtureUuid('e', 0xb), attributes: top, objects });
}

/** A feed's `manifest.json` for these events (what MISP writes beside `<uuid>.json`). */
export function mispFeedManifest(events: Json[]): Json {
  return Object.fromEntries(
    events.map((wrapped) => {
      const event = wrapped.Event as Json;
      return [
        event.uuid,
        {
          info: event.info,
          Orgc: event.Orgc,
          Tag: event.Tag,
          date: event.date,
          analysis: event.analysis,
          threat_level_id: event.threat_level_id,
          timestamp: event.timestamp,
        },
      ];
    }),
  );
}
