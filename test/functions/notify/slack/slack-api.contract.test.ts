import { describe, expect, it } from 'vitest';
import { SLACK_API } from '../../../../functions/notify/slack/slack-api.ts';
import { compareWithVendorDocument, loadVendorDocument } from '../../../contract/openapi-contract.ts';
import { referenceFile } from '../../../reference-data.ts';

const vendorDocument = referenceFile('specs/slack_web_openapi_v2.json', 'the Slack Web API contract test');

describe.skipIf(vendorDocument === undefined)("forestall's chat.postMessage description against Slack's Web API document", () => {
  it('agrees on the route, token, form fields, response fields and credentials', async () => {
    const vendor = await loadVendorDocument(vendorDocument as string);
    expect(compareWithVendorDocument(structuredClone(SLACK_API) as never, vendor)).toEqual([]);
  });

  it('would notice a form field Slack does not take', async () => {
    const vendor = await loadVendorDocument(vendorDocument as string);
    const drifted = structuredClone(SLACK_API) as unknown as { paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } } }> };
    const form = drifted.paths['/chat.postMessage']?.post.requestBody.content['application/x-www-form-urlencoded'];
    if (form) form.schema.properties.channel_id = { type: 'string' };
    expect(compareWithVendorDocument(drifted as never, vendor)).toEqual(['POST /chat.postMessage body.channel_id: not in the vendor\'s document']);
  });
});
