import { z } from 'zod';
import { describeIssues, formatPath } from '../../describe-issues.ts';
import { payloadExcerpt, type ParseContext, type RejectedRecord } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';
import { EpochSecondsSchema } from './misp-event-schema.ts';
import { MISP_SOURCE } from './misp-source.ts';

/**
 * A MISP feed's `manifest.json`: one entry per event, keyed by the event's uuid, with the event's
 * `timestamp` (epoch seconds of its last change). A poller reads it first and fetches `<uuid>.json`
 * only for the events changed since its cursor.
 */

/** One event the feed offers. */
export interface MispFeedEvent {
  uuid: string;
  /** Epoch seconds of the event's last change. */
  timestamp: number;
  info?: string;
  date?: string;
}

export interface MispFeedManifest {
  /** Oldest change first. */
  events: MispFeedEvent[];
  rejected: RejectedRecord[];
}

// The key becomes part of the URL the poller fetches (`<feed>/<uuid>.json`): only a uuid may get there.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ManifestEntrySchema = z.looseObject({
  timestamp: EpochSecondsSchema,
  info: z.string().optional(),
  date: z.string().optional(),
});

const byTimestampThenUuid = (a: MispFeedEvent, b: MispFeedEvent) =>
  a.timestamp - b.timestamp || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0);

/**
 * Reads a feed manifest. An entry whose key is not a uuid or whose timestamp is missing is rejected
 * (a poller could neither fetch nor order it); the rest are returned oldest change first. Throws
 * InvalidFeedDocument when the payload is not a JSON object.
 */
export function parseMispFeedManifest(payload: string, context: Pick<ParseContext, 'source'> = { source: MISP_SOURCE }): MispFeedManifest {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (error) {
    throw new InvalidFeedDocument(`${context.source}: not a MISP feed manifest: not JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidFeedDocument(`${context.source}: not a MISP feed manifest: expected an object keyed by event uuid`);
  }
  const events: MispFeedEvent[] = [];
  const rejected: RejectedRecord[] = [];
  for (const [uuid, raw] of Object.entries(json)) {
    const position = formatPath([uuid]);
    if (!UUID.test(uuid)) {
      rejected.push({ position, record: position, reason: `${position}: key is not an event uuid`, payload: payloadExcerpt(raw) });
      continue;
    }
    const entry = ManifestEntrySchema.safeParse(raw);
    if (!entry.success) {
      rejected.push({ position, record: uuid, reason: describeIssues(entry.error.issues, position).join('; '), payload: payloadExcerpt(raw) });
      continue;
    }
    const event: MispFeedEvent = { uuid, timestamp: entry.data.timestamp };
    if (entry.data.info !== undefined) event.info = entry.data.info;
    if (entry.data.date !== undefined) event.date = entry.data.date;
    events.push(event);
  }
  return { events: events.sort(byTimestampThenUuid), rejected };
}

/**
 * The events changed after `sinceTimestamp` (epoch seconds; everything when undefined), oldest first.
 * Strictly newer: the cursor is the newest timestamp of a run that fetched all its events, so events
 * stamped exactly then are already in. With `afterUuid` (the last event stored, when a run stopped
 * midway), events stamped exactly `sinceTimestamp` whose uuid sorts after it are still due: several
 * events often share one timestamp, and only some of them may have been stored.
 */
export function mispFeedEventsToFetch(manifest: MispFeedManifest, sinceTimestamp?: number, afterUuid?: string): MispFeedEvent[] {
  if (sinceTimestamp === undefined) return [...manifest.events];
  return manifest.events.filter(
    (event) => event.timestamp > sinceTimestamp || (afterUuid !== undefined && event.timestamp === sinceTimestamp && event.uuid > afterUuid),
  );
}
