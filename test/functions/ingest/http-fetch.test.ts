import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { conditionalGet, FeedFetchFailed } from '../../../functions/ingest/http-fetch.ts';
import { intelFixturePath, KEV_CATALOGUE_FIXTURE } from './fixtures.ts';
import { startKevServer, startLoopbackServer } from './loopback-server.ts';

let kev: Awaited<ReturnType<typeof startKevServer>>;
beforeAll(async () => {
  kev = await startKevServer();
  kev.publish({ catalogVersion: '1', dateReleased: '2025-08-25T00:00:00Z', count: 0, vulnerabilities: [] });
});
afterAll(async () => {
  await kev.close();
});

describe('conditional GET', () => {
  it('returns the body and validators, then not-modified when they still match', async () => {
    const first = await conditionalGet(kev.kevUrl);
    expect(first.status).toBe('ok');
    expect(first.etag).toMatch(/^"[0-9a-f]+"$/);
    expect(first.lastModified).toBe('Mon, 25 Aug 2025 17:04:19 GMT');

    const second = await conditionalGet(kev.kevUrl, { etag: first.etag!, lastModified: first.lastModified! });
    expect(second).toEqual({ status: 'not-modified', etag: first.etag, lastModified: first.lastModified });
    expect(kev.requests.at(-1)?.headers).toMatchObject({ 'if-none-match': first.etag, 'if-modified-since': first.lastModified });
  });

  it('reads file:// URLs and plain paths, reporting not-modified for an unchanged modification time', async () => {
    const path = intelFixturePath(KEV_CATALOGUE_FIXTURE);
    const byUrl = await conditionalGet(pathToFileURL(path).href);
    expect(byUrl.status === 'ok' && JSON.parse(byUrl.body).title).toBe('CISA Catalog of Known Exploited Vulnerabilities');
    expect(await conditionalGet(path, { lastModified: byUrl.lastModified! })).toMatchObject({ status: 'not-modified' });
    await expect(conditionalGet('/nonexistent/kev.json')).rejects.toBeInstanceOf(FeedFetchFailed);
  });

  it('fails with the status for an error answer', async () => {
    const server = await startLoopbackServer(() => ({ status: 503, body: 'maintenance' }));
    try {
      await expect(conditionalGet(`${server.url}/kev.json`)).rejects.toMatchObject({ name: 'FeedFetchFailed', status: 503 });
    } finally {
      await server.close();
    }
  });
});
