import { VendorAuthFailed, VendorRateLimited, VendorRequestFailed, VendorUnavailable, vendorFailure, secondsUntil } from '../../../vendor/vendor-errors.ts';
import { describeIssues } from '../../describe-issues.ts';
import { NvdResponseSchema, parseNvdCve } from './nvd-record.ts';
import type { NvdFacts } from '../../../model/vulnerability.ts';

// One set of vendor error classes for the whole project, so playbooks and handlers catch one name.
export { VendorAuthFailed, VendorRateLimited, VendorRequestFailed, VendorUnavailable };

const VENDOR = 'NVD';

export const DEFAULT_NVD_API_URL = 'https://services.nvd.nist.gov/rest/json/cves/2.0';

/** Time source for the rate limiter; tests pass a fake one so nothing really waits. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * At most `limit` requests in any `windowMs` rolling window (NVD: 5 per 30 s without a key, 50 with).
 * `acquire` waits until a slot is free, then takes it.
 */
export class RollingWindowLimiter {
  private readonly started: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  acquire(): Promise<void> {
    // Serialise callers so concurrent lookups cannot both take the last slot.
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = this.clock.now();
        while (this.started.length > 0 && (this.started[0] as number) <= now - this.windowMs) this.started.shift();
        if (this.started.length < this.limit) {
          this.started.push(now);
          return;
        }
        await this.clock.sleep((this.started[0] as number) + this.windowMs - now);
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}

export type NvdLookupResult =
  | { status: 'found'; id: string; facts: NvdFacts }
  | { status: 'not-found' }
  /** NVD answered, but the record does not have the documented shape; `reason` names the field. */
  | { status: 'invalid'; reason: string; payload: string };

export interface NvdClient {
  lookup(cveId: string): Promise<NvdLookupResult>;
}

export interface NvdClientOptions {
  /** CVE API 2.0 base URL; defaults to the public NVD. */
  apiUrl?: string;
  /** Sent as the `apiKey` header; raises the rate limit from 5 to 50 requests per 30 s. */
  apiKey?: string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Overrides the NVD limit (requests per 30 s window), e.g. for a local NVD stand-in. */
  requestsPerWindow?: number;
  /** A limiter shared with other NVD requests of the same run (the NVD source's pages), so together they keep NVD's rate. */
  limiter?: RollingWindowLimiter;
  timeoutMs?: number;
}

/** NVD's rate limits are per rolling 30-second window. */
export const NVD_WINDOW_MS = 30_000;

/**
 * Looks CVEs up one at a time in the NVD CVE API 2.0 (`GET ?cveId=...`), within NVD's published
 * rate limits. An empty result means NVD does not know the CVE (yet): `not-found`. NVD answers 403
 * when a client exceeds its rolling window, so 403 and 429 are VendorRateLimited (30 s unless the
 * answer says otherwise); 401 is VendorAuthFailed; anything else, including 5xx and timeouts,
 * VendorRequestFailed.
 */
export function createNvdClient(options: NvdClientOptions = {}): NvdClient {
  const apiUrl = options.apiUrl ?? DEFAULT_NVD_API_URL;
  const clock = options.clock ?? systemClock;
  const limiter = options.limiter ?? new RollingWindowLimiter(options.requestsPerWindow ?? (options.apiKey ? 50 : 5), NVD_WINDOW_MS, clock);
  const doFetch = options.fetch ?? fetch;
  return {
    async lookup(cveId) {
      await limiter.acquire();
      const url = new URL(apiUrl);
      url.searchParams.set('cveId', cveId);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.apiKey) headers.apiKey = options.apiKey;
      let response: Response;
      try {
        response = await doFetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
      } catch (error) {
        throw vendorFailure(VENDOR, undefined, `lookup of ${cveId}: ${(error as Error).message}`, { cause: error });
      }
      if (!response.ok) {
        await response.body?.cancel();
        if (response.status === 403 || response.status === 429) {
          throw new VendorRateLimited(VENDOR, secondsUntil(response.headers.get('retry-after'), new Date(clock.now()), NVD_WINDOW_MS / 1000));
        }
        if (response.status === 401) throw new VendorAuthFailed(VENDOR, 401, `lookup of ${cveId}: API key rejected`);
        throw vendorFailure(VENDOR, response.status, `lookup of ${cveId}`);
      }
      let json: unknown;
      try {
        json = await response.json();
      } catch {
        throw new VendorRequestFailed(VENDOR, response.status, `lookup of ${cveId}: the response is not JSON`);
      }
      const envelope = NvdResponseSchema.safeParse(json);
      if (!envelope.success) {
        throw new VendorRequestFailed(VENDOR, response.status, `lookup of ${cveId}: not a CVE API 2.0 response: ${describeIssues(envelope.error.issues).join('; ')}`);
      }
      const item = envelope.data.vulnerabilities.find(
        (entry) => (entry as { cve?: { id?: unknown } } | null)?.cve?.id === cveId,
      ) as { cve: unknown } | undefined;
      if (!item) return { status: 'not-found' };
      const parsed = parseNvdCve(item.cve, 'vulnerabilities[0].cve');
      if (!parsed.ok) return { status: 'invalid', reason: parsed.reason, payload: JSON.stringify(item.cve).slice(0, 16_000) };
      return { status: 'found', id: parsed.id, facts: parsed.facts };
    },
  };
}
