import { conditionalGet } from '../http-fetch.ts';
import { z } from 'zod';
import type { IntelSource, PollContext, PolledPage } from '../source-plugin.ts';

/**
 * The poll of a source published as one file (KEV catalogue, EPSS scores, abuse.ch dumps): a
 * conditional GET with the validators of the last stored download; a 304 is a page without payload.
 */
export async function* singleDownload(context: PollContext, url: string, label: string, timeoutMs = 60_000): AsyncIterable<PolledPage> {
  const { cursor } = context;
  const response = await conditionalGet(
    url,
    { ...(cursor?.etag ? { etag: cursor.etag } : {}), ...(cursor?.lastModified ? { lastModified: cursor.lastModified } : {}) },
    { fetch: context.fetch, timeoutMs },
  );
  const validators = { ...(response.etag ? { etag: response.etag } : {}), ...(response.lastModified ? { lastModified: response.lastModified } : {}) };
  yield { label, cursor: validators, ...(response.status === 'ok' ? { payload: response.body } : {}) };
}

/** What differs between sources published as one file; the rest (settings, poll, hosts) follows. */
export interface SingleDownloadSourceSpec extends Pick<IntelSource, 'name' | 'title' | 'modes' | 'detect' | 'parse'> {
  defaultUrl: string;
  /** Name of the archived copy. */
  label: string;
  everyMinutes: number;
  timeoutMs?: number;
}

/** A source published as one file at a URL (`settings.url`, defaulting to the publisher's). */
export function singleDownloadSource(spec: SingleDownloadSourceSpec): IntelSource {
  const settingsSchema = z.object({ url: z.string().min(1).default(spec.defaultUrl) });
  return {
    name: spec.name,
    title: spec.title,
    modes: spec.modes,
    detect: spec.detect,
    parse: spec.parse,
    everyMinutes: spec.everyMinutes,
    settingsSchema,
    hosts: [new URL(spec.defaultUrl).hostname],
    poll: (context) => singleDownload(context, settingsSchema.parse(context.settings).url, spec.label, spec.timeoutMs),
  };
}
