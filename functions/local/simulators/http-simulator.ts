import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequestShape, RequestCheckResult } from './openapi-request-check.ts';

/** One request as the simulator saw it; credentials are reduced to their scheme. */
export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  operation?: string;
  status: number;
  violations?: string[];
}

export interface SimulatorResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are (set content-type in headers). */
  body?: unknown;
}

/**
 * A failure to inject into one operation, for fault-injection tests. `before-change`: the vendor answers
 * without doing anything; `after-change`: it does the work, then answers with the failure (a 502 after
 * accepting, or no answer at all), the case where a caller cannot tell whether the change happened.
 */
export interface SimulatorFault {
  operation: string;
  when: 'before-change' | 'after-change';
  /** The status to answer with (default 502). */
  status?: number;
  /** Instead of answering, hold the connection this long (the caller's timeout fires first). */
  hangMs?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Let this many matching requests through first (default 0). */
  skip?: number;
}

/** What every simulator returns: where it listens, what it received, and a way to stop it. */
export interface RunningSimulator<State> {
  url: string;
  requests: RecordedRequest[];
  state: State;
  /** Answers the next `count` well-formed requests with the vendor's rate-limit response. */
  throttle(count: number): void;
  /** Makes the next matching requests fail as described. */
  fault(fault: SimulatorFault): void;
  close(): Promise<void>;
}

export type CheckOutcome = { ok: true; operation: string; detail: unknown } | { ok: false; operation?: string; violations: string[] };

export interface HttpSimulatorOptions<State> {
  state: State;
  /** Validates the request against the vendor's contract. */
  check(request: HttpRequestShape): CheckOutcome;
  /** Produces the vendor's answer to a valid request. */
  handle(request: HttpRequestShape, detail: unknown, operation: string): SimulatorResponse | Promise<SimulatorResponse>;
  /** The vendor's answer to a request that breaks the contract (default: 400 JSON listing violations). */
  rejected?(violations: string[]): SimulatorResponse;
  /** The vendor's rate-limit answer. */
  throttled(now: Date): SimulatorResponse;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function redact(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    result[name] = name === 'authorization' ? `${text.split(' ')[0] ?? ''} <redacted>` : text;
  }
  return result;
}

/** Starts a loopback HTTP server on 127.0.0.1 with an ephemeral port. */
export async function startHttpSimulator<State>(options: HttpSimulatorOptions<State>): Promise<RunningSimulator<State>> {
  const requests: RecordedRequest[] = [];
  let throttleRemaining = 0;
  const faults: Array<SimulatorFault & { remaining: number; toSkip: number }> = [];
  const takeFault = (operation: string, when: SimulatorFault['when']) => {
    const fault = faults.find((f) => f.operation === operation && f.when === when && f.remaining > 0);
    if (!fault) return undefined;
    if (fault.toSkip > 0) {
      fault.toSkip -= 1;
      return undefined;
    }
    fault.remaining -= 1;
    return fault;
  };
  const failWith = async (fault: SimulatorFault): Promise<SimulatorResponse> => {
    if (fault.hangMs !== undefined) await new Promise((resolve) => setTimeout(resolve, fault.hangMs));
    return { status: fault.status ?? 502, headers: { 'content-type': 'text/plain' }, body: 'simulated failure' };
  };
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const rawBody = await readBody(incoming);
      const shaped: HttpRequestShape = {
        method: incoming.method ?? 'GET',
        url: incoming.url ?? '/',
        headers: incoming.headers,
        ...(rawBody.length > 0 ? { body: rawBody } : {}),
      };
      const outcome = options.check(shaped);
      let response: SimulatorResponse;
      if (!outcome.ok) {
        response = options.rejected?.(outcome.violations) ?? {
          status: 400,
          body: { error: 'request does not match the API document', violations: outcome.violations },
        };
      } else if (throttleRemaining > 0) {
        throttleRemaining -= 1;
        response = options.throttled(new Date());
      } else {
        const before = takeFault(outcome.operation, 'before-change');
        if (before) {
          response = await failWith(before);
        } else {
          try {
            response = await options.handle(shaped, outcome.detail, outcome.operation);
          } catch (error) {
            response = { status: 500, body: { error: (error as Error).message } };
          }
          const after = takeFault(outcome.operation, 'after-change');
          if (after) response = await failWith(after);
        }
      }
      requests.push({
        method: shaped.method,
        url: shaped.url,
        path: new URL(shaped.url, 'http://simulator.invalid').pathname,
        headers: redact(incoming.headers),
        ...(shaped.body === undefined ? {} : { body: shaped.body }),
        ...(outcome.operation === undefined ? {} : { operation: outcome.operation }),
        status: response.status,
        ...(outcome.ok ? {} : { violations: outcome.violations }),
      });
      const headers: Record<string, string> = { ...(response.headers ?? {}) };
      let payload: string | undefined;
      if (response.body !== undefined) {
        if (typeof response.body === 'string') {
          payload = response.body;
        } else {
          payload = JSON.stringify(response.body);
          headers['content-type'] ??= 'application/json';
        }
      }
      outgoing.writeHead(response.status, headers);
      outgoing.end(payload);
    })().catch((error: unknown) => {
      outgoing.writeHead(500, { 'content-type': 'text/plain' });
      outgoing.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    state: options.state,
    throttle(count) {
      throttleRemaining = count;
    },
    fault(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1, toSkip: fault.skip ?? 0 });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Adapts an OpenAPI checker result to the simulator's check outcome. */
export function fromOpenApiCheck(result: RequestCheckResult): CheckOutcome {
  return result.ok
    ? { ok: true, operation: result.operationId, detail: result }
    : { ok: false, ...(result.operationId === undefined ? {} : { operation: result.operationId }), violations: result.violations };
}

