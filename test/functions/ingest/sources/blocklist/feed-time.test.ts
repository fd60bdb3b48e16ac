import { describe, expect, it } from 'vitest';
import { FeedTimeSchema, OptionalFeedTimeSchema, utcTimestamp } from '../../../../../functions/ingest/sources/blocklist/feed-time.ts';

describe('utcTimestamp', () => {
  it.each([
    ['2025-07-19 12:11:28', '2025-07-19T12:11:28.000Z'],
    ['2025-07-19 12:11:28 UTC', '2025-07-19T12:11:28.000Z'],
    ['2025-07-19T12:11:28Z', '2025-07-19T12:11:28.000Z'],
    ['2025-07-19T12:11:28.5Z', '2025-07-19T12:11:28.500Z'],
    ['2025-07-19', '2025-07-19T00:00:00.000Z'],
    ['2024-02-29 23:59:59', '2024-02-29T23:59:59.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(utcTimestamp(text)).toBe(iso);
  });

  it.each(['2025-02-29 00:00:00', '2025-02-30', '2025-13-01', '2025-07-19 24:00:00', '2025-07-19 12:60:00', '19/07/2025', '2025-07-19 12:11:28 CEST', ''])('refuses %s', (text) => {
    expect(utcTimestamp(text)).toBeUndefined();
  });

  it('names the expected form when a time is wrong, and takes null or empty as no time', () => {
    expect(FeedTimeSchema.safeParse('yesterday').error?.issues[0]?.message).toBe('"yesterday" is not a time like 2025-07-19 12:11:28 (UTC)');
    expect(OptionalFeedTimeSchema.parse(null)).toBeUndefined();
    expect(OptionalFeedTimeSchema.parse('')).toBeUndefined();
    expect(OptionalFeedTimeSchema.parse('2025-07-19')).toBe('2025-07-19T00:00:00.000Z');
    expect(OptionalFeedTimeSchema.safeParse('2025-07-32').success).toBe(false);
  });
});
