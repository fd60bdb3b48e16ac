import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingAnnouncement, SourceFacts } from '../../../functions/model/intel-record.ts';
import { indicatorId } from '../../../functions/model/indicator.ts';
import { sourceFactsHash } from '../../../functions/store/intel-repository.ts';
import { startLocalTable, type LocalTable } from './local-table.ts';

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
});
afterAll(async () => {
  await table.close();
});

const row = (overrides: Partial<SourceFacts> & Pick<SourceFacts, 'id' | 'source'>): SourceFacts => ({
  tenant: 'repo',
  kind: 'vulnerability',
  aliases: [],
  observedAt: '2026-11-30T02:00:00.000Z',
  ...overrides,
});

describe('intel rows', () => {
  it('keeps each source on its own row and assembles the vulnerability from them', async () => {
    const { intel } = table.repositories;
    const epss = row({ id: 'CVE-2023-4966', source: 'epss', facts: { score: 0.94348, percentile: 0.9995, scoreDate: '2025-08-15' } });
    const osv = row({ id: 'CVE-2023-4966', source: 'osv', facts: { advisories: {} }, aliases: ['GHSA-xxxx-yyyy-zzzz'], revoked: { reason: 'withdrawn by the source' } });
    await intel.putFacts([epss, osv].map((r) => ({ row: r, hash: sourceFactsHash(r) })));

    const vulnerability = await intel.getVulnerability('repo', 'CVE-2023-4966');
    expect(vulnerability).toMatchObject({
      id: 'CVE-2023-4966',
      aliases: ['GHSA-xxxx-yyyy-zzzz'],
      facts: { epss: { score: 0.94348 }, osv: { advisories: {} } },
      revoked: { osv: { reason: 'withdrawn by the source' } },
      sources: ['epss'],
      enrichment: 'pending',
    });
    expect((await intel.getHashes('repo', 'vulnerability', 'epss', ['CVE-2023-4966', 'CVE-2099-1'])).get('CVE-2023-4966')).toBe(sourceFactsHash(epss));
    // A revoked row leaves the source's index: a complete list cannot revoke it twice.
    expect(await intel.listSourceIds('repo', 'vulnerability', 'osv')).toEqual([]);
    expect(await intel.listSourceIds('repo', 'vulnerability', 'epss')).toEqual(['CVE-2023-4966']);
  });

  it('compresses large facts and stores facts too large even compressed as a stub that says so', async () => {
    const { intel } = table.repositories;
    const large = row({ id: 'CVE-2099-0001', source: 'bulk', facts: { items: Array.from({ length: 20_000 }, (_, i) => `entry-${i}`) } });
    // Random text does not compress: over the item budget either way.
    const random = Array.from({ length: 60_000 }, () => Math.random().toString(36).slice(2)).join('');
    const huge = row({ id: 'CVE-2099-0002', source: 'bulk', facts: { blob: random } });
    const result = await intel.putFacts([large, huge].map((r) => ({ row: r, hash: sourceFactsHash(r) })));

    expect(result.trimmed).toEqual([{ id: 'CVE-2099-0002', reason: expect.stringMatching(/^facts of \d+ bytes \(\d+ compressed\) exceed the 350000-byte item budget; left out$/) }]);
    expect((await intel.getFacts('repo', 'vulnerability', 'bulk', ['CVE-2099-0001'])).get('CVE-2099-0001')?.facts).toEqual(large.facts);
    const stub = (await intel.getFacts('repo', 'vulnerability', 'bulk', ['CVE-2099-0002'])).get('CVE-2099-0002');
    expect(stub?.facts).toBeUndefined();
    expect(stub?.omitted).toMatch(/left out$/);
    // The stub keeps the hash of the full facts, so the next poll of the same record writes nothing.
    expect((await intel.getHashes('repo', 'vulnerability', 'bulk', ['CVE-2099-0002'])).get('CVE-2099-0002')).toBe(sourceFactsHash(huge));
  });

  it('assembles an indicator from its sources', async () => {
    const { intel } = table.repositories;
    const id = indicatorId('ipv4', '198.51.100.7');
    const facts = (confidence: number) => ({ type: 'ipv4' as const, value: '198.51.100.7', confidence, tags: [], campaigns: [], targetedSectors: [], targetedRegions: [] });
    const rows = [row({ kind: 'indicator', id, source: 'feodo', facts: facts(90) }), row({ kind: 'indicator', id, source: 'threatfox', facts: facts(75), revoked: { reason: 'valid_until passed' } })];
    await intel.putFacts(rows.map((r) => ({ row: r, hash: sourceFactsHash(r) })));
    expect(await intel.getIndicator('repo', id)).toMatchObject({
      type: 'ipv4',
      value: '198.51.100.7',
      facts: { feodo: { confidence: 90 }, threatfox: { confidence: 75 } },
      revoked: { threatfox: { reason: 'valid_until passed' } },
      sources: ['feodo'],
    });
  });
});

describe('the outbox', () => {
  it('removes only the items it listed, so a batch split by the listing limit loses nothing', async () => {
    const { intel } = table.repositories;
    const entries: PendingAnnouncement[] = Array.from({ length: 1200 }, (_, i) => ({ kind: 'indicator', id: `ipv4--${i}`, source: 'threatfox', change: 'added', changedFields: ['threatfox'] }));
    await intel.addToOutbox('outbox', entries, '2026-11-30T02:00:00.000Z');

    const firstTwo = await intel.listOutbox('outbox', 2);
    expect(firstTwo.map((item) => item.entries.length)).toEqual([500, 500]);
    for (const item of firstTwo) await intel.removeFromOutbox('outbox', item.key);

    const rest = await intel.listOutbox('outbox');
    expect(rest.map((item) => item.entries.length)).toEqual([200]);
    expect(rest[0]?.entries[0]?.id).toBe('ipv4--1000');
  });

  it('narrows a batch to the changes whose rows were written', async () => {
    const { intel } = table.repositories;
    const entries: PendingAnnouncement[] = ['CVE-2099-1', 'CVE-2099-2', 'CVE-2099-3'].map((id) => ({ kind: 'vulnerability', id, source: 'cisa-kev', change: 'added', changedFields: ['cisa-kev'] }));
    const batchId = await intel.addToOutbox('narrow', entries, '2026-11-30T02:00:00.000Z');
    await intel.narrowOutbox('narrow', batchId, entries.filter((entry) => entry.id !== 'CVE-2099-2'));
    expect((await intel.listOutbox('narrow')).flatMap((item) => item.entries.map((entry) => entry.id))).toEqual(['CVE-2099-1', 'CVE-2099-3']);
  });
});
