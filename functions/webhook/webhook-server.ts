import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { receiveIntel, type ReceiveIntelDeps, type WebhookRequest } from './receive-intel.ts';

export interface WebhookServerOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' (local mode only; deployments use API Gateway) */
  host?: string;
  deps: ReceiveIntelDeps;
}

export interface WebhookServer {
  /** e.g. `http://127.0.0.1:43125`; senders post to `${url}/intel/<tenant>`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The webhook over node:http, for the local mode: the same `receiveIntel` core as the Lambda handler.
 * At most `maxBodyBytes + 1` bytes of a body are held, so an oversize body is refused without buffering it.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { deps } = options;
  const server = createServer((req, res) => {
    void serve(req, res, deps);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, deps: ReceiveIntelDeps): Promise<void> {
  try {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const { body, complete } = await readBody(req, deps.maxBodyBytes, headers['content-length']);
    const request: WebhookRequest = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://localhost').pathname,
      headers,
      body,
      requestId: randomUUID(),
    };
    const answer = await receiveIntel(request, deps);
    // A body left unread cannot be skipped on a kept-alive connection: close it after answering.
    res.writeHead(answer.status, complete ? answer.headers : { ...answer.headers, connection: 'close' });
    res.end(JSON.stringify(answer.body));
  } catch {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ error: 'internal error' }));
  }
}

/**
 * Reads the body up to one byte past the limit (enough for the core to see it is too large); a declared
 * Content-Length over the limit is not read at all.
 */
function readBody(req: IncomingMessage, maxBodyBytes: number, contentLength: string | undefined): Promise<{ body: Buffer; complete: boolean }> {
  if (contentLength !== undefined && Number(contentLength) > maxBodyBytes) {
    req.pause();
    return Promise.resolve({ body: Buffer.alloc(0), complete: false });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxBodyBytes) {
        req.off('data', onData);
        req.pause();
        resolve({ body: Buffer.concat(chunks, size).subarray(0, maxBodyBytes + 1), complete: false });
      }
    };
    req.on('data', onData);
    req.once('end', () => resolve({ body: Buffer.concat(chunks, size), complete: true }));
    req.once('error', reject);
  });
}
