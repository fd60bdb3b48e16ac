import { z } from 'zod';
import type { Asset } from '../model/asset.ts';
import { ExposureDetectedSchema, type ExposureDetected } from '../model/events.ts';
import { DecisionSchema, exposureId } from '../model/exposure.ts';
import type { GuardrailPolicy } from '../model/tenant.ts';
import type { Repositories } from '../store/ports.ts';

/** Input of the Plan task: the event's detail and the execution that acts on it. */
export const PlanInputSchema = z.object({
  detail: ExposureDetectedSchema,
  execution: z.string().min(1),
});
export type PlanInput = z.infer<typeof PlanInputSchema>;

/** EC2 security-group actuator target: the instance whose internet ingress is restricted. */
export const NetworkTargetSchema = z.object({
  assetId: z.string(),
  account: z.string(),
  region: z.string(),
  instanceId: z.string(),
  securityGroups: z.array(z.string()),
});
export type NetworkTarget = z.infer<typeof NetworkTargetSchema>;

/** Okta actuator target: one application, however many exposed assets sit behind it. */
export const IdentityTargetSchema = z.object({
  appId: z.string(),
  adminGroupId: z.string().optional(),
  assetIds: z.array(z.string()),
});
export type IdentityTarget = z.infer<typeof IdentityTargetSchema>;

/** CrowdStrike actuator target: the host to network-contain. */
export const EndpointTargetSchema = z.object({
  assetId: z.string(),
  deviceId: z.string(),
});
export type EndpointTarget = z.infer<typeof EndpointTargetSchema>;

export const SkippedAssetSchema = z.object({ assetId: z.string(), reason: z.string() });
export type SkippedAsset = z.infer<typeof SkippedAssetSchema>;

/**
 * What one playbook run will do and why, decided before anything changes. Later states read it
 * (`$.plan`): actuators get `targets.*`, the notifier gets the whole plan, the patch loop uses
 * `targetAssetIds`, `patchCheckIntervalSeconds` and `maxPatchChecks`.
 */
export const PlaybookPlanSchema = z.object({
  tenant: z.string(),
  execution: z.string(),
  vulnerability: ExposureDetectedSchema.shape.vulnerability,
  decision: DecisionSchema,
  dryRun: z.boolean(),
  /** One line for actuators to record as the reason of each action. */
  reason: z.string(),
  reasons: z.array(z.string()),
  /** Exposures of the assets acted on. */
  exposureIds: z.array(z.string()),
  /** Exposed assets the event reported, acted on or not. */
  assetCount: z.number().int(),
  targets: z.object({
    network: z.array(NetworkTargetSchema),
    identity: z.array(IdentityTargetSchema),
    endpoint: z.array(EndpointTargetSchema),
  }),
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
  repositories: Pick<Repositories, 'assets' | 'exposures'>;
  guardrails: GuardrailPolicy;
  now: () => Date;
  patchWatch?: PatchWatchPolicy;
}

const CRITICALITY_RANK = { high: 2, medium: 1, low: 0 } as const;
const MAX_REASON_LENGTH = 500;

/**
 * Decides what the cve-exposure-response playbook changes: loads the exposed assets, applies the
 * tenant's guardrails (never-touch tags, blast-radius cap, dry-run) and turns the remaining assets into
 * actuator targets. Nothing is changed here; every asset not acted on is listed in `skipped` with why.
 */
export async function planResponse(deps: PlanDeps, input: PlanInput): Promise<PlaybookPlan> {
  const { detail, execution } = input;
  const { guardrails } = deps;
  const assetIds = await exposedAssetIds(deps, detail);
  const found = new Map((await deps.repositories.assets.getMany(detail.tenant, assetIds)).map((asset) => [asset.id, asset]));

  const skipped: SkippedAsset[] = [];
  const candidates: Asset[] = [];
  for (const id of assetIds) {
    const asset = found.get(id);
    if (asset) candidates.push(asset);
    else skipped.push({ assetId: id, reason: 'asset not found in the inventory' });
  }
  // When the cap bites, the most exposed assets are the ones acted on.
  candidates.sort(
    (a, b) => Number(b.internetFacing) - Number(a.internetFacing) || CRITICALITY_RANK[b.criticality] - CRITICALITY_RANK[a.criticality],
  );

  const selected: Asset[] = [];
  for (const asset of candidates) {
    const protectedBy = neverTouchTag(asset, guardrails.neverTouchTags);
    if (protectedBy) {
      skipped.push({ assetId: asset.id, reason: `never-touch tag ${protectedBy}` });
    } else if (!asset.cloud && !asset.edr && !asset.idp) {
      skipped.push({ assetId: asset.id, reason: 'no cloud, EDR or IdP binding to act on' });
    } else if (selected.length >= guardrails.maxAssetsPerRun) {
      skipped.push({ assetId: asset.id, reason: `blast-radius cap ${guardrails.maxAssetsPerRun} reached` });
    } else {
      selected.push(asset);
    }
  }

  const targets = toTargets(selected);
  const patchWatch = deps.patchWatch ?? DEFAULT_PATCH_WATCH;
  return {
    tenant: detail.tenant,
    execution,
    vulnerability: detail.vulnerability,
    decision: detail.decision,
    dryRun: guardrails.dryRun,
    reason: describeReason(detail),
    reasons: detail.reasons,
    exposureIds: selected.map((asset) => exposureId(detail.vulnerability.id, asset.id)),
    assetCount: detail.assetCount,
    targets,
    targetCount: targets.network.length + targets.identity.length + targets.endpoint.length,
    targetAssetIds: selected.map((asset) => asset.id),
    skipped,
    patchCheckIntervalSeconds: patchWatch.intervalSeconds,
    maxPatchChecks: patchWatch.maxChecks,
    plannedAt: deps.now().toISOString(),
  };
}

/** The event carries at most MAX_INLINE_ASSETS ids; the rest are the open exposures with the same decision. */
async function exposedAssetIds(deps: PlanDeps, detail: ExposureDetected): Promise<string[]> {
  const ids = [...new Set(detail.assetIds)];
  if (detail.assetCount <= ids.length) return ids;
  const known = new Set(ids);
  const exposures = await deps.repositories.exposures.listByVulnerability(detail.tenant, detail.vulnerability.id);
  for (const exposure of exposures) {
    if (exposure.decision !== detail.decision || exposure.state !== 'open' || known.has(exposure.asset)) continue;
    known.add(exposure.asset);
    ids.push(exposure.asset);
  }
  return ids;
}

function neverTouchTag(asset: Asset, neverTouchTags: Record<string, string>): string | undefined {
  for (const [key, value] of Object.entries(neverTouchTags)) {
    if (asset.tags[key] === value) return `${key}=${value}`;
  }
  return undefined;
}

function toTargets(assets: readonly Asset[]): PlaybookPlan['targets'] {
  const network: NetworkTarget[] = [];
  const endpoint: EndpointTarget[] = [];
  const identity = new Map<string, IdentityTarget>();
  for (const asset of assets) {
    if (asset.cloud) {
      const { account, region, instanceId, securityGroups } = asset.cloud;
      network.push({ assetId: asset.id, account, region, instanceId, securityGroups });
    }
    if (asset.edr) endpoint.push({ assetId: asset.id, deviceId: asset.edr.deviceId });
    if (asset.idp) {
      // One Okta app fronts many gateways: its admins' sessions are cleared once per run.
      const target = identity.get(asset.idp.appId) ?? { appId: asset.idp.appId, assetIds: [] };
      if (!target.adminGroupId && asset.idp.adminGroupId) target.adminGroupId = asset.idp.adminGroupId;
      target.assetIds.push(asset.id);
      identity.set(asset.idp.appId, target);
    }
  }
  return { network, identity: [...identity.values()], endpoint };
}

function describeReason(detail: ExposureDetected): string {
  const { vulnerability } = detail;
  const name = vulnerability.name ? ` (${vulnerability.name})` : '';
  const kev = vulnerability.kev ? ', known exploited (CISA KEV)' : '';
  const why = detail.reasons.length > 0 ? `: ${detail.reasons.join('; ')}` : '';
  const reason = `${vulnerability.id}${name}, SSVC ${detail.decision}${kev}${why}`;
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
