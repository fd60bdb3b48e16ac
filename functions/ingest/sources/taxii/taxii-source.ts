import { z } from 'zod';
import { ConfigurationError } from '../../../config/env.ts';
import type { IntelSource, PollContext, PolledPage } from '../../source-plugin.ts';
import { parseStixBundle } from '../stix/stix-parser.ts';
import { createTaxiiClient, type PollCursor, TAXII_SOURCE, type TaxiiCredentials, VendorRequestFailed } from './taxii-client.ts';

export const DEFAULT_MAX_PAGES_PER_RUN = 20;

export const TaxiiSettingsSchema = z.object({
  /** The API root, e.g. `https://taxii.example.com/api1/` (discovery lists them). */
  apiRoot: z.url({ protocol: /^https?$/ }),
  collectionId: z.string().min(1),
  /** Objects per page asked of the server; it may answer fewer. */
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  /** Pages joined into one payload per run; the next run continues where this one stopped. */
  maxPagesPerRun: z.coerce.number().int().min(1).max(1000).default(DEFAULT_MAX_PAGES_PER_RUN),
});
export type TaxiiSettings = z.infer<typeof TaxiiSettingsSchema>;

export const TAXII_SECRETS = ['TAXII_USERNAME', 'TAXII_PASSWORD', 'TAXII_TOKEN'] as const;

/**
 * Where a poll stands, kept as the cursor's `position`:
 * - `addedAfter`: the newest `X-TAXII-Date-Added-Last` stored; the next run asks for what came after;
 * - `next`: set while the collection has more pages than one run takes;
 * - `nextAddedAfter`: the `added_after` of the query `next` belongs to, since TAXII 2.1 continues a
 *   `next` only with the original query options (absent when that query had none).
 */
export interface TaxiiPosition {
  addedAfter?: string;
  next?: string;
  nextAddedAfter?: string;
}

/** A bearer token when one is set, else HTTP Basic, else none; half a Basic pair is a mistake. */
export async function taxiiCredentials(context: Pick<PollContext, 'secret'>): Promise<TaxiiCredentials | undefined> {
  const [username, password, token] = await Promise.all(TAXII_SECRETS.map((name) => context.secret(name)));
  if (token) return { token };
  if (username && password) return { username, password };
  if (username || password) throw new ConfigurationError('taxii: set both TAXII_USERNAME and TAXII_PASSWORD, or TAXII_TOKEN');
  return undefined;
}

function positionOf(cursor: PollContext['cursor']): TaxiiPosition {
  const stored = cursor?.position ?? {};
  const position: TaxiiPosition = {};
  if (stored.addedAfter) position.addedAfter = stored.addedAfter;
  if (stored.next) position.next = stored.next;
  if (stored.nextAddedAfter) position.nextAddedAfter = stored.nextAddedAfter;
  return position;
}

/** The query a run starts with: the pending `next` with its own query, or everything after `addedAfter`. */
function startOf(position: TaxiiPosition): PollCursor {
  if (position.next) return { next: position.next, ...(position.nextAddedAfter ? { addedAfter: position.nextAddedAfter } : {}) };
  return position.addedAfter ? { addedAfter: position.addedAfter } : {};
}

interface Gathered {
  objects: unknown[];
  pages: number;
  position: TaxiiPosition;
  /** A page request that failed after others succeeded: stored pages first, then this is thrown. */
  failure?: unknown;
}

/**
 * Reads up to `maxPagesPerRun` pages from `from`. A failure on the first page is thrown; a later one is
 * kept in `failure`, so the pages already read are stored before the run fails.
 */
async function gather(context: PollContext, settings: TaxiiSettings, credentials: TaxiiCredentials | undefined, known: TaxiiPosition, from: PollCursor): Promise<Gathered> {
  const client = createTaxiiClient({ fetch: context.fetch, source: TAXII_SOURCE, now: context.now, ...(credentials ? { credentials } : {}) });
  const gathered: Gathered = { objects: [], pages: 0, position: { ...known } };
  let lastAdded = known.addedAfter;
  const query = { ...from, ...(settings.limit === undefined ? {} : { limit: settings.limit }) };
  try {
    for await (const page of client.pollCollection(settings.apiRoot, settings.collectionId, query)) {
      gathered.pages += 1;
      gathered.objects.push(...(page.envelope.objects ?? []));
      // An empty page carries no date headers: the newest date seen so far still stands.
      if (page.dateAddedLast !== undefined) lastAdded = page.dateAddedLast;
      const next = page.done ? undefined : page.resumeFrom.next;
      gathered.position = {
        ...(lastAdded === undefined ? {} : { addedAfter: lastAdded }),
        ...(next === undefined ? {} : { next, ...(page.resumeFrom.addedAfter === undefined ? {} : { nextAddedAfter: page.resumeFrom.addedAfter }) }),
      };
      if (page.done || gathered.pages >= settings.maxPagesPerRun || context.shouldStop()) break;
    }
  } catch (error) {
    if (gathered.pages === 0) throw error;
    gathered.failure = error;
  }
  return gathered;
}

/**
 * Polls a TAXII 2.1 collection from the cursor. Relationships often come on another page than the
 * objects they link, so the objects of up to `maxPagesPerRun` pages are joined into one envelope and
 * stored as one payload. A server that no longer knows a `next` token (they expire between runs) is
 * asked again from `addedAfter`; objects already stored then come back unchanged and cost no writes.
 */
async function* pollTaxii(context: PollContext): AsyncIterable<PolledPage> {
  const settings = TaxiiSettingsSchema.parse(context.settings);
  const credentials = await taxiiCredentials(context);
  const known = positionOf(context.cursor);
  let gathered: Gathered;
  try {
    gathered = await gather(context, settings, credentials, known, startOf(known));
  } catch (error) {
    if (!(known.next && error instanceof VendorRequestFailed)) throw error;
    context.log('warn', 'the TAXII server refused the stored next token; asking again from addedAfter', { error: error.message });
    const restart: TaxiiPosition = known.addedAfter ? { addedAfter: known.addedAfter } : {};
    gathered = await gather(context, settings, credentials, restart, startOf(restart));
  }
  const { objects, pages, position, failure } = gathered;
  context.log('info', 'TAXII pages read', { collection: settings.collectionId, pages, objects: objects.length, more: position.next !== undefined });
  if (objects.length === 0) {
    // Nothing new: only a moved position is worth a cursor write.
    yield { label: `${settings.collectionId}.json`, cursor: { position: { ...position } } };
  } else {
    yield { label: `${settings.collectionId}.json`, payload: JSON.stringify({ objects }), cursor: { position: { ...position } } };
  }
  if (failure !== undefined) throw failure;
}

/**
 * A TAXII 2.1 collection, polled with `added_after` and `next`. The host called is the configured
 * `apiRoot`'s, so `hosts` is left to the deployment's settings. Pushed envelopes are the `stix`
 * source's: TAXII is only how these objects travel, so this source claims no payload.
 */
export const taxiiSource: IntelSource = {
  name: TAXII_SOURCE,
  title: 'TAXII 2.1 collection',
  modes: ['scheduled'],
  detect: () => false,
  parse: parseStixBundle,
  poll: pollTaxii,
  everyMinutes: 60,
  settingsSchema: TaxiiSettingsSchema,
  secrets: TAXII_SECRETS,
};
