import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the local feed server answered, for the demo timeline and tests. */
export interface FeedRequest {
  path: string;
  query: Record<string, string>;
  status: number;
  at: string;
}

export interface LocalIntelFeeds {
  /** Base URL of the server, e.g. http://127.0.0.1:43123 */
  url: string;
  kevUrl: string;
  nvdApiUrl: string;
  /** Replaces the catalogue served at kevUrl (a new ETag and Last-Modified follow). */
  publishKevCatalogue(catalogue: unknown, lastModified: Date): void;
  requests: FeedRequest[];
  close(): Promise<void>;
}

/**
 * Serves the two public feeds forestall polls, on 127.0.0.1, the way their publishers do: the KEV
 * catalogue with ETag / Last-Modified and 304 on a conditional GET, and the NVD CVE API 2.0 `cveId`
 * lookup answering with the API's response envelope (an empty result for an unknown CVE).
 */
export async function startLocalIntelFeeds(nvdRecords: ReadonlyMap<string, unknown>): Promise<LocalIntelFeeds> {
  let kevBody = '';
  let kevEtag = '';
  let kevLastModified = '';
  const requests: FeedRequest[] = [];

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const reply = (status: number, body?: string, headers: Record<string, string> = {}) => {
      requests.push({ path: url.pathname, query, status, at: new Date().toISOString() });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    if (req.method !== 'GET') return reply(405, JSON.stringify({ message: 'method not allowed' }));

    if (url.pathname === '/kev/known_exploited_vulnerabilities.json') {
      if (!kevBody) return reply(404, JSON.stringify({ message: 'no catalogue published' }));
      const validators = { etag: kevEtag, 'last-modified': kevLastModified };
      if (req.headers['if-none-match'] === kevEtag) return reply(304, undefined, validators);
      return reply(200, kevBody, validators);
    }

    if (url.pathname === '/nvd/rest/json/cves/2.0') {
      const cveId = url.searchParams.get('cveId');
      if (!cveId) return reply(400, JSON.stringify({ message: 'this local NVD answers cveId lookups only' }));
      const cve = nvdRecords.get(cveId);
      return reply(
        200,
        JSON.stringify({
          resultsPerPage: cve ? 1 : 0,
          startIndex: 0,
          totalResults: cve ? 1 : 0,
          format: 'NVD_CVE',
          version: '2.0',
          timestamp: new Date().toISOString().replace('Z', ''),
          vulnerabilities: cve ? [{ cve }] : [],
        }),
      );
    }
    return reply(404, JSON.stringify({ message: `no route ${url.pathname}` }));
  };

  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    kevUrl: `${url}/kev/known_exploited_vulnerabilities.json`,
    nvdApiUrl: `${url}/nvd/rest/json/cves/2.0`,
    publishKevCatalogue(catalogue, lastModified) {
      kevBody = JSON.stringify(catalogue);
      kevEtag = `"${createHash('sha256').update(kevBody).digest('hex').slice(0, 32)}"`;
      kevLastModified = lastModified.toUTCString();
    },
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
