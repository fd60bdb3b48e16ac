import { describe, expect, it } from 'vitest';
import { OKTA_API } from '../../../../functions/actuators/okta-sessions/okta-api.ts';
import { compareWithVendorDocument, loadVendorDocument } from '../../../contract/openapi-contract.ts';
import { referenceFile } from '../../../reference-data.ts';

const vendorDocument = referenceFile('specs/okta-management-openapi-current.yaml', 'the Okta contract test');

type Drifted = { paths: Record<string, Record<string, { parameters?: unknown[]; responses?: Record<string, unknown> }>> };

describe.skipIf(vendorDocument === undefined)("forestall's Okta description against Okta's management API document", () => {
  // One parse of the 3.4 MB YAML for the file.
  const vendor = vendorDocument === undefined ? undefined : loadVendorDocument(vendorDocument);

  it('agrees on every route, parameter, response field and credential forestall uses', async () => {
    expect(compareWithVendorDocument(structuredClone(OKTA_API) as never, (await vendor) as never)).toEqual([]);
  });

  // compareWithVendorDocument reduces a credential to its kind (apiKey) and does not compare enum values:
  // an API token sent in a query parameter, or a sort order Okta does not know, would pass it. Held here.
  it('presents the token where Okta documents it, and sorts the System Log only as Okta allows', async () => {
    const document = (await vendor) as { components: { securitySchemes: Record<string, unknown> }; paths: Record<string, Record<string, { parameters: Array<{ name: string; schema?: { enum?: string[] } }> }>> };
    const { type, in: location, name } = OKTA_API.components.securitySchemes.apiToken;
    expect(document.components.securitySchemes.apiToken).toMatchObject({ type, in: location, name });
    const vendorSortOrder = document.paths['/api/v1/logs']?.get?.parameters.find((parameter) => parameter.name === 'sortOrder')?.schema?.enum ?? [];
    const ourSortOrder = OKTA_API.paths['/api/v1/logs'].get.parameters.find((parameter) => parameter.name === 'sortOrder')?.schema;
    expect(vendorSortOrder).toEqual(expect.arrayContaining([...(ourSortOrder && 'enum' in ourSortOrder ? ourSortOrder.enum : [])]));
  });

  it('would notice a parameter the vendor does not document', async () => {
    const drifted = structuredClone(OKTA_API) as unknown as Drifted;
    // `until` is Okta's; `before` is not.
    drifted.paths['/api/v1/logs']?.get?.parameters?.push({ name: 'before', in: 'query', schema: { type: 'string' } });
    expect(compareWithVendorDocument(drifted as never, (await vendor) as never)).toEqual(['GET /api/v1/logs: query parameter before is not documented by the vendor']);
  });

  it('would notice a response field the vendor does not document, or one typed differently', async () => {
    const drifted = structuredClone(OKTA_API) as unknown as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { items: { properties: Record<string, unknown> } } }> }> }>> };
    const logEvent = drifted.paths['/api/v1/logs']?.get?.responses['200']?.content['application/json']?.schema.items.properties;
    if (!logEvent) throw new Error('the description lost its System Log response');
    logEvent.eventTypeName = { type: 'string' };
    logEvent.published = { type: 'integer' };
    expect(compareWithVendorDocument(drifted as never, (await vendor) as never)).toEqual([
      'GET /api/v1/logs response 200[].published: forestall says integer, the vendor string',
      "GET /api/v1/logs response 200[].eventTypeName: not in the vendor's document",
    ]);
  });
});
