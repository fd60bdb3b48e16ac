import { z } from 'zod';
import { busEventParser, DetailType, InvalidBusEvent, InventoryChangedSchema, type InventoryChanged } from '../model/events.ts';
import type { Asset } from '../model/asset.ts';
import type { Decision, Exposure } from '../model/exposure.ts';
import { EntityIdSchema } from '../model/ids.ts';
import { TenantIdSchema } from '../model/tenant.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
import { mapConcurrently } from '../store/map-concurrently.ts';
import type { Repositories } from '../store/ports.ts';
import { reconcileExposure } from './exposure-lifecycle.ts';
import { announceExposures } from './match-exposures.ts';
import { matchVulnerability } from './match-vulnerability.ts';

export const RematchInventoryInputSchema = z.object({
  tenant: TenantIdSchema,
  /** Changed assets and the package keys whose components changed on each (an id may repeat). */
  assets: z.array(z.object({ id: EntityIdSchema, packageKeys: z.array(z.string().min(1)) })),
});
export type RematchInventoryInput = z.infer<typeof RematchInventoryInputSchema>;

export interface RematchInventoryDeps {
  repositories: Pick<Repositories, 'intel' | 'vulnerabilities' | 'assets' | 'exposures'>;
  publishEvents: PublishEvents;
  now: () => Date;
}

/** What one re-match did, for logs and metrics. */
export interface RematchInventorySummary {
  tenant: string;
  /** Distinct changed package keys looked up in the intel package index. */
  packageKeys: number;
  /** Vulnerabilities the index named for those keys and the store still holds: the ones matched. */
  vulnerabilities: number;
  /** Index entries naming a vulnerability the store no longer holds (skipped). */
  missingVulnerabilities: number;
  /** Changed assets evaluated against at least one vulnerability (read once each). */
  assetsMatched: number;
  /** (vulnerability, asset) pairs affected now. */
  affected: number;
  /** Exposures stored for the first time. */
  new: number;
  /** Earlier open, contained or accepted exposures whose asset no longer shows an affected version. */
  remediated: number;
  /** Exposures new or with a changed decision or state, as the store reported them. */
  changed: number;
  /** `Exposure Detected` events published, per vulnerability and decision. */
  events: Array<{ vulnerability: string; decision: Decision; assetCount: number }>;
  /** Malformed components and versions that could not be decided (the first MAX_SUMMARY_PROBLEMS). */
  problems: string[];
  problemCount: number;
}

const MAX_SUMMARY_PROBLEMS = 50;
/** Vulnerabilities matched at once: each is a read, a match and a few writes. */
const VULNERABILITY_CONCURRENCY = 4;

/**
 * Re-matches the assets an inventory import changed, touching only them:
 * 1. looks up the vulnerabilities whose facts name the changed package keys (the intel package index);
 * 2. reads each changed asset once, and each of those vulnerabilities;
 * 3. per vulnerability, matches it against just the changed assets that hold one of its keys, and
 *    reconciles each (vulnerability, asset) with the stored exposure (exposure-lifecycle.ts): newly
 *    affected assets get an exposure, patched ones (or ones that dropped the software, or are gone)
 *    become `remediated`, contained and accepted ones keep their state;
 * 4. stores what changed and announces the open exposures new or with a changed decision or state with
 *    `Exposure Detected`, one event per vulnerability and decision (as matchExposures does).
 * Running the same change twice changes nothing and publishes nothing.
 */
export async function rematchInventory(deps: RematchInventoryDeps, input: RematchInventoryInput): Promise<RematchInventorySummary> {
  const { tenant, assets: changedAssets } = RematchInventoryInputSchema.parse(input);
  const { intel, vulnerabilities, assets, exposures } = deps.repositories;
  const now = deps.now().toISOString();

  const keysByAsset = new Map<string, Set<string>>();
  for (const { id, packageKeys } of changedAssets) {
    const keys = keysByAsset.get(id) ?? new Set<string>();
    for (const key of packageKeys) keys.add(key);
    keysByAsset.set(id, keys);
  }
  const packageKeys = [...new Set([...keysByAsset.values()].flatMap((keys) => [...keys]))].sort();

  const summary: RematchInventorySummary = {
    tenant,
    packageKeys: packageKeys.length,
    vulnerabilities: 0,
    missingVulnerabilities: 0,
    assetsMatched: 0,
    affected: 0,
    new: 0,
    remediated: 0,
    changed: 0,
    events: [],
    problems: [],
    problemCount: 0,
  };
  if (packageKeys.length === 0) return summary;

  // vulnerability -> the changed assets holding one of the keys it names
  const vulnerabilitiesByKey = await intel.vulnerabilitiesByPackage(tenant, packageKeys);
  const candidates = new Map<string, Set<string>>();
  for (const [assetId, keys] of keysByAsset) {
    for (const key of keys) {
      for (const vulnerabilityId of vulnerabilitiesByKey.get(key) ?? []) {
        const set = candidates.get(vulnerabilityId) ?? new Set<string>();
        set.add(assetId);
        candidates.set(vulnerabilityId, set);
      }
    }
  }
  if (candidates.size === 0) return summary;

  const assetIds = [...new Set([...candidates.values()].flatMap((set) => [...set]))].sort();
  const assetsById = new Map<string, Asset>((await assets.getMany(tenant, assetIds)).map((asset) => [asset.id, asset]));
  summary.assetsMatched = assetIds.length;

  const vulnerabilityIds = [...candidates.keys()].sort();
  await mapConcurrently(vulnerabilityIds, VULNERABILITY_CONCURRENCY, async (vulnerabilityId) => {
    const vulnerability = await vulnerabilities.get(tenant, vulnerabilityId);
    if (vulnerability === undefined) {
      summary.missingVulnerabilities += 1;
      return;
    }
    summary.vulnerabilities += 1;
    const ids = [...(candidates.get(vulnerabilityId) ?? [])].sort();
    const present = ids.flatMap((id) => assetsById.get(id) ?? []);

    const problems: string[] = [];
    const matched = new Map(matchVulnerability(vulnerability, present, now, problems).map((exposure) => [exposure.asset, exposure]));
    summary.problemCount += problems.length;
    summary.problems.push(...problems.slice(0, Math.max(0, MAX_SUMMARY_PROBLEMS - summary.problems.length)));
    summary.affected += matched.size;

    const previous = new Map(
      (await exposures.getMany(tenant, ids.map((asset) => ({ vulnerability: vulnerabilityId, asset })))).map((exposure) => [exposure.asset, exposure]),
    );
    const toStore: Exposure[] = [];
    for (const id of ids) {
      const before = previous.get(id);
      const next = reconcileExposure(before, matched.get(id), now);
      if (next === undefined) continue;
      toStore.push(next);
      if (before === undefined) summary.new += 1;
      else if (next.state === 'remediated' && before.state !== 'remediated') summary.remediated += 1;
    }
    if (toStore.length === 0) return;
    const changed = await exposures.putMany(toStore);
    summary.changed += changed.length;
    const events = await announceExposures(deps.publishEvents, vulnerability, changed, now);
    summary.events.push(...events.map((event) => ({ vulnerability: vulnerabilityId, ...event })));
  });
  summary.events.sort((a, b) => a.vulnerability.localeCompare(b.vulnerability));
  return summary;
}

/** An event delivered to inventory re-matching that is not an `Inventory Changed` event; names the fields. */
export class InvalidInventoryChangedEvent extends InvalidBusEvent {
  override name = 'InvalidInventoryChangedEvent';
}

/**
 * Checks the EventBridge envelope and its `Inventory Changed` detail and returns the detail.
 * @throws InvalidInventoryChangedEvent listing every field that is missing or malformed.
 */
export const parseInventoryChangedEvent: (event: unknown) => InventoryChanged = busEventParser(
  DetailType.InventoryChanged,
  InventoryChangedSchema,
  InvalidInventoryChangedEvent,
);
