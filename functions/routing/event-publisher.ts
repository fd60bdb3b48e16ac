import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { PutEventsCommandOutput, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from '../model/events.ts';

/** What producers hand over: the detail-type and the detail object. Source and bus are the publisher's. */
export interface PublishEntry {
  detailType: string;
  detail: unknown;
}

/** Publishes events, resolving once every entry is accepted by the bus; throws EventPublishFailed otherwise. */
export type PublishEvents = (entries: Array<{ detailType: string; detail: unknown }>) => Promise<void>;

/** PutEvents takes at most 10 entries per request (EventBridge API Reference, PutEvents). */
export const MAX_ENTRIES_PER_PUT = 10;
/** An entry, and a whole request, must be smaller than 256 KB ("Calculating PutEvents event entry size"). */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;
/** The entry error codes the API reference lists as retryable (PutEventsResultEntry.ErrorCode). */
export const RETRYABLE_ENTRY_ERRORS: ReadonlySet<string> = new Set(['InternalFailure', 'ThrottlingException']);

/** The narrow slice of EventBridgeClient the publisher uses, so tests can pass a small stand-in. */
export interface PutEventsSender {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

/** An entry the bus would refuse before sending: empty detail-type, detail not a JSON object. */
export class MalformedEventEntry extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedEventEntry';
  }
}

/** An entry at or over the PutEvents size limit; large lists should travel by reference (ids) instead. */
export class EventTooLarge extends Error {
  readonly detailType: string;
  readonly sizeBytes: number;
  constructor(index: number, detailType: string, sizeBytes: number) {
    super(
      `event #${index} "${detailType}" is ${sizeBytes} bytes; PutEvents entries must be under ${MAX_PUT_EVENTS_BYTES} bytes ` +
        '(send ids and read the rest from the store)',
    );
    this.name = 'EventTooLarge';
    this.detailType = detailType;
    this.sizeBytes = sizeBytes;
  }
}

/** One entry the bus did not accept, with the reason it gave. */
export interface FailedEntry {
  /** Position in the array passed to the publisher. */
  index: number;
  detailType: string;
  errorCode: string;
  errorMessage: string;
}

/** Some entries were not published after retries; `failures` names each one and why. */
export class EventPublishFailed extends Error {
  readonly busName: string;
  readonly failures: readonly FailedEntry[];
  readonly publishedCount: number;
  constructor(busName: string, failures: readonly FailedEntry[], publishedCount: number, options?: { cause?: unknown }) {
    const listed = failures
      .slice(0, 10)
      .map((f) => `#${f.index} "${f.detailType}" ${f.errorCode}${f.errorMessage ? ` (${f.errorMessage})` : ''}`)
      .join('; ');
    const more = failures.length > 10 ? `; and ${failures.length - 10} more` : '';
    super(`PutEvents to bus "${busName}" failed for ${failures.length} of ${failures.length + publishedCount} entries: ${listed}${more}`, options);
    this.name = 'EventPublishFailed';
    this.busName = busName;
    this.failures = failures;
    this.publishedCount = publishedCount;
  }
}

/** An entry on its way, remembering where it came from so failures can name it. */
export interface PendingEntry {
  index: number;
  entry: PutEventsRequestEntry;
  size: number;
}

export interface PublisherOptions {
  /** Event source; `forestall` unless a test says otherwise. */
  source?: string;
  /** Attempts per entry, including the first (default 4). */
  maxAttempts?: number;
  /** First retry waits up to this long; each later one doubles it, capped at maxDelayMs (defaults 100 / 2000). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8');

/** Entry size exactly as the user guide computes it: Time 14 bytes, then UTF-8 bytes of the strings. */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  size += utf8Length(entry.Source ?? '') + utf8Length(entry.DetailType ?? '');
  if (entry.Detail !== undefined) size += utf8Length(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8Length(resource);
  return size;
}

/**
 * Turns one producer entry (at `index` in its batch) into a PutEvents entry for `busName`, refusing an empty
 * detail-type, a detail that is not a JSON object, or an entry of 256 KB or more.
 */
export function preparePutEventsEntry(entry: PublishEntry, index: number, busName: string, source: string = EVENT_SOURCE): PendingEntry {
  const { detailType, detail } = entry;
  if (typeof detailType !== 'string' || detailType.trim() === '') {
    throw new MalformedEventEntry(`event #${index}: detailType must be a non-empty string`);
  }
  // EventBridge requires Detail to be a JSON object; anything else is MalformedDetail at the bus.
  const json = typeof detail === 'object' && detail !== null && !Array.isArray(detail) ? JSON.stringify(detail) : undefined;
  if (json === undefined) {
    throw new MalformedEventEntry(`event #${index} "${detailType}": detail must be a JSON object, got ${Array.isArray(detail) ? 'an array' : detail === null ? 'null' : typeof detail}`);
  }
  const request: PutEventsRequestEntry = { EventBusName: busName, Source: source, DetailType: detailType, Detail: json };
  const size = putEventsEntrySize(request);
  if (size >= MAX_PUT_EVENTS_BYTES) throw new EventTooLarge(index, detailType, size);
  return { index, entry: request, size };
}

/** Prepares a whole batch (see preparePutEventsEntry); nothing is sent if any entry is refused. */
export function toPutEventsEntries(entries: readonly PublishEntry[], busName: string, source: string = EVENT_SOURCE): PendingEntry[] {
  return entries.map((entry, index) => preparePutEventsEntry(entry, index, busName, source));
}

/**
 * Splits entries, in order, into PutEvents requests of at most `maxEntries` entries whose sizes add up to
 * less than `maxBytes`. Every entry must itself be under `maxBytes` (toPutEventsEntries checks that).
 */
export function planPutEventsBatches<T extends { size: number }>(
  entries: readonly T[],
  maxEntries: number = MAX_ENTRIES_PER_PUT,
  maxBytes: number = MAX_PUT_EVENTS_BYTES,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of entries) {
    if (current.length > 0 && (current.length === maxEntries || bytes + item.size >= maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Reads a PutEvents response: result entries line up with the request's entries; one with an ErrorCode
 * failed. Retryable codes go back for another attempt, the others fail for good.
 */
export function sortPutEventsResult(
  sent: readonly PendingEntry[],
  output: Pick<PutEventsCommandOutput, 'FailedEntryCount' | 'Entries'>,
): { accepted: PendingEntry[]; retry: Array<PendingEntry & { failure: FailedEntry }>; failed: FailedEntry[] } {
  const accepted: PendingEntry[] = [];
  const retry: Array<PendingEntry & { failure: FailedEntry }> = [];
  const failed: FailedEntry[] = [];
  const anyFailed = (output.FailedEntryCount ?? 0) > 0;
  sent.forEach((pending, position) => {
    const result = output.Entries?.[position];
    const code = result?.ErrorCode ?? (anyFailed && !result?.EventId ? 'UnknownFailure' : undefined);
    if (code === undefined) {
      accepted.push(pending);
      return;
    }
    const failure: FailedEntry = {
      index: pending.index,
      detailType: pending.entry.DetailType ?? '',
      errorCode: code,
      errorMessage: result?.ErrorMessage ?? '',
    };
    if (RETRYABLE_ENTRY_ERRORS.has(code) || code === 'UnknownFailure') retry.push({ ...pending, failure });
    else failed.push(failure);
  });
  return { accepted, retry, failed };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A PublishEvents that puts entries on `busName` with source `forestall`: in requests of at most 10
 * entries under 256 KB, retrying entries that fail with a retryable code (InternalFailure,
 * ThrottlingException) with jittered exponential backoff. Throws EventPublishFailed naming every entry
 * still not accepted; MalformedEventEntry / EventTooLarge before sending anything.
 */
export function createEventBridgePublisher(client: PutEventsSender, busName: string, opts: PublisherOptions = {}): PublishEvents {
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
  const baseDelayMs = opts.baseDelayMs ?? 100;
  const maxDelayMs = opts.maxDelayMs ?? 2000;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;

  return async (entries) => {
    let pending = toPutEventsEntries(entries, busName, opts.source ?? EVENT_SOURCE);
    const failures: FailedEntry[] = [];
    let published = 0;

    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry: Array<PendingEntry & { failure: FailedEntry }> = [];
      const batches = planPutEventsBatches(pending);
      for (const [position, batch] of batches.entries()) {
        let output: PutEventsCommandOutput;
        try {
          output = await client.send(new PutEventsCommand({ Entries: batch.map((p) => p.entry) }));
        } catch (error) {
          // The SDK has already retried the request itself; report this batch and the ones not sent.
          const code = error instanceof Error ? error.name : 'RequestFailed';
          const message = error instanceof Error ? error.message : String(error);
          const notSent = batches.slice(position + 1).flat();
          const requestFailures = [
            ...batch.map((p) => ({ index: p.index, detailType: p.entry.DetailType ?? '', errorCode: code, errorMessage: message })),
            ...retry.map((r) => r.failure),
            ...notSent.map((p) => ({ index: p.index, detailType: p.entry.DetailType ?? '', errorCode: 'NotSent', errorMessage: 'not sent after an earlier PutEvents request failed' })),
          ];
          throw new EventPublishFailed(busName, sortByIndex([...failures, ...requestFailures]), published, { cause: error });
        }
        const sorted = sortPutEventsResult(batch, output);
        published += sorted.accepted.length;
        failures.push(...sorted.failed);
        retry.push(...sorted.retry);
      }
      if (retry.length === 0) break;
      if (attempt >= maxAttempts) {
        failures.push(...retry.map((r) => r.failure));
        break;
      }
      await sleep(Math.round(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))));
      pending = retry.map(({ index, entry, size }) => ({ index, entry, size }));
    }

    if (failures.length > 0) throw new EventPublishFailed(busName, sortByIndex(failures), published);
  };
}

function sortByIndex(failures: FailedEntry[]): FailedEntry[] {
  return failures.sort((a, b) => a.index - b.index);
}
