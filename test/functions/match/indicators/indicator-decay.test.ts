import { describe, expect, it } from 'vitest';
import {
  decayTable,
  DEFAULT_DECAY_TABLE,
  describeScore,
  halfLifeDays,
  scoreFacts,
  scoreIndicator,
} from '../../../../functions/match/indicators/indicator-decay.ts';
import { IndicatorFactsSchema, type IndicatorFacts } from '../../../../functions/model/indicator.ts';
import { daysAgo, indicator, NOW } from './fixtures.ts';

const facts = (input: Partial<IndicatorFacts> & Pick<IndicatorFacts, 'type'>) => IndicatorFactsSchema.parse({ value: 'x', ...input });

describe('scoreFacts', () => {
  it.each([
    // source, facts, expected decayed score
    ['threatfox', { type: 'ipv4', confidence: 80, lastSeen: daysAgo(0) }, 0.8],
    ['threatfox', { type: 'ipv4', confidence: 80, lastSeen: daysAgo(14) }, 0.4],
    ['threatfox', { type: 'ipv4', confidence: 80, lastSeen: daysAgo(28) }, 0.2],
    ['feodo', { type: 'ipv4', confidence: 100, lastSeen: daysAgo(7) }, 0.5],
    ['misp', { type: 'ipv4', confidence: 100, lastSeen: daysAgo(10) }, 0.5],
    ['misp', { type: 'domain', confidence: 100, lastSeen: daysAgo(60) }, 0.5],
    ['misp', { type: 'sha256', confidence: 100, lastSeen: daysAgo(365) }, 0.5],
    ['threatfox', { type: 'sha256', confidence: 100, lastSeen: daysAgo(180) }, 0.5],
    ['some-new-feed', { type: 'url', confidence: 100, lastSeen: daysAgo(30) }, 0.5],
  ] as const)('%s %j decays to %d', (source, input, expected) => {
    expect(scoreFacts(source, facts(input), NOW).decayedScore).toBeCloseTo(expected, 10);
  });

  it('halves with every half-life', () => {
    const at = (days: number) => scoreFacts('urlhaus', facts({ type: 'url', confidence: 60, lastSeen: daysAgo(days) }), NOW).decayedScore;
    for (const days of [0, 3, 14, 20]) expect(at(days + 14)).toBeCloseTo(at(days) / 2, 12);
  });

  it('counts age from lastSeen, else validFrom, else firstSeen, else when the store saw it', () => {
    const all = { type: 'domain' as const, confidence: 100, lastSeen: daysAgo(1), validFrom: daysAgo(2), firstSeen: daysAgo(3) };
    expect(scoreFacts('misp', facts(all), NOW)).toMatchObject({ seenField: 'lastSeen', ageDays: 1 });
    expect(scoreFacts('misp', facts({ ...all, lastSeen: undefined }), NOW)).toMatchObject({ seenField: 'validFrom', ageDays: 2 });
    expect(scoreFacts('misp', facts({ ...all, lastSeen: 'soon', validFrom: undefined }), NOW)).toMatchObject({ seenField: 'firstSeen', ageDays: 3 });
    expect(scoreFacts('misp', facts({ type: 'domain' }), NOW, DEFAULT_DECAY_TABLE, daysAgo(4))).toMatchObject({ seenField: 'observedAt', ageDays: 4 });
    const undated = scoreFacts('misp', facts({ type: 'domain', confidence: 70 }), NOW);
    expect(undated).toMatchObject({ ageDays: 0, decayedScore: 0.7 });
    expect(undated.seenAt).toBeUndefined();
  });

  it('treats a time in the future as now', () => {
    expect(scoreFacts('misp', facts({ type: 'ipv4', confidence: 50, lastSeen: '2027-06-01T00:00:00Z' }), NOW)).toMatchObject({ ageDays: 0, decayedScore: 0.5 });
  });

  it('gives 0 once validUntil has passed, whatever the confidence', () => {
    const expired = scoreFacts('misp', facts({ type: 'ipv4', confidence: 100, lastSeen: daysAgo(0), validUntil: daysAgo(1) }), NOW);
    expect(expired).toMatchObject({ expired: true, decayedScore: 0, score: 1 });
    const valid = scoreFacts('misp', facts({ type: 'ipv4', confidence: 100, lastSeen: daysAgo(0), validUntil: '2027-01-01T00:00:00Z' }), NOW);
    expect(valid).toMatchObject({ expired: false, decayedScore: 1 });
  });

  it.each([
    ['feodo', 0.75],
    ['urlhaus', 0.75],
    ['threatfox', 0.5],
    ['unknown-source', 0.5],
  ])('uses %s default confidence when the record gives none', (source, score) => {
    expect(scoreFacts(source, facts({ type: 'ipv4', lastSeen: daysAgo(0) }), NOW)).toMatchObject({ score, confidenceDefaulted: true });
  });
});

describe('decayTable', () => {
  it('lays overrides over the built-in table field by field', () => {
    const table = decayTable({ threatfox: { halfLifeDays: { ipv4: 2 } }, 'acme-intel': { defaultConfidence: 90 } });
    expect(halfLifeDays(table, 'threatfox', 'ipv4')).toBe(2);
    expect(halfLifeDays(table, 'threatfox', 'url')).toBe(14);
    expect(halfLifeDays(table, 'threatfox', 'md5')).toBe(180);
    expect(table['acme-intel']).toEqual({ halfLifeDays: DEFAULT_DECAY_TABLE.default.halfLifeDays, defaultConfidence: 90 });
    expect(halfLifeDays(DEFAULT_DECAY_TABLE, 'threatfox', 'ipv4')).toBe(14);
  });

  it.each([
    [{ threatfox: { halfLifeDays: { ipv4: 0 } } }],
    [{ threatfox: { halfLifeDays: { ip: 3 } } }],
    [{ threatfox: { defaultConfidence: 101 } }],
  ])('refuses %j', (overrides) => {
    expect(() => decayTable(overrides as never)).toThrow();
  });
});

describe('scoreIndicator', () => {
  it('takes the best source that has not revoked it', () => {
    const ioc = indicator('ipv4', '198.51.100.7', { confidence: 40, lastSeen: daysAgo(0) }, 'misp', {
      threatfox: { confidence: 90, lastSeen: daysAgo(14) },
      feodo: { confidence: 100, lastSeen: daysAgo(0) },
    });
    expect(scoreIndicator(ioc, NOW)).toMatchObject({ source: 'feodo', decayedScore: 1 });
    expect(scoreIndicator({ ...ioc, sources: ['misp', 'threatfox'] }, NOW)).toMatchObject({ source: 'threatfox', decayedScore: 0.45 });
    expect(scoreIndicator({ ...ioc, sources: [] }, NOW)).toBeUndefined();
  });

  it('says how the score was reached', () => {
    const scored = scoreFacts('threatfox', facts({ type: 'ipv4', confidence: 80, lastSeen: '2026-11-17T12:00:00Z' }), NOW);
    expect(describeScore(scored)).toBe('threatfox: confidence 80, last seen 2026-11-17 (14 days ago, half-life 14 days): 0.4');
    const expired = scoreFacts('feodo', facts({ type: 'ipv4', validUntil: daysAgo(1) }), NOW);
    expect(describeScore(expired)).toBe('feodo: confidence 75 (the source default), but no longer valid: 0');
  });
});
