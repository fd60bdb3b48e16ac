import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Where the reference data (real public data and vendor documents, never committed here) is: the folder
 * FORESTALL_REFERENCE_DATA names, else `../shared/data` beside the repository. `.ci/run` fails when it is
 * absent, so tests that need it always run in CI; on a fresh clone without it they are skipped and say so.
 */
export function referenceDataDirectory(): string | undefined {
  const root = resolve(import.meta.dirname, '..');
  const configured = process.env.FORESTALL_REFERENCE_DATA;
  const candidates = configured ? [isAbsolute(configured) ? configured : resolve(root, configured)] : [join(root, '..', 'shared', 'data')];
  return candidates.find((candidate) => existsSync(candidate));
}

/** A file of the reference data, or undefined (with a note on stderr saying what will not run) when absent. */
export function referenceFile(relativePath: string, whatNeedsIt: string): string | undefined {
  const directory = referenceDataDirectory();
  const file = directory === undefined ? undefined : join(directory, relativePath);
  if (file === undefined || !existsSync(file)) {
    process.stderr.write(`reference data ${relativePath} not found (set FORESTALL_REFERENCE_DATA): ${whatNeedsIt} not run\n`);
    return undefined;
  }
  return file;
}
