import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A cloud fixture as the tests read it: parsed from the file, as a handler would get it. */
export const cloudFixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/inventory/cloud', name), 'utf8'));
