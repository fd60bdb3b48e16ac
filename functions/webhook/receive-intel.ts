import { randomUUID } from 'node:crypto';
import { TenantIdSchema } from '../model/tenant.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature, type SignatureRejection } from './webhook-signature.ts';

/** One HTTP request as the webhook sees it, whatever carried it (API Gateway, node:http). */
export interface WebhookRequest {
  method: string;
  /** The path without query string, e.g. `/intel/acme`. */
  path: string;
  /** Header names lower-cased. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The raw body; the signature covers these exact bytes. */
  body: Buffer;
  /** The carrier's id for the request, quoted in a 500 answer so an operator can find its log line. */
  requestId?: string;
}

/** The answer: a status and a JSON body that never holds a secret, the pushed body or an internal error. */
export interface WebhookAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** 5 MiB: under Lambda's 6 MB synchronous payload limit once API Gateway has base64-encoded the body. */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** A signed push of intel, handed to the ingest runner. */
export interface IntelPush {
  tenant: string;
  body: string;
  contentType?: string;
  /** ISO 8601, forestall's clock. */
  receivedAt: string;
  /** The sender's `X-Forestall-Delivery`, the same on every retry of one delivery. */
  deliveryId?: string;
}

/** What the ingest runner made of a push. */
export interface PushOutcome {
  accepted: number;
  rejected: number;
  unchanged: number;
}

export type WebhookLog = (level: 'info' | 'warn' | 'error', message: string, detail: Record<string, unknown>) => void;

export interface ReceiveIntelDeps {
  /** The tenant's current webhook secrets; undefined when the tenant has none (unknown tenant). */
  tenantSecrets(tenant: string): Promise<readonly string[] | undefined>;
  /** Parses and stores a push. Throws InvalidFeedDocument when the body is not intel it can read. */
  accept(push: IntelPush): Promise<PushOutcome>;
  nowSeconds(): number;
  maxBodyBytes: number;
  /** Where refusals and failures are recorded with their reasons (the sender only sees a generic answer). */
  log?: WebhookLog;
}

/** The one route: `POST /intel/{tenant}`. */
const INTEL_PATH = /^\/intel\/([^/]+)$/;
/** Said for every refused signature and every unknown tenant alike, so neither can be told apart. */
export const SIGNATURE_REFUSED = 'signature missing, invalid or outside the 5-minute window';
const DELIVERY_ID = /^[\x21-\x7e]{1,200}$/;
/** InvalidFeedDocument messages name the field; longer ones are cut so an answer stays small. */
const MAX_ERROR_MESSAGE = 1000;

/**
 * Answers one webhook request: route, size, tenant and signature checks in that order, then hands the
 * body to `accept`. Redelivering the same body is safe: the ingest runner writes nothing for content it
 * already holds, so a retried delivery gets the same counts back as `unchanged`.
 */
export async function receiveIntel(request: WebhookRequest, deps: ReceiveIntelDeps): Promise<WebhookAnswer> {
  const requestId = request.requestId ?? randomUUID();
  const log: WebhookLog = deps.log ?? (() => {});
  const route = INTEL_PATH.exec(request.path);
  const tenant = route ? TenantIdSchema.safeParse(safeDecode(route[1] ?? '')) : undefined;
  if (!tenant?.success) return answer(404, { error: 'not found' });
  if (request.method.toUpperCase() !== 'POST') return answer(405, { error: 'method not allowed' }, { allow: 'POST' });

  if (tooLarge(request, deps.maxBodyBytes)) {
    return answer(413, { error: `body larger than ${deps.maxBodyBytes} bytes` });
  }

  const headers = request.headers;
  try {
    const secrets = await deps.tenantSecrets(tenant.data);
    const verdict = verifyWebhookSignature({
      secrets: secrets ?? [],
      timestampHeader: headers[TIMESTAMP_HEADER.toLowerCase()],
      signatureHeader: headers[SIGNATURE_HEADER.toLowerCase()],
      body: request.body,
      nowSeconds: deps.nowSeconds(),
    });
    if (!verdict.ok) {
      const reason: SignatureRejection | 'unknown-tenant' = secrets === undefined ? 'unknown-tenant' : verdict.reason;
      log('warn', 'webhook signature refused', { tenant: tenant.data, reason, requestId });
      return answer(401, { error: SIGNATURE_REFUSED });
    }

    const deliveryId = headers[DELIVERY_HEADER.toLowerCase()];
    if (deliveryId !== undefined && !DELIVERY_ID.test(deliveryId)) {
      return answer(400, { error: `${DELIVERY_HEADER} must be 1 to 200 visible ASCII characters` });
    }
    const body = utf8Text(request.body);
    if (body === undefined) return answer(400, { error: 'body is not UTF-8 text' });

    const contentType = headers['content-type'];
    const outcome = await deps.accept({
      tenant: tenant.data,
      body,
      ...(contentType ? { contentType } : {}),
      receivedAt: new Date(deps.nowSeconds() * 1000).toISOString(),
      ...(deliveryId ? { deliveryId } : {}),
    });
    log('info', 'intel push received', { tenant: tenant.data, deliveryId, requestId, ...outcome });
    return answer(202, { accepted: outcome.accepted, rejected: outcome.rejected, unchanged: outcome.unchanged });
  } catch (error) {
    if (error instanceof Error && error.name === 'InvalidFeedDocument') {
      log('warn', 'intel push refused', { tenant: tenant.data, requestId, error: error.message });
      return answer(400, { error: truncate(error.message) });
    }
    log('error', 'intel push failed', { tenant: tenant.data, requestId, error });
    return answer(500, { error: 'internal error', requestId });
  }
}

/** Content-Length first (a carrier may not have read the body), then the bytes actually received. */
function tooLarge(request: WebhookRequest, maxBodyBytes: number): boolean {
  const declared = request.headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared) > maxBodyBytes) return true;
  return request.body.length > maxBodyBytes;
}

function answer(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): WebhookAnswer {
  return { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }, body };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
function utf8Text(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function truncate(message: string): string {
  return message.length <= MAX_ERROR_MESSAGE ? message : `${message.slice(0, MAX_ERROR_MESSAGE)}…`;
}
