import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudFixtureFiles, cloudFixtureText } from '../../../fixtures/inventory/cloud/make-cloud-fixtures.ts';

describe('cloud inventory fixtures', () => {
  it('are what their script writes (npx tsx test/fixtures/inventory/cloud/make-cloud-fixtures.ts)', () => {
    const folder = join(import.meta.dirname, '../../../fixtures/inventory/cloud');
    for (const [name, document] of cloudFixtureFiles()) expect(readFileSync(join(folder, name), 'utf8'), name).toBe(cloudFixtureText(document));
  });
});
