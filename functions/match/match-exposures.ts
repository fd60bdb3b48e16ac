import { z } from 'zod';
import { TenantIdSchema } from '../model/tenant.ts';
import { DetailType, EVENT_VERSION, ExposureDetectedSchema, MAX_INLINE_ASSETS, type ExposureDetected } from '../model/events.ts';
import type { Decision, Exposure } from '../model/exposure.ts';
import type { Vulnerability } from '../model/vulnerability.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
import type { Repositories } from '../store/ports.ts';
import type { ComponentRow } from '../store/ports.ts';
import { CpeParseError } from './cpe.ts';
import { chooseCvss } from './decide.ts';
import { reconcileExposure } from './exposure-lifecycle.ts';
import { compiledConfigurationsOf, matchVulnerability, vulnerablePackageKeys } from './match-vulnerability.ts';
import { couldMatchCpe } from './nvd-configuration.ts';
import { compiledPackagesOf, matchPackageComponent, packageComponent } from './package-match.ts';

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
  /** Component rows per page (MATCH_PAGE_SIZE by default). */
  pageSize?: number;
}

/** What one matching run did, for logs and metrics. */
export interface MatchExposuresSummary {
  tenant: string;
  vulnerabilityId: string;
  /** Package keys looked up in the component index. */
  packageKeys: string[];
  /** Vulnerable criteria no package key can find (ANY or wildcard vendor/product); not matched. */
  unindexedCriteria: string[];
  /** Component index rows read. */
  componentRows: number;
  /** Assets with a component in range by its index row: the ones loaded and evaluated. */
  candidateAssets: number;
  /** Assets the vulnerability affects now. */
  affectedAssets: number;
  /** Earlier open, contained or accepted exposures whose asset is no longer affected, now `remediated`. */
  fixed: number;
  /** Exposures new or with a changed decision or state, as the store reported them. */
  changed: number;
  /** One `Exposure Detected` event per decision. */
  events: Array<{ decision: Decision; assetCount: number }>;
  /** Malformed components and versions that could not be decided (the first MAX_SUMMARY_PROBLEMS). */
  problems: string[];
  problemCount: number;
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

/** The `Exposure Detected` detail for one decision's exposures of a vulnerability (assets capped, count exact). */
export function exposureEvent(vulnerability: Vulnerability, decision: Decision, exposures: readonly Exposure[], detectedAt: string): ExposureDetected {
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

/** Component index rows read per page; assets and exposures are loaded and written per page too. */
export const MATCH_PAGE_SIZE = 1000;
/** Problems kept in the summary (the count is always exact). */
const MAX_SUMMARY_PROBLEMS = 50;

/** Whether one component index row could make its asset affected, decided on the row's own identifier and version. */
function rowCouldMatch(vulnerability: Vulnerability, row: ComponentRow): boolean {
  if (row.identifier.startsWith('pkg:')) {
    const criteria = compiledPackagesOf(vulnerability).byPackageKey.get(row.packageKey);
    if (!criteria) return false;
    const component = packageComponent(row.identifier);
    if (!component) return true; // unreadable: load the asset so the problem is reported
    const result = matchPackageComponent(criteria, component);
    return result.match !== undefined || result.undecided.length > 0;
  }
  try {
    return couldMatchCpe(compiledConfigurationsOf(vulnerability), row.identifier);
  } catch (error) {
    if (error instanceof CpeParseError) return true;
    throw error;
  }
}

/**
 * Matches one vulnerability against the tenant's estate and records the outcome, a page at a time:
 * 1. loads the vulnerability; its package keys are those of its vulnerable NVD criteria
 *    (`cpe:<vendor>:<product>`) and of its OSV packages (`purl:<type>/<namespace>/<name>`);
 * 2. reads the component index of each key page by page and decides on the version kept in each row
 *    before reading any asset: only assets with a component in range are loaded;
 * 3. matches those assets (match-vulnerability.ts), decides each exposure with SSVC, reconciles it
 *    with the stored one (exposure-lifecycle.ts: containment and acceptance survive, VEX decides) and
 *    stores the page's exposures; exposures new or with a changed decision or state that are open are
 *    announced with one `Exposure Detected` event per decision and page;
 * 4. finally walks the stored exposures of the vulnerability: those whose asset is no longer affected
 *    (patched, software removed, asset gone) become `remediated`.
 * Memory is bounded by the page, plus the ids of affected assets. Re-running on an unchanged estate
 * changes nothing and publishes nothing. A malformed component is reported in `problems`, never fatal.
 * @throws VulnerabilityNotFound when the vulnerability is not stored.
 */
export async function matchExposures(deps: MatchExposuresDeps, input: MatchExposuresInput): Promise<MatchExposuresSummary> {
  const { tenant, vulnerabilityId } = MatchExposuresInputSchema.parse(input);
  const { vulnerabilities, assets, exposures } = deps.repositories;
  const now = deps.now().toISOString();
  const pageSize = deps.pageSize ?? MATCH_PAGE_SIZE;

  const vulnerability = await vulnerabilities.get(tenant, vulnerabilityId);
  if (vulnerability === undefined) throw new VulnerabilityNotFound(tenant, vulnerabilityId);
  const packageKeys = vulnerablePackageKeys(vulnerability);

  const summary: MatchExposuresSummary = {
    tenant,
    vulnerabilityId,
    packageKeys,
    unindexedCriteria: [...compiledConfigurationsOf(vulnerability).unindexedVulnerableCriteria],
    componentRows: 0,
    candidateAssets: 0,
    affectedAssets: 0,
    fixed: 0,
    changed: 0,
    events: [],
    problems: [],
    problemCount: 0,
  };
  const evaluated = new Set<string>();
  const affected = new Set<string>();

  const store = async (batch: readonly Exposure[]) => {
    if (batch.length === 0) return;
    const previous = new Map((await exposures.getMany(tenant, batch.map((e) => ({ vulnerability: e.vulnerability, asset: e.asset })))).map((e) => [e.id, e]));
    const toStore = batch.flatMap((exposure) => reconcileExposure(previous.get(exposure.id), exposure, now) ?? []);
    const changed = toStore.length === 0 ? [] : await exposures.putMany(toStore);
    summary.changed += changed.length;
    summary.events.push(...(await announceExposures(deps.publishEvents, vulnerability, changed, now)));
  };

  for (const packageKey of packageKeys) {
    for await (const page of assets.componentPages(tenant, packageKey, pageSize)) {
      summary.componentRows += page.length;
      const candidates = [...new Set(page.filter((row) => !evaluated.has(row.assetId) && rowCouldMatch(vulnerability, row)).map((row) => row.assetId))];
      if (candidates.length === 0) continue;
      for (const id of candidates) evaluated.add(id);
      summary.candidateAssets += candidates.length;
      const problems: string[] = [];
      const matched = matchVulnerability(vulnerability, await assets.getMany(tenant, candidates), now, problems);
      summary.problemCount += problems.length;
      summary.problems.push(...problems.slice(0, Math.max(0, MAX_SUMMARY_PROBLEMS - summary.problems.length)));
      for (const exposure of matched) affected.add(exposure.asset);
      await store(matched);
    }
  }
  summary.affectedAssets = affected.size;

  for await (const page of exposures.pagesByVulnerability(tenant, vulnerabilityId, pageSize)) {
    const remediated = page.flatMap((exposure) => (affected.has(exposure.asset) ? [] : (reconcileExposure(exposure, undefined, now) ?? [])));
    if (remediated.length === 0) continue;
    summary.fixed += remediated.length;
    summary.changed += (await exposures.putMany(remediated)).length;
  }
  return summary;
}

/**
 * Publishes one `Exposure Detected` event per decision (act first) for the open exposures among
 * `changed`; returns what was published. Nothing is published when none is open.
 */
export async function announceExposures(
  publishEvents: PublishEvents,
  vulnerability: Vulnerability,
  changed: readonly Exposure[],
  now: string,
): Promise<Array<{ decision: Decision; assetCount: number }>> {
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
  if (events.length === 0) return [];
  await publishEvents(events.map((detail) => ({ detailType: DetailType.ExposureDetected, detail })));
  return events.map((event) => ({ decision: event.decision, assetCount: event.assetCount }));
}
