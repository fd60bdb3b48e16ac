import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  url: string;
  headers: IncomingHttpHeaders;
  status: number;
}

export interface LoopbackServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 answering with `respond`, recording every request and its status. */
export async function startLoopbackServer(
  respond: (req: IncomingMessage) => { status: number; body?: string; headers?: Record<string, string> },
): Promise<LoopbackServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const answer = respond(req);
    requests.push({ url: req.url ?? '', headers: req.headers, status: answer.status });
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Serves a KEV catalogue the way CISA's server does: with validators, and 304 for a matching If-None-Match. */
export async function startKevServer() {
  let body = '';
  let validators: Record<string, string> = {};
  const server = await startLoopbackServer((req) => {
    if (validators.etag && req.headers['if-none-match'] === validators.etag) return { status: 304, headers: validators };
    return { status: 200, body, headers: validators };
  });
  return {
    ...server,
    kevUrl: `${server.url}/feeds/known_exploited_vulnerabilities.json`,
    /** Publishes a catalogue; `withValidators: false` serves it without ETag / Last-Modified. */
    publish(catalogue: unknown, options: { withValidators?: boolean; lastModified?: Date } = {}) {
      body = JSON.stringify(catalogue, null, 4);
      validators =
        options.withValidators === false
          ? {}
          : {
              etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 24)}"`,
              'last-modified': (options.lastModified ?? new Date('2025-08-25T17:04:19Z')).toUTCString(),
            };
    },
  };
}

/** The NVD CVE API 2.0 `?cveId=` lookup over a map of cve objects; `fail` forces a status for every request. */
export async function startNvdServer(records: ReadonlyMap<string, unknown>) {
  const control: { fail?: number } = {};
  const server = await startLoopbackServer((req) => {
    if (control.fail) return { status: control.fail, body: '' };
    const cveId = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('cveId') ?? '';
    const cve = records.get(cveId);
    return {
      status: 200,
      body: JSON.stringify({
        resultsPerPage: cve ? 1 : 0,
        startIndex: 0,
        totalResults: cve ? 1 : 0,
        format: 'NVD_CVE',
        version: '2.0',
        timestamp: '2025-08-25T17:10:00.000',
        vulnerabilities: cve ? [{ cve }] : [],
      }),
    };
  });
  return { ...server, apiUrl: `${server.url}/rest/json/cves/2.0`, control };
}
