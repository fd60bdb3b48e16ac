/**
 * Errors actuators throw, named so playbooks can Retry or Catch them by `Error` name
 * (Step Functions matches on the error's `name`).
 */

/** The vendor throttled the call; retry after `retryAfterSeconds`. */
export class VendorRateLimited extends Error {
  readonly vendor: string;
  readonly retryAfterSeconds: number;
  constructor(vendor: string, retryAfterSeconds: number, options?: { cause?: unknown }) {
    super(`${vendor} rate limit reached; retry after ${retryAfterSeconds}s`, options);
    this.name = 'VendorRateLimited';
    this.vendor = vendor;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The vendor rejected our credentials (401) or their permissions (403): retrying will not help. */
export class VendorAuthFailed extends Error {
  readonly vendor: string;
  readonly status: number;
  constructor(vendor: string, status: number, detail: string, options?: { cause?: unknown }) {
    super(`${vendor} refused the credentials (HTTP ${status}): ${detail}`, options);
    this.name = 'VendorAuthFailed';
    this.vendor = vendor;
    this.status = status;
  }
}

/** Any other non-success answer from the vendor. */
export class VendorRequestFailed extends Error {
  readonly vendor: string;
  readonly status: number | undefined;
  constructor(vendor: string, status: number | undefined, detail: string, options?: { cause?: unknown }) {
    super(`${vendor} request failed${status === undefined ? '' : ` (HTTP ${status})`}: ${detail}`, options);
    this.name = 'VendorRequestFailed';
    this.vendor = vendor;
    this.status = status;
  }
}

/**
 * The vendor could not be reached or failed on its side (network error, timeout, HTTP 5xx): worth
 * retrying with backoff, unlike a request the vendor refused.
 */
export class VendorUnavailable extends Error {
  readonly vendor: string;
  readonly status: number | undefined;
  constructor(vendor: string, status: number | undefined, detail: string, options?: { cause?: unknown }) {
    super(`${vendor} unavailable${status === undefined ? '' : ` (HTTP ${status})`}: ${detail}`, options);
    this.name = 'VendorUnavailable';
    this.vendor = vendor;
    this.status = status;
  }
}

/** The error for a failed vendor call: transient (no answer, 5xx) or a refusal (any other status). */
export function vendorFailure(vendor: string, status: number | undefined, detail: string, options?: { cause?: unknown }): VendorUnavailable | VendorRequestFailed {
  return status === undefined || status >= 500 ? new VendorUnavailable(vendor, status, detail, options) : new VendorRequestFailed(vendor, status, detail, options);
}

/** Bad actuator input: names the field and what was wrong. */
export class InvalidActuatorRequest extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidActuatorRequest';
  }
}

/**
 * Seconds to wait from a rate-limit reset header. Vendors send either epoch seconds (Okta
 * X-Rate-Limit-Reset), epoch milliseconds (CrowdStrike documents X-RateLimit-RetryAfter so) or a delay.
 */
export function secondsUntil(headerValue: string | null | undefined, now: Date, fallbackSeconds = 60): number {
  if (!headerValue) return fallbackSeconds;
  const value = Number(headerValue);
  if (!Number.isFinite(value) || value < 0) return fallbackSeconds;
  const nowMs = now.getTime();
  let waitMs: number;
  if (value > 1e12) waitMs = value - nowMs; // epoch milliseconds
  else if (value > 1e9) waitMs = value * 1000 - nowMs; // epoch seconds
  else waitMs = value * 1000; // a delay in seconds
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/**
 * Seconds to wait from an HTTP `Retry-After` header (RFC 9110: a delay in seconds or an HTTP date), or
 * undefined when there is none or it cannot be read.
 */
export function retryAfterSeconds(headerValue: string | null | undefined, now: Date): number | undefined {
  if (!headerValue) return undefined;
  const trimmed = headerValue.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

/** The target account has no forestall role to act through: nothing was changed there. */
export class AccountNotEnrolled extends Error {
  readonly account: string;
  constructor(account: string, detail: string) {
    super(`account ${account} is not enrolled for forestall actions: ${detail}`);
    this.name = 'AccountNotEnrolled';
    this.account = account;
  }
}
