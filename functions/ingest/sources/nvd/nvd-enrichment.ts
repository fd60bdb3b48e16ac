import type { SourceFacts } from '../../../model/intel-record.ts';
import type { NvdFacts } from '../../../model/vulnerability.ts';
import { readSecret, secretSourceFromEnv } from '../../../config/secrets.ts';
import { storeSourceRows, type IngestDeps, type IngestSummary } from '../../ingest-runner.ts';
import { createNvdClient, NVD_WINDOW_MS, RollingWindowLimiter, type NvdClient } from './nvd-client.ts';
import { NVD_SOURCE } from './nvd-record.ts';
import type { PollContext } from '../../source-plugin.ts';

const HOUR_MS = 3_600_000;
/** NVD analyses most new CVEs within days: look an unanalysed one up again twice a day. */
export const AWAITING_ANALYSIS_RECHECK_MS = 12 * HOUR_MS;
/** A CVE NVD does not know yet (reserved, embargoed) is asked about again weekly. */
export const NOT_FOUND_RECHECK_MS = 7 * 24 * HOUR_MS;

const later = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();

/**
 * The NVD row's bookkeeping: a record with configurations is analysed; one without (NVD status
 * Received, Awaiting Analysis, Undergoing Analysis: common for new KEV entries) stays due, so it is
 * looked up again until NVD analyses it, and matched then.
 */
export function decorateNvdRow(row: SourceFacts, now: Date): SourceFacts {
  if (row.source !== NVD_SOURCE || row.facts === undefined) return row;
  const configurations = (row.facts as Partial<NvdFacts>).configurations ?? [];
  if (configurations.length > 0) {
    const { nextLookupAt: _dropped, ...analysed } = row;
    return { ...analysed, lookup: 'analysed' };
  }
  return { ...row, lookup: 'awaiting-analysis', nextLookupAt: later(now, AWAITING_ANALYSIS_RECHECK_MS) };
}

// One limiter per run (keyed by the run's clock), shared by every NVD request the run makes.
const limiters = new WeakMap<() => Date, RollingWindowLimiter>();

/** NVD's rate for this run (5 requests per 30 s, 50 with an API key), shared by all its NVD requests. */
export function nvdLimiterFor(poll: Pick<PollContext, 'now' | 'sleep'>, apiKey: string | undefined): RollingWindowLimiter {
  let limiter = limiters.get(poll.now);
  if (!limiter) {
    limiter = new RollingWindowLimiter(apiKey ? 50 : 5, NVD_WINDOW_MS, { now: () => poll.now().getTime(), sleep: poll.sleep });
    limiters.set(poll.now, limiter);
  }
  return limiter;
}

/** An NVD client for a poll, with the API key from the source's secrets when one is configured. */
export async function nvdClientFor(poll: Pick<PollContext, 'secret' | 'fetch' | 'now' | 'sleep'>, apiUrl?: string): Promise<NvdClient> {
  const apiKey = await poll.secret('NVD_API_KEY');
  return createNvdClient({
    ...(apiUrl ? { apiUrl } : {}),
    ...(apiKey ? { apiKey } : {}),
    fetch: poll.fetch,
    clock: { now: () => poll.now().getTime(), sleep: poll.sleep },
    limiter: nvdLimiterFor(poll, apiKey),
  });
}

/** Reads the NVD API key the way every handler reads secrets (Secrets Manager deployed, env or file locally). */
export async function nvdApiKeyFromEnv(): Promise<string | undefined> {
  const source = secretSourceFromEnv('NVD_API_KEY');
  return source ? readSecret(source) : undefined;
}

export interface NvdEnrichmentInput {
  tenant: string;
  ids: readonly string[];
  /** Lookups allowed; ids beyond it are stored as pending and looked up by the NVD source's backlog run. */
  budget: number;
  nvd: NvdClient;
  /** Skip ids that already have an NVD row (KEV: only CVEs NVD was never asked about). */
  onlyMissing?: boolean;
}

export interface NvdEnrichmentResult {
  lookedUp: number;
  /** Set when NVD stopped answering (rate limit, outage); the rest stay due. */
  stoppedBy?: string;
}

/** Looks CVEs up one by one within NVD's rate limit and stores what NVD says (or that it is pending). */
export async function enrichFromNvd(deps: IngestDeps, input: NvdEnrichmentInput, summary: IngestSummary): Promise<NvdEnrichmentResult> {
  const { tenant } = input;
  const existing = input.onlyMissing ? await deps.intel.getHashes(tenant, 'vulnerability', NVD_SOURCE, input.ids) : new Map<string, string>();
  const ids = input.ids.filter((id) => !existing.has(id));
  const rows: SourceFacts[] = [];
  const result: NvdEnrichmentResult = { lookedUp: 0 };
  for (const [index, id] of ids.entries()) {
    const now = deps.now();
    const base = { tenant, kind: 'vulnerability' as const, id, source: NVD_SOURCE, aliases: [], observedAt: now.toISOString() };
    if (index >= input.budget || result.stoppedBy) {
      if (input.onlyMissing) rows.push({ ...base, lookup: 'pending', nextLookupAt: now.toISOString() });
      continue;
    }
    try {
      const answer = await input.nvd.lookup(id);
      result.lookedUp += 1;
      summary.lookedUp += 1;
      if (answer.status === 'found') {
        rows.push(decorateNvdRow({ ...base, facts: answer.facts as unknown as Record<string, unknown> }, now));
      } else {
        if (answer.status === 'invalid') {
          await deps.quarantine.put({ tenant, source: NVD_SOURCE, record: id, reason: answer.reason, payload: answer.payload, quarantinedAt: now.toISOString() });
          summary.quarantined += 1;
        }
        rows.push({ ...base, lookup: 'not-found', nextLookupAt: later(now, NOT_FOUND_RECHECK_MS) });
      }
    } catch (error) {
      result.stoppedBy = `${(error as Error).name}: ${(error as Error).message}`;
      deps.log?.('warn', 'NVD lookups stopped for this run', { error: result.stoppedBy });
      if (input.onlyMissing) rows.push({ ...base, lookup: 'pending', nextLookupAt: now.toISOString() });
    }
  }
  await storeSourceRows(deps, tenant, NVD_SOURCE, rows, summary);
  return result;
}

export interface BacklogProgress {
  lookedUp: number;
  remaining: number;
  /** At the client's rate, how long the rest takes (seconds). */
  etaSeconds: number;
  stoppedBy?: string;
}

/**
 * Works through the NVD lookups that are due (pending ones and records still awaiting analysis), at the
 * documented rate (50 per 30 s with an API key, 5 without), until `shouldStop` says the run's time is up.
 * Reports progress as it goes.
 */
export async function drainNvdBacklog(
  deps: IngestDeps,
  input: { tenant: string; nvd: NvdClient; requestsPer30s: number; shouldStop(): boolean },
  summary: IngestSummary,
): Promise<BacklogProgress> {
  let lookedUp = 0;
  let stoppedBy: string | undefined;
  while (!input.shouldStop() && !stoppedBy) {
    const due = await deps.intel.listNvdDue(input.tenant, deps.now().toISOString(), input.requestsPer30s);
    if (due.length === 0) break;
    const result = await enrichFromNvd(deps, { tenant: input.tenant, ids: due.map((row) => row.id), budget: due.length, nvd: input.nvd }, summary);
    lookedUp += result.lookedUp;
    stoppedBy = result.stoppedBy;
    if (result.lookedUp === 0) break;
  }
  const remaining = await deps.intel.countNvdDue(input.tenant, deps.now().toISOString());
  const progress: BacklogProgress = { lookedUp, remaining, etaSeconds: Math.ceil(remaining / input.requestsPer30s) * 30, ...(stoppedBy ? { stoppedBy } : {}) };
  deps.log?.('info', 'NVD backlog', { ...progress });
  return progress;
}
