import { z } from 'zod';
import { describeIssues } from '../../describe-issues.ts';
import type { IntelDraft, ParsedIntel, ParseContext, RejectedRecord } from '../../intel-draft.ts';
import { payloadExcerpt } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { DEFAULT_NVD_API_URL, NVD_WINDOW_MS, type RollingWindowLimiter } from './nvd-client.ts';
import { NVD_SOURCE, NvdResponseSchema, parseNvdCve } from './nvd-record.ts';
import type { IntelSource, PollContext, PolledPage } from '../../source-plugin.ts';
import { decorateNvdRow, drainNvdBacklog, nvdClientFor, nvdLimiterFor } from './nvd-enrichment.ts';

const DAY_MS = 86_400_000;
/** The CVE API refuses `lastModStartDate`/`lastModEndDate` ranges over 120 days. */
export const MAX_WINDOW_DAYS = 120;
export const RESULTS_PER_PAGE = 2000;

const NvdSettingsSchema = z.object({
  apiUrl: z.string().default(DEFAULT_NVD_API_URL),
  /** `kev`: only CVEs in CISA KEV (`hasKev`), the ones forestall matches today; `all`: every CVE. */
  scope: z.enum(['kev', 'all']).default('kev'),
  /** With scope `all` and no cursor, how far back the first sync reaches. */
  initialDays: z.coerce.number().int().min(1).max(3650).default(7),
  resultsPerPage: z.coerce.number().int().min(1).max(RESULTS_PER_PAGE).default(RESULTS_PER_PAGE),
});
export type NvdSettings = z.infer<typeof NvdSettingsSchema>;

/** One CVE API 2.0 page: every valid `cve` a draft with NVD facts, every invalid one refused by position. */
export function parseNvdPage(payload: string, context: ParseContext): ParsedIntel {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (error) {
    throw new InvalidFeedDocument(`${context.source}: the page is not JSON: ${(error as Error).message}`, { cause: error });
  }
  // A single `cve` object (the per-CVE file layout of NVD data feeds) is a page of one.
  if (isSingleCve(json)) {
    const result = parseNvdCve(json, 'cve');
    return result.ok
      ? { drafts: [{ kind: 'vulnerability', id: result.id, facts: result.facts as unknown as Record<string, unknown> }], rejected: [] }
      : { drafts: [], rejected: result.ok ? [] : [{ position: 'cve', record: result.record, reason: result.reason, payload: payloadExcerpt(json) }] };
  }
  const envelope = NvdResponseSchema.safeParse(json);
  if (!envelope.success) throw new InvalidFeedDocument(`${context.source}: not a CVE API 2.0 response: ${describeIssues(envelope.error.issues).join('; ')}`);
  const { vulnerabilities, resultsPerPage, totalResults, startIndex } = envelope.data;
  if (vulnerabilities.length > resultsPerPage || (totalResults > startIndex && vulnerabilities.length === 0 && resultsPerPage > 0)) {
    throw new InvalidFeedDocument(
      `${context.source}: page at startIndex ${startIndex} holds ${vulnerabilities.length} records but says resultsPerPage ${resultsPerPage} of totalResults ${totalResults}`,
    );
  }
  const drafts: IntelDraft[] = [];
  const rejected: RejectedRecord[] = [];
  vulnerabilities.forEach((item, index) => {
    const position = `vulnerabilities[${index}]`;
    const cve = item && typeof item === 'object' ? (item as { cve?: unknown }).cve : undefined;
    const result = parseNvdCve(cve, `${position}.cve`);
    if (result.ok) drafts.push({ kind: 'vulnerability', id: result.id, facts: result.facts as unknown as Record<string, unknown> });
    else rejected.push({ position, record: result.record, reason: result.reason, payload: payloadExcerpt(item) });
  });
  return { drafts, rejected, version: envelope.data.timestamp };
}

function isSingleCve(json: unknown): json is Record<string, unknown> {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return false;
  const record = json as Record<string, unknown>;
  return typeof record.id === 'string' && /^CVE-\d{4}-\d{4,}$/.test(record.id) && 'published' in record && ('descriptions' in record || 'metrics' in record);
}

/** `lastModStartDate`/`lastModEndDate` windows of at most 120 days from `from` to `to`. */
export function modificationWindows(from: Date, to: Date): Array<{ start: string; end: string }> {
  const windows: Array<{ start: string; end: string }> = [];
  for (let start = from.getTime(); start < to.getTime(); ) {
    const end = Math.min(start + MAX_WINDOW_DAYS * DAY_MS, to.getTime());
    windows.push({ start: new Date(start).toISOString(), end: new Date(end).toISOString() });
    start = end;
  }
  return windows;
}

/** NVD answers 403 when a client exceeds its window and 503 when busy: wait and ask again, a few times. */
async function getPage(context: PollContext, url: URL, apiKey: string | undefined, limiter: RollingWindowLimiter): Promise<string> {
  const attempts = 4;
  for (let attempt = 1; ; attempt += 1) {
    await limiter.acquire();
    const response = await context.fetch(url, {
      headers: { accept: 'application/json', ...(apiKey ? { apiKey } : {}) },
      signal: AbortSignal.timeout(60_000),
    });
    if (response.ok) return response.text();
    await response.body?.cancel();
    const retryable = response.status === 403 || response.status === 429 || response.status >= 500;
    if (!retryable || attempt >= attempts) {
      throw new Error(`NVD answered ${response.status} for ${url.pathname}?${[...url.searchParams.keys()].join('&')} after ${attempt} attempt(s)`);
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    const waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : NVD_WINDOW_MS * attempt;
    context.log('warn', 'NVD asked us to slow down', { status: response.status, waitMs });
    await context.sleep(waitMs);
  }
}

/**
 * Incremental sync. The first run (no cursor) with scope `kev` fetches every KEV CVE in pages of 2,000
 * (`hasKev`): the whole KEV backlog in one or two requests instead of 1,400 lookups. Later runs ask for
 * what NVD modified since the last run, in windows of at most 120 days, paging with `startIndex`;
 * the cursor records the window and index of the last stored page, so a failed run resumes there.
 */
async function* pollNvd(context: PollContext): AsyncIterable<PolledPage> {
  const settings = NvdSettingsSchema.parse(context.settings);
  const apiKey = await context.secret('NVD_API_KEY');
  const limiter = nvdLimiterFor(context, apiKey);
  const position = context.cursor?.position ?? {};
  const runStart = context.now();
  const windows: Array<{ start?: string; end: string }> = position.syncedTo
    ? modificationWindows(new Date(position.syncedTo), runStart)
    : settings.scope === 'kev'
      ? [{ end: runStart.toISOString() }]
      : modificationWindows(new Date(runStart.getTime() - settings.initialDays * DAY_MS), runStart);
  for (const window of windows) {
    const resuming = position.windowEnd === window.end || (window.start === undefined && position.windowEnd === 'initial');
    let startIndex = resuming ? Number(position.nextIndex ?? 0) : 0;
    for (;;) {
      if (context.shouldStop()) return;
      const url = new URL(settings.apiUrl);
      if (settings.scope === 'kev') url.searchParams.set('hasKev', '');
      if (window.start) {
        url.searchParams.set('lastModStartDate', window.start);
        url.searchParams.set('lastModEndDate', window.end);
      }
      url.searchParams.set('resultsPerPage', String(settings.resultsPerPage));
      url.searchParams.set('startIndex', String(startIndex));
      // `hasKev` takes no value; the API is documented with the bare parameter.
      url.search = url.search.replace(/(^\?|&)hasKev=(&|$)/, '$1hasKev$2');
      const payload = await getPage(context, url, apiKey, limiter);
      const envelope = NvdResponseSchema.safeParse(safeJson(payload));
      const total = envelope.success ? envelope.data.totalResults : 0;
      const count = envelope.success ? envelope.data.vulnerabilities.length : 0;
      const nextIndex = startIndex + count;
      const done = !envelope.success || count === 0 || nextIndex >= total;
      context.log('info', 'NVD page', { window: window.start ? `${window.start}..${window.end}` : 'all KEV CVEs', startIndex, count, total });
      yield {
        label: `${window.start ?? 'kev'}-${startIndex}.json`,
        payload,
        cursor: {
          position: done
            ? { syncedTo: window.end }
            : { ...(position.syncedTo ? { syncedTo: position.syncedTo } : {}), windowEnd: window.start ? window.end : 'initial', nextIndex: String(nextIndex) },
        },
      };
      if (done) break;
      startIndex = nextIndex;
    }
    position.syncedTo = window.end;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const nvdSource: IntelSource = {
  name: NVD_SOURCE,
  title: 'NVD CVE API 2.0',
  modes: ['scheduled', 'file'],
  detect: (payload) => {
    const head = payload.slice(0, 4096);
    if (/"format"\s*:\s*"NVD_CVE"/.test(head) || (/"totalResults"\s*:/.test(head) && /"resultsPerPage"\s*:/.test(head))) return true;
    // Parse the whole text only when the head already looks like a single `cve` record.
    return /"id"\s*:\s*"CVE-\d{4}-\d{4,}"/.test(head) && /"published"\s*:/.test(payload) && isSingleCve(safeJson(payload));
  },
  parse: parseNvdPage,
  everyMinutes: 120,
  settingsSchema: NvdSettingsSchema,
  secrets: ['NVD_API_KEY'],
  hosts: ['services.nvd.nist.gov'],
  poll: pollNvd,
  decorate: decorateNvdRow,
  // Lookups that are due: KEV entries beyond the KEV poll's budget, records awaiting analysis, not found.
  async afterPoll({ tenant, poll, deps, summary }) {
    const settings = NvdSettingsSchema.parse(poll.settings);
    const apiKey = await poll.secret('NVD_API_KEY');
    await drainNvdBacklog(deps, { tenant, nvd: await nvdClientFor(poll, settings.apiUrl), requestsPer30s: apiKey ? 50 : 5, shouldStop: poll.shouldStop }, summary);
  },
};
