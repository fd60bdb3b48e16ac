import { z } from 'zod';
import { isStillAffected } from '../match/match-vulnerability.ts';
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
});
export type PatchCheck = z.infer<typeof PatchCheckSchema>;

export interface CheckPatchDeps {
  repositories: Pick<Repositories, 'assets' | 'vulnerabilities'>;
  now?: () => Date;
}

/**
 * Re-reads the contained assets and asks whether each still runs a version the vulnerability affects.
 * An asset that has left the inventory counts as still affected: containment is only lifted on evidence
 * of the fix, never on its absence.
 */
export async function checkPatch(deps: CheckPatchDeps, input: CheckPatchInput): Promise<PatchCheck> {
  const { tenant, vulnerability: vulnerabilityId, assetIds, attempt } = CheckPatchInputSchema.parse(input);
  const vulnerability = await deps.repositories.vulnerabilities.get(tenant, vulnerabilityId);
  if (!vulnerability) throw new VulnerabilityNotFound(tenant, vulnerabilityId);

  const ids = [...new Set(assetIds)];
  const assets = new Map((await deps.repositories.assets.getMany(tenant, ids)).map((asset) => [asset.id, asset]));
  const stillAffected: string[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const asset = assets.get(id);
    if (!asset) missing.push(id);
    if (!asset || isStillAffected(vulnerability, asset)) stillAffected.push(id);
  }
  return {
    patched: stillAffected.length === 0,
    stillAffected,
    missing,
    checkedAt: (deps.now ?? (() => new Date()))().toISOString(),
    attempt,
  };
}
