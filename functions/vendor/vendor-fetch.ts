import { retryAfterSeconds, VendorRateLimited, vendorFailure } from './vendor-errors.ts';

/** How a vendor client calls HTTP: timeouts, and how long a `Retry-After` may be waited out in-process. */
export interface VendorFetchOptions {
  vendor: string;
  fetch?: typeof fetch;
  /** Per request, so nothing waits for the Lambda timeout. Default 10 s. */
  timeoutMs?: number;
  now?: () => Date;
  /**
   * A 429 asking for at most this long is waited out once, in the invocation; a longer one surfaces as
   * VendorRateLimited with the vendor's delay for the playbook's back-off. Default 5 s.
   */
  maxInProcessWaitSeconds?: number;
  /** Reads the vendor's own reset header when it has one (Okta, CrowdStrike); `Retry-After` otherwise. */
  rateLimitDelay?: (response: Response, now: Date) => number | undefined;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_VENDOR_TIMEOUT_MS = 10_000;
const DEFAULT_IN_PROCESS_WAIT_SECONDS = 5;
/** When a vendor says 429 without saying how long. */
const UNSTATED_DELAY_SECONDS = 30;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One vendor HTTP call with a request timeout and `Retry-After` honoured. No answer (network error,
 * timeout) is VendorUnavailable; a 429 is waited out once when short, otherwise VendorRateLimited carries
 * the vendor's delay. Any other answer is returned for the client to read.
 */
export async function vendorFetch(options: VendorFetchOptions, url: URL, init: RequestInit, what: string): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? DEFAULT_VENDOR_TIMEOUT_MS;
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 0; ; attempt += 1) {
    let response: Response;
    try {
      response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      throw vendorFailure(options.vendor, undefined, `${what}: ${timedOut ? `no answer within ${timeoutMs} ms` : (error as Error).message}`, { cause: error });
    }
    if (response.status !== 429) return response;
    const delay = options.rateLimitDelay?.(response, now()) ?? retryAfterSeconds(response.headers.get('retry-after'), now()) ?? UNSTATED_DELAY_SECONDS;
    await response.body?.cancel();
    if (attempt === 0 && delay <= (options.maxInProcessWaitSeconds ?? DEFAULT_IN_PROCESS_WAIT_SECONDS)) {
      await sleep(delay * 1000);
      continue;
    }
    throw new VendorRateLimited(options.vendor, Math.max(1, delay));
  }
}
