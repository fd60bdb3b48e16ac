import { exposureFor, matchAssetComponents, type ComponentMatch } from '../match/match-vulnerability.ts';
import { OSV_SOURCE } from '../ingest/sources/osv/osv-parser.ts';
import { compiledPackagesOf, matchPackageComponent, packageComponent } from '../match/package-match.ts';
import type { Asset } from '../model/asset.ts';
import type { Decision, Evidence, Exposure, ExposureState } from '../model/exposure.ts';
import type { Vulnerability } from '../model/vulnerability.ts';
import { describeSoftware } from '../store/keys.ts';
import { fastKeyOfIdentifier } from './fast-package-key.ts';
import { loadIntel, type IndexedVulnerability } from './intel-in-memory.ts';
import { readInventoryFile } from './inventory-stream.ts';

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
  /** `open`, or what a VEX statement made it (`not-affected`, `remediated`). */
  state: ExposureState;
  /** Every input of the match and the decision with its source. */
  evidence: Evidence[];
}

/** A vulnerability of the intel that could not be matched, and what it needs. */
export interface ScanUnmatched {
  vulnerability: string;
  kev: boolean;
  reason: string;
}

export interface ScanResult {
  exposures: ScanExposure[];
  /** Known-exploited or NVD-described vulnerabilities no configuration could be matched for, with why. */
  unmatched: ScanUnmatched[];
  quarantined: Array<{ source: string; record: string; reason: string }>;
  /** Input problems, each naming the file and the field; a non-empty list means exit code 2. */
  problems: string[];
}

/** What the in-memory scan read, for progress and benchmarks. */
export interface ScanStats {
  assets: number;
  components: number;
  /** Components whose fast key was in the intel: the only ones parsed. */
  candidateComponents: number;
  exposures: number;
  /** Time spent reading the intel into memory, before the first asset. */
  intelMs: number;
}

export interface EstateScanInput {
  tenant: string;
  intelFiles: readonly string[];
  inventoryFiles: readonly string[];
  now?: Date;
  /** Called every `progressEvery` assets (and at the end) with the counts so far. */
  onProgress?: (stats: ScanStats) => void;
  progressEvery?: number;
  /**
   * Receives each exposure as it is found, in inventory order, instead of `exposures` collecting them:
   * with a sink, memory does not grow with the findings either (`forestall scan --json` streams them).
   */
  sink?: (exposure: ScanExposure) => void;
  /** Keep the whole exposure (SSVC inputs, timeline) of these (vulnerability, asset) pairs: `forestall explain`. */
  keep?: (vulnerability: string, asset: string) => boolean;
}

const DECISION_RANK: Record<Decision, number> = { act: 0, attend: 1, 'track*': 2, track: 3 };

export function toScanExposure(exposure: Exposure): ScanExposure {
  return {
    vulnerability: exposure.vulnerability,
    asset: exposure.asset,
    component: exposure.component,
    version: exposure.version,
    decision: exposure.decision,
    internetFacing: exposure.internetFacing,
    kev: exposure.kev,
    reasons: exposure.reasons,
    state: exposure.state,
    evidence: exposure.evidence,
  };
}

/**
 * Why a vulnerability cannot be matched, or undefined when it can. Only known-exploited and
 * NVD-described records are reported: a score alone (EPSS) or an indicator is not a finding to explain.
 */
export function whyUnmatchable(vulnerability: Vulnerability | undefined, online: boolean, packageKeys: number): ScanUnmatched | undefined {
  if (!vulnerability || packageKeys > 0 || (vulnerability.nvd?.configurations.length ?? 0) > 0) return undefined;
  if (vulnerability.facts?.[OSV_SOURCE] !== undefined) return undefined;
  const kev = vulnerability.kev !== undefined;
  if (vulnerability.nvd) {
    return { vulnerability: vulnerability.id, kev, reason: `needs review: NVD has no configurations for it yet (status ${vulnerability.nvd.vulnStatus ?? 'unknown'})` };
  }
  if (!kev) return undefined;
  return {
    vulnerability: vulnerability.id,
    kev,
    reason: online ? 'needs review: NVD does not know it' : 'needs NVD configurations: add its NVD record to --intel, or scan with --online',
  };
}

export function sortScanResult(result: ScanResult): ScanResult {
  result.unmatched.sort((a, b) => Number(b.kev) - Number(a.kev) || a.vulnerability.localeCompare(b.vulnerability));
  result.exposures.sort(
    (a, b) => DECISION_RANK[a.decision] - DECISION_RANK[b.decision] || a.vulnerability.localeCompare(b.vulnerability) || a.asset.localeCompare(b.asset),
  );
  return result;
}

interface Hit {
  vulnerability: Vulnerability;
  cpe: boolean;
  packageMatches: ComponentMatch[];
}

/**
 * Matches one asset against the intel index: components are looked up by fast key first, and only a
 * hit is parsed (its exact package key confirmed, its version compared). A component the matcher
 * cannot read quarantines the asset as import would, naming the field.
 */
function matchOneAsset(
  asset: Asset,
  file: string,
  position: string,
  byFastKey: ReadonlyMap<string, readonly IndexedVulnerability[]>,
  now: string,
  result: ScanResult & { kept: Exposure[] },
  stats: ScanStats,
  options: Pick<EstateScanInput, 'keep' | 'sink'>,
) {
  let hits: Map<string, Hit> | undefined;
  const software = asset.software;
  for (let index = 0; index < software.length; index += 1) {
    const entry = software[index] as Asset['software'][number];
    const identifier = 'cpe' in entry ? entry.cpe : entry.purl;
    const fast = fastKeyOfIdentifier(identifier);
    const candidates = fast === undefined ? undefined : byFastKey.get(fast);
    if (candidates === undefined) continue;
    stats.candidateComponents += 1;
    let packageKey: string;
    try {
      packageKey = describeSoftware(entry).packageKey;
    } catch (error) {
      const reason = `${file}: ${position}.software[${index}].${'cpe' in entry ? 'cpe' : 'purl'}: ${(error as Error).message}`;
      result.quarantined.push({ source: file, record: asset.id, reason });
      result.problems.push(reason);
      return;
    }
    for (const candidate of candidates) {
      if (candidate.packageKey !== packageKey) continue;
      hits ??= new Map();
      let hit = hits.get(candidate.vulnerability.id);
      if (!hit) hits.set(candidate.vulnerability.id, (hit = { vulnerability: candidate.vulnerability, cpe: false, packageMatches: [] }));
      if ('cpe' in entry) {
        hit.cpe = true;
        continue;
      }
      const component = packageComponent(entry.purl);
      const criteria = compiledPackagesOf(candidate.vulnerability).byPackageKey.get(packageKey);
      if (!component || !criteria) continue;
      const matched = matchPackageComponent(criteria, component);
      for (const undecided of matched.undecided) result.problems.push(`${file}: asset ${asset.id} ${undecided.component} (${undecided.advisory}): ${undecided.reason}`);
      if (matched.match) {
        hit.packageMatches.push({
          component: matched.match.component,
          version: matched.match.version,
          source: `${OSV_SOURCE}:${matched.match.advisory}`,
          reason: `affected: ${matched.match.component} is within ${matched.match.advisory} (${matched.match.ecosystem}): ${matched.match.reason}`,
        });
      }
    }
  }
  if (!hits) return;
  for (const hit of hits.values()) {
    const matches = [...hit.packageMatches];
    if (hit.cpe) {
      const byCpe = matchAssetComponents(hit.vulnerability, asset, { cpe: true, packages: false });
      for (const problem of byCpe.problems) result.problems.push(`${file}: ${problem}`);
      matches.unshift(...byCpe.matches);
    }
    const exposure = exposureFor(hit.vulnerability, asset, matches, now);
    if (!exposure) continue;
    stats.exposures += 1;
    if (options.sink) options.sink(toScanExposure(exposure));
    else result.exposures.push(toScanExposure(exposure));
    if (options.keep?.(exposure.vulnerability, exposure.asset)) result.kept.push(exposure);
  }
}

/**
 * `forestall scan` without a store: loads the intel into memory, then streams each inventory file asset
 * by asset through the pure matcher, so memory is bounded by the intel and the findings, never by the
 * estate. No action is taken and nothing is stored.
 */
export async function scanEstate(input: EstateScanInput): Promise<ScanResult & { stats: ScanStats; kept: Exposure[] }> {
  const now = input.now ?? new Date();
  const timestamp = now.toISOString();
  const intelStart = performance.now();
  const intel = await loadIntel(input.tenant, input.intelFiles, now);
  const intelMs = performance.now() - intelStart;
  const result: ScanResult & { kept: Exposure[] } = { exposures: [], unmatched: [], quarantined: [...intel.quarantined], problems: [...intel.problems], kept: [] };
  const stats: ScanStats = { assets: 0, components: 0, candidateComponents: 0, exposures: 0, intelMs };
  const seen = new Set<string>();
  const every = input.progressEvery ?? 10_000;

  for (const file of input.inventoryFiles) {
    try {
      for await (const item of readInventoryFile(file, seen)) {
        if (item.kind === 'quarantined') {
          result.quarantined.push({ source: item.file, record: item.record, reason: item.reason });
          result.problems.push(item.reason);
          continue;
        }
        stats.assets += 1;
        stats.components += item.asset.software.length;
        if (intel.byFastKey.size > 0) matchOneAsset(item.asset, item.file, item.position, intel.byFastKey, timestamp, result, stats, input);
        if (input.onProgress && stats.assets % every === 0) input.onProgress({ ...stats });
      }
    } catch (error) {
      result.problems.push((error as Error).message);
    }
  }
  input.onProgress?.({ ...stats });

  const indexed = new Map<string, number>();
  for (const list of intel.byFastKey.values()) for (const { vulnerability } of list) indexed.set(vulnerability.id, 1);
  for (const vulnerability of intel.vulnerabilities.values()) {
    const unmatched = whyUnmatchable(vulnerability, false, indexed.get(vulnerability.id) ?? 0);
    if (unmatched) result.unmatched.push(unmatched);
  }
  sortScanResult(result);
  return { ...result, stats };
}
