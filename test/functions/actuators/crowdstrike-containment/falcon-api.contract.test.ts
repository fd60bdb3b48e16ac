import { describe, expect, it } from 'vitest';
import { FALCON_API } from '../../../../functions/actuators/crowdstrike-containment/falcon-api.ts';
import { compareWithVendorDocument, loadVendorDocument } from '../../../contract/openapi-contract.ts';
import { referenceFile } from '../../../reference-data.ts';

const vendorDocument = referenceFile('specs/crowdstrike-falcon-swagger-subset.json', 'the CrowdStrike Falcon contract test');

describe.skipIf(vendorDocument === undefined)("forestall's Falcon description against CrowdStrike's Swagger document", () => {
  it('agrees on every route, parameter, body, response field and credential forestall uses', async () => {
    const vendor = await loadVendorDocument(vendorDocument as string);
    expect(compareWithVendorDocument(structuredClone(FALCON_API) as never, vendor)).toEqual([]);
  });

  it('would notice a parameter the vendor does not document', async () => {
    const vendor = await loadVendorDocument(vendorDocument as string);
    const drifted = structuredClone(FALCON_API) as unknown as { paths: Record<string, Record<string, { parameters?: unknown[] }>> };
    drifted.paths['/devices/entities/devices/v2']?.get?.parameters?.push({ name: 'device_ids', in: 'query', schema: { type: 'string' } });
    expect(compareWithVendorDocument(drifted as never, vendor)).toEqual(['GET /devices/entities/devices/v2: query parameter device_ids is not documented by the vendor']);
  });
});
