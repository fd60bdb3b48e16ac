import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalGet } from '../../../functions/ingest/http-fetch.ts';
import { ingestKev, type KevIngestDeps } from '../../../functions/ingest/kev-ingest.ts';
import { createNvdClient } from '../../../functions/ingest/nvd-client.ts';
import { IntelChangedSchema } from '../../../functions/model/events.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';
import { fakeClock } from './fake-clock.ts';
import { kevCatalogue, nvdRecords, type KevCatalogueJson } from './fixtures.ts';
import { startKevServer, startNvdServer } from './loopback-server.ts';

let table: LocalTable;
let kev: Awaited<ReturnType<typeof startKevServer>>;
let nvd: Awaited<ReturnType<typeof startNvdServer>>;

beforeAll(async () => {
  [table, kev, nvd] = await Promise.all([startLocalTable(), startKevServer(), startNvdServer(nvdRecords())]);
});
afterAll(async () => {
  await Promise.all([table.close(), kev.close(), nvd.close()]);
});

/** Deps over the local table and loopback feeds; `events` collects what was published. */
function harness(options: { publishFails?: boolean } = {}) {
  const events: Array<{ detailType: string; detail: unknown }> = [];
  let tick = Date.parse('2025-08-25T02:00:00Z');
  const deps: KevIngestDeps = {
    repositories: table.repositories,
    fetchCatalogue: (validators) => conditionalGet(kev.kevUrl, validators),
    nvd: createNvdClient({ apiUrl: nvd.apiUrl, clock: fakeClock() }),
    publishEvents: async (entries) => {
      if (options.publishFails) throw new Error('bus unavailable');
      events.push(...entries);
    },
    now: () => new Date((tick += 1000)),
  };
  return { deps, events };
}

const withoutEntry = (catalogue: KevCatalogueJson, cveId: string): KevCatalogueJson => ({
  ...catalogue,
  count: catalogue.count - 1,
  vulnerabilities: catalogue.vulnerabilities.filter((entry) => entry.cveID !== cveId),
});

describe('KEV ingest on the real catalogue', () => {
  const tenant = 'kev-full';
  const full = kevCatalogue();
  // The 2am scenario: Citrix Bleed is not in the catalogue yet, then CISA adds it.
  const before = withoutEntry(full, 'CVE-2023-4966');

  it('first load writes and announces every entry', async () => {
    kev.publish(before);
    const { deps, events } = harness();
    table.counter.reset();
    const summary = await ingestKev(deps, { tenant, nvdLookupsPerRun: 0 });

    expect(summary).toMatchObject({ fetched: 1403, unchanged: false, written: 1403, quarantined: 0, lookedUp: 0, emitted: 1403, pendingEnrichment: 1403 });
    expect(summary.catalogVersion).toBe('2025.08.25');
    expect(table.counter.writes).toBe(1403 + 1); // the records, then the cursor
    expect(events).toHaveLength(1403);
    expect(events.every((event) => event.detailType === 'Intel Changed')).toBe(true);
    const detail = IntelChangedSchema.parse(events.find((event) => (event.detail as { id: string }).id === 'CVE-2021-34527')?.detail);
    expect(detail).toEqual({ version: '1', tenant, kind: 'vulnerability', id: 'CVE-2021-34527', source: 'cisa-kev', changedFields: ['kev'] });

    const stored = await table.repositories.vulnerabilities.get(tenant, 'CVE-2021-34527');
    expect(stored?.kev).toMatchObject({ vendorProject: 'Microsoft', dateAdded: '2021-11-03', cwes: expect.any(Array) });
    expect(stored?.enrichment).toBe('pending');
  });

  it('an unchanged re-poll answered 304 writes nothing and emits nothing', async () => {
    const { deps, events } = harness();
    table.counter.reset();
    const requestsBefore = kev.requests.length;
    const summary = await ingestKev(deps, { tenant, nvdLookupsPerRun: 0 });

    expect(kev.requests.slice(requestsBefore).map((r) => [r.status, typeof r.headers['if-none-match']])).toEqual([[304, 'string']]);
    expect(summary).toMatchObject({ unchanged: true, fetched: 0, written: 0, emitted: 0 });
    expect(table.counter.writes).toBe(0);
    expect(events).toEqual([]);
  });

  it('the same catalogue served without validators writes nothing either (whole-body hash)', async () => {
    kev.publish(before, { withValidators: false });
    const { deps, events } = harness();
    table.counter.reset();
    const summary = await ingestKev(deps, { tenant, nvdLookupsPerRun: 0 });

    expect(kev.requests.at(-1)?.status).toBe(200);
    expect(summary).toMatchObject({ unchanged: true, written: 0, emitted: 0 });
    expect(table.counter.writes).toBe(0);
    expect(events).toEqual([]);
  });

  it('a catalogue with one added entry writes that entry, enriched from NVD, and emits one event', async () => {
    kev.publish(full);
    const { deps, events } = harness();
    table.counter.reset();
    const summary = await ingestKev(deps, { tenant, nvdLookupsPerRun: 1 });

    expect(summary).toMatchObject({ fetched: 1404, unchanged: false, written: 1, lookedUp: 1, emitted: 1, quarantined: 0 });
    expect(table.counter.writes).toBe(1 + 1); // the new record, then the cursor
    expect(nvd.requests.at(-1)?.url).toContain('cveId=CVE-2023-4966');
    expect(events.map((event) => event.detail)).toEqual([
      { version: '1', tenant, kind: 'vulnerability', id: 'CVE-2023-4966', source: 'cisa-kev', changedFields: ['kev', 'nvd'] },
    ]);
    const citrixBleed = await table.repositories.vulnerabilities.get(tenant, 'CVE-2023-4966');
    expect(citrixBleed?.enrichment).toBe('done');
    expect(citrixBleed?.sources).toEqual(['cisa-kev', 'nvd']);
    expect(citrixBleed?.nvd?.configurations.length).toBeGreaterThan(0);
    expect(citrixBleed?.kev?.knownRansomwareCampaignUse).toBe('Known');
  });

  it('a changed entry is rewritten with the fields that changed, keeping its NVD facts', async () => {
    const changed = kevCatalogue();
    const entry = changed.vulnerabilities.find((e) => e.cveID === 'CVE-2023-4966')!;
    entry.dueDate = '2023-11-15';
    kev.publish(changed);
    const { deps, events } = harness();
    const summary = await ingestKev(deps, { tenant, nvdLookupsPerRun: 0 });

    expect(summary).toMatchObject({ written: 1, emitted: 1 });
    expect(events.map((event) => (event.detail as { changedFields: string[] }).changedFields)).toEqual([['kev.dueDate']]);
    const stored = await table.repositories.vulnerabilities.get(tenant, 'CVE-2023-4966');
    expect(stored?.kev?.dueDate).toBe('2023-11-15');
    expect(stored?.enrichment).toBe('done');
    expect(stored?.nvd?.cvss.length).toBeGreaterThan(0);
  });
});

describe('KEV ingest: quarantine, NVD backlog and failures', () => {
  const small = (ids: string[], mutate?: (catalogue: KevCatalogueJson) => void): KevCatalogueJson => {
    const catalogue = kevCatalogue();
    catalogue.vulnerabilities = catalogue.vulnerabilities.filter((entry) => ids.includes(String(entry.cveID)));
    catalogue.count = catalogue.vulnerabilities.length;
    mutate?.(catalogue);
    return catalogue;
  };

  it('quarantines a malformed entry with the field named and stores the others', async () => {
    const tenant = 'kev-bad-entry';
    kev.publish(
      small(['CVE-2023-4966', 'CVE-2023-34362', 'CVE-2021-34527'], (catalogue) => {
        catalogue.vulnerabilities[1]!.dateAdded = '02/06/2023';
      }),
    );
    const { deps, events } = harness();
    const summary = await ingestKev(deps, { tenant, nvdLookupsPerRun: 0 });

    expect(summary).toMatchObject({ fetched: 3, written: 2, quarantined: 1, emitted: 2 });
    const quarantined = await table.repositories.quarantine.list(tenant, 'cisa-kev');
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ record: expect.stringMatching(/^CVE-/), reason: 'vulnerabilities[1].dateAdded: date as YYYY-MM-DD' });
    expect(JSON.parse(quarantined[0]!.payload!)).toMatchObject({ dateAdded: '02/06/2023' });
    expect(events).toHaveLength(2);
    const stored = await table.repositories.vulnerabilities.getContentHashes(tenant, ['CVE-2023-4966', 'CVE-2023-34362', 'CVE-2021-34527']);
    expect(stored.size).toBe(2);
    expect(stored.has(quarantined[0]!.record)).toBe(false);
  });

  it('looks up new entries first, then works through the pending backlog on later runs, even without KEV changes', async () => {
    const tenant = 'kev-backlog';
    kev.publish(small(['CVE-2024-3400', 'CVE-2023-4966', 'CVE-2023-34362', 'CVE-2021-34527', 'CVE-2025-48384']));
    const first = harness();
    const summary = await ingestKev(first.deps, { tenant, nvdLookupsPerRun: 2 });
    // Newest KEV additions first: CVE-2025-48384 (2025-08-25, unknown to this NVD) and CVE-2024-3400.
    expect(summary).toMatchObject({ written: 5, lookedUp: 2, emitted: 5, pendingEnrichment: 3 });
    expect((await table.repositories.vulnerabilities.get(tenant, 'CVE-2025-48384'))?.enrichment).toBe('not-found');
    expect((await table.repositories.vulnerabilities.get(tenant, 'CVE-2024-3400'))?.enrichment).toBe('done');
    expect((await table.repositories.vulnerabilities.listPendingEnrichment(tenant, 10)).map((v) => v.id)).toEqual([
      'CVE-2023-4966',
      'CVE-2023-34362',
      'CVE-2021-34527',
    ]);

    const second = harness();
    table.counter.reset();
    const backlogRun = await ingestKev(second.deps, { tenant, nvdLookupsPerRun: 2 });
    expect(backlogRun).toMatchObject({ unchanged: true, written: 0, lookedUp: 2, enriched: 2, emitted: 2 });
    expect(table.counter.writes).toBe(2);
    expect(second.events.map((event) => [(event.detail as { id: string }).id, (event.detail as { changedFields: string[] }).changedFields])).toEqual([
      ['CVE-2023-4966', ['nvd']],
      ['CVE-2023-34362', ['nvd']],
    ]);
    expect((await table.repositories.vulnerabilities.listPendingEnrichment(tenant, 10)).map((v) => v.id)).toEqual(['CVE-2021-34527']);
  });

  it('stops NVD lookups when NVD rate-limits, keeping the records pending, and finishes the poll', async () => {
    const tenant = 'kev-throttled';
    kev.publish(small(['CVE-2023-4966', 'CVE-2021-34527']));
    nvd.control.fail = 403;
    try {
      const { deps } = harness();
      const summary = await ingestKev(deps, { tenant, nvdLookupsPerRun: 5 });
      expect(summary).toMatchObject({ written: 2, emitted: 2, lookedUp: 1, pendingEnrichment: 2 });
      expect(summary.lookupError).toMatch(/^VendorRateLimited/);
      expect((await table.repositories.cursors.get(tenant, 'cisa-kev'))?.etag).toBeDefined();
    } finally {
      delete nvd.control.fail;
    }
  });

  it('when publishing fails, the poll fails and the next poll writes and announces those entries again', async () => {
    const tenant = 'kev-bus-down';
    kev.publish(small(['CVE-2023-4966', 'CVE-2021-34527']));
    await expect(ingestKev(harness({ publishFails: true }).deps, { tenant, nvdLookupsPerRun: 0 })).rejects.toThrow('bus unavailable');
    expect(await table.repositories.cursors.get(tenant, 'cisa-kev')).toBeUndefined();

    const retry = harness();
    const summary = await ingestKev(retry.deps, { tenant, nvdLookupsPerRun: 0 });
    expect(summary).toMatchObject({ written: 2, emitted: 2 });
    expect(retry.events.map((event) => (event.detail as { id: string }).id).sort()).toEqual(['CVE-2021-34527', 'CVE-2023-4966']);

    const third = harness();
    kev.publish(small(['CVE-2023-4966', 'CVE-2021-34527']), { withValidators: false });
    expect(await ingestKev(third.deps, { tenant, nvdLookupsPerRun: 0 })).toMatchObject({ written: 0, emitted: 0 });
  });

  it('rejects a body that is not JSON without writing anything', async () => {
    const tenant = 'kev-garbage';
    const { deps } = harness();
    table.counter.reset();
    await expect(
      ingestKev({ ...deps, fetchCatalogue: async () => ({ status: 'ok', body: '<html>maintenance</html>' }) }, { tenant, nvdLookupsPerRun: 0 }),
    ).rejects.toMatchObject({ name: 'InvalidFeedDocument', message: expect.stringContaining('cisa-kev: the catalogue is not JSON') });
    expect(table.counter.writes).toBe(0);
  });
});
