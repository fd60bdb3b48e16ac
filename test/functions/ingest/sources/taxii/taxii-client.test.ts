import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseStixBundle } from '../../../../../functions/ingest/sources/stix/stix-parser.ts';
import {
  createTaxiiClient,
  InvalidFeedDocument,
  type PolledObjectsPage,
  TAXII_MEDIA_TYPE,
  TAXII_SOURCE,
  type TaxiiClient,
  VendorAuthFailed,
  VendorRateLimited,
  VendorRequestFailed,
  VendorUnavailable,
} from '../../../../../functions/ingest/sources/taxii/taxii-client.ts';
import { indicatorId } from '../../../../../functions/model/indicator.ts';
import { indicator, syntheticIndicator } from '../stix/fixtures.ts';
import { CLOSED_COLLECTION_ID, COLLECTION_ID, indicatorObjects, taxiiServerData } from './fixtures.ts';
import { startTaxiiServer, type TaxiiServer } from './taxii-server.ts';

// 30 indicators with their context: 9 context objects, 30 indicators, 45 relationships.
const OBJECT_COUNT = 84;

let server: TaxiiServer;
let client: TaxiiClient;
beforeAll(async () => {
  server = await startTaxiiServer(taxiiServerData({ count: 30 }));
  client = createTaxiiClient({ fetch });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  delete server.control.fail;
});

async function collect(pages: AsyncIterable<PolledObjectsPage>): Promise<PolledObjectsPage[]> {
  const out: PolledObjectsPage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call succeeded');
}

/** A fetch that answers each request with the next of `answers` and records the URLs asked for. */
function scriptedFetch(answers: Array<{ body: unknown; headers?: Record<string, string> }>) {
  const urls: string[] = [];
  const fake = (async (input: string | URL | Request) => {
    urls.push(String(input));
    const answer = answers[Math.min(urls.length - 1, answers.length - 1)] as { body: unknown; headers?: Record<string, string> };
    return new Response(JSON.stringify(answer.body), { status: 200, headers: { 'content-type': TAXII_MEDIA_TYPE, ...answer.headers } });
  }) as typeof fetch;
  return { fetch: fake, urls };
}

describe('TAXII 2.1 client: discovery and collections', () => {
  it('discovers the API roots and the default one', async () => {
    const discovery = await client.discover(server.url);
    expect(discovery).toMatchObject({
      title: 'Synthetic TAXII Server',
      contact: 'soc@example.com',
      default: server.apiRootUrl('intel'),
      api_roots: [server.apiRootUrl('intel'), server.apiRootUrl('archive')],
    });
    expect(server.requests.at(-1)?.url).toBe('/taxii2/');
    expect(server.requests.at(-1)?.headers.accept).toBe('application/taxii+json;version=2.1');
  });

  it('reads an API root and lists its collections', async () => {
    expect(await client.apiRoot(server.apiRootUrl('archive'))).toEqual({ title: 'Archive', versions: ['application/taxii+json;version=2.1'], max_content_length: 1024 });
    const collections = await client.collections(server.apiRootUrl('intel'));
    expect(collections.map((collection) => [collection.id, collection.title, collection.can_read])).toEqual([
      [COLLECTION_ID, 'Synthetic indicators', true],
      [CLOSED_COLLECTION_ID, 'Closed', false],
    ]);
    expect(await client.collections(server.apiRootUrl('archive'))).toEqual([]);
  });

  it('resolves API roots a server gives relative to its discovery URL', async () => {
    const scripted = scriptedFetch([{ body: { title: 'Relative', api_roots: ['/roots/one/', 'two'], default: '/roots/one' } }]);
    const discovery = await createTaxiiClient({ fetch: scripted.fetch }).discover('https://taxii.example.com/');
    expect(discovery.api_roots).toEqual(['https://taxii.example.com/roots/one/', 'https://taxii.example.com/taxii2/two/']);
    expect(discovery.default).toBe('https://taxii.example.com/roots/one/');
  });
});

describe('TAXII 2.1 client: objects', () => {
  it('gets one page of objects with limit, the date headers and a next token', async () => {
    const page = await client.getObjects(server.apiRootUrl('intel'), COLLECTION_ID, { limit: 10 });
    expect(server.requests.at(-1)?.url).toBe(`/intel/collections/${COLLECTION_ID}/objects/?limit=10`);
    expect(page.envelope.objects).toHaveLength(10);
    expect(page.envelope.more).toBe(true);
    expect(page.envelope.next).toEqual(expect.any(String));
    expect(page.dateAddedFirst).toBe('2025-08-20T00:00:00.000000Z');
    expect(page.dateAddedLast).toBe('2025-08-20T00:09:00.000000Z');
    // The body is the envelope as sent, ready for the STIX parser: indicator 0 is the 10th object.
    const parsed = parseStixBundle(page.body, { source: TAXII_SOURCE, now: '2025-08-25T00:00:00Z' });
    expect(parsed.drafts.map((draft) => draft.id)).toEqual([indicatorId('ipv4', syntheticIndicator(0).value)]);
  });

  it('sends added_after and reads only what was added since', async () => {
    const page = await client.getObjects(server.apiRootUrl('intel'), COLLECTION_ID, { addedAfter: '2025-08-20T01:20:00.000000Z' });
    expect(server.requests.at(-1)?.url).toBe(`/intel/collections/${COLLECTION_ID}/objects/?added_after=2025-08-20T01%3A20%3A00.000000Z`);
    // Objects 81, 82 and 83 were added at 01:21, 01:22 and 01:23.
    expect(page.envelope.objects).toHaveLength(3);
    expect(page.envelope.more).toBe(false);
    expect([page.dateAddedFirst, page.dateAddedLast]).toEqual(['2025-08-20T01:21:00.000000Z', '2025-08-20T01:23:00.000000Z']);
  });

  it('polls a collection page by page with next, then hands back the last date added to resume from', async () => {
    const pages = await collect(client.pollCollection(server.apiRootUrl('intel'), COLLECTION_ID, { limit: 25 }));
    expect(pages.map((page) => [page.envelope.objects?.length, page.done])).toEqual([
      [25, false],
      [25, false],
      [25, false],
      [9, true],
    ]);
    expect(pages.slice(0, 3).map((page) => page.resumeFrom)).toEqual(pages.slice(0, 3).map((page) => ({ next: page.envelope.next })));
    expect(pages[3]?.resumeFrom).toEqual({ addedAfter: '2025-08-20T01:23:00.000000Z' });
    const objects = pages.flatMap((page) => page.envelope.objects ?? []) as Array<{ id: string }>;
    expect(objects).toHaveLength(OBJECT_COUNT);
    expect(objects.map((object) => object.id)).toEqual(indicatorObjects(30).map((object) => object.id));
    const drafts = pages.flatMap((page) => parseStixBundle(page.body, { source: TAXII_SOURCE, now: '2025-08-25T00:00:00Z' }).drafts);
    expect(drafts.map((draft) => draft.id)).toEqual(Array.from({ length: 30 }, (_, i) => syntheticIndicator(i)).map(({ type, value }) => indicatorId(type as 'ipv4', value)));
  });

  it('resumes mid-way from a page cursor, and from the end with only what is new', async () => {
    const api = server.apiRootUrl('intel');
    const first = await collect(client.pollCollection(api, COLLECTION_ID, { limit: 25 }));
    const rest = await collect(client.pollCollection(api, COLLECTION_ID, { ...first[1]?.resumeFrom, limit: 25 }));
    expect(rest.map((page) => page.envelope.objects?.length)).toEqual([25, 9]);

    const end = first.at(-1)?.resumeFrom ?? {};
    const nothingNew = await collect(client.pollCollection(api, COLLECTION_ID, end));
    expect(nothingNew.map((page) => [page.envelope, page.done, page.resumeFrom])).toEqual([[{}, true, end]]);

    const collection = server.data.apiRoots[0]?.collections[0];
    const late = indicator('late', "[domain-name:value = 'late.example.net']");
    collection?.objects.push({ object: late, dateAdded: '2025-08-21T00:00:00.000000Z' });
    try {
      const news = await collect(client.pollCollection(api, COLLECTION_ID, end));
      expect(news.map((page) => (page.envelope.objects as Array<{ id: string }>).map((object) => object.id))).toEqual([[late.id]]);
      expect(news[0]?.resumeFrom).toEqual({ addedAfter: '2025-08-21T00:00:00.000000Z' });
    } finally {
      collection?.objects.pop();
    }
  });

  it('pages by date when a server says more without a next token', async () => {
    const scripted = scriptedFetch([
      { body: { more: true, objects: [indicator('a', "[ipv4-addr:value = '10.9.0.1']")] }, headers: { 'x-taxii-date-added-last': '2025-08-01T00:00:01.000000Z' } },
      { body: { more: false, objects: [indicator('b', "[ipv4-addr:value = '10.9.0.2']")] }, headers: { 'x-taxii-date-added-last': '2025-08-01T00:00:02.000000Z' } },
    ]);
    const pages = await collect(createTaxiiClient({ fetch: scripted.fetch }).pollCollection('https://taxii.example.com/api/', 'c1'));
    expect(scripted.urls).toEqual([
      'https://taxii.example.com/api/collections/c1/objects/',
      'https://taxii.example.com/api/collections/c1/objects/?added_after=2025-08-01T00%3A00%3A01.000000Z',
    ]);
    expect(pages.map((page) => page.resumeFrom)).toEqual([{ addedAfter: '2025-08-01T00:00:01.000000Z' }, { addedAfter: '2025-08-01T00:00:02.000000Z' }]);
  });

  it('stops a server that hands out the same next token again', async () => {
    const scripted = scriptedFetch([{ body: { more: true, next: 'same', objects: [] } }]);
    const pages = createTaxiiClient({ fetch: scripted.fetch }).pollCollection('https://taxii.example.com/api/', 'c1');
    const error = await failure(collect(pages));
    expect(error).toBeInstanceOf(VendorRequestFailed);
    expect(error.message).toBe('TAXII server https://taxii.example.com request failed: collection c1 answered the same next token twice');
    expect(scripted.urls).toHaveLength(2);
  });
});

describe('TAXII 2.1 client: credentials', () => {
  it('sends basic credentials and refuses to echo them when the server rejects them', async () => {
    const secured = await startTaxiiServer(taxiiServerData({ count: 1 }), { auth: { username: 'analyst', password: 's3cr3t-pw' } });
    try {
      const good = createTaxiiClient({ fetch, credentials: { username: 'analyst', password: 's3cr3t-pw' } });
      expect((await good.collections(secured.apiRootUrl('intel'))).length).toBe(2);
      expect(secured.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('analyst:s3cr3t-pw').toString('base64')}`);

      const wrong = await failure(createTaxiiClient({ fetch, credentials: { username: 'analyst', password: 'wrong-pw' } }).collections(secured.apiRootUrl('intel')));
      expect(wrong).toBeInstanceOf(VendorAuthFailed);
      expect((wrong as VendorAuthFailed).status).toBe(403);
      expect(wrong.message).toBe(`${`TAXII server ${secured.url}`} refused the credentials (HTTP 403): GET /intel/collections/`);
      expect(wrong.message).not.toMatch(/analyst|wrong-pw/);

      const none = await failure(createTaxiiClient({ fetch }).discover(secured.url));
      expect(none).toBeInstanceOf(VendorAuthFailed);
      expect((none as VendorAuthFailed).status).toBe(401);
    } finally {
      await secured.close();
    }
  });

  it('sends a bearer token', async () => {
    const secured = await startTaxiiServer(taxiiServerData({ count: 1 }), { auth: { token: 'tok-123' } });
    try {
      const page = await createTaxiiClient({ fetch, credentials: { token: 'tok-123' } }).getObjects(secured.apiRootUrl('intel'), COLLECTION_ID);
      // 9 context objects, the indicator and its two indicates relationships.
      expect(page.envelope.objects).toHaveLength(12);
      expect(secured.requests.at(-1)?.headers.authorization).toBe('Bearer tok-123');
    } finally {
      await secured.close();
    }
  });

  it('answers a collection it may not read with VendorAuthFailed', async () => {
    const error = await failure(client.getObjects(server.apiRootUrl('intel'), CLOSED_COLLECTION_ID));
    expect(error).toBeInstanceOf(VendorAuthFailed);
    expect(error.name).toBe('VendorAuthFailed');
  });
});

describe('TAXII 2.1 client: failures', () => {
  const objects = () => client.getObjects(server.apiRootUrl('intel'), COLLECTION_ID);

  it('turns 429 and 503 with Retry-After into VendorRateLimited carrying the delay', async () => {
    server.control.fail = { status: 429, retryAfter: '120' };
    const limited = await failure(objects());
    expect(limited).toBeInstanceOf(VendorRateLimited);
    expect((limited as VendorRateLimited).retryAfterSeconds).toBe(120);

    server.control.fail = { status: 503, retryAfter: 'Mon, 25 Aug 2025 12:05:00 GMT' };
    const at = () => new Date('2025-08-25T12:00:00Z');
    const busy = await failure(createTaxiiClient({ fetch, now: at }).getObjects(server.apiRootUrl('intel'), COLLECTION_ID));
    expect(busy).toBeInstanceOf(VendorRateLimited);
    expect((busy as VendorRateLimited).retryAfterSeconds).toBe(300);
    expect(busy.message).toBe(`TAXII server ${server.url} rate limit reached; retry after 300s`);

    server.control.fail = { status: 429 };
    expect(((await failure(objects())) as VendorRateLimited).retryAfterSeconds).toBe(60);
  });

  it('turns other failures into VendorUnavailable or VendorRequestFailed', async () => {
    server.control.fail = { status: 503 };
    expect(await failure(objects())).toBeInstanceOf(VendorUnavailable);
    server.control.fail = { status: 500 };
    expect(await failure(objects())).toBeInstanceOf(VendorUnavailable);
    delete server.control.fail;
    const unknown = await failure(client.getObjects(server.apiRootUrl('intel'), 'no-such-collection'));
    expect(unknown).toBeInstanceOf(VendorRequestFailed);
    expect((unknown as VendorRequestFailed).status).toBe(404);
    const unreachable = createTaxiiClient({
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
    });
    const error = await failure(unreachable.discover('https://user:pw@taxii.example.com'));
    expect(error).toBeInstanceOf(VendorUnavailable);
    expect(error.message).toBe('TAXII server https://taxii.example.com unavailable: GET /taxii2/: fetch failed');
  });

  it('refuses an answer that is not JSON or not a TAXII document as InvalidFeedDocument', async () => {
    server.control.fail = { status: 200, body: '<html>maintenance</html>' };
    const html = await failure(objects());
    expect(html).toBeInstanceOf(InvalidFeedDocument);
    expect(html.message).toBe(`taxii: ${server.url}/intel/collections/${COLLECTION_ID}/objects/ did not answer JSON`);

    server.control.fail = { status: 200, body: '{"more":"yes","objects":[]}' };
    const envelope = await failure(objects());
    expect(envelope).toBeInstanceOf(InvalidFeedDocument);
    expect(envelope.message).toBe(`taxii: ${server.url}/intel/collections/${COLLECTION_ID}/objects/ is not a TAXII 2.1 envelope: more: expected boolean, received string`);

    server.control.fail = { status: 200, body: '{"title":"a discovery document"}' };
    expect((await failure(objects())).message).toBe(`taxii: ${server.url}/intel/collections/${COLLECTION_ID}/objects/ is not a TAXII 2.1 envelope (no objects, more or next)`);

    server.control.fail = { status: 200, body: '{"api_roots":[]}' };
    const discovery = await failure(createTaxiiClient({ fetch, source: 'taxii:isac' }).discover(server.url));
    expect(discovery.message).toBe(`taxii:isac: ${server.url}/taxii2/ is not a TAXII 2.1 discovery document: title: required field missing (expected string)`);
  });
});
