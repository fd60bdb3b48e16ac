import { describe, expect, it } from 'vitest';
import { IndicatorBatch, mergeIndicatorFacts } from '../../../../../functions/ingest/sources/blocklist/indicator-batch.ts';
import type { IndicatorFacts } from '../../../../../functions/model/indicator.ts';

const facts = (overrides: Partial<IndicatorFacts>): IndicatorFacts => ({
  type: 'ipv4',
  value: '198.51.100.7',
  tags: [],
  campaigns: [],
  targetedSectors: [],
  targetedRegions: [],
  ...overrides,
});

describe('mergeIndicatorFacts', () => {
  it('unites tags, keeps the earliest first and latest last sighting and the higher confidence', () => {
    const merged = mergeIndicatorFacts(
      facts({ firstSeen: '2025-07-19T10:00:00.000Z', lastSeen: '2025-07-19T11:00:00.000Z', confidence: 50, tags: ['port:443', 'c2'], malwareFamily: 'QakBot', sourceRecordId: 'feed:1' }),
      facts({ firstSeen: '2025-07-18T10:00:00.000Z', lastSeen: '2025-07-20T11:00:00.000Z', confidence: 90, tags: ['c2', 'port:8080'], malwareFamily: 'Emotet', threatType: 'botnet_cc', sourceRecordId: 'feed:2' }),
    );

    expect(merged).toEqual(
      facts({
        firstSeen: '2025-07-18T10:00:00.000Z',
        lastSeen: '2025-07-20T11:00:00.000Z',
        confidence: 90,
        tags: ['port:443', 'c2', 'port:8080'],
        malwareFamily: 'QakBot',
        threatType: 'botnet_cc',
        sourceRecordId: 'feed:1',
      }),
    );
  });

  it('keeps an indicator offline only when both reports say it is', () => {
    expect(mergeIndicatorFacts(facts({ tags: ['offline', 'port:80'] }), facts({ tags: ['port:443'] })).tags).toEqual(['port:80', 'port:443']);
    expect(mergeIndicatorFacts(facts({ tags: ['port:80'] }), facts({ tags: ['offline'] })).tags).toEqual(['port:80']);
    expect(mergeIndicatorFacts(facts({ tags: ['offline', 'port:80'] }), facts({ tags: ['offline', 'port:443'] })).tags).toEqual(['offline', 'port:80', 'port:443']);
  });

  it('leaves out what neither report says', () => {
    const merged = mergeIndicatorFacts(facts({}), facts({ tags: ['c2'] }));
    expect(merged).toEqual(facts({ tags: ['c2'] }));
    expect(Object.keys(merged)).not.toContain('confidence');
    expect(Object.keys(merged)).not.toContain('firstSeen');
  });
});

describe('IndicatorBatch', () => {
  it('files repeats under the first draft and keeps their record ids as aliases', () => {
    const batch = new IndicatorBatch();
    batch.add(facts({ sourceRecordId: 'threatfox:1' }));
    batch.add(facts({ value: '198.51.100.8', sourceRecordId: 'threatfox:2' }));
    batch.add(facts({ sourceRecordId: 'threatfox:3' }));
    batch.add(facts({ sourceRecordId: 'threatfox:3' }));
    batch.reject('data[4]', undefined, 'data[4].ioc: empty value', { ioc: '' });

    const parsed = batch.result({ version: '2025-07-19' });

    expect(parsed.drafts.map((draft) => [draft.facts.value, draft.aliases])).toEqual([
      ['198.51.100.7', ['threatfox:3']],
      ['198.51.100.8', undefined],
    ]);
    expect(parsed.rejected).toEqual([{ position: 'data[4]', record: 'data[4]', reason: 'data[4].ioc: empty value', payload: '{"ioc":""}' }]);
    expect(parsed.version).toBe('2025-07-19');
    expect(parsed.complete).toBeUndefined();
  });

  it('quarantines a record too deeply nested to print without throwing', () => {
    let nested: unknown = 'core';
    for (let depth = 0; depth < 20_000; depth += 1) nested = [nested];
    const batch = new IndicatorBatch();
    batch.reject('[0]', undefined, '[0]: expected object, received array', nested);
    expect(batch.result().rejected[0]?.payload).toMatch(/^\[\[\[|not shown/);
  });
});
