import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

const PutEventsRequestSchema = z.object({
  Entries: z
    .array(
      z.object({
        Source: z.string().min(1),
        DetailType: z.string().min(1),
        Detail: z.string().min(2),
        EventBusName: z.string().optional(),
        Resources: z.array(z.string()).optional(),
        Time: z.union([z.string(), z.number()]).optional(),
      }),
    )
    .min(1)
    .max(10),
});

/** An event as PutEvents received it, with the detail parsed. */
export interface ReceivedEvent {
  source: string;
  detailType: string;
  detail: unknown;
  busName: string;
}

/**
 * A loopback EventBridge endpoint speaking the PutEvents wire protocol (awsJson1_1), so Lambda handlers
 * publish locally through their real `@aws-sdk/client-eventbridge` client, pointed here with
 * AWS_ENDPOINT_URL_EVENTBRIDGE. Each accepted entry is handed to `deliver` (the local bus).
 */
export async function startLocalEventBridgeEndpoint(deliver: (events: ReceivedEvent[]) => Promise<void> | void) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        return reply(400, { __type: 'UnknownOperationException', message: `only PutEvents is served here, got ${req.headers['x-amz-target']}` });
      }
      let parsed: z.infer<typeof PutEventsRequestSchema>;
      try {
        parsed = PutEventsRequestSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        return reply(400, { __type: 'ValidationException', message: `invalid PutEvents request: ${(error as Error).message}` });
      }
      const accepted: ReceivedEvent[] = [];
      const entries = parsed.Entries.map((entry) => {
        try {
          accepted.push({ source: entry.Source, detailType: entry.DetailType, detail: JSON.parse(entry.Detail), busName: entry.EventBusName ?? 'default' });
          return { EventId: randomUUID() };
        } catch {
          return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
        }
      });
      Promise.resolve(deliver(accepted)).then(
        () => reply(200, { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries }),
        (error: Error) => reply(500, { __type: 'InternalException', message: error.message }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
