import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../../functions/ingest/content-hash.ts';

describe('content hash', () => {
  it('does not depend on key order or undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, 1] } })).toBe('{"a":{"c":[2,1]},"b":1}');
    const facts = { vendorProject: 'Citrix', product: 'NetScaler', dueDate: '2023-11-08', cwes: ['CWE-119'] };
    const reordered = Object.fromEntries(Object.entries(facts).reverse());
    expect(contentHash(reordered)).toBe(contentHash(facts));
    expect(contentHash({ ...facts, dueDate: '2023-11-15' })).not.toBe(contentHash(facts));
  });
});
