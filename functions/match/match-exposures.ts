import { z } from 'zod';
import { TenantIdSchema } from '../model/tenant.ts';
import { DetailType, EVENT_VERSION, ExposureDetectedSchema, MAX_INLINE_ASSETS, type ExposureDetected } from '../model/events.ts';
import type { Decision, Exposure } from '../model/exposure.ts';
import type { Vulnerability } from '../model/vulnerability.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
import type { Repositories } from '../store/ports.ts';
import { chooseCvss } from './decide.ts';
import { compiledConfigurationsOf, matchVulnerability } from './match-vulnerability.ts';

/** At most this many distinct reasons travel in one event; the exposures keep all of theirs. */
export const MAX_EVENT_REASONS = 50;

export const MatchExposuresInputSchema = z.object({
  tenant: TenantIdSchema,
  vulnerabilityId: z.string().min(1),
});
export type MatchExposuresInput = z.infer<typeof MatchExposuresInputSchema>;

export interface MatchExposuresDeps {
  repositories: Pick<Repositories, 'vulnerabilities' | 'assets' | 'exposures'>;
  publishEvents: PublishEvents;
  now: () => Date;
}

/** What one matching run did, for logs and metrics. */
export interface MatchExposuresSummary {
  tenant: string;
  vulnerabilityId: string;
  /** Package keys looked up in the component index. */
  packageKeys: string[];
  /** Vulnerable criteria no package key can find (ANY or wildcard vendor/product); not matched. */
  unindexedCriteria: string[];
  /** Assets holding a component of an affected package: the candidates that were evaluated. */
  candidateAssets: number;
  /** Assets the vulnerability affects now. */
  affectedAssets: number;
  /** Earlier open exposures whose asset is no longer affected, now stored as `fixed`. */
  fixed: number;
  /** Exposures new or with a changed decision or state, as the store reported them. */
  changed: number;
  /** One `Exposure Detected` event per decision. */
  events: Array<{ decision: Decision; assetCount: number }>;
}

/** The vulnerability named by an `Intel Changed` event is not in the store. */
export class VulnerabilityNotFound extends Error {
  constructor(tenant: string, id: string) {
    super(`vulnerability ${id} of tenant ${tenant} is not in the store`);
    this.name = 'VulnerabilityNotFound';
  }
}

const DECISION_ORDER: readonly Decision[] = ['act', 'attend', 'track*', 'track'];

function distinctReasons(exposures: readonly Exposure[]): string[] {
  const reasons = new Set<string>();
  for (const exposure of exposures) for (const reason of exposure.reasons) reasons.add(reason);
  const all = [...reasons];
  if (all.length <= MAX_EVENT_REASONS) return all;
  // Keep the event under the PutEvents size limit; the full reasons stay on each stored exposure.
  return [...all.slice(0, MAX_EVENT_REASONS - 1), `... and ${all.length - (MAX_EVENT_REASONS - 1)} more reasons on the stored exposures`];
}

/** What events, plans and notifications say about a vulnerability: name, KEV facts and the chosen CVSS score. */
export function vulnerabilitySummary(vulnerability: Vulnerability): ExposureDetected['vulnerability'] {
  const cvss = chooseCvss(vulnerability);
  return {
    id: vulnerability.id,
    ...(vulnerability.kev ? { name: vulnerability.kev.vulnerabilityName } : {}),
    kev: vulnerability.kev !== undefined,
    ...(cvss ? { cvss: cvss.metric.baseScore } : {}),
    ...(vulnerability.kev ? { requiredAction: vulnerability.kev.requiredAction, dueDate: vulnerability.kev.dueDate } : {}),
  };
}

function exposureEvent(vulnerability: Vulnerability, decision: Decision, exposures: readonly Exposure[], detectedAt: string): ExposureDetected {
  const sorted = [...exposures].sort((a, b) => a.asset.localeCompare(b.asset));
  const inline = sorted.slice(0, MAX_INLINE_ASSETS);
  return ExposureDetectedSchema.parse({
    version: EVENT_VERSION,
    tenant: vulnerability.tenant,
    vulnerability: vulnerabilitySummary(vulnerability),
    decision,
    assetIds: inline.map((e) => e.asset),
    assetCount: sorted.length,
    exposureIds: inline.map((e) => e.id),
    reasons: distinctReasons(sorted),
    detectedAt,
  });
}

/**
 * Matches one vulnerability against the tenant's estate and records the outcome:
 * 1. loads the vulnerability and compiles its NVD configurations;
 * 2. looks up the components of the affected packages (`cpe:<vendor>:<product>` of every
 *    `vulnerable: true` criteria) in the component index, and loads those assets;
 * 3. matches them (match-vulnerability.ts) and decides each exposure with SSVC;
 * 4. marks earlier open exposures whose asset is no longer affected (patched, software removed,
 *    asset gone) as `fixed`;
 * 5. stores everything with one `putMany` and, for exposures that are new or whose decision or state
 *    changed and that are open, publishes one `Exposure Detected` event per decision (asset ids capped
 *    at MAX_INLINE_ASSETS, `assetCount` the full number, reasons the distinct union).
 * Re-running on an unchanged estate changes nothing and publishes nothing.
 * @throws VulnerabilityNotFound when the vulnerability is not stored.
 */
export async function matchExposures(deps: MatchExposuresDeps, input: MatchExposuresInput): Promise<MatchExposuresSummary> {
  const { tenant, vulnerabilityId } = MatchExposuresInputSchema.parse(input);
  const { vulnerabilities, assets, exposures } = deps.repositories;
  const now = deps.now().toISOString();

  const vulnerability = await vulnerabilities.get(tenant, vulnerabilityId);
  if (vulnerability === undefined) throw new VulnerabilityNotFound(tenant, vulnerabilityId);
  const compiled = compiledConfigurationsOf(vulnerability);
  const packageKeys = [...compiled.vulnerablePackageKeys];

  const rows = packageKeys.length === 0 ? [] : await assets.componentsByPackage(tenant, packageKeys);
  const candidateIds = [...new Set(rows.map((row) => row.assetId))].sort();
  const candidates = candidateIds.length === 0 ? [] : await assets.getMany(tenant, candidateIds);
  const matched = matchVulnerability(vulnerability, candidates, now);

  const previous = new Map((await exposures.listByVulnerability(tenant, vulnerabilityId)).map((e) => [e.id, e]));
  const current = matched.map((exposure) => {
    const earlier = previous.get(exposure.id);
    // The first detection anchors the exposure window; re-matching keeps it.
    return earlier === undefined ? exposure : { ...exposure, detectedAt: earlier.detectedAt };
  });
  const affectedIds = new Set(current.map((e) => e.id));
  const fixed: Exposure[] = [...previous.values()]
    .filter((e) => e.state === 'open' && !affectedIds.has(e.id))
    .map((e) => ({
      ...e,
      state: 'fixed',
      updatedAt: now,
      reasons: [...e.reasons, `fixed: on ${now} the inventory no longer shows an affected version on asset ${e.asset}`],
    }));

  const toStore = [...current, ...fixed];
  const changed = toStore.length === 0 ? [] : await exposures.putMany(toStore);

  const byDecision = new Map<Decision, Exposure[]>();
  for (const exposure of changed) {
    if (exposure.state !== 'open') continue;
    const group = byDecision.get(exposure.decision);
    if (group === undefined) byDecision.set(exposure.decision, [exposure]);
    else group.push(exposure);
  }
  const events = DECISION_ORDER.flatMap((decision) => {
    const group = byDecision.get(decision);
    return group === undefined ? [] : [exposureEvent(vulnerability, decision, group, now)];
  });
  if (events.length > 0) {
    await deps.publishEvents(events.map((detail) => ({ detailType: DetailType.ExposureDetected, detail })));
  }

  return {
    tenant,
    vulnerabilityId,
    packageKeys,
    unindexedCriteria: [...compiled.unindexedVulnerableCriteria],
    candidateAssets: candidates.length,
    affectedAssets: current.length,
    fixed: fixed.length,
    changed: changed.length,
    events: events.map((event) => ({ decision: event.decision, assetCount: event.assetCount })),
  };
}
