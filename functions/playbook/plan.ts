import { z } from 'zod';
import type { ActuatorDefinition } from '../action-kernel/actuator-definition.ts';
import { assetIdentities, type Asset } from '../model/asset.ts';
import { ExposureDetectedSchema } from '../model/events.ts';
import { DecisionSchema, type Exposure } from '../model/exposure.ts';
import { HoldSchema } from '../model/action.ts';
import { ActionModeSchema, OnExpirySchema, OnFailureSchema, TenantIdSchema, type GuardrailPolicy } from '../model/tenant.ts';
import { vulnerabilitySummary } from '../match/match-exposures.ts';
import type { Repositories } from '../store/ports.ts';

/**
 * Input of the Plan task: the event's detail (tenant, CVE and asset ids, hints only), the account the
 * event came from, and the execution that acts on it.
 */
export const PlanInputSchema = z.object({
  detail: ExposureDetectedSchema,
  /** The event's `account`; the rule admits only the stack's own, and Plan checks it again. */
  account: z.string().optional(),
  execution: z.string().min(1),
});
export type PlanInput = z.infer<typeof PlanInputSchema>;

export const SkippedAssetSchema = z.object({ assetId: z.string(), reason: z.string() });
export type SkippedAsset = z.infer<typeof SkippedAssetSchema>;

/** One actuator call of the plan: the state machine invokes `functionArn` with `request` as it is. */
export const PlanStepSchema = z.object({
  actuator: z.string(),
  functionArn: z.string(),
  request: z.record(z.string(), z.unknown()),
});
export type PlanStep = z.infer<typeof PlanStepSchema>;

/**
 * What one playbook run will do and why, decided before anything changes. The state machine reads it
 * (`$.plan`): `steps` are applied in order, `releaseSteps` after the patch is verified, and
 * `compensationSteps` when the run fails; the notifier gets the whole plan; the patch loop uses
 * `targetAssetIds`, `patchCheckIntervalSeconds` and `maxPatchChecks`.
 */
export const PlaybookPlanSchema = z.object({
  tenant: TenantIdSchema,
  execution: z.string(),
  /** This run's hold on everything it changes. */
  hold: HoldSchema,
  vulnerability: ExposureDetectedSchema.shape.vulnerability,
  decision: DecisionSchema,
  mode: ActionModeSchema,
  /** Shadow mode, for readers that know the older name. */
  dryRun: z.boolean(),
  /** One line for actuators to record as the reason of each action. */
  reason: z.string(),
  reasons: z.array(z.string()),
  /** Exposures of the assets acted on. */
  exposureIds: z.array(z.string()),
  /** Exposed assets the event reported, acted on or not. */
  assetCount: z.number().int(),
  steps: z.array(PlanStepSchema),
  releaseSteps: z.array(PlanStepSchema),
  compensationSteps: z.array(PlanStepSchema),
  /** Per actuator: when its changes expire and what happens then. */
  expiry: z.record(z.string(), z.object({ expiresAt: z.string(), onExpiry: OnExpirySchema, onFailure: OnFailureSchema })),
  /** Number of actuator targets; 0 means there is nothing to do. */
  targetCount: z.number().int(),
  /** Assets acted on: the ones whose patch state the playbook waits for. */
  targetAssetIds: z.array(z.string()),
  skipped: z.array(SkippedAssetSchema),
  patchCheckIntervalSeconds: z.number().int().min(1),
  maxPatchChecks: z.number().int().min(1),
  plannedAt: z.string(),
});
export type PlaybookPlan = z.infer<typeof PlaybookPlanSchema>;

/** How often and how long the playbook looks for the fix before it gives up and reports. */
export interface PatchWatchPolicy {
  intervalSeconds: number;
  maxChecks: number;
}

/** Hourly for three days: Citrix-class fixes usually land within a maintenance window or two. */
export const DEFAULT_PATCH_WATCH: PatchWatchPolicy = { intervalSeconds: 3600, maxChecks: 72 };

export interface PlanDeps {
  repositories: Pick<Repositories, 'assets' | 'exposures' | 'vulnerabilities' | 'guardrailWindows'>;
  policyFor: (tenant: string) => GuardrailPolicy;
  /** The actuators, in the order a plan applies them (functions/actuators/registry.ts). */
  actuators: readonly ActuatorDefinition<unknown>[];
  /** Function ARN per actuator name, as the stack deployed them (`ACTUATOR_FUNCTION_ARNS`). */
  functionArns: Readonly<Record<string, string>>;
  /** The stack's own account: events from any other account start nothing. */
  ownAccount?: string | undefined;
  now: () => Date;
  patchWatch?: PatchWatchPolicy;
}

const CRITICALITY_RANK = { high: 2, medium: 1, low: 0 } as const;
const MAX_REASON_LENGTH = 500;
const MAX_REASONS = 50;
/** Writers racing for the tenant's blast-radius window re-read and recount at most this often. */
const WINDOW_ATTEMPTS = 5;

/**
 * Decides what the cve-exposure-response playbook changes. Only forestall's own findings start action:
 * the targets are the exposures forestall stored (open, decided `act`) for the event's tenant and CVE;
 * the event's asset ids are hints, and a hint without such an exposure is skipped with the reason. The
 * tenant's guardrails then apply: never-touch tags and protected identities (protection follows the
 * vendor identity: a host, instance, group or app protected by any inventory record stays protected),
 * the per-run cap, and the cap over the tenant's time window. Nothing is changed here; every asset not
 * acted on is listed in `skipped` with why.
 */
export async function planResponse(deps: PlanDeps, input: PlanInput): Promise<PlaybookPlan> {
  const { detail, execution } = input;
  const { tenant } = detail;
  const policy = deps.policyFor(tenant);
  const now = deps.now();
  const skipped: SkippedAsset[] = [];
  const patchWatch = deps.patchWatch ?? DEFAULT_PATCH_WATCH;
  const vulnerability = await deps.repositories.vulnerabilities.get(tenant, detail.vulnerability.id);
  const base = {
    tenant,
    execution,
    hold: { id: execution, label: detail.vulnerability.id },
    vulnerability: vulnerability ? vulnerabilitySummary(vulnerability) : { id: detail.vulnerability.id, kev: false },
    decision: 'act' as const,
    mode: policy.mode,
    dryRun: policy.mode === 'shadow',
    assetCount: detail.assetCount,
    patchCheckIntervalSeconds: patchWatch.intervalSeconds,
    maxPatchChecks: patchWatch.maxChecks,
    plannedAt: now.toISOString(),
  };
  const nothing = (reason: string, assetIds: readonly string[] = detail.assetIds): PlaybookPlan => ({
    ...base,
    reason,
    reasons: [reason],
    exposureIds: [],
    steps: [],
    releaseSteps: [],
    compensationSteps: [],
    expiry: {},
    targetCount: 0,
    targetAssetIds: [],
    skipped: assetIds.map((assetId) => ({ assetId, reason })),
  });

  if (deps.ownAccount && input.account && input.account !== deps.ownAccount) {
    return nothing(`the event came from account ${input.account}: only findings of this account (${deps.ownAccount}) start action`);
  }
  if (!vulnerability) return nothing(`${detail.vulnerability.id} is not in forestall's store for tenant ${tenant}: nothing is done on an event's word`);

  // Stored exposures decide; the event's ids are only where to look first.
  const exposures = await storedActExposures(deps, detail.tenant, detail.vulnerability.id, detail.assetIds, detail.assetCount);
  const candidates: Array<{ asset: Asset; exposure: Exposure }> = [];
  const assets = new Map((await deps.repositories.assets.getMany(tenant, [...exposures.acted.keys()])).map((asset) => [asset.id, asset]));
  for (const [assetId, why] of exposures.refused) skipped.push({ assetId, reason: why });
  for (const [assetId, exposure] of exposures.acted) {
    const asset = assets.get(assetId);
    if (asset) candidates.push({ asset, exposure });
    else skipped.push({ assetId, reason: 'asset not found in the inventory' });
  }
  // When a cap bites, the most exposed assets are the ones acted on.
  candidates.sort(
    (a, b) => Number(b.asset.internetFacing) - Number(a.asset.internetFacing) || CRITICALITY_RANK[b.asset.criticality] - CRITICALITY_RANK[a.asset.criticality] || a.asset.id.localeCompare(b.asset.id),
  );

  const selected: Array<{ asset: Asset; exposure: Exposure }> = [];
  for (const candidate of candidates) {
    const { asset } = candidate;
    const tag = neverTouchTag(asset, policy.neverTouchTags);
    if (tag) skipped.push({ assetId: asset.id, reason: `never-touch tag ${tag}` });
    else if (!asset.cloud && !asset.edr && !asset.idp) skipped.push({ assetId: asset.id, reason: 'no cloud, EDR or IdP binding to act on' });
    else if (selected.length >= policy.maxAssetsPerRun) skipped.push({ assetId: asset.id, reason: `blast-radius cap of ${policy.maxAssetsPerRun} assets per run reached` });
    else selected.push(candidate);
  }

  // Protection follows the vendor identity: an actuator does not act for an asset when its target there
  // touches an identity some record protects (the host, its group, the app in front of it).
  const protection = await protectedIdentities(deps, tenant, selected.map((c) => c.asset), policy);
  const enabled = deps.actuators.filter((definition) => policy.actuators[definition.name]?.enabled !== false);
  const allowed = new Map<string, Set<string>>(enabled.map((definition) => [definition.name, new Set<string>()]));
  const actionable: Array<{ asset: Asset; exposure: Exposure }> = [];
  for (const candidate of selected) {
    let any = false;
    for (const definition of enabled) {
      const targets = definition.targetsFor([candidate.asset]);
      if (targets.length === 0) continue;
      const identity = targets.flatMap((target) => definition.identitiesOf(target)).find((id) => protection.has(id));
      if (identity) {
        skipped.push({ assetId: candidate.asset.id, reason: `${definition.name}: protected: ${identity} ${protection.get(identity)}` });
        continue;
      }
      allowed.get(definition.name)?.add(candidate.asset.id);
      any = true;
    }
    if (any) actionable.push(candidate);
  }

  const withinWindow = policy.mode === 'enforce' ? await reserveWindow(deps, tenant, policy, actionable, skipped, now) : actionable;
  const acted = withinWindow.map((c) => c.asset);
  const exposureIds = withinWindow.map((c) => c.exposure.id);
  const reasons = distinct(withinWindow.flatMap((c) => c.exposure.reasons));
  const reason = describeReason(base.vulnerability, reasons);
  const hold = base.hold;

  const steps: PlanStep[] = [];
  const releaseSteps: PlanStep[] = [];
  const compensationSteps: PlanStep[] = [];
  const expiry: PlaybookPlan['expiry'] = {};
  let targetCount = 0;
  for (const definition of enabled) {
    const overrides = policy.actuators[definition.name] ?? {};
    const targets = definition.targetsFor(acted.filter((asset) => allowed.get(definition.name)?.has(asset.id)));
    if (targets.length === 0) continue;
    const functionArn = deps.functionArns[definition.name];
    if (!functionArn) {
      for (const target of targets) for (const assetId of definition.assetIdsOf(target)) skipped.push({ assetId, reason: `${definition.name} is not deployed` });
      continue;
    }
    targetCount += targets.length;
    const request = { operation: 'apply', tenant, execution, mode: policy.mode, reason, hold, exposureIds, targets };
    // One-shot changes (signing users out) have nothing to undo, so nothing to expire or compensate.
    if (!definition.reversible) {
      steps.push({ actuator: definition.name, functionArn, request });
      continue;
    }
    const hours = overrides.expiresAfterHours ?? definition.policy.expiresAfterHours;
    const onExpiry = overrides.onExpiry ?? definition.policy.onExpiry;
    const onFailure = overrides.onFailure ?? definition.policy.onFailure;
    const expiresAt = new Date(now.getTime() + hours * 3_600_000).toISOString();
    expiry[definition.name] = { expiresAt, onExpiry, onFailure };
    steps.push({ actuator: definition.name, functionArn, request: { ...request, expiry: { expiresAt, onExpiry } } });
    const release: PlanStep = { actuator: definition.name, functionArn, request: { operation: 'release', tenant, execution, reason: 'patch verified on every contained asset', hold } };
    releaseSteps.unshift(release);
    if (onFailure === 'revert') {
      compensationSteps.unshift({ ...release, request: { ...release.request, reason: 'compensation: the playbook run failed' } });
    }
  }

  return {
    ...base,
    reason,
    reasons,
    exposureIds,
    steps,
    releaseSteps,
    compensationSteps,
    expiry,
    targetCount,
    targetAssetIds: acted.map((asset) => asset.id),
    skipped,
  };
}

/**
 * The exposures to act on: the event's ids first, then (when it reported more than it carried) the other
 * stored open `act` exposures of the CVE. An id without a stored open `act` exposure is refused.
 */
async function storedActExposures(
  deps: PlanDeps,
  tenant: string,
  vulnerability: string,
  hints: readonly string[],
  assetCount: number,
): Promise<{ acted: Map<string, Exposure>; refused: Map<string, string> }> {
  const unique = [...new Set(hints)];
  const stored = new Map((await deps.repositories.exposures.getMany(tenant, unique.map((asset) => ({ vulnerability, asset })))).map((e) => [e.asset, e]));
  const acted = new Map<string, Exposure>();
  const refused = new Map<string, string>();
  for (const asset of unique) {
    const exposure = stored.get(asset);
    if (!exposure) refused.set(asset, `no stored exposure of ${vulnerability} on this asset (an event's asset ids are hints only)`);
    else if (exposure.decision !== 'act' || exposure.state !== 'open') refused.set(asset, `the stored exposure is ${exposure.state}, decided ${exposure.decision}, not open and act`);
    else acted.set(asset, exposure);
  }
  if (assetCount > unique.length) {
    for (const exposure of await deps.repositories.exposures.listByVulnerability(tenant, vulnerability)) {
      if (exposure.decision === 'act' && exposure.state === 'open' && !acted.has(exposure.asset) && !refused.has(exposure.asset)) acted.set(exposure.asset, exposure);
    }
  }
  return { acted, refused };
}

/**
 * Vendor identities that must not be touched, with why: those the policy lists, and every identity named
 * by an asset carrying a never-touch tag, whichever record that is.
 */
async function protectedIdentities(deps: PlanDeps, tenant: string, candidates: readonly Asset[], policy: GuardrailPolicy): Promise<Map<string, string>> {
  const reasons = new Map<string, string>(policy.protectedIdentities.map((identity) => [identity, 'is a protected identity in the tenant policy']));
  const identities = [...new Set(candidates.flatMap((asset) => assetIdentities(asset)))];
  if (identities.length === 0) return reasons;
  const byIdentity = await deps.repositories.assets.assetIdsByIdentity(tenant, identities);
  const others = [...new Set([...byIdentity.values()].flat())];
  const named = new Map((await deps.repositories.assets.getMany(tenant, others)).map((asset) => [asset.id, asset]));
  for (const candidate of candidates) named.set(candidate.id, candidate);
  for (const [identity, assetIds] of byIdentity) {
    for (const assetId of assetIds) {
      const asset = named.get(assetId);
      const tag = asset ? neverTouchTag(asset, policy.neverTouchTags) : undefined;
      if (tag && !reasons.has(identity)) reasons.set(identity, `is named by asset ${assetId}, which carries ${tag}`);
    }
  }
  return reasons;
}

/**
 * Takes places in the tenant's blast-radius window (distinct assets acted on within `windowHours`) for
 * the selected assets, most exposed first. Assets already acted on within the window take no new place.
 * The window is written with optimistic concurrency, so concurrent runs cannot both take the last place.
 */
async function reserveWindow<T extends { asset: Asset }>(deps: PlanDeps, tenant: string, policy: GuardrailPolicy, selected: readonly T[], skipped: SkippedAsset[], now: Date): Promise<T[]> {
  const since = new Date(now.getTime() - policy.windowHours * 3_600_000).toISOString();
  for (let attempt = 0; attempt < WINDOW_ATTEMPTS; attempt += 1) {
    const window = await deps.repositories.guardrailWindows.get(tenant);
    const acted = Object.fromEntries(Object.entries(window.acted).filter(([, at]) => at >= since));
    const kept: T[] = [];
    const refused: SkippedAsset[] = [];
    for (const candidate of selected) {
      const id = candidate.asset.id;
      if (acted[id] === undefined && Object.keys(acted).length >= policy.maxAssetsPerWindow) {
        refused.push({ assetId: id, reason: `blast-radius cap of ${policy.maxAssetsPerWindow} assets per ${policy.windowHours} h for the tenant reached` });
        continue;
      }
      acted[id] = now.toISOString();
      kept.push(candidate);
    }
    if (kept.length === 0 || (await deps.repositories.guardrailWindows.put({ tenant, acted, version: window.version }))) {
      skipped.push(...refused);
      return kept;
    }
  }
  throw new Error(`the blast-radius window of tenant ${tenant} kept changing under ${WINDOW_ATTEMPTS} attempts; the playbook retries`);
}

function neverTouchTag(asset: Asset, neverTouchTags: Record<string, string>): string | undefined {
  for (const [key, value] of Object.entries(neverTouchTags)) {
    if (asset.tags[key] === value) return `${key}=${value}`;
  }
  return undefined;
}

function distinct(reasons: readonly string[]): string[] {
  const all = [...new Set(reasons)];
  return all.length <= MAX_REASONS ? all : [...all.slice(0, MAX_REASONS - 1), `... and ${all.length - (MAX_REASONS - 1)} more reasons on the stored exposures`];
}

function describeReason(vulnerability: PlaybookPlan['vulnerability'], reasons: readonly string[]): string {
  const name = vulnerability.name ? ` (${vulnerability.name})` : '';
  const kev = vulnerability.kev ? ', known exploited (CISA KEV)' : '';
  const why = reasons.length > 0 ? `: ${reasons.filter((r) => !r.startsWith('affected:')).slice(0, 5).join('; ')}` : '';
  const reason = `${vulnerability.id}${name}, SSVC act${kev}${why}`;
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

