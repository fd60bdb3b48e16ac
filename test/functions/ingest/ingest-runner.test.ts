import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptySummary, ingestPayload, runSource, type IngestDeps } from '../../../functions/ingest/ingest-runner.ts';
import { indicatorId } from '../../../functions/model/indicator.ts';
import { InvalidFeedDocument } from '../../../functions/ingest/invalid-feed-document.ts';
import type { PollContext } from '../../../functions/ingest/source-plugin.ts';
import { cisaKevSource } from '../../../functions/ingest/sources/cisa-kev/cisa-kev-source.ts';
import { drainNvdBacklog, nvdClientFor } from '../../../functions/ingest/sources/nvd/nvd-enrichment.ts';
import { nvdSource } from '../../../functions/ingest/sources/nvd/nvd-source.ts';
import type { IntelRepository } from '../../../functions/store/intel-repository.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';
import { catalogue, kevEntry, nvdCve, nvdPage } from './synthetic-intel.ts';

/**
 * The ingest runner over dynalite, with KEV and NVD served by a fetch stand-in and a simulated clock:
 * the ways intel was lost (a failed write, an unanalysed NVD record, a slow backlog, a catalogue that
 * disagrees with itself) each have a test here.
 */

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
});
afterAll(async () => {
  await table.close();
});

/** KEV at /kev.json, NVD lookups by `cveId` and `hasKev` pages, from what the test sets. */
function feeds() {
  const state = {
    kev: JSON.stringify(catalogue([])),
    nvd: new Map<string, unknown>(),
    requests: [] as string[],
    /** Simulated time of each request (set by the harness). */
    requestTimes: [] as number[],
    clock: () => 0,
  };
  const fetch: typeof globalThis.fetch = async (input) => {
    const url = new URL(String(input));
    state.requests.push(`${url.pathname}${url.search}`);
    state.requestTimes.push(state.clock());
    if (url.pathname === '/kev.json') return new Response(state.kev, { status: 200, headers: { etag: `"${state.kev.length}"` } });
    const cveId = url.searchParams.get('cveId');
    if (cveId) {
      const cve = state.nvd.get(cveId);
      return Response.json(nvdPage(cve ? [cve] : []));
    }
    const all = [...state.nvd.values()];
    const start = Number(url.searchParams.get('startIndex') ?? 0);
    const size = Number(url.searchParams.get('resultsPerPage') ?? 2000);
    return Response.json(nvdPage(all.slice(start, start + size), start, all.length));
  };
  return { state, fetch };
}

function harness(tenant: string, options: { intel?: IntelRepository; publishFails?: () => boolean; settings?: Record<string, unknown>; apiKey?: string } = {}) {
  const { state, fetch } = feeds();
  const events: Array<{ detailType: string; detail: Record<string, unknown> }> = [];
  let clock = Date.parse('2026-11-30T02:00:00Z');
  state.clock = () => clock;
  const deps: IngestDeps = {
    intel: options.intel ?? table.repositories.intel,
    quarantine: table.repositories.quarantine,
    cursors: table.repositories.cursors,
    assets: table.repositories.assets,
    publishEvents: async (entries) => {
      if (options.publishFails?.()) throw new Error('bus unavailable');
      events.push(...(entries as typeof events));
    },
    now: () => new Date(clock),
  };
  const poll = (settings: Record<string, unknown>, stopAfterMs = Number.POSITIVE_INFINITY): Omit<PollContext, 'cursor'> => {
    const started = clock;
    return {
      tenant,
      settings,
      secret: async (name) => (name === 'NVD_API_KEY' ? options.apiKey : undefined),
      fetch,
      now: () => new Date(clock),
      sleep: async (ms) => {
        clock += ms;
      },
      shouldStop: () => clock - started >= stopAfterMs,
      log: () => {},
    };
  };
  const kevSettings = { url: 'https://feeds.test/kev.json', nvdApiUrl: 'https://nvd.test/rest/json/cves/2.0', nvdLookupsPerRun: 20, ...options.settings };
  return {
    state,
    events,
    deps,
    advance: (ms: number) => {
      clock += ms;
    },
    pollKev: () => runSource(cisaKevSource, deps, poll(kevSettings)),
    pollNvd: (stopAfterMs?: number) => runSource(nvdSource, deps, poll({ apiUrl: 'https://nvd.test/rest/json/cves/2.0' }, stopAfterMs)),
    poll,
  };
}

const intelChanged = (events: Array<{ detailType: string; detail: Record<string, unknown> }>) =>
  events.filter((event) => event.detailType === 'Intel Changed').map((event) => event.detail);

describe('a failed write never leaves stored intel unannounced', () => {
  it('stores an NVD record over the 400 KB item limit compressed, and announces all 20 entries', async () => {
    const h = harness('oversize');
    const entries = Array.from({ length: 20 }, (_, i) => kevEntry(i));
    h.state.kev = JSON.stringify(catalogue(entries));
    for (const entry of entries) h.state.nvd.set(entry.cveID, nvdCve(entry.cveID));
    // About 3,000 cpeMatch entries: ~600 KB of JSON, as NVD has for kernel and firmware CVEs.
    h.state.nvd.set('CVE-2099-10007', nvdCve('CVE-2099-10007', { configurations: 3000 }));
    expect(JSON.stringify(h.state.nvd.get('CVE-2099-10007')).length).toBeGreaterThan(400_000);

    const summary = await h.pollKev();

    // 20 KEV entries added; their NVD records are counted as lookups.
    expect(summary).toMatchObject({ added: 20, lookedUp: 20, quarantined: 0, trimmed: 0 });
    expect(summary.announceError).toBeUndefined();
    const announced = intelChanged(h.events);
    expect(announced).toHaveLength(20);
    expect(announced.every((detail) => JSON.stringify(detail.changedFields) === JSON.stringify(['cisa-kev', 'nvd']))).toBe(true);
    const big = await table.repositories.vulnerabilities.get('oversize', 'CVE-2099-10007');
    expect(big?.nvd?.configurations[0]?.nodes[0]?.cpeMatch).toHaveLength(3000);
    expect(big?.enrichment).toBe('done');
  });

  it('writes a refused batch row by row: the bad row is quarantined with the reason, the other 19 are announced', async () => {
    const real = table.repositories.intel;
    const refusing: IntelRepository = {
      ...real,
      async putFacts(rows) {
        if (rows.some(({ row }) => row.id === 'CVE-2099-10003' && row.source === 'cisa-kev')) {
          throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
        }
        return real.putFacts(rows);
      },
    };
    const h = harness('refused', { intel: refusing, settings: { nvdLookupsPerRun: 0 } });
    h.state.kev = JSON.stringify(catalogue(Array.from({ length: 20 }, (_, i) => kevEntry(i))));

    const summary = await h.pollKev();

    expect(summary).toMatchObject({ added: 19, quarantined: 1 });
    expect(intelChanged(h.events).map((detail) => detail.id)).toHaveLength(19);
    expect(intelChanged(h.events).map((detail) => detail.id)).not.toContain('CVE-2099-10003');
    const [quarantined] = await table.repositories.quarantine.list('refused', 'cisa-kev');
    expect(quarantined).toMatchObject({ record: 'CVE-2099-10003', reason: expect.stringContaining('ValidationException: Item size has exceeded') });
    expect(await real.listOutbox('refused')).toEqual([]);
  });

  it('when the bus is down, the changes stay in the outbox and the next run announces them, even with an unchanged catalogue', async () => {
    let down = true;
    const h = harness('bus-down', { publishFails: () => down, settings: { nvdLookupsPerRun: 0 } });
    h.state.kev = JSON.stringify(catalogue(Array.from({ length: 20 }, (_, i) => kevEntry(i))));

    const first = await h.pollKev();
    expect(first).toMatchObject({ added: 20, announced: 0, announceError: expect.stringContaining('bus unavailable') });
    expect(h.events).toEqual([]);
    const pending = await table.repositories.intel.listOutbox('bus-down');
    expect(pending.flatMap((batch) => batch.entries)).toHaveLength(20);

    down = false;
    table.counter.reset();
    const second = await h.pollKev();
    expect(second).toMatchObject({ added: 0, updated: 0, unchangedPages: 1, announced: 20 });
    expect(intelChanged(h.events)).toHaveLength(20);
    expect(await table.repositories.intel.listOutbox('bus-down')).toEqual([]);
  });
});

describe('inventory changes an import stored but never announced', () => {
  it('are announced by the next scheduled run of any source, and kept while the bus is down', async () => {
    let down = true;
    const h = harness('inventory-left', { publishFails: () => down, settings: { nvdLookupsPerRun: 0 } });
    h.state.kev = JSON.stringify(catalogue([kevEntry(0)]));
    // An import cut short after its writes: the change is recorded, nothing announced.
    const host = { id: 'h1', ips: [], internetFacing: false, criticality: 'low' as const, tags: {}, software: [{ purl: 'pkg:npm/lodash@4.17.20' }] };
    await table.repositories.assets.putMany('inventory-left', [host], { recordPending: { at: '2026-11-30T01:00:00.000Z' } });

    const first = await h.pollKev();
    expect(first.announceError).toContain('bus unavailable');
    expect(await table.repositories.assets.pendingChanges('inventory-left')).toHaveLength(1);

    down = false;
    await h.pollKev();
    expect(h.events.filter((event) => event.detailType === 'Inventory Changed').map((event) => event.detail)).toEqual([
      { version: '1', tenant: 'inventory-left', assets: [{ id: 'h1', packageKeys: ['purl:npm/lodash'] }], changedAt: '2026-11-30T01:00:00.000Z' },
    ]);
    expect(await table.repositories.assets.pendingChanges('inventory-left')).toEqual([]);
  });
});

describe('a catalogue that disagrees with itself', () => {
  it('is refused with a clear error, writes nothing and leaves the cursor alone', async () => {
    const h = harness('truncated', { settings: { nvdLookupsPerRun: 0 } });
    h.state.kev = JSON.stringify(catalogue([kevEntry(1), kevEntry(2)]));
    await h.pollKev();
    const cursorBefore = await table.repositories.cursors.get('truncated', 'cisa-kev');

    h.state.kev = JSON.stringify(catalogue([], 1404));
    table.counter.reset();
    await expect(h.pollKev()).rejects.toThrow(InvalidFeedDocument);
    await expect(h.pollKev()).rejects.toThrow('cisa-kev: count says 1404 entries but vulnerabilities holds 0');
    expect(table.counter.writes).toBe(0);
    expect(await table.repositories.cursors.get('truncated', 'cisa-kev')).toEqual(cursorBefore);
    expect((await table.repositories.vulnerabilities.get('truncated', 'CVE-2099-10001'))?.kev).toBeDefined();
  });

  it('an entry CISA removes from a valid catalogue is revoked and announced as such; re-polling the same catalogue writes nothing', async () => {
    const h = harness('removed', { settings: { nvdLookupsPerRun: 0 } });
    h.state.kev = JSON.stringify(catalogue([kevEntry(1), kevEntry(2), kevEntry(3)]));
    await h.pollKev();
    h.events.length = 0;

    h.state.kev = JSON.stringify(catalogue([kevEntry(1), kevEntry(3)]));
    const summary = await h.pollKev();
    expect(summary).toMatchObject({ revoked: 1, added: 0, updated: 0 });
    expect(intelChanged(h.events)).toEqual([
      { version: '1', tenant: 'removed', kind: 'vulnerability', id: 'CVE-2099-10002', source: 'cisa-kev', changedFields: ['cisa-kev'], change: 'revoked' },
    ]);
    const removed = await table.repositories.vulnerabilities.get('removed', 'CVE-2099-10002');
    expect(removed?.kev).toBeUndefined();
    expect(removed?.revoked?.['cisa-kev']?.reason).toBe("no longer in cisa-kev's complete list");

    h.state.kev = JSON.stringify(catalogue([kevEntry(1), kevEntry(3)]), null, 1); // same content, other bytes
    table.counter.reset();
    const again = await h.pollKev();
    expect(again).toMatchObject({ added: 0, updated: 0, revoked: 0, unchanged: 2 });
    expect(table.counter.writes).toBe(1); // the cursor, for the new body hash and etag
  });
});

describe('NVD records without configurations are looked up again until NVD analyses them', () => {
  it('stores the record as awaiting analysis, then matches it once configurations arrive', async () => {
    const h = harness('awaiting');
    h.state.kev = JSON.stringify(catalogue([kevEntry(1)]));
    h.state.nvd.set('CVE-2099-10001', nvdCve('CVE-2099-10001', { configurations: 0 }));
    await h.pollKev();
    expect((await table.repositories.vulnerabilities.get('awaiting', 'CVE-2099-10001'))?.enrichment).toBe('awaiting-analysis');
    h.events.length = 0;

    // Not yet due: nothing is asked.
    const nvd = await nvdClientFor(h.poll({}));
    const early = await drainNvdBacklog(h.deps, { tenant: 'awaiting', nvd, requestsPer30s: 5, shouldStop: () => false }, emptySummary('nvd'));
    expect(early).toMatchObject({ lookedUp: 0, remaining: 0 });

    h.state.nvd.set('CVE-2099-10001', nvdCve('CVE-2099-10001', { configurations: 2, lastModified: '2026-12-01T09:00:00.000' }));
    h.advance(13 * 3_600_000);
    const later = await drainNvdBacklog(
      h.deps,
      { tenant: 'awaiting', nvd: await nvdClientFor(h.poll({}), 'https://nvd.test/rest/json/cves/2.0'), requestsPer30s: 5, shouldStop: () => false },
      emptySummary('nvd'),
    );
    expect(later).toMatchObject({ lookedUp: 1, remaining: 0 });
    const record = await table.repositories.vulnerabilities.get('awaiting', 'CVE-2099-10001');
    expect(record?.enrichment).toBe('done');
    expect(record?.nvd?.configurations[0]?.nodes[0]?.cpeMatch).toHaveLength(2);
    const { announcePending } = await import('../../../functions/ingest/ingest-runner.ts');
    await announcePending(h.deps, 'awaiting');
    expect(intelChanged(h.events)).toEqual([
      expect.objectContaining({ id: 'CVE-2099-10001', source: 'nvd', changedFields: ['nvd.configurations', 'nvd.lastModified', 'nvd.vulnStatus'] }),
    ]);
  });
});

describe('the NVD backlog after a first deployment', () => {
  const entries = Array.from({ length: 1404 }, (_, i) => kevEntry(i));

  it('drains at 5 lookups per 30 s without a key and 50 with one, reporting what is left', async () => {
    // 15 simulated minutes (a Lambda run): 30 windows of 30 s, plus the window already open at the start.
    for (const [tenant, apiKey, least, most] of [
      ['backlog-nokey', undefined, 150, 155],
      ['backlog-key', 'nvd-key', 1404, 1404],
    ] as const) {
      const h = harness(tenant, { settings: { nvdLookupsPerRun: 0 }, ...(apiKey ? { apiKey } : {}) });
      h.state.kev = JSON.stringify(catalogue(entries));
      for (const entry of entries) h.state.nvd.set(entry.cveID, nvdCve(entry.cveID));
      await h.pollKev();
      const nvd = await nvdClientFor(h.poll({}), 'https://nvd.test/rest/json/cves/2.0');
      const start = h.deps.now().getTime();
      const progress = await drainNvdBacklog(
        h.deps,
        { tenant, nvd, requestsPer30s: apiKey ? 50 : 5, shouldStop: () => h.deps.now().getTime() - start >= 15 * 60_000 },
        emptySummary('nvd'),
      );
      expect(progress.lookedUp).toBeGreaterThanOrEqual(least);
      expect(progress.lookedUp).toBeLessThanOrEqual(most);
      expect(progress.remaining).toBe(1404 - progress.lookedUp);
      expect(progress.etaSeconds).toBe(Math.ceil(progress.remaining / (apiKey ? 50 : 5)) * 30);
    }
  }, 120_000);

  it('the pages of the NVD source and its backlog lookups share one rate limit', async () => {
    const h = harness('backlog-shared', { settings: { nvdLookupsPerRun: 0 } });
    const few = entries.slice(0, 12);
    h.state.kev = JSON.stringify(catalogue(few));
    // NVD knows none of them yet: the page is empty, and all 12 stay due for lookups.
    await h.pollKev();
    h.state.requestTimes.length = 0;

    const summary = await h.pollNvd();
    expect(summary.lookedUp).toBe(12);
    const times = h.state.requestTimes;
    expect(times).toHaveLength(13); // one page, twelve lookups
    for (const [index, time] of times.entries()) {
      expect(times.filter((other, j) => j >= index && other < time + 30_000).length, `requests in the 30 s from request ${index}`).toBeLessThanOrEqual(5);
    }
  });

  it('the NVD source fetches every KEV CVE in pages of 2,000 on its first run instead', async () => {
    const h = harness('backlog-paged', { settings: { nvdLookupsPerRun: 0 } });
    h.state.kev = JSON.stringify(catalogue(entries));
    for (const entry of entries) h.state.nvd.set(entry.cveID, nvdCve(entry.cveID));
    await h.pollKev();
    h.state.requests.length = 0;

    const summary = await h.pollNvd();
    expect(h.state.requests.filter((request) => request.includes('hasKev'))).toEqual([
      '/rest/json/cves/2.0?hasKev&resultsPerPage=2000&startIndex=0',
    ]);
    expect(summary).toMatchObject({ pages: 1, added: 1404 });
    expect(await table.repositories.intel.countNvdDue('backlog-paged', '2030-01-01T00:00:00.000Z')).toBe(0);
    expect((await table.repositories.cursors.get('backlog-paged', 'nvd'))?.position).toEqual({ syncedTo: '2026-11-30T02:00:00.000Z' });
  });
});

describe('indicators past their end of validity', () => {
  it('are revoked and announced as such by the next run, whichever source gave them', async () => {
    const h = harness('expiry', { settings: { nvdLookupsPerRun: 0 } });
    const indicator = (value: string, validUntil: string) => ({
      kind: 'indicator' as const,
      id: indicatorId('ipv4', value),
      facts: { type: 'ipv4' as const, value, validUntil, tags: [], campaigns: [], targetedSectors: [], targetedRegions: [] },
    });
    const pushed = { drafts: [indicator('198.51.100.1', '2026-11-30T03:00:00.000Z'), indicator('198.51.100.2', '2026-12-30T00:00:00.000Z')], rejected: [] };
    const source = { ...cisaKevSource, name: 'pushed-feed', parse: () => pushed };
    await ingestPayload(source, h.deps, { tenant: 'expiry', payload: '(parsed above)', label: 'push' });
    h.events.length = 0;

    h.advance(2 * 3_600_000); // 04:00: the first indicator's validity ended at 03:00
    h.state.kev = JSON.stringify(catalogue([kevEntry(1)]));
    const summary = await h.pollKev();

    expect(summary.expired).toBe(1);
    expect(h.events.filter((event) => event.detailType === 'Indicators Changed').map((event) => event.detail)).toEqual([
      { version: '1', tenant: 'expiry', source: 'pushed-feed', change: 'revoked', ids: [indicatorId('ipv4', '198.51.100.1')] },
    ]);
    expect((await table.repositories.intel.getIndicator('expiry', indicatorId('ipv4', '198.51.100.1')))?.revoked).toEqual({
      'pushed-feed': { reason: 'valid_until passed', at: '2026-11-30T03:00:00.000Z' },
    });
    expect((await table.repositories.intel.getIndicator('expiry', indicatorId('ipv4', '198.51.100.2')))?.sources).toEqual(['pushed-feed']);

    h.events.length = 0;
    const again = await h.pollKev();
    expect(again.expired).toBe(0);
    expect(h.events).toEqual([]);
  });
});
