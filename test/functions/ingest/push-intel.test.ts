import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptPushedIntel } from '../../../functions/ingest/push-intel.ts';
import { InvalidFeedDocument } from '../../../functions/ingest/invalid-feed-document.ts';
import { indicatorId } from '../../../functions/model/indicator.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';
import { mixedMispEvent } from './sources/misp/fixtures.ts';

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
});
afterAll(async () => {
  await table.close();
});

function deps() {
  const events: Array<{ detailType: string; detail: Record<string, unknown> }> = [];
  const archived: string[] = [];
  return {
    events,
    archived,
    deps: {
      repositories: table.repositories,
      publishEvents: async (entries: Array<{ detailType: string; detail: unknown }>) => void events.push(...(entries as typeof events)),
      archive: { put: async (key: string) => void archived.push(key) },
      now: () => new Date('2026-11-30T02:00:00Z'),
    },
  };
}

describe('pushed intel', () => {
  const body = JSON.stringify(mixedMispEvent());
  const push = { tenant: 'pushed', body, receivedAt: '2026-11-30T02:00:00.000Z', deliveryId: 'd-1' };

  it('is told apart by content, archived, stored and announced; a repeated delivery writes nothing', async () => {
    const first = deps();
    const outcome = await acceptPushedIntel(first.deps, push);
    expect(outcome.accepted).toBeGreaterThan(5);
    // Attribute[3] (an ip-dst that is no address), [10] (no value) and [11] (no to_ids flag).
    expect(outcome.rejected).toBe(3);
    expect(first.archived).toEqual(['misp/pushed/2026-11-30T02:00:00.000Z-push-d-1']);
    expect(await table.repositories.intel.getIndicator('pushed', indicatorId('ipv4', '203.0.113.10'))).toMatchObject({ sources: ['misp'], facts: { misp: { tlp: 'amber' } } });
    expect(first.events.some((event) => event.detailType === 'Indicators Changed')).toBe(true);
    expect(first.events.find((event) => event.detailType === 'Intel Quarantined')?.detail).toMatchObject({ source: 'misp', count: 3 });

    const again = deps();
    table.counter.reset();
    const repeated = await acceptPushedIntel(again.deps, push);
    expect(repeated).toMatchObject({ accepted: 0, unchanged: outcome.accepted });
    // Only the quarantine records of the three refused attributes are written again.
    expect(table.counter.writes).toBe(3);
    expect(again.events.filter((event) => event.detailType !== 'Intel Quarantined')).toEqual([]);
  });

  it('refuses a body of no known format, naming the body, and stores nothing', async () => {
    table.counter.reset();
    await expect(acceptPushedIntel(deps().deps, { ...push, body: JSON.stringify({ hello: 'world' }) })).rejects.toThrow(InvalidFeedDocument);
    await expect(acceptPushedIntel(deps().deps, { ...push, body: JSON.stringify({ hello: 'world' }) })).rejects.toThrow(/^body: not an intel format forestall reads/);
    expect(table.counter.writes).toBe(0);
  });
});
