import { indicatorBundle, type StixJson, uuidFor } from '../stix/fixtures.ts';
import type { ServedCollection, ServedObject, TaxiiServerData } from './taxii-server.ts';

/**
 * TAXII server contents built from the synthetic STIX fixtures: a collection whose objects the
 * server added one a minute apart, so `added_after` and paging have real dates to work on.
 */

export const COLLECTION_ID = uuidFor('taxii collection: indicators');
export const CLOSED_COLLECTION_ID = uuidFor('taxii collection: closed');
export const FIRST_ADDED = '2025-08-20T00:00:00.000000Z';

/** `objects` as the server holds them, the i-th added `i` minutes after `start`. */
export function servedObjects(objects: readonly StixJson[], start = FIRST_ADDED): ServedObject[] {
  const from = Date.parse(start);
  // TAXII servers give date_added to the microsecond.
  return objects.map((object, i) => ({ object, dateAdded: new Date(from + i * 60_000).toISOString().replace('Z', '000Z') }));
}

/** The objects of an indicatorBundle of `count` indicators, context first. */
export const indicatorObjects = (count: number): StixJson[] => indicatorBundle({ count }).objects as StixJson[];

export function indicatorCollection(count: number): ServedCollection {
  return {
    id: COLLECTION_ID,
    title: 'Synthetic indicators',
    description: 'Indicators with their malware, campaign and targets',
    can_read: true,
    can_write: false,
    media_types: ['application/stix+json;version=2.1'],
    objects: servedObjects(indicatorObjects(count)),
  };
}

/** One API root `intel` (the default) with a readable indicator collection and an unreadable one. */
export function taxiiServerData(options: { count: number }): TaxiiServerData {
  return {
    discovery: { title: 'Synthetic TAXII Server', description: 'Test data', contact: 'soc@example.com' },
    defaultRoot: 'intel',
    apiRoots: [
      {
        name: 'intel',
        information: { title: 'Intel', versions: ['application/taxii+json;version=2.1'], max_content_length: 10_485_760 },
        collections: [
          indicatorCollection(options.count),
          { id: CLOSED_COLLECTION_ID, title: 'Closed', can_read: false, can_write: false, objects: [] },
        ],
      },
      { name: 'archive', information: { title: 'Archive', versions: ['application/taxii+json;version=2.1'], max_content_length: 1024 }, collections: [] },
    ],
  };
}
