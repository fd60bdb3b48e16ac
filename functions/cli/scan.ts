import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ParsedIntel } from '../ingest/intel-draft.ts';
import { ingestPayload } from '../ingest/ingest-runner.ts';
import { detectSource, INTEL_SOURCES } from '../ingest/sources/registry.ts';
import { matchExposures } from '../match/match-exposures.ts';
import type { Decision } from '../model/exposure.ts';
import { importInventoryFiles } from './inventory-files.ts';
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
 * Ingest and match only, no actions: imports the inventories, stores the intel (any format a registered
 * source reads, told apart by content), then matches every vulnerability the files named against the
 * whole stored estate. A bad file or record is reported and quarantined;
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
  const ingestDeps = { intel: repositories.intel, quarantine: repositories.quarantine, cursors: repositories.cursors, publishEvents: async () => {}, now: deps.now };
  for (const file of input.intelFiles) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      result.problems.push(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      continue;
    }
    const source = detectSource(text);
    if (!source) {
      result.problems.push(`${file}: not an intel format forestall reads (${INTEL_SOURCES.map((candidate) => candidate.title).join('; ')})`);
      continue;
    }
    let parsed: ParsedIntel;
    try {
      ({ parsed } = await ingestPayload(source, ingestDeps, { tenant: input.tenant, payload: text, label: basename(file) }));
    } catch (error) {
      result.problems.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    for (const { record, reason } of parsed.rejected) quarantine(file, record, reason);
    for (const draft of parsed.drafts) if (draft.kind === 'vulnerability') vulnerabilityIds.add(draft.id);
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
