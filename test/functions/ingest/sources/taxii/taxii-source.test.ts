import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../../../functions/config/env.ts';
import { runSource, type IngestDeps } from '../../../../../functions/ingest/ingest-runner.ts';
import type { PollContext } from '../../../../../functions/ingest/source-plugin.ts';
import { VendorAuthFailed, VendorUnavailable } from '../../../../../functions/ingest/sources/taxii/taxii-client.ts';
import { taxiiSource } from '../../../../../functions/ingest/sources/taxii/taxii-source.ts';
import { indicatorId } from '../../../../../functions/model/indicator.ts';
import { startLocalTable, type LocalTable } from '../../../store/local-table.ts';
import { campaign, indicator, malware, relationship, syntheticIndicator, uuidFor } from '../stix/fixtures.ts';
import { COLLECTION_ID, indicatorObjects, servedObjects, taxiiServerData } from './fixtures.ts';
import { startTaxiiServer, type ServedCollection, type TaxiiServer } from './taxii-server.ts';

/**
 * The TAXII source run end to end: the loopback TAXII server, the ingest runner, dynalite. A collection
 * larger than one run is read across runs from the cursor, pages of one run are stored as one payload
 * (so a relationship on a later page still links), and a poll with nothing new writes nothing.
 */

let table: LocalTable;
let server: TaxiiServer;
beforeAll(async () => {
  table = await startLocalTable();
  server = await startTaxiiServer(taxiiServerData({ count: 30 }));
});
afterAll(async () => {
  await server.close();
  await table.close();
});
afterEach(() => {
  delete server.control.fail;
});

function harness(tenant: string, secrets: Record<string, string> = {}) {
  const logs: Array<{ level: string; message: string }> = [];
  const announced: Array<{ detailType: string; detail: Record<string, unknown> }> = [];
  const now = () => new Date('2025-08-25T02:00:00Z');
  const deps: IngestDeps = {
    intel: table.repositories.intel,
    quarantine: table.repositories.quarantine,
    cursors: table.repositories.cursors,
    publishEvents: async (entries) => void announced.push(...(entries as typeof announced)),
    now,
  };
  const poll = (settings: Record<string, unknown>, fetchImpl: typeof fetch = fetch): Omit<PollContext, 'cursor'> => ({
    tenant,
    settings,
    secret: async (name) => secrets[name],
    fetch: fetchImpl,
    now,
    sleep: async () => {},
    shouldStop: () => false,
    log: (level, message) => void logs.push({ level, message }),
  });
  return {
    logs,
    announced,
    run: (settings: Record<string, unknown>, fetchImpl?: typeof fetch) => runSource(taxiiSource, deps, poll(settings, fetchImpl)),
    position: async () => (await table.repositories.cursors.get(tenant, 'taxii'))?.position,
    storedIds: () => table.repositories.intel.listSourceIds(tenant, 'indicator', 'taxii'),
  };
}

/** The objects requests the server saw since `from`, as their query parameters. */
const objectQueries = (from: number) =>
  server.requests
    .slice(from)
    .filter((request) => request.url.includes('/objects/'))
    .map((request) => new URL(request.url, server.url).searchParams);

const collection = (id: string) => server.data.apiRoots[0]?.collections.find((candidate) => candidate.id === id) as ServedCollection;

describe('TAXII source: a collection larger than one run', () => {
  // 84 objects (9 context, 30 indicators, 45 relationships) in pages of 10, five pages a run.
  const settings = () => ({ apiRoot: server.apiRootUrl('intel'), collectionId: COLLECTION_ID, limit: 10, maxPagesPerRun: 5 });
  const served = () => collection(COLLECTION_ID).objects;

  it('reads five pages, resumes from next, then costs no writes when nothing is new', async () => {
    const h = harness('taxii-paging');

    const seen = server.requests.length;
    const first = await h.run(settings());
    expect(first).toMatchObject({ pages: 1, added: 30, quarantined: 0 });
    expect(objectQueries(seen).map((query) => [query.get('limit'), query.has('added_after'), query.has('next')])).toEqual([
      ['10', false, false],
      ['10', false, true],
      ['10', false, true],
      ['10', false, true],
      ['10', false, true],
    ]);
    const paused = await h.position();
    expect(paused).toEqual({ addedAfter: served()[49]?.dateAdded, next: expect.any(String) });
    expect(await h.storedIds()).toHaveLength(30);

    const resumedAt = server.requests.length;
    const second = await h.run(settings());
    const resumed = objectQueries(resumedAt);
    // The original query had no added_after, so the stored next token goes alone, as TAXII 2.1 asks.
    expect(resumed[0]?.get('next')).toBe(paused?.next);
    expect(resumed[0]?.has('added_after')).toBe(false);
    expect(resumed).toHaveLength(4);
    expect(second).toMatchObject({ pages: 1, added: 0, quarantined: 0 });
    expect(await h.position()).toEqual({ addedAfter: served()[83]?.dateAdded });

    table.counter.reset();
    const idleAt = server.requests.length;
    const idle = await h.run(settings());
    expect(idle).toMatchObject({ pages: 1, unchangedPages: 1, added: 0, updated: 0 });
    expect(table.counter.writes).toBe(0);
    expect(objectQueries(idleAt).map((query) => query.get('added_after'))).toEqual([served()[83]?.dateAdded]);
  });

  it('continues a next token with the added_after of the query it belongs to', async () => {
    const h = harness('taxii-late');
    await h.run({ ...settings(), maxPagesPerRun: 20 });
    const caughtUp = (await h.position())?.addedAfter;
    expect(caughtUp).toBe(served()[83]?.dateAdded);

    const late = Array.from({ length: 25 }, (_, i) => indicator(`late-${i}`, syntheticIndicator(1000 + i).pattern));
    collection(COLLECTION_ID).objects.push(...servedObjects(late, '2025-08-21T00:00:00.000000Z'));
    try {
      const partly = await h.run({ ...settings(), maxPagesPerRun: 2 });
      expect(partly.added).toBe(20);
      const paused = await h.position();
      expect(paused).toEqual({ addedAfter: '2025-08-21T00:19:00.000000Z', next: expect.any(String), nextAddedAfter: caughtUp });

      const resumedAt = server.requests.length;
      const rest = await h.run({ ...settings(), maxPagesPerRun: 2 });
      expect(rest.added).toBe(5);
      const [query] = objectQueries(resumedAt);
      expect([query?.get('next'), query?.get('added_after')]).toEqual([paused?.next, caughtUp]);
      expect(await h.position()).toEqual({ addedAfter: '2025-08-21T00:24:00.000000Z' });
      expect(await h.storedIds()).toHaveLength(55);
    } finally {
      collection(COLLECTION_ID).objects.splice(84);
    }
  });

  it('asks again from addedAfter when the server no longer knows the stored next token', async () => {
    const h = harness('taxii-expired');
    await table.repositories.cursors.put({
      tenant: 'taxii-expired',
      source: 'taxii',
      layout: 2,
      lastPolledAt: '2025-08-24T02:00:00.000Z',
      position: { addedAfter: served()[38]?.dateAdded as string, next: 'token-the-server-forgot' },
    });
    const seen = server.requests.length;
    const summary = await h.run({ ...settings(), maxPagesPerRun: 20 });
    expect(server.requests.slice(seen).map((request) => request.status)).toEqual([400, 200, 200, 200, 200, 200]);
    expect(h.logs).toContainEqual({ level: 'warn', message: 'the TAXII server refused the stored next token; asking again from addedAfter' });
    // Objects 39..83 are the relationships: nothing the store keeps on its own.
    expect(summary).toMatchObject({ pages: 1, added: 0, quarantined: 0 });
    expect(await h.position()).toEqual({ addedAfter: served()[83]?.dateAdded });
  });

  it('stores the pages read before a page fails, fails the run, and the next run goes on from there', async () => {
    const h = harness('taxii-outage');
    let objectRequests = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).includes('/objects/') && ++objectRequests === 3) return new Response('', { status: 502 });
      return fetch(input, init);
    };
    await expect(h.run({ ...settings(), maxPagesPerRun: 20 }, flaky)).rejects.toThrow(VendorUnavailable);
    expect(await h.position()).toEqual({ addedAfter: served()[19]?.dateAdded, next: expect.any(String) });
    expect(await h.storedIds()).toHaveLength(11);

    const after = await h.run({ ...settings(), maxPagesPerRun: 20 });
    expect(after.added).toBe(19);
    expect(await h.position()).toEqual({ addedAfter: served()[83]?.dateAdded });
  });
});

describe('TAXII source: relationships on another page', () => {
  const LINKED_ID = uuidFor('taxii collection: linked across pages');
  const family = malware('NightOwl');
  const operation = campaign('Operation Quiet Harbour');
  const made = indicator('linked', "[domain-name:value = 'beacon.example.net']");

  beforeAll(() => {
    // Pages of two: the indicator and its family first, then the campaign and the link to it, then the family link.
    server.data.apiRoots[0]?.collections.push({
      id: LINKED_ID,
      title: 'Linked across pages',
      can_read: true,
      can_write: false,
      objects: servedObjects([made, family, operation, relationship('indicates', made, operation), relationship('indicates', made, family)]),
    });
  });

  it('ties the indicator on page 1 to the campaign a relationship on page 2 names', async () => {
    const h = harness('taxii-linked');
    const summary = await h.run({ apiRoot: server.apiRootUrl('intel'), collectionId: LINKED_ID, limit: 2 });
    expect(summary).toMatchObject({ pages: 1, added: 1 });
    const stored = await table.repositories.intel.getIndicator('taxii-linked', indicatorId('domain', 'beacon.example.net'));
    expect(stored?.facts.taxii).toMatchObject({ campaigns: ['Operation Quiet Harbour'], malwareFamily: 'NightOwl', sourceRecordId: made.id });
    expect(h.announced).toContainEqual({
      detailType: 'Indicators Changed',
      detail: expect.objectContaining({ source: 'taxii', change: 'added', ids: [indicatorId('domain', 'beacon.example.net')] }),
    });
  });
});

describe('TAXII source: credentials', () => {
  let guarded: TaxiiServer;
  let tokenGuarded: TaxiiServer;
  beforeAll(async () => {
    guarded = await startTaxiiServer(taxiiServerData({ count: 2 }), { auth: { username: 'forestall', password: 'correct horse' } });
    tokenGuarded = await startTaxiiServer(taxiiServerData({ count: 2 }), { auth: { token: 'taxii-token-1' } });
  });
  afterAll(async () => {
    await guarded.close();
    await tokenGuarded.close();
  });
  const settingsFor = (target: TaxiiServer) => ({ apiRoot: target.apiRootUrl('intel'), collectionId: COLLECTION_ID });

  it('sends HTTP Basic from TAXII_USERNAME and TAXII_PASSWORD, and a bearer token from TAXII_TOKEN', async () => {
    const basic = await harness('taxii-basic', { TAXII_USERNAME: 'forestall', TAXII_PASSWORD: 'correct horse' }).run(settingsFor(guarded));
    expect(basic.added).toBe(2);
    expect(guarded.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('forestall:correct horse').toString('base64')}`);

    const bearer = await harness('taxii-bearer', { TAXII_TOKEN: 'taxii-token-1' }).run(settingsFor(tokenGuarded));
    expect(bearer.added).toBe(2);
    expect(tokenGuarded.requests.at(-1)?.headers.authorization).toBe('Bearer taxii-token-1');
  });

  it('sends none when none is configured, and refuses half a Basic pair before calling the server', async () => {
    await expect(harness('taxii-anonymous').run(settingsFor(guarded))).rejects.toThrow(VendorAuthFailed);
    expect(guarded.requests.at(-1)?.headers.authorization).toBeUndefined();

    const before = guarded.requests.length;
    await expect(harness('taxii-half', { TAXII_USERNAME: 'forestall' }).run(settingsFor(guarded))).rejects.toThrow(ConfigurationError);
    expect(guarded.requests.length).toBe(before);
  });

  it('refuses settings without an http(s) API root or a collection', async () => {
    await expect(harness('taxii-settings').run({ apiRoot: 'ftp://taxii.example.com/api1/', collectionId: COLLECTION_ID })).rejects.toThrow(/apiRoot/);
    await expect(harness('taxii-settings').run({ apiRoot: server.apiRootUrl('intel') })).rejects.toThrow(/collectionId/);
  });
});

describe('TAXII source: the registry entry', () => {
  it('is scheduled only and claims no pushed payload: envelopes are the stix source', () => {
    expect(taxiiSource.modes).toEqual(['scheduled']);
    expect(taxiiSource.detect(JSON.stringify({ more: false, objects: indicatorObjects(1) }))).toBe(false);
    expect(taxiiSource.secrets).toEqual(['TAXII_USERNAME', 'TAXII_PASSWORD', 'TAXII_TOKEN']);
  });
});
