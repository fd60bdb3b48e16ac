import { DetailType, EVENT_VERSION, IntelChangedSchema, type IntelChanged } from '../model/events.ts';
import type { SourceCursor } from '../model/source-cursor.ts';
import type { Vulnerability } from '../model/vulnerability.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
import { mapConcurrently } from '../store/map-concurrently.ts';
import type { Repositories } from '../store/ports.ts';
import { kevFactsHash, kevPartOf, sha256Hex, vulnerabilityContentHash } from './content-hash.ts';
import type { ConditionalGetResult, Validators } from './http-fetch.ts';
import { InvalidFeedDocument, KEV_SOURCE, normaliseKevCatalogue } from './kev-catalogue.ts';
import type { NvdClient } from './nvd-client.ts';
import { NVD_SOURCE } from './nvd-record.ts';
import { mergeVulnerability, type VulnerabilityDraft } from './vulnerability-draft.ts';

export type { PublishEvents };

export interface KevIngestDeps {
  repositories: Pick<Repositories, 'vulnerabilities' | 'cursors' | 'quarantine'>;
  /** Conditional GET of the catalogue with the validators of the last successful poll. */
  fetchCatalogue(validators: Validators): Promise<ConditionalGetResult>;
  nvd: NvdClient;
  publishEvents: PublishEvents;
  now(): Date;
  /** Optional progress and problem reports (the handler passes the Powertools logger). */
  log?: (level: 'info' | 'warn', message: string, detail?: Record<string, unknown>) => void;
}

export interface KevIngestInput {
  tenant: string;
  /** NVD lookups allowed in this run: entries new in this poll first, then the pending backlog. */
  nvdLookupsPerRun: number;
  /** Source name for the cursor, quarantine and `Vulnerability.sources`; `cisa-kev` by default. */
  source?: string;
}

export interface KevIngestSummary {
  /** Entries in the fetched catalogue (0 when the server answered 304). */
  fetched: number;
  /** True when the catalogue was not modified (304) or byte-identical to the last one seen. */
  unchanged: boolean;
  catalogVersion?: string;
  /** Vulnerability records written because their KEV entry is new or changed. */
  written: number;
  quarantined: number;
  /** NVD lookups made. */
  lookedUp: number;
  /** Records written with NVD facts or a not-found result from the pending backlog. */
  enriched: number;
  /** Records this run wrote or saw that are still waiting for NVD (new entries beyond the lookup budget, backlog left). */
  pendingEnrichment: number;
  /** `Intel Changed` events published. */
  emitted: number;
  /** Set when NVD lookups stopped early (rate limit, outage); the records stay pending for the next run. */
  lookupError?: string;
}

export const catalogueHashOf = (cursor: SourceCursor | undefined): string | undefined => cursor?.bodyHash;

// A stored hash whose KEV part matches nothing: the next poll sees the entry as changed and publishes again.
const UNPUBLISHED_KEV_PART = 'unpublished';

const WRITE_CONCURRENCY = 16;

interface Change {
  record: Vulnerability;
  changedFields: string[];
}

function kevFieldChanges(previous: Vulnerability | undefined, next: Vulnerability): string[] {
  if (!previous?.kev) return ['kev'];
  if (!next.kev) return [];
  const before = previous.kev as Record<string, unknown>;
  const after = next.kev as Record<string, unknown>;
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .sort()
    .map((field) => `kev.${field}`);
}

/**
 * One KEV poll. Costs nothing when nothing changed: a 304 or a byte-identical catalogue writes no
 * KEV records and leaves the cursor alone. Otherwise only entries whose KEV facts changed are written
 * (per-entry content hashes, read in batches), malformed entries are quarantined, NVD is asked about
 * entries new in this poll first and then about the pending backlog (within `nvdLookupsPerRun`), and
 * one `Intel Changed` event goes out per written record, after its NVD facts were merged. The cursor
 * is written last, so a run that fails part-way is repeated in full by the next poll.
 */
export async function ingestKev(deps: KevIngestDeps, input: KevIngestInput): Promise<KevIngestSummary> {
  const { tenant } = input;
  const source = input.source ?? KEV_SOURCE;
  const { vulnerabilities, cursors, quarantine } = deps.repositories;
  const nowIso = () => deps.now().toISOString();
  const summary: KevIngestSummary = { fetched: 0, unchanged: true, written: 0, quarantined: 0, lookedUp: 0, enriched: 0, pendingEnrichment: 0, emitted: 0 };
  let lookupBudget = Math.max(0, input.nvdLookupsPerRun);
  const lookedUpIds = new Set<string>();

  /** NVD facts for a draft, or undefined (budget spent, lookups stopped, or NVD does not know the CVE). */
  const lookup = async (id: string): Promise<{ draft?: VulnerabilityDraft; notFound?: boolean } | undefined> => {
    if (lookupBudget <= 0 || summary.lookupError) return undefined;
    lookupBudget -= 1;
    lookedUpIds.add(id);
    try {
      summary.lookedUp += 1;
      const result = await deps.nvd.lookup(id);
      if (result.status === 'found') return { draft: result.draft };
      if (result.status === 'invalid') {
        await quarantine.put({ tenant, source: NVD_SOURCE, record: id, reason: result.reason, payload: result.payload, quarantinedAt: nowIso() });
        summary.quarantined += 1;
      }
      // Unknown to NVD, or unusable: stop asking on every run; a later NVD change feed can fill it in.
      return { notFound: true };
    } catch (error) {
      summary.lookupError = `${(error as Error).name}: ${(error as Error).message}`;
      deps.log?.('warn', 'NVD lookups stopped for this run', { error: summary.lookupError });
      return undefined;
    }
  };

  const enrich = (record: Vulnerability, result: Awaited<ReturnType<typeof lookup>>): Vulnerability => {
    if (result?.draft) return mergeVulnerability(record, result.draft, tenant, record.updatedAt);
    if (result?.notFound) return { ...record, enrichment: 'not-found' };
    return record;
  };

  /** Writes the records, then publishes their events; on a failed publish the records are marked so the next poll re-publishes. */
  const writeAndPublish = async (changes: Change[]) => {
    const written = await mapConcurrently(changes, WRITE_CONCURRENCY, ({ record }) =>
      vulnerabilities.put(record, vulnerabilityContentHash(record)),
    );
    const toPublish = changes.filter((_, index) => written[index]);
    const entries = toPublish.map(({ record, changedFields }) => ({
      detailType: DetailType.IntelChanged,
      detail: IntelChangedSchema.parse({ version: EVENT_VERSION, tenant, kind: 'vulnerability', id: record.id, source, changedFields } satisfies IntelChanged),
    }));
    if (entries.length === 0) return toPublish.length;
    try {
      await deps.publishEvents(entries);
    } catch (error) {
      await mapConcurrently(toPublish, WRITE_CONCURRENCY, ({ record }) =>
        vulnerabilities.put(record, vulnerabilityContentHash(record).replace(/^kev=[^;]+/, `kev=${UNPUBLISHED_KEV_PART}`)),
      );
      throw error;
    }
    summary.emitted += entries.length;
    return toPublish.length;
  };

  /** Works through the records waiting for NVD, newest KEV addition first, with what is left of the budget. */
  const drainBacklog = async () => {
    if (lookupBudget <= 0 || summary.lookupError) return;
    const backlog = (await vulnerabilities.listPendingEnrichment(tenant, lookupBudget + lookedUpIds.size)).filter(
      (record) => !lookedUpIds.has(record.id),
    );
    const changes: Change[] = [];
    const notFound: Vulnerability[] = [];
    for (const record of backlog) {
      const result = await lookup(record.id);
      if (!result) break;
      const enriched = enrich({ ...record, updatedAt: nowIso() }, result);
      if (result.draft) changes.push({ record: enriched, changedFields: ['nvd'] });
      else notFound.push(enriched);
    }
    summary.pendingEnrichment += backlog.length - changes.length - notFound.length;
    // Not found in NVD changes nothing a matcher could use: record it quietly, without an event.
    await mapConcurrently(notFound, WRITE_CONCURRENCY, (record) => vulnerabilities.put(record, vulnerabilityContentHash(record)));
    summary.enriched += notFound.length + (await writeAndPublish(changes));
  };

  const cursor = await cursors.get(tenant, source);
  const response = await deps.fetchCatalogue({
    ...(cursor?.etag ? { etag: cursor.etag } : {}),
    ...(cursor?.lastModified ? { lastModified: cursor.lastModified } : {}),
  });
  if (response.status === 'not-modified') {
    deps.log?.('info', 'KEV catalogue not modified', { source });
    await drainBacklog();
    return summary;
  }

  const bodyHash = sha256Hex(response.body);
  if (bodyHash === catalogueHashOf(cursor)) {
    deps.log?.('info', 'KEV catalogue identical to the last one', { source });
    await drainBacklog();
    return summary;
  }

  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch (error) {
    throw new InvalidFeedDocument(`${source}: the catalogue is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const now = nowIso();
  const catalogue = normaliseKevCatalogue(json, { tenant, now, source });
  summary.unchanged = false;
  summary.fetched = catalogue.vulnerabilities.length + catalogue.quarantined.length;
  summary.catalogVersion = catalogue.catalogVersion;

  for (const record of catalogue.quarantined) await quarantine.put(record);
  summary.quarantined += catalogue.quarantined.length;

  const storedHashes = await vulnerabilities.getContentHashes(tenant, catalogue.vulnerabilities.map((draft) => draft.id));
  const fresh: VulnerabilityDraft[] = [];
  const modified: VulnerabilityDraft[] = [];
  for (const draft of catalogue.vulnerabilities) {
    const stored = storedHashes.get(draft.id);
    if (stored === undefined) fresh.push(draft);
    else if (kevPartOf(stored) !== kevFactsHash(draft.kev)) modified.push(draft);
  }

  // Entries new in this poll are the news: they get the NVD lookups first, newest addition first.
  fresh.sort((a, b) => (b.kev?.dateAdded ?? '').localeCompare(a.kev?.dateAdded ?? '') || a.id.localeCompare(b.id));
  const changes: Change[] = [];
  for (const draft of fresh) {
    const record = enrich(mergeVulnerability(undefined, draft, tenant, now), await lookup(draft.id));
    changes.push({ record, changedFields: record.nvd ? ['kev', 'nvd'] : ['kev'] });
  }
  const previous = await mapConcurrently(modified, WRITE_CONCURRENCY, (draft) => vulnerabilities.get(tenant, draft.id));
  modified.forEach((draft, index) => {
    const before = previous[index];
    const record = mergeVulnerability(before, draft, tenant, now);
    // A record marked unpublished has unchanged facts; its event still has to go out.
    const fields = kevFieldChanges(before, record);
    changes.push({ record, changedFields: fields.length > 0 ? fields : ['kev'] });
  });
  summary.written = await writeAndPublish(changes);
  summary.pendingEnrichment += changes.filter(({ record }) => record.enrichment === 'pending').length;

  await drainBacklog();

  await cursors.put({
    tenant,
    source,
    ...(response.etag ? { etag: response.etag } : {}),
    ...(response.lastModified ? { lastModified: response.lastModified } : {}),
    catalogVersion: catalogue.catalogVersion,
    bodyHash,
    lastPolledAt: nowIso(),
    lastChangedAt: summary.written > 0 ? now : (cursor?.lastChangedAt ?? now),
  });
  return summary;
}
