import { describe, expect, it } from 'vitest';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { mispFeedEventsToFetch, parseMispFeedManifest } from '../../../../../functions/ingest/sources/misp/misp-parser.ts';
import { fixtureUuid, mispEvent, mispFeedManifest, type Json } from './fixtures.ts';

const events = [
  mispEvent({ uuid: fixtureUuid('e', 1), info: 'oldest', timestamp: 1_700_000_000, date: '2023-11-14' }),
  mispEvent({ uuid: fixtureUuid('e', 3), info: 'newest', timestamp: 1_720_000_000 }),
  mispEvent({ uuid: fixtureUuid('e', 2), info: 'middle', timestamp: 1_710_000_000 }),
  mispEvent({ uuid: fixtureUuid('e', 4), info: 'same time as middle', timestamp: 1_710_000_000 }),
];

describe('parseMispFeedManifest', () => {
  it('lists the events oldest change first, with their timestamps as numbers', () => {
    const manifest = parseMispFeedManifest(JSON.stringify(mispFeedManifest(events)));
    expect(manifest.rejected).toEqual([]);
    expect(manifest.events).toEqual([
      { uuid: fixtureUuid('e', 1), timestamp: 1_700_000_000, info: 'oldest', date: '2023-11-14' },
      { uuid: fixtureUuid('e', 2), timestamp: 1_710_000_000, info: 'middle', date: '2024-03-12' },
      { uuid: fixtureUuid('e', 4), timestamp: 1_710_000_000, info: 'same time as middle', date: '2024-03-12' },
      { uuid: fixtureUuid('e', 3), timestamp: 1_720_000_000, info: 'newest', date: '2024-03-12' },
    ]);
  });

  it('rejects entries whose key is not a uuid or whose timestamp is missing, and keeps the rest', () => {
    const manifest = mispFeedManifest(events);
    const payload: Json = {
      ...manifest,
      '../../admin/keys': manifest[fixtureUuid('e', 1)],
      [fixtureUuid('e', 9)]: { info: 'no timestamp' },
      [fixtureUuid('e', 8)]: { info: 'bad timestamp', timestamp: 'yesterday' },
    };
    const parsed = parseMispFeedManifest(JSON.stringify(payload), { source: 'misp-circl' });
    expect(parsed.events.map((event) => event.info)).toEqual(['oldest', 'middle', 'same time as middle', 'newest']);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: '["../../admin/keys"]', record: '["../../admin/keys"]', reason: '["../../admin/keys"]: key is not an event uuid' },
      {
        position: `["${fixtureUuid('e', 9)}"]`,
        record: fixtureUuid('e', 9),
        reason: `["${fixtureUuid('e', 9)}"].timestamp: required field missing (expected string)`,
      },
      {
        position: `["${fixtureUuid('e', 8)}"]`,
        record: fixtureUuid('e', 8),
        reason: `["${fixtureUuid('e', 8)}"].timestamp: epoch seconds as a string of digits`,
      },
    ]);
  });

  it('throws InvalidFeedDocument for payloads that are not a manifest', () => {
    for (const payload of ['', '[]', 'null', '"manifest"', '{"a":']) {
      expect(() => parseMispFeedManifest(payload, { source: 'misp-circl' }), payload).toThrow(InvalidFeedDocument);
      expect(() => parseMispFeedManifest(payload, { source: 'misp-circl' }), payload).toThrow(/^misp-circl: not a MISP feed manifest: /);
    }
  });
});

describe('mispFeedEventsToFetch', () => {
  const manifest = parseMispFeedManifest(JSON.stringify(mispFeedManifest(events)));

  it('gives only the events changed strictly after the cursor, oldest first', () => {
    expect(mispFeedEventsToFetch(manifest, 1_705_000_000).map((event) => event.info)).toEqual(['middle', 'same time as middle', 'newest']);
    expect(mispFeedEventsToFetch(manifest, 1_710_000_000).map((event) => event.info)).toEqual(['newest']);
    expect(mispFeedEventsToFetch(manifest, 1_720_000_000)).toEqual([]);
  });

  it('after a run that stopped midway, also gives the events of the same second whose uuid sorts after the last stored', () => {
    expect(mispFeedEventsToFetch(manifest, 1_710_000_000, fixtureUuid('e', 2)).map((event) => event.info)).toEqual(['same time as middle', 'newest']);
    expect(mispFeedEventsToFetch(manifest, 1_710_000_000, fixtureUuid('e', 4)).map((event) => event.info)).toEqual(['newest']);
  });

  it('gives every event when there is no cursor yet', () => {
    expect(mispFeedEventsToFetch(manifest).map((event) => event.uuid)).toEqual([
      fixtureUuid('e', 1),
      fixtureUuid('e', 2),
      fixtureUuid('e', 4),
      fixtureUuid('e', 3),
    ]);
  });
});
