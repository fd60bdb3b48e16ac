import { PackageURL } from 'packageurl-js';
import { AssetSchema, type Asset, type NetworkFacts, type Software } from '../model/asset.ts';
import { describeIssues } from '../ingest/describe-issues.ts';
import { InvalidInputError } from './parse-inventory.ts';

/**
 * What one inventory source knows of an asset (a cloud finding, EC2 metadata): only the fields it
 * read. `mergeAssetPartial` folds it into the stored asset, so several sources build one asset.
 */
export interface AssetPartial {
  id: string;
  hostname?: string;
  ips?: string[];
  tags?: Record<string, string>;
  cloud?: NonNullable<Asset['cloud']>;
  software?: Software[];
  /**
   * Software the source says is no longer there (the package version of a closed finding): removed
   * on merge, since a union alone would keep a patched version matched forever.
   */
  absentSoftware?: Software[];
  network?: NetworkFacts;
}

/** One spelling per package: purls compare in packageurl-js's canonical form, CPEs as written. */
export function softwareIdentity(software: Software): string {
  if ('cpe' in software) return software.cpe;
  try {
    return PackageURL.fromString(software.purl).toString();
  } catch {
    return software.purl;
  }
}

const union = <T>(first: readonly T[], second: readonly T[]) => [...new Set([...first, ...second])];

/**
 * Merges what a source knows of an asset into the stored one (`existing`, or none yet):
 * - software: the union by identifier (canonical purl / CPE), existing order first, minus `absentSoftware`;
 * - network: the partial's replaces the stored facts (the newer view of groups and IPs), except
 *   `servicePorts`, kept when the partial has none (EC2 cannot see what listens);
 * - bindings: edr and idp are kept; the cloud binding is updated, its security groups replaced only
 *   when the partial names some (a finding names none);
 * - ips united, tags overlaid, hostname kept when the stored asset has one; declared facts
 *   (internetFacing, criticality, owner) stay the inventory's.
 * The result passes `AssetSchema`.
 * @throws InvalidInputError when the ids differ or the partial names another instance than the stored binding.
 */
export function mergeAssetPartial(existing: Asset | undefined, partial: AssetPartial, sourceName = 'merge'): Asset {
  if (existing && existing.id !== partial.id) {
    throw new InvalidInputError(sourceName, 'id', `asset id "${partial.id}" is not the stored asset's id "${existing.id}"`);
  }
  if (existing?.cloud && partial.cloud && existing.cloud.instanceId !== partial.cloud.instanceId) {
    throw new InvalidInputError(
      sourceName,
      'cloud.instanceId',
      `asset ${partial.id}: instance ${partial.cloud.instanceId} is not the stored binding's instance ${existing.cloud.instanceId}`,
    );
  }

  const absent = new Set((partial.absentSoftware ?? []).map(softwareIdentity));
  const software: Software[] = [];
  const seen = new Set<string>();
  for (const entry of [...(existing?.software ?? []), ...(partial.software ?? [])]) {
    const identity = softwareIdentity(entry);
    if (seen.has(identity) || absent.has(identity)) continue;
    seen.add(identity);
    software.push(entry);
  }

  const merged: Record<string, unknown> = { ...(existing ?? { id: partial.id }) };
  merged.software = software;
  merged.ips = union(existing?.ips ?? [], partial.ips ?? []);
  merged.tags = { ...(existing?.tags ?? {}), ...(partial.tags ?? {}) };
  if (!existing?.hostname && partial.hostname) merged.hostname = partial.hostname;
  if (partial.cloud) {
    const groups = partial.cloud.securityGroups.length > 0 ? partial.cloud.securityGroups : (existing?.cloud?.securityGroups ?? []);
    merged.cloud = { ...partial.cloud, securityGroups: groups };
  }
  if (partial.network) {
    const servicePorts = partial.network.servicePorts ?? existing?.network?.servicePorts;
    merged.network = { ...partial.network, ...(servicePorts ? { servicePorts } : {}) };
  }

  const parsed = AssetSchema.safeParse(merged);
  if (!parsed.success) {
    throw new InvalidInputError(sourceName, 'asset', `asset ${partial.id}: ${describeIssues(parsed.error.issues).join('; ')}`);
  }
  return parsed.data;
}

/** The asset a partial alone makes (no stored asset yet): defaults for what the source did not say. */
export const assetOfPartial = (partial: AssetPartial, sourceName?: string): Asset => mergeAssetPartial(undefined, partial, sourceName);
