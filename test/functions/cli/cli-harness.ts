import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CliIo } from '../../../functions/cli/cli-io.ts';
import { main } from '../../../functions/cli/main.ts';

/** A stream that keeps what was written, and can wait for a line the command prints while it runs. */
export function sink() {
  let text = '';
  const waiters: Array<{ pattern: RegExp; resolve(match: RegExpMatchArray): void }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      for (const waiter of [...waiters]) {
        const match = text.match(waiter.pattern);
        if (match) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(match);
        }
      }
      done();
    },
  });
  return {
    stream,
    text: () => text,
    waitFor: (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve) => {
        const match = text.match(pattern);
        if (match) resolve(match);
        else waiters.push({ pattern, resolve });
      }),
  };
}

/** Runs `forestall <args>` in this process and returns its exit code and output. */
export async function runCli(args: string[], overrides: Partial<Omit<CliIo, 'out' | 'err'>> = {}) {
  const out = sink();
  const err = sink();
  const code = await main(args, out.stream, err.stream, overrides);
  return { code, stdout: out.text(), stderr: err.text() };
}

/** A fresh temporary folder per test: its own store and archive. */
export const scratch = (prefix = 'forestall-cli-') => mkdtempSync(join(tmpdir(), prefix));
