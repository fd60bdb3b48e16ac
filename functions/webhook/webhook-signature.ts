import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The intel webhook's signature scheme. A sender signs `"<timestamp>.<raw body>"` with HMAC-SHA256 under
 * its tenant's secret and sends:
 *
 *   X-Forestall-Timestamp: <unix seconds>
 *   X-Forestall-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * While a secret is rotated the sender may send one `v1=` value per secret, comma-separated; forestall
 * accepts the request when any of them matches any of the tenant's current secrets. The timestamp must be
 * within 5 minutes of forestall's clock either way, so a captured request cannot be replayed later.
 */
export const TIMESTAMP_HEADER = 'X-Forestall-Timestamp';
export const SIGNATURE_HEADER = 'X-Forestall-Signature';
/** Optional: the sender's id for one delivery, the same on every retry of it. */
export const DELIVERY_HEADER = 'X-Forestall-Delivery';
/** How far a timestamp may be from forestall's clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const SIGNATURE_VERSION = 'v1';
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const UNIX_SECONDS = /^\d{1,12}$/;
/** More values than any rotation needs; bounds the work one request can ask for. */
const MAX_SIGNATURE_VALUES = 8;

/** The headers a signed request carries, by their canonical names. */
export interface WebhookSignatureHeaders {
  'X-Forestall-Timestamp': string;
  'X-Forestall-Signature': string;
}

/** Why a request's signature was refused; for logs and metrics only, never for the sender. */
export type SignatureRejection =
  | 'no-secret'
  | 'missing-timestamp'
  | 'malformed-timestamp'
  | 'stale-timestamp'
  | 'missing-signature'
  | 'malformed-signature'
  | 'no-matching-signature';

export type SignatureVerdict = { ok: true } | { ok: false; reason: SignatureRejection };

/** Hex HMAC-SHA256 of `"<timestamp>.<body>"`, over the body's exact bytes. */
export function webhookSignature(secret: string, body: string | Uint8Array, timestampSeconds: number): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex');
}

/**
 * The two headers for a body sent at `timestampSeconds`. Given several secrets (a rotation in progress)
 * the signature header carries one `v1=` value per secret.
 */
export function signWebhookBody(secret: string | readonly string[], body: string | Uint8Array, timestampSeconds: number): WebhookSignatureHeaders {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`timestamp must be whole unix seconds, got ${timestampSeconds}`);
  }
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0 || secrets.some((each) => each.length === 0)) throw new RangeError('a webhook secret must not be empty');
  return {
    [TIMESTAMP_HEADER]: String(timestampSeconds),
    [SIGNATURE_HEADER]: secrets.map((each) => `${SIGNATURE_VERSION}=${webhookSignature(each, body, timestampSeconds)}`).join(','),
  } as WebhookSignatureHeaders;
}

export interface VerifySignatureInput {
  /** The tenant's current secrets (two while one is rotated). */
  secrets: readonly string[];
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  /** The raw body, exactly as received. */
  body: string | Uint8Array;
  nowSeconds: number;
  toleranceSeconds?: number;
}

/**
 * Checks a request's signature in constant time per comparison. Signature values of other versions are
 * ignored (a sender may already send a future `v2=` next to `v1=`).
 */
export function verifyWebhookSignature(input: VerifySignatureInput): SignatureVerdict {
  const { secrets, timestampHeader, signatureHeader, body, nowSeconds } = input;
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  const usable = secrets.filter((secret) => secret.length > 0);
  if (usable.length === 0) return { ok: false, reason: 'no-secret' };

  const timestampText = timestampHeader?.trim();
  if (!timestampText) return { ok: false, reason: 'missing-timestamp' };
  if (!UNIX_SECONDS.test(timestampText)) return { ok: false, reason: 'malformed-timestamp' };
  const timestamp = Number(timestampText);
  if (!(Math.abs(nowSeconds - timestamp) <= tolerance)) return { ok: false, reason: 'stale-timestamp' };

  if (!signatureHeader?.trim()) return { ok: false, reason: 'missing-signature' };
  const offered = offeredSignatures(signatureHeader);
  if (offered === undefined) return { ok: false, reason: 'malformed-signature' };

  const expected = usable.map((secret) => Buffer.from(webhookSignature(secret, body, timestamp), 'hex'));
  // Every pair is compared, so the time taken does not tell which secret or value matched.
  let matched = false;
  for (const candidate of offered) {
    for (const each of expected) matched = timingSafeEqual(candidate, each) || matched;
  }
  return matched ? { ok: true } : { ok: false, reason: 'no-matching-signature' };
}

/** The `v1=` values as 32-byte buffers; undefined when the header has none or is malformed. */
function offeredSignatures(header: string): Buffer[] | undefined {
  const parts = header.split(',').map((part) => part.trim());
  if (parts.length > MAX_SIGNATURE_VALUES) return undefined;
  const values: Buffer[] = [];
  for (const part of parts) {
    const separator = part.indexOf('=');
    if (separator <= 0) return undefined;
    if (part.slice(0, separator) !== SIGNATURE_VERSION) continue;
    const hex = part.slice(separator + 1).toLowerCase();
    if (!HEX_SHA256.test(hex)) return undefined;
    values.push(Buffer.from(hex, 'hex'));
  }
  return values.length > 0 ? values : undefined;
}
