import { conditionalGet } from '../http-fetch.ts';
import type { PollContext, PolledPage } from '../source-plugin.ts';

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
