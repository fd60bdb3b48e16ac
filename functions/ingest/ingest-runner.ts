import {
  DetailType,
  EVENT_VERSION,
  IndicatorsChangedSchema,
  IntelChangedSchema,
  IntelQuarantinedSchema,
  MAX_INDICATORS_PER_EVENT,
} from '../model/events.ts';
import type { Change, IntelKind, PendingAnnouncement, SourceFacts } from '../model/intel-record.ts';
import type { QuarantineRecord } from '../model/quarantine.ts';
import type { SourceCursor } from '../model/source-cursor.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
import { sourceFactsHash, type IntelRepository, type StoredSourceFacts } from '../store/intel-repository.ts';
import type { AssetRepository, QuarantineRepository, SourceCursorRepository } from '../store/ports.ts';
import { announcePendingInventoryChanges } from '../inventory/announce-inventory.ts';
import { contentHash, sha256Hex } from './content-hash.ts';
import type { IntelDraft, ParsedIntel } from './intel-draft.ts';
import { InvalidFeedDocument } from './invalid-feed-document.ts';
import type { IntelSource, PollContext } from './source-plugin.ts';

/** Where raw payloads are kept so any record can be re-ingested (S3 with KMS deployed, a folder locally). */
export interface PayloadArchive {
  put(key: string, body: string): Promise<void>;
}

export interface IngestDeps {
  intel: IntelRepository;
  quarantine: QuarantineRepository;
  cursors: SourceCursorRepository;
  publishEvents: PublishEvents;
  archive?: PayloadArchive;
  /**
   * The tenant's inventory outbox: a scheduled run also sends inventory changes an import stored but
   * did not announce, so a tenant with no further import does not wait for one.
   */
  assets?: Pick<AssetRepository, 'pendingChanges' | 'settlePending'>;
  now(): Date;
  log?(level: 'info' | 'warn', message: string, detail?: Record<string, unknown>): void;
}

export interface IngestSummary {
  source: string;
  /** Pages fetched (a 304 or a byte-identical page counts, and is skipped). */
  pages: number;
  unchangedPages: number;
  /** Records the payloads held, valid or not. */
  records: number;
  added: number;
  updated: number;
  revoked: number;
  /** Valid records identical to what is stored: no write. */
  unchanged: number;
  quarantined: number;
  /** Records whose facts were too large for the store even compressed (stored as a stub, quarantined). */
  trimmed: number;
  /** Announcements published (events may carry many indicators). */
  announced: number;
  /** Lookups made in other sources for new records (KEV entries looked up in NVD). */
  lookedUp: number;
  /** Indicators (of any source) whose `validUntil` passed, revoked in this run. */
  expired: number;
  /** Set when announcing failed; the changes stay in the outbox and the next run announces them. */
  announceError?: string;
}

const CHUNK = 500;

export const emptySummary = (source: string): IngestSummary => ({
  source,
  pages: 0,
  unchangedPages: 0,
  records: 0,
  added: 0,
  updated: 0,
  revoked: 0,
  unchanged: 0,
  quarantined: 0,
  trimmed: 0,
  announced: 0,
  lookedUp: 0,
  expired: 0,
});

const rowHash = sourceFactsHash;

function changedFieldsOf(source: string, before: SourceFacts | undefined, after: SourceFacts): string[] {
  if (!before?.facts || !after.facts) return [source];
  const keys = [...new Set([...Object.keys(before.facts), ...Object.keys(after.facts)])];
  const changed = keys.filter((key) => contentHash(before.facts?.[key]) !== contentHash(after.facts?.[key])).sort();
  return changed.length > 0 ? changed.map((key) => `${source}.${key}`) : [source];
}

function rowOf(tenant: string, source: string, draft: IntelDraft, observedAt: string): SourceFacts {
  return {
    tenant,
    kind: draft.kind,
    id: draft.id,
    source,
    facts: draft.facts as Record<string, unknown>,
    aliases: [...new Set(draft.aliases ?? [])].sort(),
    ...(draft.revoked ? { revoked: draft.revoked } : {}),
    observedAt,
  };
}

/**
 * Writes rows of one source and announces them through the outbox: the changes are recorded first,
 * then the rows written, then the events published and the outbox entry removed. A crash or a bus
 * outage anywhere leaves the outbox entry, which the next run of any source publishes. A chunk the
 * store refuses is written row by row, so one bad row is quarantined instead of failing the poll.
 */
export async function storeRows(
  deps: IngestDeps,
  tenant: string,
  source: string,
  changes: ReadonlyArray<{ row: SourceFacts; change: Change; changedFields: string[] }>,
  summary: IngestSummary,
): Promise<void> {
  const now = deps.now().toISOString();
  for (let start = 0; start < changes.length; start += CHUNK) {
    const chunk = changes.slice(start, start + CHUNK);
    const entries: PendingAnnouncement[] = chunk.map(({ row, change, changedFields }) => ({ kind: row.kind, id: row.id, source, change, changedFields }));
    const batchId = await deps.intel.addToOutbox(tenant, entries, now);
    const stored: StoredSourceFacts[] = chunk.map(({ row }) => ({ row, hash: rowHash(row) }));
    let failedIds = new Set<string>();
    try {
      const result = await deps.intel.putFacts(stored);
      await quarantineTrimmed(deps, tenant, source, result.trimmed, summary, now);
    } catch (error) {
      deps.log?.('warn', 'batch write refused; writing the rows one by one', { source, error: (error as Error).message });
      failedIds = await writeOneByOne(deps, tenant, source, stored, summary, now);
    }
    if (failedIds.size > 0) await deps.intel.narrowOutbox(tenant, batchId, entries.filter((entry) => !failedIds.has(entry.id)));
    // The counts are the run's own source's; rows of other sources (NVD facts a KEV poll looked up,
    // expired indicators) are counted by what wrote them.
    if (source !== summary.source) continue;
    for (const { row, change } of chunk) {
      if (failedIds.has(row.id)) continue;
      summary[change === 'added' ? 'added' : change === 'revoked' ? 'revoked' : 'updated'] += 1;
    }
  }
}

async function writeOneByOne(
  deps: IngestDeps,
  tenant: string,
  source: string,
  rows: readonly StoredSourceFacts[],
  summary: IngestSummary,
  now: string,
): Promise<Set<string>> {
  const failed = new Set<string>();
  for (const stored of rows) {
    try {
      const result = await deps.intel.putFacts([stored]);
      await quarantineTrimmed(deps, tenant, source, result.trimmed, summary, now);
    } catch (error) {
      failed.add(stored.row.id);
      await deps.quarantine.put({
        tenant,
        source,
        record: stored.row.id,
        reason: `the store refused the record: ${(error as Error).name}: ${(error as Error).message}`,
        quarantinedAt: now,
      });
      summary.quarantined += 1;
    }
  }
  return failed;
}

async function quarantineTrimmed(deps: IngestDeps, tenant: string, source: string, trimmed: ReadonlyArray<{ id: string; reason: string }>, summary: IngestSummary, now: string) {
  for (const { id, reason } of trimmed) {
    await deps.quarantine.put({ tenant, source, record: id, reason, quarantinedAt: now });
    summary.trimmed += 1;
  }
}

/**
 * Publishes what the outbox holds for the tenant: one `Intel Changed` per vulnerability (the changes of
 * several sources to one record in one event) and `Indicators Changed` events of up to 500 ids.
 * Returns the number of events published; throws when the bus refuses (the outbox keeps them).
 */
export async function announcePending(deps: Pick<IngestDeps, 'intel' | 'publishEvents'>, tenant: string): Promise<number> {
  let published = 0;
  for (;;) {
    // Items listed together are announced together, so one record's changes by KEV and NVD are one event.
    const items = await deps.intel.listOutbox(tenant, 20);
    if (items.length === 0) return published;
    const events = announcementEvents(tenant, items.flatMap((item) => item.entries));
    if (events.length > 0) await deps.publishEvents(events);
    for (const item of items) await deps.intel.removeFromOutbox(tenant, item.key);
    published += events.length;
  }
}

export function announcementEvents(tenant: string, entries: readonly PendingAnnouncement[]): Array<{ detailType: string; detail: unknown }> {
  const vulnerabilities = new Map<string, { source: string; change: Change; fields: Set<string> }>();
  const indicators = new Map<string, string[]>();
  for (const entry of entries) {
    if (entry.kind === 'vulnerability') {
      const seen = vulnerabilities.get(entry.id);
      if (!seen) vulnerabilities.set(entry.id, { source: entry.source, change: entry.change, fields: new Set(entry.changedFields) });
      else {
        entry.changedFields.forEach((field) => seen.fields.add(field));
        // Added by one source and updated by another in the same run is still news of an addition.
        if (seen.change !== 'added' && entry.change === 'added') seen.change = 'added';
      }
    } else {
      const key = `${entry.source}\u0000${entry.change}`;
      indicators.set(key, [...(indicators.get(key) ?? []), entry.id]);
    }
  }
  const events: Array<{ detailType: string; detail: unknown }> = [];
  for (const [id, { source, change, fields }] of vulnerabilities) {
    events.push({
      detailType: DetailType.IntelChanged,
      detail: IntelChangedSchema.parse({
        version: EVENT_VERSION,
        tenant,
        kind: 'vulnerability',
        id,
        source,
        changedFields: [...fields].sort(),
        ...(change === 'revoked' ? { change } : {}),
      }),
    });
  }
  for (const [key, ids] of indicators) {
    const [source, change] = key.split('\u0000') as [string, Change];
    for (let i = 0; i < ids.length; i += MAX_INDICATORS_PER_EVENT) {
      events.push({
        detailType: DetailType.IndicatorsChanged,
        detail: IndicatorsChangedSchema.parse({ version: EVENT_VERSION, tenant, source, change, ids: ids.slice(i, i + MAX_INDICATORS_PER_EVENT) }),
      });
    }
  }
  return events;
}

/**
 * Stores one parsed payload of `source`: refused records quarantined (and announced as a count), valid
 * ones compared with what the source said before (by content hash, one projected batch read per 500)
 * and only new, changed or revoked ones written. When the payload is the source's complete list,
 * records it delivered before and left out now are revoked. Returns the ids it added.
 */
export async function storeParsed(
  deps: IngestDeps,
  input: { tenant: string; source: string; parsed: ParsedIntel; decorate?: IntelSource['decorate'] },
  summary: IngestSummary,
): Promise<string[]> {
  const { tenant, source, parsed } = input;
  const decorate = input.decorate ?? ((row: SourceFacts) => row);
  const now = deps.now().toISOString();
  summary.records += parsed.drafts.length + parsed.rejected.length;
  await quarantineRejected(deps, tenant, source, parsed, summary, now);

  const rows = parsed.drafts.map((draft) => decorate(rowOf(tenant, source, draft, now), deps.now()));
  const added = await storeSourceRows(deps, tenant, source, rows, summary);
  if (parsed.complete) await revokeMissing(deps, tenant, source, parsed, summary, now);
  return added;
}

/**
 * Compares rows of one source with what is stored (one projected batch read per 500) and writes the new,
 * changed and revoked ones. Rows with facts are announced; bookkeeping rows without facts (an NVD lookup
 * still pending, a CVE NVD does not know) are written quietly. Returns the ids added.
 */
export async function storeSourceRows(
  deps: IngestDeps,
  tenant: string,
  source: string,
  rows: readonly SourceFacts[],
  summary: IngestSummary,
): Promise<string[]> {
  const added: string[] = [];
  for (const kind of ['vulnerability', 'indicator'] as const) {
    const ofKind = rows.filter((row) => row.kind === kind);
    for (let start = 0; start < ofKind.length; start += CHUNK) {
      const chunk = ofKind.slice(start, start + CHUNK);
      const hashes = await deps.intel.getHashes(tenant, kind, source, chunk.map((row) => row.id));
      const changed = chunk.filter((row) => hashes.get(row.id) !== rowHash(row));
      summary.unchanged += chunk.length - changed.length;
      if (changed.length === 0) continue;
      const quiet = changed.filter((row) => row.facts === undefined && !row.revoked);
      if (quiet.length > 0) await writeQuietly(deps, tenant, source, quiet, summary);
      const announced = changed.filter((row) => !quiet.includes(row));
      // Field-level changes for vulnerabilities only: indicators change by the tens of thousands.
      const previous =
        kind === 'vulnerability'
          ? await deps.intel.getFacts(tenant, kind, source, announced.filter((row) => hashes.has(row.id)).map((row) => row.id))
          : new Map<string, SourceFacts>();
      const changes = announced.map((row) => {
        const before = previous.get(row.id);
        const change: Change = row.revoked ? 'revoked' : before?.facts || (hashes.has(row.id) && kind === 'indicator') ? 'updated' : 'added';
        if (change === 'added') added.push(row.id);
        return { row, change, changedFields: change === 'revoked' ? [source] : changedFieldsOf(source, before, row) };
      });
      await storeRows(deps, tenant, source, changes, summary);
    }
  }
  return added;
}

/** Bookkeeping rows (no announcement): a refused batch is written row by row like any other. */
async function writeQuietly(deps: IngestDeps, tenant: string, source: string, rows: readonly SourceFacts[], summary: IngestSummary) {
  const stored = rows.map((row) => ({ row, hash: rowHash(row) }));
  try {
    await deps.intel.putFacts(stored);
  } catch {
    await writeOneByOne(deps, tenant, source, stored, summary, deps.now().toISOString());
  }
}

async function quarantineRejected(deps: IngestDeps, tenant: string, source: string, parsed: ParsedIntel, summary: IngestSummary, now: string) {
  if (parsed.rejected.length === 0) return;
  const records: QuarantineRecord[] = parsed.rejected.map((rejected) => ({
    tenant,
    source,
    record: rejected.record,
    reason: `${rejected.position}: ${rejected.reason}`.replace(/^(.+?): \1/, '$1'),
    ...(rejected.payload ? { payload: rejected.payload } : {}),
    quarantinedAt: now,
  }));
  for (const record of records) await deps.quarantine.put(record);
  summary.quarantined += records.length;
  await deps.publishEvents([
    {
      detailType: DetailType.IntelQuarantined,
      detail: IntelQuarantinedSchema.parse({
        version: EVENT_VERSION,
        tenant,
        source,
        count: records.length,
        examples: records.slice(0, 10).map(({ record, reason }) => ({ record, reason: reason.slice(0, 500) })),
      }),
    },
  ]).catch((error: unknown) => deps.log?.('warn', 'could not announce quarantined records', { source, error: (error as Error).message }));
}

/** A complete list that no longer names a record the source delivered before: the source removed it. */
async function revokeMissing(deps: IngestDeps, tenant: string, source: string, parsed: ParsedIntel, summary: IngestSummary, now: string) {
  const present = new Set([...parsed.drafts.map((draft) => draft.id), ...parsed.rejected.map((rejected) => rejected.record)]);
  for (const kind of ['vulnerability', 'indicator'] as const) {
    const stored = await deps.intel.listSourceIds(tenant, kind, source);
    const missing = stored.filter((id) => !present.has(id));
    for (let start = 0; start < missing.length; start += CHUNK) {
      const facts = await deps.intel.getFacts(tenant, kind, source, missing.slice(start, start + CHUNK));
      const changes = [...facts.values()].map((row) => ({
        row: { ...row, revoked: { reason: `no longer in ${source}'s complete list`, at: now }, observedAt: now },
        change: 'revoked' as const,
        changedFields: [source],
      }));
      await storeRows(deps, tenant, source, changes, summary);
    }
  }
}

/** Indicators revoked per run at most; the rest wait for the next run, oldest end of validity first. */
const EXPIRE_PER_RUN = 2_000;

/**
 * Revokes indicators whose `validUntil` passed, whichever source gave them and whether or not it
 * delivers them again: an expiry is a change in its own right, announced so what blocked them can lift.
 */
export async function expireIndicators(deps: IngestDeps, tenant: string, summary: IngestSummary): Promise<void> {
  const now = deps.now().toISOString();
  const expired = await deps.intel.listExpiredIndicators(tenant, now, EXPIRE_PER_RUN);
  const bySource = new Map<string, SourceFacts[]>();
  for (const row of expired) bySource.set(row.source, [...(bySource.get(row.source) ?? []), row]);
  for (const [source, rows] of bySource) {
    const changes = rows.map((row) => ({
      row: { ...row, revoked: { reason: 'valid_until passed', at: String(row.facts?.validUntil) }, observedAt: now },
      change: 'revoked' as const,
      changedFields: [source],
    }));
    await storeRows(deps, tenant, source, changes, summary);
    summary.expired += rows.length;
  }
}

/** A cursor written before facts were stored per source is read as absent, so the first poll stores everything anew. */
const currentCursor = (cursor: SourceCursor | undefined) => (cursor?.layout === 2 ? cursor : undefined);

/**
 * One run of a scheduled source: announce anything an earlier run left in the outbox, then fetch the
 * pages from the cursor on; each page is archived, parsed and stored, and the cursor moved past it only
 * then, so a run that fails midway resumes at the page it did not finish. A page byte-identical to the
 * last one stored costs no writes.
 */
export async function runSource(
  source: IntelSource,
  deps: IngestDeps,
  poll: Omit<PollContext, 'cursor'>,
): Promise<IngestSummary> {
  if (!source.poll) throw new Error(`source ${source.name} is not polled; send it to the webhook or ingest a file`);
  const { tenant } = poll;
  const summary = emptySummary(source.name);
  await expireIndicators(deps, tenant, summary);
  await announceOrRecord(deps, tenant, summary);
  await announceInventoryLeftovers(deps, tenant, summary);

  let cursor = currentCursor(await deps.cursors.get(tenant, source.name));
  for await (const page of source.poll({ ...poll, cursor })) {
    summary.pages += 1;
    const nowIso = deps.now().toISOString();
    const next: SourceCursor = {
      ...(cursor ?? {}),
      ...page.cursor,
      tenant,
      source: source.name,
      layout: 2,
      lastPolledAt: nowIso,
    };
    if (page.payload === undefined) {
      summary.unchangedPages += 1;
      // A 304 writes nothing; an incremental source whose window moved on keeps its new position.
      if (JSON.stringify(page.cursor.position ?? {}) !== JSON.stringify(cursor?.position ?? {}) && page.cursor.position) {
        cursor = next;
        await deps.cursors.put(next);
      }
      continue;
    }
    const bodyHash = sha256Hex(page.payload);
    if (bodyHash === cursor?.bodyHash) {
      summary.unchangedPages += 1;
      continue;
    }
    await deps.archive?.put(`${source.name}/${tenant}/${nowIso}-${page.label}`, page.payload);
    const parsed = source.parse(page.payload, { source: source.name, now: nowIso });
    const before = summary.added + summary.updated + summary.revoked;
    const added = await storeParsed(deps, { tenant, source: source.name, parsed, ...(source.decorate ? { decorate: source.decorate } : {}) }, summary);
    if (added.length > 0) await source.afterStore?.({ tenant, added, poll: { ...poll, cursor }, deps, summary });
    cursor = {
      ...next,
      bodyHash,
      ...(parsed.version ? { catalogVersion: parsed.version } : {}),
      lastChangedAt: summary.added + summary.updated + summary.revoked > before ? nowIso : (cursor?.lastChangedAt ?? nowIso),
    };
    await deps.cursors.put(cursor);
    await announceOrRecord(deps, tenant, summary);
    if (poll.shouldStop()) break;
  }
  if (source.afterPoll && !poll.shouldStop()) {
    await source.afterPoll({ tenant, poll: { ...poll, cursor }, deps, summary });
    await announceOrRecord(deps, tenant, summary);
  }
  return summary;
}

/**
 * A payload pushed to the webhook or read from a file, stored as `source` says. It is never the source's
 * complete list (a push cannot revoke what it leaves out) and has no cursor: pushes are not a sequence.
 * A repeated delivery finds every record unchanged and writes nothing.
 */
export async function ingestPayload(
  source: IntelSource,
  deps: IngestDeps,
  input: { tenant: string; payload: string; label: string },
): Promise<{ summary: IngestSummary; parsed: ParsedIntel }> {
  const summary = emptySummary(source.name);
  const nowIso = deps.now().toISOString();
  const parsed: ParsedIntel = { ...source.parse(input.payload, { source: source.name, now: nowIso }), complete: false };
  await deps.archive?.put(`${source.name}/${input.tenant}/${nowIso}-${input.label}`, input.payload);
  summary.pages = 1;
  await storeParsed(deps, { tenant: input.tenant, source: source.name, parsed, ...(source.decorate ? { decorate: source.decorate } : {}) }, summary);
  await expireIndicators(deps, input.tenant, summary);
  await announceOrRecord(deps, input.tenant, summary);
  return { summary, parsed };
}

async function announceInventoryLeftovers(deps: IngestDeps, tenant: string, summary: IngestSummary) {
  if (!deps.assets) return;
  try {
    const sent = await announcePendingInventoryChanges({ assets: deps.assets, publishEvents: deps.publishEvents }, tenant);
    if (sent > 0) deps.log?.('info', 'announced inventory changes an earlier import left unannounced', { assets: sent });
  } catch (error) {
    summary.announceError = `${(error as Error).name}: ${(error as Error).message}`;
    deps.log?.('warn', 'announcing stored inventory changes failed; they stay in the inventory outbox', { error: summary.announceError });
  }
}

async function announceOrRecord(deps: IngestDeps, tenant: string, summary: IngestSummary) {
  try {
    summary.announced += await announcePending(deps, tenant);
  } catch (error) {
    summary.announceError = `${(error as Error).name}: ${(error as Error).message}`;
    deps.log?.('warn', 'announcing stored changes failed; they stay in the outbox for the next run', { error: summary.announceError });
  }
}

export { InvalidFeedDocument };
