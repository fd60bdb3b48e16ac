import { z } from 'zod';
import { conditionalGet, FeedFetchFailed } from '../../http-fetch.ts';
import type { IntelSource, PollContext, PolledPage } from '../../source-plugin.ts';
import { mispFeedEventsToFetch, parseMispFeedManifest } from './misp-feed-manifest.ts';
import { parseMispEvent } from './misp-parser.ts';

/** Source name of events read from a MISP feed (pushed events are the `misp` source's). */
export const MISP_FEED_SOURCE = 'misp-feed';

export const MispFeedSettingsSchema = z.object({
  /** The feed's folder: `<feedUrl>/manifest.json` and `<feedUrl>/<uuid>.json` (a local path works too). */
  feedUrl: z.string().min(1),
});
export type MispFeedSettings = z.infer<typeof MispFeedSettingsSchema>;

const TIMEOUT_MS = 60_000;

/** Reads the position `{ sinceTimestamp, lastUuid }`; a position that does not read is no position. */
function positionOf(cursor: PollContext['cursor']): { sinceTimestamp?: number; lastUuid?: string } {
  const since = Number(cursor?.position?.sinceTimestamp);
  if (!Number.isSafeInteger(since) || since < 0) return {};
  const lastUuid = cursor?.position?.lastUuid;
  return { sinceTimestamp: since, ...(lastUuid ? { lastUuid } : {}) };
}

/**
 * Reads the feed's manifest, then each event changed since the cursor, oldest first, one page per
 * event: the cursor moves to an event's timestamp and uuid once it is stored, so a run that fails midway
 * resumes after the last stored event. The manifest's validators are kept only with the last event of a
 * run, so an unchanged manifest costs a 304 and a run that stopped early reads it again.
 */
async function* pollMispFeed(context: PollContext): AsyncIterable<PolledPage> {
  const base = MispFeedSettingsSchema.parse(context.settings).feedUrl.replace(/\/+$/, '');
  const { cursor } = context;
  const validators = { ...(cursor?.etag ? { etag: cursor.etag } : {}), ...(cursor?.lastModified ? { lastModified: cursor.lastModified } : {}) };
  const response = await conditionalGet(`${base}/manifest.json`, validators, { fetch: context.fetch, timeoutMs: TIMEOUT_MS });
  if (response.status === 'not-modified') return;

  const manifest = parseMispFeedManifest(response.body, { source: MISP_FEED_SOURCE });
  if (manifest.rejected.length > 0) {
    context.log('warn', 'MISP feed manifest entries skipped', { count: manifest.rejected.length, examples: manifest.rejected.slice(0, 5).map((entry) => entry.reason) });
  }
  const { sinceTimestamp, lastUuid } = positionOf(cursor);
  const due = mispFeedEventsToFetch(manifest, sinceTimestamp, lastUuid);
  context.log('info', 'MISP feed events due', { due: due.length, listed: manifest.events.length, sinceTimestamp });
  const manifestValidators = { ...(response.etag ? { etag: response.etag } : {}), ...(response.lastModified ? { lastModified: response.lastModified } : {}) };

  for (const [index, event] of due.entries()) {
    if (context.shouldStop()) return;
    let body: string;
    try {
      const answer = await conditionalGet(`${base}/${event.uuid}.json`, {}, { fetch: context.fetch, timeoutMs: TIMEOUT_MS });
      if (answer.status !== 'ok') continue;
      body = answer.body;
    } catch (error) {
      // Listed but gone (deleted between manifest and fetch): nothing to store; the next event moves the cursor on.
      if (error instanceof FeedFetchFailed && error.status === 404) {
        context.log('warn', 'MISP feed event listed in the manifest is missing', { uuid: event.uuid });
        continue;
      }
      throw error;
    }
    const last = index === due.length - 1;
    yield {
      label: `${event.uuid}.json`,
      payload: body,
      cursor: { position: { sinceTimestamp: String(event.timestamp), lastUuid: event.uuid }, ...(last ? manifestValidators : {}) },
    };
  }
}

/** A MISP feed (a folder of `<uuid>.json` events and a `manifest.json`), such as CIRCL's OSINT feed. */
export const mispFeedSource: IntelSource = {
  name: MISP_FEED_SOURCE,
  title: 'MISP feed',
  modes: ['scheduled'],
  // Events read from a file or pushed are the `misp` source's; a feed is only polled.
  detect: () => false,
  parse: parseMispEvent,
  poll: pollMispFeed,
  everyMinutes: 60,
  settingsSchema: MispFeedSettingsSchema,
};
