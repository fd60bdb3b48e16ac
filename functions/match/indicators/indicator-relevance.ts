import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { MAX_INLINE_ASSETS } from '../../model/events.ts';
import type { Asset } from '../../model/asset.ts';
import type { IndicatorFacts, IndicatorType } from '../../model/indicator.ts';
import { decayTable, DecayOverridesSchema, describeScore, scoreIndicator, type ScorableIndicator, type SourceScore } from './indicator-decay.ts';
import { RelevanceKindSchema, type RelevanceKind } from './indicator-events.ts';
import { regionsOverlap, resolveRegion, sectorKey, type ResolvedRegion, type TenantProfile } from './tenant-profile.ts';

/**
 * Which indicators concern this tenant: those naming one of its addresses or domains, and those whose
 * campaign targets its sectors or regions, provided they are still fresh and confident enough.
 * Pure: the caller reads the indicators, the assets and the profile, and publishes what this returns.
 */

export const RelevanceOptionsSchema = z
  .object({
    /** Below this decayed score an indicator is too stale or too doubtful to be relevant. */
    minDecayedScore: z.number().min(0).max(1).default(0.2),
    /** Asset ids kept on a sighting; `assetCount` has the full number. */
    maxAssetIds: z.number().int().min(0).max(MAX_INLINE_ASSETS).default(MAX_INLINE_ASSETS),
    /**
     * Private, loopback, link-local, CGNAT and multicast addresses are everyone's: a feed naming 10.0.0.5
     * speaks of someone else's 10.0.0.5, so by default they match nothing.
     */
    matchPrivateAddresses: z.boolean().default(false),
    /** Per-source half-lives and default confidences laid over the built-in decay table. */
    decay: DecayOverridesSchema.default({}),
  })
  .strict();
export type RelevanceOptions = z.input<typeof RelevanceOptionsSchema>;

/** The asset fields relevance reads; the asset-reading port may return just these. */
export type AddressedAsset = Pick<Asset, 'id' | 'hostname'> & {
  ips?: readonly string[] | undefined;
  network?: { publicIps?: readonly string[] | undefined } | undefined;
};

/** The indicator fields relevance reads (an Indicator from the intel repository has them all). */
export type RelevanceIndicator = ScorableIndicator & { id: string; type: IndicatorType; value: string };

export interface IndicatorSighting {
  indicatorId: string;
  type: IndicatorType;
  value: string;
  /** The strongest reason it concerns the tenant. */
  kind: RelevanceKind;
  /** The best source's confidence / 100. */
  score: number;
  /** That score after decay; at least the minimum. */
  decayedScore: number;
  /** The source the scores come from. */
  scoredBy: string;
  /** Plain English, naming the asset, field, network, domain, campaign, sector or region; the score last. */
  reasons: string[];
  /** Matching assets in id order, at most `maxAssetIds`. */
  assetIds: string[];
  assetCount: number;
}

const ADDRESS_FIELDS = ['ips', 'network.publicIps'] as const;
type AddressField = (typeof ADDRESS_FIELDS)[number];

/**
 * The estate's addresses and hostnames, indexed once per call so each indicator is a few lookups.
 * Addresses are kept sorted in flat arrays (one entry per asset address) rather than in maps: an exact
 * address and a CIDR block are then the same binary search, and 100,000 assets index in tens of ms.
 */
export interface AddressIndex {
  readonly assetCount: number;
  /** IPv4 addresses as unsigned 32-bit numbers, ascending; `v4Holders[i]` is the entry holding `v4[i]`. */
  readonly v4: Uint32Array;
  readonly v4Holders: Uint32Array;
  /** IPv6 addresses as 128-bit bigints, ascending, and their entries. */
  readonly v6: readonly bigint[];
  readonly v6Holders: Uint32Array;
  /** Per entry: the asset and the field the address was in. */
  readonly holderAsset: readonly string[];
  readonly holderField: Uint8Array;
  /** Lower-case hostname to the asset (or assets) bearing it. */
  readonly hosts: ReadonlyMap<string, string | string[]>;
  /** Asset addresses that are not IP addresses (skipped). */
  readonly unreadable: number;
}

type Address = { family: 4; value: number } | { family: 6; value: bigint };

/** Dotted-quad IPv4 without a regular expression or allocation: the index reads hundreds of thousands. */
function parseIpv4(text: string): number | undefined {
  let value = 0;
  let part = -1;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      if (part < 0 || ++dots > 3) return undefined;
      value = value * 256 + part;
      part = -1;
    } else if (code >= 48 && code <= 57) {
      part = part < 0 ? code - 48 : part * 10 + code - 48;
      if (part > 255) return undefined;
    } else return undefined;
  }
  return dots === 3 && part >= 0 ? value * 256 + part : undefined;
}

function ipv6Value(address: ipaddr.IPv6): bigint {
  let value = 0n;
  for (const part of address.parts) value = (value << 16n) | BigInt(part);
  return value;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The groups of one side of `::`; only the address's last group may be a dotted quad. */
function groupsOf(written: string, endsAddress: boolean): number[] | undefined {
  if (written === '') return [];
  const groups: number[] = [];
  const parts = written.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (endsAddress && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(Math.floor(v4 / 65_536), v4 % 65_536);
    } else if (HEX_GROUP.test(part)) groups.push(parseInt(part, 16));
    else return undefined;
  }
  return groups;
}

/** The 16-bit groups of a textual IPv6 address (RFC 4291 2.2, with `::` and a trailing dotted quad), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  const gap = text.indexOf('::');
  if (gap !== text.lastIndexOf('::')) return undefined;
  const head = gap < 0 ? text : text.slice(0, gap);
  const tail = gap < 0 ? '' : text.slice(gap + 2);
  const before = groupsOf(head, gap < 0);
  const after = groupsOf(tail, true);
  if (before === undefined || after === undefined) return undefined;
  const written = before.length + after.length;
  if (gap < 0) return written === 8 ? before : undefined;
  if (written > 7) return undefined;
  return [...before, ...new Array<number>(8 - written).fill(0), ...after];
}

/** An address as inventories and URLs write it: `[` `]` around IPv6, an interface's `/len` or `%zone` dropped. */
export function parseAddress(raw: string): Address | undefined {
  // Most addresses are plain dotted quads: read those before any clean-up.
  const plain = parseIpv4(raw);
  if (plain !== undefined) return { family: 4, value: plain };
  const text = raw.trim().replace(/^\[(.*)\]$/, '$1').replace(/[/%].*$/, '');
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  // Parsed by hand: the index reads every asset's addresses, and ipaddr.js takes several microseconds each.
  const groups = text.includes(':') ? ipv6Groups(text) : undefined;
  if (groups === undefined) return undefined;
  // An IPv4-mapped IPv6 address is the IPv4 address (as the ingest normaliser stores it).
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) return { family: 4, value: (groups[6] as number) * 65_536 + (groups[7] as number) };
  // Four 32-bit words: a 64-bit half would not fit a double exactly.
  let value = 0n;
  for (let i = 0; i < 8; i += 2) value = (value << 32n) | BigInt((groups[i] as number) * 65_536 + (groups[i + 1] as number));
  return { family: 6, value };
}

const V4_SHARED: ReadonlyArray<[number, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 4], ['255.255.255.255', 32],
].map(([network, bits]) => [parseIpv4(network as string) as number, bits as number]);
const V6_SHARED = new Set(['unspecified', 'linkLocal', 'multicast', 'loopback', 'uniqueLocal', 'deprecatedSiteLocal']);

/** Address space every network reuses (RFC 1918, loopback, link-local, CGNAT, multicast, ULA). */
function isSharedAddressSpace(address: Address): boolean {
  if (address.family === 4) return V4_SHARED.some(([network, bits]) => Math.floor(address.value / 2 ** (32 - bits)) === Math.floor(network / 2 ** (32 - bits)));
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((address.value >> BigInt(i * 16)) & 0xffffn));
  return V6_SHARED.has(new ipaddr.IPv6(parts).range());
}

function addressText(address: Address): string {
  if (address.family === 4) return [24, 16, 8, 0].map((shift) => Math.floor(address.value / 2 ** shift) % 256).join('.');
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((address.value >> BigInt(i * 16)) & 0xffffn));
  return new ipaddr.IPv6(parts).toString();
}

const hostKey = (host: string) => {
  const lower = host.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
};

// An IPv4 address and its entry number packed in one double (32 + 21 bits < 2^53), so a native
// numeric sort orders both at once; an estate with more entries than that sorts with a comparator.
const ENTRY_SLOTS = 2 ** 21;

/** IPv4 addresses ascending with their entry numbers (ascending too); exported for tests of both sorts. */
export function sortIpv4Entries(addresses: readonly number[], entries: readonly number[], slots = ENTRY_SLOTS): { v4: Uint32Array; v4Holders: Uint32Array } {
  const v4 = new Uint32Array(addresses.length);
  const v4Holders = new Uint32Array(addresses.length);
  if ((entries.at(-1) ?? 0) < slots) {
    const packed = new Float64Array(addresses.length);
    for (let i = 0; i < addresses.length; i++) packed[i] = (addresses[i] as number) * slots + (entries[i] as number);
    packed.sort();
    for (let i = 0; i < packed.length; i++) {
      const value = packed[i] as number;
      v4[i] = Math.floor(value / slots);
      v4Holders[i] = value % slots;
    }
    return { v4, v4Holders };
  }
  const order = Array.from(addresses.keys()).sort((a, b) => (addresses[a] as number) - (addresses[b] as number) || a - b);
  order.forEach((at, i) => ((v4[i] = addresses[at] as number), (v4Holders[i] = entries[at] as number)));
  return { v4, v4Holders };
}

/** Indexes the assets' addresses (`ips`, `network.publicIps`) and hostnames. */
export function buildAddressIndex(assets: readonly AddressedAsset[]): AddressIndex {
  const holderAsset: string[] = [];
  const fields: number[] = [];
  const v4Addresses: number[] = [];
  const v4Entries: number[] = [];
  const v6Entries: Array<{ value: bigint; entry: number }> = [];
  const hosts = new Map<string, string | string[]>();
  let unreadable = 0;
  const add = (assetId: string, field: number, raw: string) => {
    const address = parseAddress(raw);
    if (address === undefined) return void unreadable++;
    const entry = holderAsset.length;
    holderAsset.push(assetId);
    fields.push(field);
    if (address.family === 4) (v4Addresses.push(address.value), v4Entries.push(entry));
    else v6Entries.push({ value: address.value, entry });
  };
  for (const asset of assets) {
    for (const ip of asset.ips ?? []) add(asset.id, 0, ip);
    for (const ip of asset.network?.publicIps ?? []) add(asset.id, 1, ip);
    if (asset.hostname) {
      const host = hostKey(asset.hostname);
      const bearer = hosts.get(host);
      hosts.set(host, bearer === undefined ? asset.id : typeof bearer === 'string' ? [bearer, asset.id] : (bearer.push(asset.id), bearer));
    }
  }
  v6Entries.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return {
    assetCount: assets.length,
    ...sortIpv4Entries(v4Addresses, v4Entries),
    v6: v6Entries.map((item) => item.value),
    v6Holders: Uint32Array.from(v6Entries, (item) => item.entry),
    holderAsset,
    holderField: Uint8Array.from(fields),
    hosts,
    unreadable,
  };
}

interface Range {
  family: 4 | 6;
  /** First and last address, as numbers (IPv4) or bigints (IPv6). */
  first: number | bigint;
  last: number | bigint;
  bits: number;
  text: string;
}

function parseRange(cidr: string): Range | undefined {
  try {
    const [address, bits] = ipaddr.parseCIDR(cidr);
    if (address.kind() === 'ipv4') {
      const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
      const first = parseIpv4(network) as number;
      return { family: 4, first, last: first + 2 ** (32 - bits) - 1, bits, text: `${network}/${bits}` };
    }
    const network = ipaddr.IPv6.networkAddressFromCIDR(cidr);
    const first = ipv6Value(network);
    return { family: 6, first, last: first + (1n << BigInt(128 - bits)) - 1n, bits, text: `${network.toString()}/${bits}` };
  } catch {
    return undefined;
  }
}

const prefixOf = (address: Address, bits: number): number | bigint =>
  address.family === 4 ? Math.floor(address.value / 2 ** (32 - bits)) : address.value >> BigInt(128 - bits);

/** The tenant's profile in the form lookups need: networks by prefix length, domains as a set, sector and region keys. */
interface CompiledProfile {
  /** Per family, per prefix length (most specific first), network prefix to the CIDR text: a few Map lookups per address. */
  networks: Record<4 | 6, Array<{ bits: number; prefixes: Map<number | bigint, string> }>>;
  ranges: Range[];
  domains: ReadonlySet<string>;
  /** Sector key to the sector as the tenant wrote it. */
  sectors: ReadonlyMap<string, string>;
  regions: Array<{ declared: string; resolved: ResolvedRegion }>;
}

function compileProfile(profile: TenantProfile): CompiledProfile {
  const ranges = profile.networks.map(parseRange).filter((range): range is Range => range !== undefined);
  const networks: CompiledProfile['networks'] = { 4: [], 6: [] };
  for (const range of ranges) {
    const byLength = networks[range.family];
    let entry = byLength.find((candidate) => candidate.bits === range.bits);
    if (!entry) byLength.push((entry = { bits: range.bits, prefixes: new Map() }));
    const start = range.family === 4 ? { family: 4 as const, value: range.first as number } : { family: 6 as const, value: range.first as bigint };
    entry.prefixes.set(prefixOf(start, range.bits), range.text);
  }
  for (const byLength of Object.values(networks)) byLength.sort((a, b) => b.bits - a.bits);
  return {
    networks,
    ranges,
    domains: new Set(profile.domains.map(hostKey)),
    sectors: new Map(profile.sectors.map((sector) => [sectorKey(sector), sector])),
    regions: profile.regions.map((declared) => ({ declared, resolved: resolveRegion(declared) })),
  };
}

function tenantNetworkOf(profile: CompiledProfile, address: Address): string | undefined {
  for (const { bits, prefixes } of profile.networks[address.family]) {
    const network = prefixes.get(prefixOf(address, bits));
    if (network !== undefined) return network;
  }
  return undefined;
}

// A block broader than this is a feed's mistake or a country block, not an indicator of one adversary.
const BROADEST_PREFIX = { 4: 8, 6: 20 } as const;
// Asset-level reasons kept per sighting; the asset ids and count carry the rest.
const MAX_ASSET_REASONS = 10;

// The schema lists the kinds strongest first.
const strength = (kind: RelevanceKind) => RelevanceKindSchema.options.indexOf(kind);

/** Collects the matching assets of one indicator and why, with the count kept exact and the detail capped. */
class Matches {
  readonly assets = new Set<string>();
  readonly reasons: string[] = [];
  private assetReasons = 0;
  private assetReasonsLeftOut = 0;
  kind: RelevanceKind | undefined;

  found(kind: RelevanceKind, reason: string): void {
    if (this.kind === undefined || strength(kind) < strength(this.kind)) this.kind = kind;
    this.reasons.push(reason);
  }

  foundAsset(kind: RelevanceKind, assetId: string, reason: string): void {
    this.assets.add(assetId);
    if (this.assetReasons < MAX_ASSET_REASONS) {
      this.assetReasons++;
      this.found(kind, reason);
    } else {
      this.assetReasonsLeftOut++;
      if (this.kind === undefined) this.kind = kind;
    }
  }

  finish(): string[] {
    return this.assetReasonsLeftOut > 0 ? [...this.reasons, `... and ${this.assetReasonsLeftOut} more matching asset addresses or hostnames`] : this.reasons;
  }
}

const describeHolder = (index: AddressIndex, entry: number) =>
  ADDRESS_FIELDS[index.holderField[entry] as number] === 'ips'
    ? `an address of asset ${index.holderAsset[entry]} (ips)`
    : `a public IP of asset ${index.holderAsset[entry]} (network.publicIps)`;

interface Context {
  index: AddressIndex;
  profile: CompiledProfile;
  matchPrivateAddresses: boolean;
}

/** Index of the first element not below `value` in a sorted array. */
function lowerBound<T extends number | bigint>(sorted: ArrayLike<T>, value: T): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as T) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Calls `visit` with every asset address from `first` to `last` (one address: first = last). */
function eachHeldAddress(index: AddressIndex, family: 4 | 6, first: number | bigint, last: number | bigint, visit: (address: Address, entry: number) => void): void {
  if (family === 4) {
    for (let i = lowerBound(index.v4, first as number); i < index.v4.length && (index.v4[i] as number) <= (last as number); i++) {
      visit({ family: 4, value: index.v4[i] as number }, index.v4Holders[i] as number);
    }
  } else {
    for (let i = lowerBound(index.v6, first as bigint); i < index.v6.length && (index.v6[i] as bigint) <= (last as bigint); i++) {
      visit({ family: 6, value: index.v6[i] as bigint }, index.v6Holders[i] as number);
    }
  }
}

function matchAddress(context: Context, address: Address, label: string, matches: Matches): void {
  if (!context.matchPrivateAddresses && isSharedAddressSpace(address)) return;
  const { index } = context;
  eachHeldAddress(index, address.family, address.value, address.value, (_, entry) =>
    matches.foundAsset('targets-our-address', index.holderAsset[entry] as string, `${label} is ${describeHolder(index, entry)}`),
  );
  const network = tenantNetworkOf(context.profile, address);
  if (network !== undefined) matches.found('targets-our-address', `${label} is inside the tenant's network ${network}`);
}

function matchRange(context: Context, range: Range, matches: Matches): void {
  if (range.bits < BROADEST_PREFIX[range.family]) return;
  const start: Address = range.family === 4 ? { family: 4, value: range.first as number } : { family: 6, value: range.first as bigint };
  if (!context.matchPrivateAddresses && isSharedAddressSpace(start)) return;
  const { index } = context;
  eachHeldAddress(index, range.family, range.first, range.last, (address, entry) =>
    matches.foundAsset('targets-our-address', index.holderAsset[entry] as string, `${range.text} contains ${addressText(address)}, ${describeHolder(index, entry)}`),
  );
  // CIDR blocks nest or are disjoint, so two overlap exactly when one holds the other's first address.
  for (const network of context.profile.ranges) {
    if (network.family === range.family && network.first <= range.last && range.first <= network.last) {
      matches.found('targets-our-address', `${range.text} overlaps the tenant's network ${network.text}`);
    }
  }
}

/** Host names from the indicator up to its parent domains (`a.b.example.com`, `b.example.com`, `example.com`), never a bare TLD. */
function* selfAndParents(host: string): Generator<string> {
  let at = 0;
  for (;;) {
    const rest = host.slice(at);
    if (!rest.includes('.')) return;
    yield rest;
    at = host.indexOf('.', at) + 1;
  }
}

function matchHost(context: Context, host: string, label: string, withAssets: boolean, matches: Matches): void {
  for (const candidate of selfAndParents(host)) {
    const relation = candidate === host ? 'is' : `is a subdomain of`;
    if (context.profile.domains.has(candidate)) matches.found('targets-our-domain', `${label} ${relation} the tenant's domain ${candidate}`);
    if (!withAssets) continue;
    const bearers = context.index.hosts.get(candidate) ?? [];
    for (const assetId of typeof bearers === 'string' ? [bearers] : bearers) {
      matches.foundAsset('targets-our-domain', assetId, `${label} ${relation} ${candidate === host ? 'the hostname' : `${candidate}, the hostname`} of asset ${assetId}`);
    }
  }
}

function matchUrl(context: Context, value: string, matches: Matches): void {
  let hostname: string;
  try {
    hostname = new URL(value).hostname;
  } catch {
    return;
  }
  const address = parseAddress(hostname);
  if (address !== undefined) matchAddress(context, address, `the URL's host ${addressText(address)}`, matches);
  else matchHost(context, hostKey(hostname), `the URL's host ${hostname}`, true, matches);
}

/** Who the source says is behind it: its campaigns, else its malware family, else the source itself. */
function actorOf(source: string, facts: IndicatorFacts): string {
  if (facts.campaigns.length > 0) return `${facts.campaigns.length === 1 ? 'campaign' : 'campaigns'} ${facts.campaigns.join(', ')} (${source})`;
  if (facts.malwareFamily) return `${facts.malwareFamily} (${source})`;
  return `the source ${source}`;
}

function matchTargeting(context: Context, indicator: RelevanceIndicator, matches: Matches): void {
  const { sectors, regions } = context.profile;
  if (sectors.size === 0 && regions.length === 0) return;
  const said = new Set<string>();
  const once = (kind: RelevanceKind, reason: string) => {
    if (!said.has(reason)) (said.add(reason), matches.found(kind, reason));
  };
  for (const source of indicator.sources) {
    const facts = indicator.facts[source];
    if (facts === undefined) continue;
    for (const targeted of facts.targetedSectors) {
      const declared = sectors.get(sectorKey(targeted));
      if (declared !== undefined) once('targets-our-sector', `${actorOf(source, facts)} targets the ${targeted} sector; the tenant declares "${declared}"`);
    }
    for (const targeted of facts.targetedRegions) {
      const resolved = resolveRegion(targeted);
      const ours = regions.find((region) => regionsOverlap(region.resolved, resolved));
      if (ours) once('targets-our-region', `${actorOf(source, facts)} targets ${targeted}; the tenant operates in "${ours.declared}"`);
    }
  }
}

function matchIndicator(context: Context, indicator: RelevanceIndicator, matches: Matches): void {
  switch (indicator.type) {
    case 'ipv4':
    case 'ipv6': {
      const address = parseAddress(indicator.value);
      if (address) matchAddress(context, address, indicator.value, matches);
      break;
    }
    case 'cidr': {
      const range = parseRange(indicator.value);
      if (range) matchRange(context, range, matches);
      break;
    }
    case 'domain':
      matchHost(context, hostKey(indicator.value), indicator.value, true, matches);
      break;
    case 'url':
      matchUrl(context, indicator.value, matches);
      break;
    case 'email': {
      // A sender address at one of our domains: someone is spoofing or has taken over our mail.
      const domain = indicator.value.slice(indicator.value.lastIndexOf('@') + 1);
      matchHost(context, hostKey(domain), `the sender domain ${domain}`, false, matches);
      break;
    }
    default:
      break;
  }
  matchTargeting(context, indicator, matches);
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

function sightingOf(indicator: RelevanceIndicator, scored: SourceScore, matches: Matches, maxAssetIds: number): IndicatorSighting | undefined {
  if (matches.kind === undefined) return undefined;
  const assetIds = [...matches.assets].sort();
  return {
    indicatorId: indicator.id,
    type: indicator.type,
    value: indicator.value,
    kind: matches.kind,
    score: round(scored.score),
    decayedScore: round(scored.decayedScore),
    scoredBy: scored.source,
    reasons: [...matches.finish(), `score ${round(scored.decayedScore)} from ${describeScore(scored)}`],
    assetIds: assetIds.slice(0, maxAssetIds),
    assetCount: assetIds.length,
  };
}

/**
 * The indicators that concern the tenant, each with why, in the order given:
 * - an IPv4/IPv6 indicator equal to an asset's address or public IP, or inside one of the tenant's networks;
 * - a CIDR indicator holding an asset's address, or overlapping one of the tenant's networks;
 * - a domain or URL whose host is, or is a subdomain of, an asset's hostname or a tenant domain
 *   (`a.example.com` is under `example.com`; `evil-example.com` is not); a URL on an IP is an address;
 * - an e-mail address at a tenant domain;
 * - any indicator whose campaign targets one of the tenant's sectors or regions.
 * Sources that revoked it do not count; an indicator whose best decayed score is below
 * `minDecayedScore` is left out whatever it matches. `assets` may be an index built earlier with
 * buildAddressIndex, to reuse it across calls on the same estate.
 */
export function relevantIndicators(
  indicators: readonly RelevanceIndicator[],
  assets: readonly AddressedAsset[] | AddressIndex,
  profile: TenantProfile,
  now: Date,
  options: RelevanceOptions = {},
): IndicatorSighting[] {
  const settings = RelevanceOptionsSchema.parse(options);
  const table = decayTable(settings.decay);
  const context: Context = {
    index: Array.isArray(assets) ? buildAddressIndex(assets as readonly AddressedAsset[]) : (assets as AddressIndex),
    profile: compileProfile(profile),
    matchPrivateAddresses: settings.matchPrivateAddresses,
  };
  const sightings: IndicatorSighting[] = [];
  for (const indicator of indicators) {
    const scored = scoreIndicator(indicator, now, table);
    // Scoring is cheaper than matching, and a stale indicator is not relevant whatever it matches.
    if (scored === undefined || scored.decayedScore < settings.minDecayedScore || scored.decayedScore === 0) continue;
    const matches = new Matches();
    matchIndicator(context, indicator, matches);
    const sighting = sightingOf(indicator, scored, matches, settings.maxAssetIds);
    if (sighting) sightings.push(sighting);
  }
  return sightings;
}
