import { readFile } from 'node:fs/promises';

/** What CLI commands read and write: `forestall` passes the process's, tests their own. */
export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  fetch: typeof fetch;
  /** Where secrets are looked up (`NVD_API_KEY`, `NVD_API_KEY_FILE`). */
  env: NodeJS.ProcessEnv;
  readFile(path: string): Promise<Buffer>;
  readStdin(): Promise<Buffer>;
  nowSeconds(): number;
  /** Waits (NVD's rate limit); tests pass one that returns at once. */
  sleep(ms: number): Promise<void>;
  /** Stops a long-running command (`webhook serve`); without it, SIGINT or SIGTERM does. */
  signal?: AbortSignal;
}

/** The process's streams, network, environment and clock. */
export function processIo(out: NodeJS.WritableStream, err: NodeJS.WritableStream): CliIo {
  return {
    out,
    err,
    fetch,
    env: process.env,
    readFile: (path) => readFile(path),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks);
    },
    nowSeconds: () => Date.now() / 1000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** Resolves when `signal` aborts or, without one, when the process is asked to stop (Ctrl-C, SIGTERM). */
export function untilInterrupted(signal?: AbortSignal): Promise<void> {
  if (signal) {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
