import { describe, expect, it } from 'vitest';
import { canonicalJson, kevFactsHash, kevPartOf, vulnerabilityContentHash } from '../../../functions/ingest/content-hash.ts';
import type { KevFacts } from '../../../functions/model/vulnerability.ts';

const kev: KevFacts = {
  vendorProject: 'Citrix',
  product: 'NetScaler',
  vulnerabilityName: 'Citrix Bleed',
  dateAdded: '2023-10-18',
  dueDate: '2023-11-08',
  requiredAction: 'Patch',
  knownRansomwareCampaignUse: 'Known',
  shortDescription: 'Buffer overflow',
  cwes: ['CWE-119'],
};

describe('content hash', () => {
  it('does not depend on key order or undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, 1] } })).toBe('{"a":{"c":[2,1]},"b":1}');
    const reordered = Object.fromEntries(Object.entries(kev).reverse()) as KevFacts;
    expect(kevFactsHash(reordered)).toBe(kevFactsHash(kev));
  });

  it('leaves bookkeeping out and keeps one part per source', () => {
    const hash = vulnerabilityContentHash({ kev, enrichment: 'pending' });
    expect(hash).toMatch(/^kev=[0-9a-f]{32};nvd=pending$/);
    expect(kevPartOf(hash)).toBe(kevFactsHash(kev));
    expect(vulnerabilityContentHash({ kev, enrichment: 'not-found' })).not.toBe(hash);
    expect(vulnerabilityContentHash({ kev: { ...kev, dueDate: '2023-11-15' }, enrichment: 'pending' })).not.toBe(hash);
    const enriched = vulnerabilityContentHash({ kev, nvd: { published: 'p', lastModified: 'm', cvss: [], configurations: [] }, enrichment: 'done' });
    expect(kevPartOf(enriched)).toBe(kevPartOf(hash));
  });
});
