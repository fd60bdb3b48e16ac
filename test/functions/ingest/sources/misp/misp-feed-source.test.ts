import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedFetchFailed } from '../../../../../functions/ingest/http-fetch.ts';
import { runSource, type IngestDeps } from '../../../../../functions/ingest/ingest-runner.ts';
import { mispFeedSource } from '../../../../../functions/ingest/sources/misp/misp-feed-source.ts';
import { indicatorId } from '../../../../../functions/model/indicator.ts';
import { startLocalTable, type LocalTable } from '../../../store/local-table.ts';
import { fixtureUuid, type Json, mispAttribute, mispEvent, mispFeedManifest } from './fixtures.ts';

/**
 * The MISP feed source run end to end over dynalite, with the feed served by a fetch stand-in: only
 * events newer than the cursor are fetched, oldest first, and a run that fails midway resumes after
 * the last event it stored, also among events that share one timestamp.
 */

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
});
afterAll(async () => {
  await table.close();
});

const FEED_URL = 'https://feeds.test/misp/';
const address = (n: number) => `198.51.100.${n}`;

/** Event `n`: one to_ids address, changed at `timestamp`. */
const feedEvent = (n: number, timestamp: number): Json =>
  mispEvent({ uuid: fixtureUuid('e', n), info: `Synthetic feed event ${n}`, timestamp, attributes: [mispAttribute({ type: 'ip-dst', value: address(n) })] });

/** A MISP feed as a web server serves it: the manifest with an ETag (304 on a match) and one file per event. */
function mispFeed(events: Json[]) {
  const state = { events, requests: [] as string[], failing: new Set<string>(), missing: new Set<string>() };
  const uuidOf = (event: Json) => (event.Event as Json).uuid as string;
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    state.requests.push(url.pathname.replace('/misp/', ''));
    if (url.pathname === '/misp/manifest.json') {
      const body = JSON.stringify(mispFeedManifest(state.events));
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (new Headers(init?.headers).get('if-none-match') === etag) return new Response(null, { status: 304, headers: { etag } });
      return new Response(body, { status: 200, headers: { etag, 'content-type': 'application/json' } });
    }
    const uuid = /^\/misp\/([0-9a-f-]+)\.json$/.exec(url.pathname)?.[1] ?? '';
    if (state.failing.has(uuid)) return new Response('upstream busy', { status: 503 });
    const event = state.events.find((candidate) => uuidOf(candidate) === uuid);
    if (!event || state.missing.has(uuid)) return new Response('not found', { status: 404 });
    return Response.json(event);
  };
  return { state, fetch: fetchImpl };
}

function harness(tenant: string, feed: ReturnType<typeof mispFeed>) {
  const logs: Array<{ level: string; message: string; detail?: Record<string, unknown> }> = [];
  const now = () => new Date('2025-08-25T02:00:00Z');
  const deps: IngestDeps = {
    intel: table.repositories.intel,
    quarantine: table.repositories.quarantine,
    cursors: table.repositories.cursors,
    publishEvents: async () => {},
    now,
  };
  return {
    logs,
    run: () =>
      runSource(mispFeedSource, deps, {
        tenant,
        settings: { feedUrl: FEED_URL },
        secret: async () => undefined,
        fetch: feed.fetch,
        now,
        sleep: async () => {},
        shouldStop: () => false,
        log: (level, message, detail) => void logs.push({ level, message, ...(detail ? { detail } : {}) }),
      }),
    position: async () => (await table.repositories.cursors.get(tenant, 'misp-feed'))?.position,
    storedIds: async () => (await table.repositories.intel.listSourceIds(tenant, 'indicator', 'misp-feed')).sort(),
  };
}

const idsOf = (...numbers: number[]) => numbers.map((n) => indicatorId('ipv4', address(n))).sort();
const eventFile = (n: number) => `${fixtureUuid('e', n)}.json`;

describe('MISP feed source', () => {
  it('fetches every event oldest first on its first run, then only the events changed since', async () => {
    const feed = mispFeed([feedEvent(3, 1_710_300_000), feedEvent(1, 1_710_100_000), feedEvent(2, 1_710_200_000)]);
    const h = harness('feed-incremental', feed);

    const first = await h.run();
    expect(feed.state.requests).toEqual(['manifest.json', eventFile(1), eventFile(2), eventFile(3)]);
    expect(first).toMatchObject({ pages: 3, added: 3, quarantined: 0 });
    expect(await h.storedIds()).toEqual(idsOf(1, 2, 3));
    expect(await h.position()).toEqual({ sinceTimestamp: '1710300000', lastUuid: fixtureUuid('e', 3) });

    // The manifest has not changed: a 304, no event fetched, nothing written.
    feed.state.requests.length = 0;
    table.counter.reset();
    const idle = await h.run();
    expect(feed.state.requests).toEqual(['manifest.json']);
    expect(idle).toMatchObject({ pages: 0, added: 0 });
    expect(table.counter.writes).toBe(0);

    // Event 2 changes (a second address) and event 4 is published: only those two are fetched.
    feed.state.events[2] = mispEvent({
      uuid: fixtureUuid('e', 2),
      timestamp: 1_710_500_000,
      attributes: [mispAttribute({ type: 'ip-dst', value: address(2) }), mispAttribute({ type: 'ip-dst', value: address(20) })],
    });
    feed.state.events.push(feedEvent(4, 1_710_400_000));
    feed.state.requests.length = 0;
    const later = await h.run();
    expect(feed.state.requests).toEqual(['manifest.json', eventFile(4), eventFile(2)]);
    expect(later).toMatchObject({ pages: 2, added: 2 });
    expect(await h.storedIds()).toEqual(idsOf(1, 2, 3, 4, 20));
    expect(await h.position()).toEqual({ sinceTimestamp: '1710500000', lastUuid: fixtureUuid('e', 2) });
  });

  it('resumes after the last stored event when a run fails midway, among events that share a timestamp', async () => {
    // Events 2 and 4 were changed in the same second; the manifest orders them by uuid.
    const feed = mispFeed([feedEvent(1, 1_720_000_000), feedEvent(2, 1_720_000_100), feedEvent(4, 1_720_000_100), feedEvent(3, 1_720_000_200)]);
    const h = harness('feed-resume', feed);
    feed.state.failing.add(fixtureUuid('e', 4));

    await expect(h.run()).rejects.toThrow(FeedFetchFailed);
    expect(await h.storedIds()).toEqual(idsOf(1, 2));
    expect(await h.position()).toEqual({ sinceTimestamp: '1720000100', lastUuid: fixtureUuid('e', 2) });

    feed.state.failing.clear();
    feed.state.requests.length = 0;
    const resumed = await h.run();
    // The manifest is read again in full: the failed run kept no validators for it.
    expect(feed.state.requests).toEqual(['manifest.json', eventFile(4), eventFile(3)]);
    expect(resumed).toMatchObject({ pages: 2, added: 2 });
    expect(await h.storedIds()).toEqual(idsOf(1, 2, 3, 4));
    expect(await h.position()).toEqual({ sinceTimestamp: '1720000200', lastUuid: fixtureUuid('e', 3) });
  });

  it('skips an event the manifest lists but the feed no longer has, and stores the rest', async () => {
    const feed = mispFeed([feedEvent(1, 1_730_000_000), feedEvent(2, 1_730_000_100), feedEvent(3, 1_730_000_200)]);
    feed.state.missing.add(fixtureUuid('e', 2));
    const h = harness('feed-missing', feed);

    const summary = await h.run();
    expect(summary).toMatchObject({ pages: 2, added: 2 });
    expect(await h.storedIds()).toEqual(idsOf(1, 3));
    expect(h.logs).toContainEqual({ level: 'warn', message: 'MISP feed event listed in the manifest is missing', detail: { uuid: fixtureUuid('e', 2) } });
  });

  it('quarantines bad attributes under its own name, apart from pushed MISP events', async () => {
    const broken = mispEvent({
      uuid: fixtureUuid('e', 7),
      timestamp: 1_740_000_000,
      attributes: [mispAttribute({ type: 'ip-dst', value: address(7) }), mispAttribute({ type: 'ip-dst', value: 'not-an-address' })],
    });
    const h = harness('feed-quarantine', mispFeed([broken]));
    expect(await h.run()).toMatchObject({ added: 1, quarantined: 1 });
    const [quarantined] = await table.repositories.quarantine.list('feed-quarantine', 'misp-feed');
    expect(quarantined?.reason).toContain('not-an-address');
  });

  it('is polled only: it claims no pushed or file payload, which stay the misp source', () => {
    expect(mispFeedSource.modes).toEqual(['scheduled']);
    expect(mispFeedSource.detect(JSON.stringify(feedEvent(1, 1)))).toBe(false);
  });
});
