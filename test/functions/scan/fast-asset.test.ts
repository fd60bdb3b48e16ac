import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssetSchema } from '../../../functions/model/asset.ts';
import { parseAsset } from '../../../functions/scan/fast-asset.ts';

/** Values near the schema's edges: valid fields, wrong types, refused ids, unknown keys, bindings. */
const field = {
  id: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', ' a', 'a#b', 'x'.repeat(201), 'web-01'), fc.integer()),
  hostname: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
  ips: fc.oneof(fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), fc.array(fc.integer(), { maxLength: 2 }), fc.string()),
  internetFacing: fc.oneof(fc.boolean(), fc.constantFrom('true', 1)),
  criticality: fc.constantFrom('low', 'medium', 'high', 'critical', 3),
  owner: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)),
  tags: fc.oneof(fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 })),
  software: fc.array(
    fc.oneof(
      fc.record({ cpe: fc.oneof(fc.constant('cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*'), fc.string({ maxLength: 10 })) }),
      fc.record({ purl: fc.oneof(fc.constant('pkg:npm/left-pad@1.3.0'), fc.string({ maxLength: 10 })) }),
      fc.record({ cpe: fc.constant('cpe:2.3:a:x:y:1:*:*:*:*:*:*:*'), purl: fc.constant('pkg:npm/x@1') }),
      fc.record({ name: fc.string() }),
      fc.constant(null),
    ),
    { maxLength: 4 },
  ),
  extra: fc.constantFrom({ edr: { vendor: 'crowdstrike', deviceId: 'abc' } }, { color: 'blue' }, { network: { publicIps: ['203.0.113.9'] } }, {}),
};

const asset = fc
  .record({ id: field.id, hostname: field.hostname, ips: field.ips, internetFacing: field.internetFacing, criticality: field.criticality, owner: field.owner, tags: field.tags, software: field.software }, { requiredKeys: [] })
  .chain((base) => field.extra.map((extra) => ({ ...base, ...extra })));

describe('parseAsset', () => {
  it('gives exactly what AssetSchema gives, accepting and refusing the same assets', () => {
    fc.assert(
      fc.property(fc.oneof(asset, fc.anything()), (raw) => {
        const fast = parseAsset(raw);
        const zod = AssetSchema.safeParse(raw);
        expect(fast.success).toBe(zod.success);
        if (fast.success && zod.success) expect(fast.data).toEqual(zod.data);
      }),
      { numRuns: 3000 },
    );
  });

  it('words a refusal as the schema does (the fast path never answers a refusal itself)', () => {
    const refused = parseAsset({ id: 'web-01', criticality: 'critical' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.path).toEqual(['criticality']);
  });
});
