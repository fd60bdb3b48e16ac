import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TaskHandler } from './step-functions.ts';

/**
 * A loopback Lambda endpoint speaking the Invoke wire protocol (`POST /2015-03-31/functions/{name}/invocations`),
 * so a function that invokes another (the expiry sweeper calling an actuator) runs locally through its
 * real `@aws-sdk/client-lambda` client, pointed here with AWS_ENDPOINT_URL_LAMBDA. A handler error comes
 * back as Lambda returns one: status 200, `X-Amz-Function-Error: Unhandled`, `{errorType, errorMessage}`.
 */
export async function startLocalLambdaEndpoint(functions: Readonly<Record<string, TaskHandler>>) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      const name = match ? decodeURIComponent(match[1] ?? '') : undefined;
      const handler = name === undefined ? undefined : functions[name];
      if (req.method !== 'POST' || !handler) {
        return reply(404, { Type: 'User', message: `Function not found: ${name ?? req.url}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      }
      let payload: unknown;
      try {
        payload = chunks.length === 0 ? null : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(400, { Type: 'User', message: 'Could not parse request body into json' }, { 'x-amzn-errortype': 'InvalidRequestContentException' });
      }
      handler(payload).then(
        (result) => reply(200, result ?? null, { 'x-amz-executed-version': '$LATEST' }),
        (error: unknown) =>
          reply(200, { errorType: (error as Error).name ?? 'Error', errorMessage: (error as Error).message ?? String(error) }, { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
