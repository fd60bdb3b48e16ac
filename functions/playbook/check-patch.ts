import { z } from 'zod';
import { isStillAffected } from '../match/match-vulnerability.ts';
import type { Exposure } from '../model/exposure.ts';
import type { Repositories } from '../store/ports.ts';
import { VulnerabilityNotFound } from './playbook-errors.ts';
import { TenantIdSchema } from '../model/tenant.ts';

/** Input of the CheckPatch task. `attempt` counts the checks of this run, starting at 1. */
export const CheckPatchInputSchema = z.object({
  tenant: TenantIdSchema,
  vulnerability: z.string().min(1),
  assetIds: z.array(z.string().min(1)),
  attempt: z.number().int().min(1).default(1),
});
export type CheckPatchInput = z.input<typeof CheckPatchInputSchema>;

export const PatchCheckSchema = z.object({
  /** True when no contained asset still runs an affected version. */
  patched: z.boolean(),
  /** Assets still affected, including those no longer in the inventory. */
  stillAffected: z.array(z.string()),
  /** Assets that disappeared from the inventory: their fix cannot be verified. */
  missing: z.array(z.string()),
  checkedAt: z.string(),
  attempt: z.number().int(),
  /**
   * Assets whose exposure the matcher already found remediated on an inventory change (or that were
   * verified before): taken as fixed without matching them again.
   */
  remediatedByInventory: z.array(z.string()).optional(),
});
export type PatchCheck = z.infer<typeof PatchCheckSchema>;

export interface CheckPatchDeps {
  /** Without `exposures`, every asset is matched again (the expiry sweeper's use). */
  repositories: Pick<Repositories, 'assets' | 'vulnerabilities'> & Partial<Pick<Repositories, 'exposures'>>;
  now?: () => Date;
}

/** Exposure states that say the inventory no longer shows an affected version. */
const FIXED_STATES: ReadonlySet<Exposure['state']> = new Set(['remediated', 'verified']);

/**
 * Is every asset acted on fixed? The exposures are read first: one the matcher marked `remediated` when an
 * inventory change no longer showed an affected version counts as fixed without matching it again. The
 * other assets are re-read and matched against the vulnerability. An asset that has left the inventory
 * counts as still affected: containment is only lifted on evidence of the fix, never on its absence.
 * Read only: the playbook's RecordVerified step marks the exposures `verified` once it released them.
 */
export async function checkPatch(deps: CheckPatchDeps, input: CheckPatchInput): Promise<PatchCheck> {
  const { tenant, vulnerability: vulnerabilityId, assetIds, attempt } = CheckPatchInputSchema.parse(input);
  const checkedAt = (deps.now ?? (() => new Date()))().toISOString();
  const ids = [...new Set(assetIds)];

  const repository = deps.repositories.exposures;
  const exposures = repository ? await repository.getMany(tenant, ids.map((asset) => ({ vulnerability: vulnerabilityId, asset }))) : [];
  const fixed = new Set(exposures.filter((exposure) => FIXED_STATES.has(exposure.state)).map((exposure) => exposure.asset));
  const remediatedByInventory = ids.filter((id) => fixed.has(id));
  const toMatch = ids.filter((id) => !fixed.has(id));

  const stillAffected: string[] = [];
  const missing: string[] = [];
  if (toMatch.length > 0) {
    const vulnerability = await deps.repositories.vulnerabilities.get(tenant, vulnerabilityId);
    if (!vulnerability) throw new VulnerabilityNotFound(tenant, vulnerabilityId);
    const assets = new Map((await deps.repositories.assets.getMany(tenant, toMatch)).map((asset) => [asset.id, asset]));
    for (const id of toMatch) {
      const asset = assets.get(id);
      if (!asset) missing.push(id);
      if (!asset || isStillAffected(vulnerability, asset)) stillAffected.push(id);
    }
  }

  return { patched: stillAffected.length === 0, stillAffected, missing, checkedAt, attempt, remediatedByInventory };
}
