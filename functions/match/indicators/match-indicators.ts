import { stricterTlp, tlpLevel } from '../../ingest/sources/stix/stix-markings.ts';
import { EVENT_VERSION, IndicatorsChangedSchema, type IndicatorsChanged } from '../../model/events.ts';
import type { PublishEvents } from '../../routing/event-publisher.ts';
import type { Indicator, IntelRepository } from '../../store/intel-repository.ts';
import { decayTable, scoreIndicator } from './indicator-decay.ts';
import { INDICATOR_RELEVANT, IndicatorRelevantSchema, MAX_EVENT_REASONS, type IndicatorRelevant, type IndicatorSummary } from './indicator-events.ts';
import {
  buildAddressIndex,
  relevantIndicators,
  RelevanceOptionsSchema,
  type AddressedAsset,
  type IndicatorSighting,
  type RelevanceOptions,
} from './indicator-relevance.ts';
import type { TenantProfile } from './tenant-profile.ts';

/**
 * The port the matcher reads the estate through: every asset of a tenant, a page at a time, with at
 * least `id`, `hostname`, `ips` and `network.publicIps` (a DynamoDB implementation may project to those).
 */
export interface AssetAddressReader {
  addressPages(tenant: string, pageSize?: number): AsyncIterable<readonly AddressedAsset[]>;
}

export interface MatchIndicatorsDeps {
  intel: Pick<IntelRepository, 'getIndicator'>;
  assets: AssetAddressReader;
  /** What the tenant declares about itself (sectors, regions, domains, networks). */
  profile: (tenant: string) => TenantProfile | Promise<TenantProfile>;
  publishEvents: PublishEvents;
  now: () => Date;
  options?: RelevanceOptions;
}

export interface MatchIndicatorsSummary {
  tenant: string;
  /** Ids the event named. */
  requested: number;
  /** Ids not in the store (deleted since, or never written). */
  missing: string[];
  /** Indicators every source revoked, or whose score decayed below the minimum. */
  stale: number;
  /** Assets read; undefined when no indicator needed the estate (only address, block, domain and URL ones do). */
  assetsRead: number | undefined;
  /** One `Indicator Relevant` event each. */
  relevant: Array<Pick<IndicatorSighting, 'indicatorId' | 'kind' | 'decayedScore' | 'assetCount'>>;
}

// Reads in flight at once: enough to hide DynamoDB latency for 500 ids, few enough not to throttle.
const READ_CONCURRENCY = 25;
// Entries handed to the publisher per call; it splits them into PutEvents requests itself.
const PUBLISH_CHUNK = 100;
const NEEDS_ESTATE: ReadonlySet<Indicator['type']> = new Set(['ipv4', 'ipv6', 'cidr', 'domain', 'url']);

async function readIndicators(intel: MatchIndicatorsDeps['intel'], tenant: string, ids: readonly string[]): Promise<Array<Indicator | undefined>> {
  const found: Array<Indicator | undefined> = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const at = next++;
      found[at] = await intel.getIndicator(tenant, ids[at] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, ids.length) }, worker));
  return found;
}

async function readEstate(reader: AssetAddressReader, tenant: string): Promise<AddressedAsset[]> {
  const assets: AddressedAsset[] = [];
  for await (const page of reader.addressPages(tenant)) assets.push(...page);
  return assets;
}

const distinct = (values: Iterable<string>) => [...new Set(values)];

/** What the event says about the indicator, from the sources that stand by it. */
export function indicatorSummary(indicator: Indicator): IndicatorSummary {
  const facts = indicator.sources.map((source) => indicator.facts[source]).filter((entry) => entry !== undefined);
  const validUntil = facts.map((entry) => entry.validUntil).filter((at): at is string => at !== undefined).sort().at(-1);
  // Sharing has to honour the most restrictive marking any source gave.
  const tlp = facts.reduce<string | undefined>((strictest, entry) => {
    const level = entry.tlp === undefined ? undefined : tlpLevel(entry.tlp);
    return stricterTlp(strictest, level);
  }, undefined);
  const malwareFamily = facts.find((entry) => entry.malwareFamily)?.malwareFamily;
  return {
    id: indicator.id,
    type: indicator.type,
    value: indicator.value,
    sources: indicator.sources.slice(0, 20),
    campaigns: distinct(facts.flatMap((entry) => entry.campaigns)).slice(0, 20),
    ...(malwareFamily ? { malwareFamily } : {}),
    ...(validUntil ? { validUntil } : {}),
    ...(tlp ? { tlp } : {}),
  };
}

function cappedReasons(reasons: readonly string[]): string[] {
  if (reasons.length <= MAX_EVENT_REASONS) return [...reasons];
  // The score is the last reason; keep it, and say how many asset-level reasons were left out.
  return [...reasons.slice(0, MAX_EVENT_REASONS - 2), `... and ${reasons.length - MAX_EVENT_REASONS + 1} more reasons`, reasons.at(-1) as string];
}

export function indicatorRelevantEvent(tenant: string, indicator: Indicator, sighting: IndicatorSighting, detectedAt: string): IndicatorRelevant {
  return IndicatorRelevantSchema.parse({
    version: EVENT_VERSION,
    tenant,
    indicator: indicatorSummary(indicator),
    kind: sighting.kind,
    score: sighting.score,
    decayedScore: sighting.decayedScore,
    assetIds: sighting.assetIds,
    assetCount: sighting.assetCount,
    reasons: cappedReasons(sighting.reasons),
    detectedAt,
  });
}

/**
 * Handles one `Indicators Changed` event: reads the named indicators, keeps those still fresh and
 * confident enough, reads the estate only if one of them is an address, block, domain or URL, finds
 * the ones that concern the tenant and publishes one `Indicator Relevant` event for each.
 * A revoked indicator is read like any other: if no source stands by it any more, it is not relevant.
 */
export async function matchIndicators(deps: MatchIndicatorsDeps, event: IndicatorsChanged): Promise<MatchIndicatorsSummary> {
  const { tenant, ids } = IndicatorsChangedSchema.parse(event);
  const now = deps.now();
  const options = RelevanceOptionsSchema.parse(deps.options ?? {});
  const table = decayTable(options.decay);

  const read = await readIndicators(deps.intel, tenant, ids);
  const missing = ids.filter((_, at) => read[at] === undefined);
  const stored = read.filter((indicator): indicator is Indicator => indicator !== undefined);
  const fresh = stored.filter((indicator) => {
    const scored = scoreIndicator(indicator, now, table);
    return scored !== undefined && scored.decayedScore > 0 && scored.decayedScore >= options.minDecayedScore;
  });

  const profile = await deps.profile(tenant);
  const needsEstate = fresh.some((indicator) => NEEDS_ESTATE.has(indicator.type));
  const estate = needsEstate ? await readEstate(deps.assets, tenant) : [];
  const sightings = relevantIndicators(fresh, buildAddressIndex(estate), profile, now, options);

  const byId = new Map(fresh.map((indicator) => [indicator.id, indicator]));
  const detectedAt = now.toISOString();
  const entries = sightings.map((sighting) => ({
    detailType: INDICATOR_RELEVANT,
    detail: indicatorRelevantEvent(tenant, byId.get(sighting.indicatorId) as Indicator, sighting, detectedAt),
  }));
  for (let at = 0; at < entries.length; at += PUBLISH_CHUNK) await deps.publishEvents(entries.slice(at, at + PUBLISH_CHUNK));

  return {
    tenant,
    requested: ids.length,
    missing,
    stale: stored.length - fresh.length,
    assetsRead: needsEstate ? estate.length : undefined,
    relevant: sightings.map(({ indicatorId, kind, decayedScore, assetCount }) => ({ indicatorId, kind, decayedScore, assetCount })),
  };
}
