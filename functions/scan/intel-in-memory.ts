import { readFile } from 'node:fs/promises';
import { OSV_SOURCE } from '../ingest/sources/osv/osv-parser.ts';
import { detectSource, INTEL_SOURCES } from '../ingest/sources/registry.ts';
import { vulnerablePackageKeys } from '../match/match-vulnerability.ts';
import type { IndicatorFacts } from '../model/indicator.ts';
import type { SourceFacts } from '../model/intel-record.ts';
import type { Vulnerability } from '../model/vulnerability.ts';
import { assembleVulnerability, type Indicator } from '../store/intel-repository.ts';
import { fastKeyOfPackageKey } from './fast-package-key.ts';

/**
 * The intel of a scan, held in memory: every vulnerability the files name, assembled from its sources'
 * facts exactly as the store would assemble them, and an index from package to the vulnerabilities that
 * can match it. Memory is bounded by the intel, never by the inventory.
 */

export interface IndexedVulnerability {
  readonly vulnerability: Vulnerability;
  /** The exact package key (`cpe:citrix:netscaler_gateway`, `purl:maven/org.apache.logging.log4j/log4j-core`). */
  readonly packageKey: string;
}

export interface IntelInMemory {
  readonly vulnerabilities: ReadonlyMap<string, Vulnerability>;
  /** Fast key (fast-package-key.ts) -> the vulnerabilities of every package with that fast key. */
  readonly byFastKey: ReadonlyMap<string, readonly IndexedVulnerability[]>;
  /**
   * Every indicator the files name, by id, assembled from its sources' drafts as the store assembles its
   * rows (`IntelRepository.getIndicator`): one source's later draft replaces its earlier one, and a
   * source that revoked it is left out of `sources`.
   */
  readonly indicators: ReadonlyMap<string, Indicator>;
  readonly quarantined: Array<{ source: string; record: string; reason: string }>;
  readonly problems: string[];
}

/** OSV records of one CVE may come in several files: their advisories sit side by side, as in the store. */
function mergeFacts(source: string, earlier: Record<string, unknown> | undefined, later: Record<string, unknown>): Record<string, unknown> {
  if (source !== OSV_SOURCE || earlier === undefined) return later;
  const advisories = { ...(earlier.advisories as Record<string, unknown>), ...(later.advisories as Record<string, unknown>) };
  return { ...later, advisories };
}

/** Reads intel files of any registered format (told apart by content) into memory. */
export async function loadIntel(tenant: string, files: readonly string[], now: Date): Promise<IntelInMemory> {
  const rows = new Map<string, Map<string, SourceFacts>>();
  const indicatorDrafts = new Map<string, Map<string, { facts: IndicatorFacts; revoked?: { reason: string; at?: string | undefined } }>>();
  const quarantined: IntelInMemory['quarantined'] = [];
  const problems: string[] = [];
  const observedAt = now.toISOString();

  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      problems.push(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      continue;
    }
    const source = detectSource(text);
    if (!source) {
      problems.push(`${file}: not an intel format forestall reads (${INTEL_SOURCES.map((candidate) => candidate.title).join('; ')})`);
      continue;
    }
    let parsed;
    try {
      parsed = source.parse(text, { source: source.name, now: observedAt });
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    for (const { record, reason } of parsed.rejected) {
      quarantined.push({ source: file, record, reason });
      problems.push(reason.startsWith(`${file}:`) ? reason : `${file}: ${reason}`);
    }
    for (const draft of parsed.drafts) {
      if (draft.kind === 'indicator') {
        let bySource = indicatorDrafts.get(draft.id);
        if (!bySource) indicatorDrafts.set(draft.id, (bySource = new Map()));
        bySource.set(source.name, { facts: draft.facts, ...(draft.revoked ? { revoked: draft.revoked } : {}) });
        continue;
      }
      if (draft.kind !== 'vulnerability') continue;
      let bySource = rows.get(draft.id);
      if (!bySource) rows.set(draft.id, (bySource = new Map()));
      const earlier = bySource.get(source.name);
      bySource.set(source.name, {
        tenant,
        kind: 'vulnerability',
        id: draft.id,
        source: source.name,
        facts: draft.revoked ? undefined : mergeFacts(source.name, earlier?.facts, draft.facts),
        aliases: [...new Set([...(earlier?.aliases ?? []), ...(draft.aliases ?? [])])],
        ...(draft.revoked ? { revoked: draft.revoked } : {}),
        observedAt,
      } as SourceFacts);
    }
  }

  const vulnerabilities = new Map<string, Vulnerability>();
  const byFastKey = new Map<string, IndexedVulnerability[]>();
  for (const [id, bySource] of rows) {
    const vulnerability = assembleVulnerability(tenant, id, [...bySource.values()]);
    if (!vulnerability) continue;
    vulnerabilities.set(id, vulnerability);
    for (const packageKey of vulnerablePackageKeys(vulnerability)) {
      const fast = fastKeyOfPackageKey(packageKey);
      if (fast === undefined) continue;
      const list = byFastKey.get(fast);
      if (list) list.push({ vulnerability, packageKey });
      else byFastKey.set(fast, [{ vulnerability, packageKey }]);
    }
  }
  const indicators = new Map<string, Indicator>();
  for (const [id, bySource] of indicatorDrafts) {
    const entries = [...bySource].sort(([a], [b]) => a.localeCompare(b));
    const first = entries[0]?.[1].facts;
    if (!first) continue;
    indicators.set(id, {
      tenant,
      id,
      type: first.type,
      value: first.value,
      facts: Object.fromEntries(entries.map(([name, entry]) => [name, entry.facts])),
      revoked: Object.fromEntries(entries.flatMap(([name, entry]) => (entry.revoked ? [[name, entry.revoked]] : []))),
      sources: entries.filter(([, entry]) => !entry.revoked).map(([name]) => name),
      updatedAt: observedAt,
    });
  }
  return { vulnerabilities, byFastKey, indicators, quarantined, problems };
}
