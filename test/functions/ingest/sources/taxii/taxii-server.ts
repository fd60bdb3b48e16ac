import type { IncomingMessage } from 'node:http';
import { type LoopbackServer, startLoopbackServer } from '../../loopback-server.ts';

/**
 * A TAXII 2.1 server on 127.0.0.1 for tests, after OASIS TAXII 2.1 and the medallion reference server:
 * discovery at /taxii2/, API roots at /<name>/, their collections, and a collection's objects paged
 * with `limit` and an opaque `next`, filtered by `added_after`, with the X-TAXII-Date-Added headers.
 */

export const TAXII_CONTENT_TYPE = 'application/taxii+json;version=2.1';

export interface ServedObject {
  object: Record<string, unknown>;
  /** When the server added this version (date_added). */
  dateAdded: string;
}

export interface ServedCollection {
  id: string;
  title: string;
  description?: string;
  can_read: boolean;
  can_write: boolean;
  media_types?: string[];
  objects: ServedObject[];
}

export interface ServedApiRoot {
  /** Path segment: the root is served at `/<name>/`. */
  name: string;
  information: { title: string; description?: string; versions: string[]; max_content_length: number };
  collections: ServedCollection[];
}

export interface TaxiiServerData {
  discovery: { title: string; description?: string; contact?: string };
  /** Name of the default API root. */
  defaultRoot?: string;
  apiRoots: ServedApiRoot[];
}

export interface TaxiiServerOptions {
  /** Required credentials; requests without them get 401, with others 403. */
  auth?: { username: string; password: string } | { token: string };
  /** Page size when the client asks for none or for more (medallion's default is 100). */
  maxPageSize?: number;
}

/** Makes every following request fail with `status` (and Retry-After) until cleared. */
export interface FailureControl {
  fail?: { status: number; retryAfter?: string; body?: string };
}

export interface TaxiiServer extends LoopbackServer {
  apiRootUrl(name: string): string;
  control: FailureControl;
  data: TaxiiServerData;
}

type Answer = { status: number; body?: string; headers?: Record<string, string> };

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  body: JSON.stringify(value),
  headers: { 'content-type': TAXII_CONTENT_TYPE, ...headers },
});
const error = (status: number, title: string) => json(status, { title, http_status: String(status) });

function authorised(req: IncomingMessage, auth: TaxiiServerOptions['auth']): Answer | undefined {
  if (auth === undefined) return undefined;
  const header = req.headers.authorization;
  if (header === undefined) return { ...error(401, 'Unauthorized'), headers: { 'www-authenticate': 'Basic realm="taxii"' } };
  const expected = 'token' in auth ? `Bearer ${auth.token}` : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return header === expected ? undefined : error(403, 'Forbidden');
}

/** The `next` token: where the page starts, tied to the filter it was made for. */
const encodeNext = (offset: number, addedAfter: string | null) => Buffer.from(JSON.stringify({ offset, addedAfter })).toString('base64url');
function decodeNext(token: string): { offset: number; addedAfter: string | null } | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown; addedAfter?: unknown };
    return typeof value.offset === 'number' ? { offset: value.offset, addedAfter: typeof value.addedAfter === 'string' ? value.addedAfter : null } : undefined;
  } catch {
    return undefined;
  }
}

function objectsPage(collection: ServedCollection, params: URLSearchParams, maxPageSize: number): Answer {
  const next = params.get('next');
  const decoded = next === null ? undefined : decodeNext(next);
  if (next !== null && decoded === undefined) return error(400, 'Bad next token');
  const addedAfter = decoded?.addedAfter ?? params.get('added_after');
  const after = addedAfter === null ? undefined : Date.parse(addedAfter);
  if (after !== undefined && Number.isNaN(after)) return error(400, 'Bad added_after');
  const requested = Number(params.get('limit') ?? maxPageSize);
  const limit = Number.isInteger(requested) && requested > 0 ? Math.min(requested, maxPageSize) : maxPageSize;
  const matching = collection.objects
    .filter((entry) => after === undefined || Date.parse(entry.dateAdded) > after)
    .sort((a, b) => Date.parse(a.dateAdded) - Date.parse(b.dateAdded));
  const offset = decoded?.offset ?? 0;
  const page = matching.slice(offset, offset + limit);
  const more = offset + limit < matching.length;
  const headers: Record<string, string> = {};
  if (page.length > 0) {
    headers['x-taxii-date-added-first'] = (page[0] as ServedObject).dateAdded;
    headers['x-taxii-date-added-last'] = (page.at(-1) as ServedObject).dateAdded;
  }
  // An empty result is an empty envelope, as TAXII 2.1 allows.
  if (page.length === 0) return json(200, {}, headers);
  const body: Record<string, unknown> = { more, objects: page.map((entry) => entry.object) };
  if (more) body.next = encodeNext(offset + limit, addedAfter);
  return json(200, body, headers);
}

/** Starts the server over `data`; the answers follow `data` as it is at each request. */
export async function startTaxiiServer(data: TaxiiServerData, options: TaxiiServerOptions = {}): Promise<TaxiiServer> {
  const control: FailureControl = {};
  const maxPageSize = options.maxPageSize ?? 100;
  let base = '';
  const server = await startLoopbackServer((req) => {
    if (control.fail) {
      const headers: Record<string, string> = control.fail.retryAfter === undefined ? {} : { 'retry-after': control.fail.retryAfter };
      return { status: control.fail.status, body: control.fail.body ?? '', headers };
    }
    const denied = authorised(req, options.auth);
    if (denied) return denied;
    if (!(req.headers.accept ?? '').includes('application/taxii+json')) return error(406, 'Not Acceptable');
    const url = new URL(req.url ?? '/', base);
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts.length === 1 && parts[0] === 'taxii2') {
      const discovery: Record<string, unknown> = { ...data.discovery, api_roots: data.apiRoots.map((root) => `${base}/${root.name}/`) };
      if (data.defaultRoot !== undefined) discovery.default = `${base}/${data.defaultRoot}/`;
      return json(200, discovery);
    }
    const root = data.apiRoots.find((candidate) => candidate.name === parts[0]);
    if (!root) return error(404, 'Unknown API root');
    if (parts.length === 1) return json(200, root.information);
    if (parts[1] !== 'collections') return error(404, 'Not found');
    if (parts.length === 2) return json(200, { collections: root.collections.map(({ objects: _objects, ...about }) => about) });
    const collection = root.collections.find((candidate) => candidate.id === parts[2]);
    if (!collection) return error(404, 'Unknown collection');
    if (parts.length === 3) {
      const { objects: _objects, ...about } = collection;
      return json(200, about);
    }
    if (parts.length === 4 && parts[3] === 'objects') {
      if (!collection.can_read) return error(403, 'Collection not readable');
      return objectsPage(collection, url.searchParams, maxPageSize);
    }
    return error(404, 'Not found');
  });
  base = server.url;
  return { ...server, apiRootUrl: (name) => `${server.url}/${name}/`, control, data };
}
