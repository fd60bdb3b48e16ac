import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ParsedIntel } from '../ingest/intel-draft.ts';
import { emptySummary, ingestPayload, storeParsed, type IngestDeps } from '../ingest/ingest-runner.ts';
import { decorateNvdRow, enrichFromNvd, nvdClientFor } from '../ingest/sources/nvd/nvd-enrichment.ts';
import { NVD_SOURCE } from '../ingest/sources/nvd/nvd-record.ts';
import { nvdSource } from '../ingest/sources/nvd/nvd-source.ts';
import { detectSource, INTEL_SOURCES } from '../ingest/sources/registry.ts';
import { matchExposures } from '../match/match-exposures.ts';
import { vulnerablePackageKeys } from '../match/match-vulnerability.ts';
import { sortScanResult, toScanExposure, whyUnmatchable, type ScanResult } from '../scan/scan-estate.ts';
import { importInventoryFiles } from './inventory-files.ts';
import { localRematch } from './local-rematch.ts';
import type { Repositories } from '../store/ports.ts';

export interface ScanInput {
  tenant: string;
  intelFiles: readonly string[];
  inventoryFiles: readonly string[];
  /**
   * Fetch the NVD records the intel lacks (KEV entries without configurations) before matching:
   * every KEV CVE in one paged request, then lookups one by one for the rest.
   */
  online?: { fetch: typeof fetch; apiKey?: string; apiUrl?: string; sleep?: (ms: number) => Promise<void> };
}

export type { ScanExposure, ScanResult, ScanUnmatched } from '../scan/scan-estate.ts';


/**
 * The store-backed scan (`--store`, `--online`): ingest and match only, no actions: imports the inventories, stores the intel (any format a registered
 * source reads, told apart by content), then matches every vulnerability the files named against the
 * whole stored estate. A bad file or record is reported and quarantined;
 * the valid rest of the run is still processed, and nothing stored earlier is touched by the bad input.
 */
export async function scan(deps: { repositories: Repositories; now: () => Date }, input: ScanInput): Promise<ScanResult> {
  const { repositories } = deps;
  const result: ScanResult = { exposures: [], unmatched: [], quarantined: [], problems: [] };
  const quarantine = (source: string, record: string, reason: string) => {
    result.quarantined.push({ source, record, reason });
    result.problems.push(reason.startsWith(`${source}:`) ? reason : `${source}: ${reason}`);
  };

  // Assets whose software changed are re-matched against the intel stored before this run, as `import` does.
  const imported = await importInventoryFiles({ ...deps, onChanges: localRematch(deps, input.tenant).onChanges }, input.tenant, input.inventoryFiles);
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

  if (input.online) await fetchMissingNvdRecords(ingestDeps, input.tenant, [...vulnerabilityIds], input.online, result);

  for (const vulnerabilityId of [...vulnerabilityIds].sort()) {
    const stored = await repositories.vulnerabilities.get(input.tenant, vulnerabilityId);
    const unmatched = whyUnmatchable(stored, Boolean(input.online), stored ? vulnerablePackageKeys(stored).length : 0);
    if (unmatched) {
      result.unmatched.push(unmatched);
      continue;
    }
    await matchExposures({ repositories, publishEvents: async () => {}, now: deps.now }, { tenant: input.tenant, vulnerabilityId });
    for (const exposure of await repositories.exposures.listByVulnerability(input.tenant, vulnerabilityId)) {
      // What the inventory shows now: exposures it no longer shows (remediated, verified) are history.
      if (exposure.state === 'verified' || (exposure.state === 'remediated' && exposure.evidence.every((e) => e.about !== 'vex'))) continue;
      result.exposures.push(toScanExposure(exposure));
    }
  }
  return sortScanResult(result);
}

/**
 * Lookups one by one beyond the KEV pages, per scan: with an API key they fit NVD's 30-second window
 * beside the page requests; without one they take about four minutes. More would take hours.
 */
const ONLINE_LOOKUPS = 40;

async function fetchMissingNvdRecords(deps: IngestDeps, tenant: string, ids: readonly string[], online: NonNullable<ScanInput['online']>, result: ScanResult) {
  const missing: string[] = [];
  let kevMissing = 0;
  for (const id of ids) {
    const vulnerability = await deps.intel.getVulnerability(tenant, id);
    if (!vulnerability || vulnerability.nvd) continue;
    missing.push(id);
    if (vulnerability.kev) kevMissing += 1;
  }
  if (missing.length === 0) return;
  const sleep = online.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const poll = {
    tenant,
    settings: { ...(online.apiUrl ? { apiUrl: online.apiUrl } : {}), scope: 'kev' },
    secret: async (name: string) => (name === 'NVD_API_KEY' ? online.apiKey : undefined),
    fetch: online.fetch,
    now: () => new Date(),
    sleep,
    shouldStop: () => false,
    log: () => {},
  };
  try {
    // Many KEV entries without NVD records: fetch every KEV CVE in pages of 2,000 (one or two requests).
    if (kevMissing > ONLINE_LOOKUPS) {
      for await (const page of nvdSource.poll!({ ...poll, cursor: undefined })) {
        if (page.payload) await storeParsed(deps, { tenant, source: NVD_SOURCE, parsed: nvdSource.parse(page.payload, { source: NVD_SOURCE, now: new Date().toISOString() }), decorate: decorateNvdRow }, emptySummary(NVD_SOURCE));
      }
    }
    const still: string[] = [];
    for (const id of missing) if (!(await deps.intel.getVulnerability(tenant, id))?.nvd) still.push(id);
    const nvd = await nvdClientFor(poll, online.apiUrl);
    const lookups = await enrichFromNvd(deps, { tenant, ids: still, budget: ONLINE_LOOKUPS, nvd }, emptySummary(NVD_SOURCE));
    if (still.length > ONLINE_LOOKUPS) result.problems.push(`NVD: looked up ${ONLINE_LOOKUPS} of ${still.length} records one by one; scan again for the rest`);
    if (lookups.stoppedBy) result.problems.push(`NVD: lookups stopped: ${lookups.stoppedBy}`);
  } catch (error) {
    result.problems.push(`NVD (--online): ${(error as Error).message}`);
  }
}
