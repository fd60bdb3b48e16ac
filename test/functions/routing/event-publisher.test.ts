import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { PutEventsCommandOutput, PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetailType } from '../../../functions/model/events.ts';
import {
  createEventBridgePublisher,
  EventPublishFailed,
  EventTooLarge,
  MAX_PUT_EVENTS_BYTES,
  MalformedEventEntry,
  planPutEventsBatches,
  putEventsEntrySize,
  sortPutEventsResult,
  toPutEventsEntries,
  type PutEventsSender,
} from '../../../functions/routing/event-publisher.ts';

type Responder = (entries: PutEventsRequestEntry[], call: number) => PutEventsCommandOutput | Promise<PutEventsCommandOutput>;

/** A stand-in for EventBridgeClient.send that records each PutEvents request and answers as scripted. */
function scriptedBus(respond: Responder = (entries) => ok(entries)) {
  const requests: PutEventsRequestEntry[][] = [];
  const sender: PutEventsSender = {
    send: async (command) => {
      expect(command).toBeInstanceOf(PutEventsCommand);
      const entries = command.input.Entries ?? [];
      requests.push(entries);
      return respond(entries, requests.length);
    },
  };
  return { sender, requests };
}

const metadata = { $metadata: {} };
const ok = (entries: PutEventsRequestEntry[]): PutEventsCommandOutput => ({
  ...metadata,
  FailedEntryCount: 0,
  Entries: entries.map((_, i) => ({ EventId: `event-${i}` })),
});
/** Fails the entries whose detail `n` is listed, with the given code. */
const failing =
  (codes: Record<number, string>): Responder =>
  (entries) => {
    const results: PutEventsResultEntry[] = entries.map((entry, i) => {
      const n = (JSON.parse(entry.Detail ?? '{}') as { n: number }).n;
      const code = codes[n];
      return code ? { ErrorCode: code, ErrorMessage: `${code} for ${n}` } : { EventId: `event-${i}` };
    });
    return { ...metadata, FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  };

const numbered = (count: number) => Array.from({ length: count }, (_, n) => ({ detailType: DetailType.ExposureDetected, detail: { n } }));
const sentNumbers = (entries: PutEventsRequestEntry[]) => entries.map((e) => (JSON.parse(e.Detail ?? '{}') as { n: number }).n);
const noSleep = { sleep: async () => {} };

async function publishFailure(promise: Promise<void>): Promise<EventPublishFailed> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EventPublishFailed);
  return error as EventPublishFailed;
}

describe('toPutEventsEntries', () => {
  it('builds entries with source forestall, the bus name, the detail-type and the JSON detail', () => {
    const [pending] = toPutEventsEntries([{ detailType: DetailType.IntelChanged, detail: { id: 'CVE-2023-4966' } }], 'forestall-bus');
    expect(pending?.entry).toEqual({ EventBusName: 'forestall-bus', Source: 'forestall', DetailType: 'Intel Changed', Detail: '{"id":"CVE-2023-4966"}' });
    expect(pending?.size).toBe('forestall'.length + 'Intel Changed'.length + '{"id":"CVE-2023-4966"}'.length);
  });

  it('refuses a detail that is not a JSON object and an empty detail-type, naming the entry', () => {
    for (const detail of [['a'], null, 'text', 42, undefined]) {
      expect(() => toPutEventsEntries([{ detailType: 'X', detail: {} }, { detailType: 'Y', detail }], 'bus')).toThrow(MalformedEventEntry);
    }
    expect(() => toPutEventsEntries([{ detailType: 'Y', detail: ['a'] }], 'bus')).toThrow(/event #0 "Y": detail must be a JSON object, got an array/);
    expect(() => toPutEventsEntries([{ detailType: ' ', detail: {} }], 'bus')).toThrow(/detailType must be a non-empty string/);
  });

  it('refuses an entry of 256 KB or more, counted in UTF-8 bytes as the user guide does', () => {
    // source (9) + detail-type (17) + {"pad":"…"} (10 + n)
    const entry = (n: number) => ({ detailType: DetailType.ExposureDetected, detail: { pad: 'x'.repeat(n) } });
    expect(toPutEventsEntries([entry(MAX_PUT_EVENTS_BYTES - 37)], 'bus')[0]?.size).toBe(MAX_PUT_EVENTS_BYTES - 1);
    expect(() => toPutEventsEntries([entry(MAX_PUT_EVENTS_BYTES - 36)], 'bus')).toThrow(EventTooLarge);
    const accented = { detailType: DetailType.ExposureDetected, detail: { pad: 'é'.repeat(MAX_PUT_EVENTS_BYTES / 2) } };
    expect(() => toPutEventsEntries([accented], 'bus')).toThrow(/is 262180 bytes; PutEvents entries must be under 262144 bytes/);
  });

  it('computes entry size with Time as 14 bytes and each resource in UTF-8 bytes', () => {
    expect(putEventsEntrySize({ Time: new Date(), Source: 'a', DetailType: 'bc', Detail: '{}', Resources: ['arn:é', 'x'] })).toBe(14 + 1 + 2 + 2 + 6 + 1);
  });
});

describe('planPutEventsBatches', () => {
  it('puts at most 10 entries in a request, keeping their order', () => {
    const batches = planPutEventsBatches(Array.from({ length: 25 }, (_, i) => ({ i, size: 10 })));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat().map((b) => b.i)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('keeps the total size of a request under 256 KB', () => {
    const batches = planPutEventsBatches(Array.from({ length: 5 }, (_, i) => ({ i, size: 100 * 1024 })));
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it('always yields requests within both limits and loses no entry', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: MAX_PUT_EVENTS_BYTES - 1 }), { maxLength: 60 }), (sizes) => {
        const items = sizes.map((size, i) => ({ i, size }));
        const batches = planPutEventsBatches(items);
        for (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(10);
          expect(batch.reduce((sum, b) => sum + b.size, 0)).toBeLessThan(MAX_PUT_EVENTS_BYTES);
        }
        expect(batches.flat()).toEqual(items);
      }),
    );
  });
});

describe('sortPutEventsResult', () => {
  it('lines results up with the request and splits retryable from permanent failures', () => {
    const sent = toPutEventsEntries(numbered(4), 'bus');
    const result = sortPutEventsResult(sent, {
      FailedEntryCount: 3,
      Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { ErrorCode: 'MalformedDetail' }, { ErrorCode: 'InternalFailure' }],
    });
    expect(result.accepted.map((p) => p.index)).toEqual([0]);
    expect(result.retry.map((p) => [p.index, p.failure.errorCode])).toEqual([
      [1, 'ThrottlingException'],
      [3, 'InternalFailure'],
    ]);
    expect(result.failed).toEqual([{ index: 2, detailType: 'Exposure Detected', errorCode: 'MalformedDetail', errorMessage: '' }]);
  });

  it('treats a result without an event id as failed when the response counts failures', () => {
    const sent = toPutEventsEntries(numbered(2), 'bus');
    const result = sortPutEventsResult(sent, { FailedEntryCount: 1, Entries: [{ EventId: 'a' }] });
    expect(result.retry.map((p) => p.failure.errorCode)).toEqual(['UnknownFailure']);
  });
});

describe('createEventBridgePublisher', () => {
  it('sends 23 events as requests of 10, 10 and 3 on the named bus with source forestall', async () => {
    const bus = scriptedBus();
    await createEventBridgePublisher(bus.sender, 'forestall-bus', noSleep)(numbered(23));
    expect(bus.requests.map((r) => r.length)).toEqual([10, 10, 3]);
    expect(bus.requests.flat().every((e) => e.Source === 'forestall' && e.EventBusName === 'forestall-bus' && e.DetailType === 'Exposure Detected')).toBe(true);
    expect(bus.requests.flatMap(sentNumbers)).toEqual(Array.from({ length: 23 }, (_, n) => n));
  });

  it('sends nothing for no events', async () => {
    const bus = scriptedBus();
    await createEventBridgePublisher(bus.sender, 'bus', noSleep)([]);
    expect(bus.requests).toEqual([]);
  });

  it('retries only the entries that failed with a retryable code, after a backoff', async () => {
    const sleeps: number[] = [];
    const bus = scriptedBus((entries, call) => (call === 1 ? failing({ 2: 'ThrottlingException', 5: 'InternalFailure' })(entries, call) : ok(entries)));
    const publish = createEventBridgePublisher(bus.sender, 'bus', { sleep: async (ms) => void sleeps.push(ms), random: () => 1 });
    await publish(numbered(8));
    expect(bus.requests.map(sentNumbers)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [2, 5]]);
    expect(sleeps).toEqual([100]);
  });

  it('does not retry permanent failures and names them once the rest are published', async () => {
    const bus = scriptedBus(failing({ 3: 'MalformedDetail', 11: 'NotAuthorizedForDetailTypeException' }));
    const error = await publishFailure(createEventBridgePublisher(bus.sender, 'forestall-bus', noSleep)(numbered(12)));
    expect(bus.requests.map((r) => r.length)).toEqual([10, 2]);
    expect(error.name).toBe('EventPublishFailed');
    expect(error.publishedCount).toBe(10);
    expect(error.failures.map((f) => [f.index, f.errorCode])).toEqual([
      [3, 'MalformedDetail'],
      [11, 'NotAuthorizedForDetailTypeException'],
    ]);
    expect(error.message).toContain('PutEvents to bus "forestall-bus" failed for 2 of 12 entries');
    expect(error.message).toContain('#3 "Exposure Detected" MalformedDetail (MalformedDetail for 3)');
  });

  it('gives up on entries still failing after maxAttempts, backing off exponentially', async () => {
    const sleeps: number[] = [];
    const bus = scriptedBus(failing({ 1: 'ThrottlingException' }));
    const publish = createEventBridgePublisher(bus.sender, 'bus', { maxAttempts: 3, sleep: async (ms) => void sleeps.push(ms), random: () => 1 });
    const error = await publishFailure(publish(numbered(2)));
    expect(bus.requests.map(sentNumbers)).toEqual([[0, 1], [1], [1]]);
    expect(sleeps).toEqual([100, 200]);
    expect(error.failures).toEqual([{ index: 1, detailType: 'Exposure Detected', errorCode: 'ThrottlingException', errorMessage: 'ThrottlingException for 1' }]);
    expect(error.publishedCount).toBe(1);
  });

  it('reports a request the SDK could not send, and the entries left unsent, with the cause', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: events:PutEvents'), { name: 'AccessDeniedException' });
    const bus = scriptedBus((entries, call) => {
      if (call === 2) throw denied;
      return ok(entries);
    });
    const error = await publishFailure(createEventBridgePublisher(bus.sender, 'bus', noSleep)(numbered(25)));
    expect(bus.requests).toHaveLength(2);
    expect(error.cause).toBe(denied);
    expect(error.publishedCount).toBe(10);
    expect(error.failures.filter((f) => f.errorCode === 'AccessDeniedException').map((f) => f.index)).toEqual(Array.from({ length: 10 }, (_, i) => i + 10));
    expect(error.failures.filter((f) => f.errorCode === 'NotSent').map((f) => f.index)).toEqual([20, 21, 22, 23, 24]);
  });

  it('refuses an oversized event before sending anything', async () => {
    const bus = scriptedBus();
    const entries = [...numbered(3), { detailType: 'Exposure Detected', detail: { pad: 'x'.repeat(MAX_PUT_EVENTS_BYTES) } }];
    await expect(createEventBridgePublisher(bus.sender, 'bus', noSleep)(entries)).rejects.toThrow(EventTooLarge);
    expect(bus.requests).toEqual([]);
  });

  it('speaks the PutEvents wire protocol through the real SDK client', async () => {
    // A loopback endpoint answering awsJson1_1 PutEvents, failing one entry once with a retryable code.
    const received: Array<{ target: string | undefined; body: { Entries: PutEventsRequestEntry[] } }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: PutEventsRequestEntry[] };
        received.push({ target: req.headers['x-amz-target'] as string | undefined, body });
        const firstCall = received.length === 1;
        const Entries = body.Entries.map((e, i) =>
          firstCall && e.Detail?.includes('"n":1') ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' } : { EventId: `id-${received.length}-${i}` },
        );
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ FailedEntryCount: Entries.filter((e) => 'ErrorCode' in e).length, Entries }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new EventBridgeClient({
        region: 'eu-west-1',
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      });
      await createEventBridgePublisher(client, 'forestall-bus', noSleep)(numbered(3));
      expect(received.map((r) => r.target)).toEqual(['AWSEvents.PutEvents', 'AWSEvents.PutEvents']);
      expect(received[0]?.body.Entries.map((e) => [e.Source, e.DetailType, e.EventBusName])).toEqual([
        ['forestall', 'Exposure Detected', 'forestall-bus'],
        ['forestall', 'Exposure Detected', 'forestall-bus'],
        ['forestall', 'Exposure Detected', 'forestall-bus'],
      ]);
      expect(received[1]?.body.Entries.map((e) => e.Detail)).toEqual(['{"n":1}']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
