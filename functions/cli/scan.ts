import { vulnerabilityContentHash } from '../ingest/content-hash.ts';
import { parseIntelDocument } from '../ingest/intel-file.ts';
import { mergeVulnerability } from '../ingest/vulnerability-draft.ts';
import { matchExposures } from '../match/match-exposures.ts';
import type { Decision } from '../model/exposure.ts';
import { mapConcurrently } from '../store/map-concurrently.ts';
import { importInventoryFiles, readJsonFile } from './inventory-files.ts';
import type { Repositories } from '../store/ports.ts';

export interface ScanInput {
  tenant: string;
  intelFiles: readonly string[];
  inventoryFiles: readonly string[];
}

/** One row of `forestall scan --json`. */
export interface ScanExposure {
  vulnerability: string;
  asset: string;
  component: string;
  version: string;
  decision: Decision;
  internetFacing: boolean;
  kev: boolean;
  reasons: string[];
}

export interface ScanResult {
  exposures: ScanExposure[];
  quarantined: Array<{ source: string; record: string; reason: string }>;
  /** Input problems, each naming the file and the field; a non-empty list means exit code 2. */
  problems: string[];
}

const STORE_CONCURRENCY = 16;
const DECISION_RANK: Record<Decision, number> = { act: 0, attend: 1, 'track*': 2, track: 3 };

/**
 * Ingest and match only, no actions: imports the inventories, stores the intel (KEV catalogue, NVD API
 * responses or NVD cve records, told apart by content), then matches every CVE that came with NVD
 * configurations against the whole stored estate. A bad file or record is reported and quarantined;
 * the valid rest of the run is still processed, and nothing stored earlier is touched by the bad input.
 */
export async function scan(deps: { repositories: Repositories; now: () => Date }, input: ScanInput): Promise<ScanResult> {
  const { repositories } = deps;
  const result: ScanResult = { exposures: [], quarantined: [], problems: [] };
  const quarantine = (source: string, record: string, reason: string) => {
    result.quarantined.push({ source, record, reason });
    result.problems.push(reason.startsWith(`${source}:`) ? reason : `${source}: ${reason}`);
  };

  const imported = await importInventoryFiles(deps, input.tenant, input.inventoryFiles);
  result.quarantined.push(...imported.quarantined);
  result.problems.push(...imported.problems);

  const vulnerabilityIds = new Set<string>();
  for (const file of input.intelFiles) {
    const read = await readJsonFile(file);
    if (!read.ok) {
      result.problems.push(read.problem);
      continue;
    }
    let parsed: ReturnType<typeof parseIntelDocument>;
    try {
      parsed = parseIntelDocument(read.json, file, { tenant: input.tenant, now: deps.now().toISOString() });
    } catch (error) {
      result.problems.push((error as Error).message);
      continue;
    }
    for (const { record, reason } of parsed.quarantined) {
      await repositories.quarantine.put({ tenant: input.tenant, source: file, record, reason, quarantinedAt: deps.now().toISOString() });
      quarantine(file, record, reason);
    }
    await mapConcurrently(parsed.vulnerabilities, STORE_CONCURRENCY, async (draft) => {
      const existing = await repositories.vulnerabilities.get(input.tenant, draft.id);
      const merged = mergeVulnerability(existing, draft, input.tenant, deps.now().toISOString());
      await repositories.vulnerabilities.put(merged, vulnerabilityContentHash(merged));
      if (merged.nvd?.configurations.length) vulnerabilityIds.add(merged.id);
    });
  }

  for (const vulnerabilityId of [...vulnerabilityIds].sort()) {
    await matchExposures({ repositories, publishEvents: async () => {}, now: deps.now }, { tenant: input.tenant, vulnerabilityId });
    for (const exposure of await repositories.exposures.listByVulnerability(input.tenant, vulnerabilityId)) {
      if (exposure.state !== 'open') continue;
      result.exposures.push({
        vulnerability: exposure.vulnerability,
        asset: exposure.asset,
        component: exposure.component,
        version: exposure.version,
        decision: exposure.decision,
        internetFacing: exposure.internetFacing,
        kev: exposure.kev,
        reasons: exposure.reasons,
      });
    }
  }
  result.exposures.sort(
    (a, b) => DECISION_RANK[a.decision] - DECISION_RANK[b.decision] || a.vulnerability.localeCompare(b.vulnerability) || a.asset.localeCompare(b.asset),
  );
  return result;
}
