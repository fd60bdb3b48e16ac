import { z } from 'zod';
import { retryAfterSeconds, VendorAuthFailed, VendorRateLimited, VendorRequestFailed, VendorUnavailable, vendorFailure } from '../../../vendor/vendor-errors.ts';
import { describeIssues } from '../../describe-issues.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { TaxiiEnvelopeSchema } from '../stix/stix-parser.ts';

/**
 * A TAXII 2.1 client (OASIS TAXII 2.1, sections 4 and 5): server discovery, API roots, collections and
 * a collection's objects, paged with `limit` / `next` and resumed with `added_after`. The objects come
 * back as the envelope's text too, for parseStixBundle. Failures are the project's vendor errors, so a
 * schedule retries VendorRateLimited / VendorUnavailable and alarms on VendorAuthFailed.
 */

export { InvalidFeedDocument, VendorAuthFailed, VendorRateLimited, VendorRequestFailed, VendorUnavailable };

/** Source name of a TAXII collection's objects. */
export const TAXII_SOURCE = 'taxii';

/** The only media type of TAXII 2.1 requests and answers. */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';

export type TaxiiCredentials = { username: string; password: string } | { token: string };

export interface TaxiiClientOptions {
  fetch: typeof fetch;
  /** HTTP Basic (username and password) or a bearer token; none for an open server. */
  credentials?: TaxiiCredentials;
  /** Source name in InvalidFeedDocument messages (`taxii` by default). */
  source?: string;
  /** Abort a request after this many milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Clock for Retry-After dates. */
  now?: () => Date;
}

export const TaxiiDiscoverySchema = z.looseObject({
  title: z.string(),
  description: z.string().optional(),
  contact: z.string().optional(),
  default: z.string().optional(),
  api_roots: z.array(z.string()).default([]),
});
export type TaxiiDiscovery = z.infer<typeof TaxiiDiscoverySchema>;

export const TaxiiApiRootSchema = z.looseObject({
  title: z.string(),
  description: z.string().optional(),
  versions: z.array(z.string()),
  max_content_length: z.number().int().nonnegative(),
});
export type TaxiiApiRoot = z.infer<typeof TaxiiApiRootSchema>;

export const TaxiiCollectionSchema = z.looseObject({
  id: z.string().min(1),
  title: z.string(),
  description: z.string().optional(),
  alias: z.string().optional(),
  can_read: z.boolean(),
  can_write: z.boolean(),
  media_types: z.array(z.string()).optional(),
});
export type TaxiiCollection = z.infer<typeof TaxiiCollectionSchema>;

const CollectionsSchema = z.looseObject({ collections: z.array(TaxiiCollectionSchema).default([]) });

export type TaxiiEnvelope = z.infer<typeof TaxiiEnvelopeSchema>;

export interface ObjectsQuery {
  /** Only objects the server added after this time (a previous page's X-TAXII-Date-Added-Last). */
  addedAfter?: string;
  limit?: number;
  /** The `next` of the previous page. */
  next?: string;
}

export interface ObjectsPage {
  envelope: TaxiiEnvelope;
  /** The envelope as the server sent it, for parseStixBundle. */
  body: string;
  dateAddedFirst?: string;
  dateAddedLast?: string;
}

/** Where to pick up: `next` while a poll is mid-way, `addedAfter` alone once it has run to the end. */
export interface PollCursor {
  addedAfter?: string;
  next?: string;
}

export interface PolledObjectsPage extends ObjectsPage {
  /** Pass this back to pollCollection to continue after this page. */
  resumeFrom: PollCursor;
  /** The last page of this poll. */
  done: boolean;
}

export interface TaxiiClient {
  /** GET `<server>/taxii2/`: the server's API roots (made absolute) and its default one. */
  discover(serverUrl: string): Promise<TaxiiDiscovery>;
  /** GET `<api root>/`: what the API root is and which TAXII versions it speaks. */
  apiRoot(apiRoot: string): Promise<TaxiiApiRoot>;
  collections(apiRoot: string): Promise<TaxiiCollection[]>;
  getObjects(apiRoot: string, collectionId: string, query?: ObjectsQuery): Promise<ObjectsPage>;
  /** Pages through a collection's objects from `from` until the server has no more. */
  pollCollection(apiRoot: string, collectionId: string, from?: PollCursor & { limit?: number }): AsyncGenerator<PolledObjectsPage, void, undefined>;
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/** Names a server in errors by its origin: never with the user name or password a URL may carry. */
export function serverName(url: string): string {
  try {
    return `TAXII server ${new URL(url).origin}`;
  } catch {
    return 'TAXII server (unreadable URL)';
  }
}

function authorization(credentials: TaxiiCredentials | undefined): Record<string, string> {
  if (credentials === undefined) return {};
  if ('token' in credentials) return { authorization: `Bearer ${credentials.token}` };
  return { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` };
}

/** A URL the user name and password are stripped from, for messages. */
function shown(url: URL): string {
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  return copy.toString();
}

/** Creates a TAXII 2.1 client over the given fetch. */
export function createTaxiiClient(options: TaxiiClientOptions): TaxiiClient {
  const source = options.source ?? TAXII_SOURCE;
  const now = options.now ?? (() => new Date());
  const headers = { accept: TAXII_MEDIA_TYPE, ...authorization(options.credentials) };

  async function get(url: URL): Promise<{ response: Response; body: string }> {
    const vendor = serverName(url.toString());
    let response: Response;
    try {
      response = await options.fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
    } catch (error) {
      throw vendorFailure(vendor, undefined, `GET ${url.pathname}: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) {
      await response.body?.cancel();
      const status = response.status;
      if (status === 401 || status === 403) throw new VendorAuthFailed(vendor, status, `GET ${url.pathname}`);
      const retryAfter = retryAfterSeconds(response.headers.get('retry-after'), now());
      if (status === 429) throw new VendorRateLimited(vendor, retryAfter ?? 60);
      // A 503 that says when to come back is a server asking to be left alone for a while.
      if (status === 503 && retryAfter !== undefined) throw new VendorRateLimited(vendor, retryAfter);
      throw vendorFailure(vendor, status, `GET ${url.pathname}`);
    }
    try {
      return { response, body: await response.text() };
    } catch (error) {
      throw vendorFailure(vendor, undefined, `GET ${url.pathname}: ${(error as Error).message}`, { cause: error });
    }
  }

  async function getJson<T>(url: URL, schema: z.ZodType<T>, what: string): Promise<{ value: T; body: string; response: Response }> {
    const { response, body } = await get(url);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new InvalidFeedDocument(`${source}: ${shown(url)} did not answer JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new InvalidFeedDocument(`${source}: ${shown(url)} is not a TAXII 2.1 ${what}: ${describeIssues(parsed.error.issues).join('; ')}`);
    return { value: parsed.data, body, response };
  }

  async function getObjects(apiRoot: string, collectionId: string, query: ObjectsQuery = {}): Promise<ObjectsPage> {
    const url = new URL(`collections/${encodeURIComponent(collectionId)}/objects/`, withSlash(apiRoot));
    if (query.addedAfter !== undefined) url.searchParams.set('added_after', query.addedAfter);
    if (query.limit !== undefined) url.searchParams.set('limit', String(query.limit));
    if (query.next !== undefined) url.searchParams.set('next', query.next);
    const { value, body, response } = await getJson(url, TaxiiEnvelopeSchema, 'envelope');
    const keys = Object.keys(value);
    // Every envelope property is optional, so only `{}` or one of them tells an envelope from other JSON.
    if (keys.length > 0 && !keys.some((key) => key === 'objects' || key === 'more' || key === 'next')) {
      throw new InvalidFeedDocument(`${source}: ${shown(url)} is not a TAXII 2.1 envelope (no objects, more or next)`);
    }
    const page: ObjectsPage = { envelope: value, body };
    const first = response.headers.get('x-taxii-date-added-first');
    const last = response.headers.get('x-taxii-date-added-last');
    if (first) page.dateAddedFirst = first;
    if (last) page.dateAddedLast = last;
    return page;
  }

  return {
    async discover(serverUrl) {
      const url = new URL('taxii2/', withSlash(serverUrl));
      const { value } = await getJson(url, TaxiiDiscoverySchema, 'discovery document');
      // API roots may be given relative to the discovery URL.
      const resolve = (root: string) => withSlash(new URL(root, url).toString());
      const discovery: TaxiiDiscovery = { ...value, api_roots: value.api_roots.map(resolve) };
      if (value.default !== undefined) discovery.default = resolve(value.default);
      return discovery;
    },

    async apiRoot(apiRoot) {
      return (await getJson(new URL(withSlash(apiRoot)), TaxiiApiRootSchema, 'API root')).value;
    },

    async collections(apiRoot) {
      return (await getJson(new URL('collections/', withSlash(apiRoot)), CollectionsSchema, 'collections list')).value.collections;
    },

    getObjects,

    async *pollCollection(apiRoot, collectionId, from = {}) {
      let cursor: PollCursor = { ...from };
      // The newest date_added seen: an empty last page has no date headers of its own.
      let latestAdded = from.addedAfter;
      for (;;) {
        const query: ObjectsQuery = { ...cursor };
        if (from.limit !== undefined) query.limit = from.limit;
        const page = await getObjects(apiRoot, collectionId, query);
        if (page.dateAddedLast !== undefined) latestAdded = page.dateAddedLast;
        const { more, next } = page.envelope;
        if (more === true && next !== undefined) {
          if (next === cursor.next) throw new VendorRequestFailed(serverName(apiRoot), undefined, `collection ${collectionId} answered the same next token twice`);
          cursor = { ...(cursor.addedAfter === undefined ? {} : { addedAfter: cursor.addedAfter }), next };
          yield { ...page, resumeFrom: cursor, done: false };
          continue;
        }
        if (more === true && page.dateAddedLast !== undefined && page.dateAddedLast !== cursor.addedAfter) {
          // A server that pages without `next` is paged by date, as TAXII 2.0 clients did.
          cursor = { addedAfter: page.dateAddedLast };
          yield { ...page, resumeFrom: cursor, done: false };
          continue;
        }
        yield { ...page, resumeFrom: latestAdded === undefined ? {} : { addedAfter: latestAdded }, done: true };
        return;
      }
    },
  };
}
