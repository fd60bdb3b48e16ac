import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Text of a body, gzip undone when the bytes are gzip (EPSS ships `.csv.gz`; servers may not say so). */
export function bodyText(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (buffer[0] === 0x1f && buffer[1] === 0x8b ? gunzipSync(buffer) : buffer).toString('utf8');
}

/** Validators remembered from the last successful fetch. */
export interface Validators {
  etag?: string;
  lastModified?: string;
}

export type ConditionalGetResult =
  | { status: 'not-modified'; etag?: string; lastModified?: string }
  | { status: 'ok'; body: string; etag?: string; lastModified?: string };

/** A feed could not be fetched; `status` is the HTTP status when there was a response. */
export class FeedFetchFailed extends Error {
  readonly status: number | undefined;
  readonly location: string;
  constructor(message: string, location: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FeedFetchFailed';
    this.location = location;
    this.status = status;
  }
}

export interface ConditionalGetOptions {
  fetch?: typeof fetch;
  /** Abort the request after this many milliseconds (default 30 s). */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

const isFileLocation = (location: string) => location.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(location);

/**
 * GET with If-None-Match / If-Modified-Since from the previous fetch; a 304 comes back as
 * `not-modified` without a body. `file://` URLs and plain paths are read from disk for local runs,
 * using the file's modification time as Last-Modified.
 */
export async function conditionalGet(
  location: string,
  validators: Validators = {},
  options: ConditionalGetOptions = {},
): Promise<ConditionalGetResult> {
  if (isFileLocation(location)) {
    const path = location.startsWith('file:') ? fileURLToPath(location) : location;
    try {
      const lastModified = (await stat(path)).mtime.toUTCString();
      if (validators.lastModified === lastModified) return { status: 'not-modified', lastModified };
      return { status: 'ok', body: bodyText(await readFile(path)), lastModified };
    } catch (error) {
      throw new FeedFetchFailed(`cannot read ${path}: ${(error as Error).message}`, location, undefined, { cause: error });
    }
  }

  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(location, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
  } catch (error) {
    throw new FeedFetchFailed(`GET ${location} failed: ${(error as Error).message}`, location, undefined, { cause: error });
  }
  const etag = response.headers.get('etag') ?? undefined;
  const lastModified = response.headers.get('last-modified') ?? undefined;
  const fresh = { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
  if (response.status === 304) {
    await response.body?.cancel();
    return { status: 'not-modified', ...validators, ...fresh };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new FeedFetchFailed(`GET ${location} answered ${response.status} ${response.statusText}`, location, response.status);
  }
  return { status: 'ok', body: bodyText(new Uint8Array(await response.arrayBuffer())), ...fresh };
}
