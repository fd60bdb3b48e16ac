import { InvalidFeedDocument } from '../../invalid-feed-document.ts';

/** A JSON payload, or InvalidFeedDocument naming the source when it is not JSON at all. */
export function parseFeedJson(payload: string, source: string): unknown {
  try {
    return JSON.parse(payload);
  } catch (error) {
    throw new InvalidFeedDocument(`${source}: not JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
