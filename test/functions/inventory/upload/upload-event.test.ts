import { describe, expect, it } from 'vitest';
import { readUploadEvent } from '../../../../functions/inventory/upload/upload-event.ts';
import { uploadTenant } from '../../../../functions/inventory/upload/import-upload.ts';

const BUCKET = 'forestall-uploads-123';
const SETTINGS = { bucket: BUCKET, ownAccount: '111122223333', accountTenants: { '444455556666': 'globex' } };

// The shape S3 sends to EventBridge ("Object Created", Amazon S3 User Guide, EventBridge event message structure).
const objectCreated = (key: string, overrides: { bucket?: string; etag?: string; detailType?: string; requester?: string } = {}) => ({
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': overrides.detailType ?? 'Object Created',
  source: 'aws.s3',
  account: '111122223333',
  time: '2026-12-02T02:00:00Z',
  region: 'eu-west-1',
  resources: [`arn:aws:s3:::${overrides.bucket ?? BUCKET}`],
  detail: {
    version: '0',
    bucket: { name: overrides.bucket ?? BUCKET },
    object: { key, size: 5_368_709, etag: overrides.etag ?? 'b1946ac92492d2347c6235b4d2611184-2', sequencer: '00617F08299329D189' },
    'request-id': 'N4N7GDK58NMKJ12R',
    requester: overrides.requester ?? '111122223333',
    'source-ip-address': '203.0.113.15',
    reason: 'CompleteMultipartUpload',
  },
});

const continuation = (detail: Record<string, unknown>) => ({
  version: '0',
  id: 'c0ffee00-0000-4000-8000-000000000001',
  'detail-type': 'Inventory Upload Progressed',
  source: 'forestall',
  account: '111122223333',
  time: '2026-12-02T02:14:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    version: '1',
    tenant: 'acme',
    bucket: BUCKET,
    key: 'uploads/acme/estate.jsonl',
    etag: 'b1946ac92492d2347c6235b4d2611184-2',
    status: 'running',
    records: 40_000,
    imported: 39_990,
    quarantined: 10,
    changedAssets: 12,
    bytes: 2_000_000,
    size: 5_368_709,
    at: '2026-12-02T02:14:00Z',
    ...detail,
  },
});

describe('readUploadEvent', () => {
  it('takes an Object Created event in the upload bucket, the tenant from the key', () => {
    expect(readUploadEvent(objectCreated('uploads/acme/2026-12/estate.jsonl'), SETTINGS)).toEqual({
      kind: 'import',
      tenant: 'acme',
      object: { bucket: BUCKET, key: 'uploads/acme/2026-12/estate.jsonl', etag: 'b1946ac92492d2347c6235b4d2611184-2', size: 5_368_709 },
      resumed: false,
    });
  });

  it('refuses objects of other buckets, keys without a tenant and other detail-types, saying why', () => {
    expect(readUploadEvent(objectCreated('uploads/acme/estate.json', { bucket: 'someone-else' }), SETTINGS)).toEqual({
      kind: 'refused',
      record: 'uploads/acme/estate.json',
      reason: `s3://someone-else/uploads/acme/estate.json: not the upload bucket ${BUCKET}`,
    });
    expect(readUploadEvent(objectCreated('estate.json'), SETTINGS)).toMatchObject({ kind: 'refused', reason: `s3://${BUCKET}: key "estate.json" is not under uploads/<tenant>/` });
    expect(readUploadEvent(objectCreated('uploads/Acme Corp/estate.json'), SETTINGS)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('"Acme Corp" is not a tenant id') });
    expect(readUploadEvent(objectCreated('uploads/acme/'), SETTINGS)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('names no file') });
    expect(readUploadEvent(objectCreated('uploads/acme/x.json', { detailType: 'Object Deleted' }), SETTINGS)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('expected "Object Created"') });
    expect(readUploadEvent({ source: 'aws.ec2', id: 'e-1' }, SETTINGS)).toMatchObject({ kind: 'refused', record: 'e-1', reason: expect.stringContaining('source: expected aws.s3 or forestall') });
  });

  it("takes another account's upload only for the tenant it is mapped to", () => {
    expect(readUploadEvent(objectCreated('uploads/globex/estate.jsonl', { requester: '444455556666' }), SETTINGS)).toMatchObject({ kind: 'import', tenant: 'globex' });
    expect(readUploadEvent(objectCreated('uploads/acme/estate.jsonl', { requester: '444455556666' }), SETTINGS)).toEqual({
      kind: 'refused',
      record: 'uploads/acme/estate.jsonl',
      reason: `s3://${BUCKET}/uploads/acme/estate.jsonl: uploaded by account 444455556666, which may not upload for tenant acme`,
    });
    expect(readUploadEvent(objectCreated('uploads/acme/estate.jsonl', { requester: '999999999999' }), SETTINGS)).toMatchObject({ kind: 'refused' });
    // The stack's own account uploads for every tenant.
    expect(readUploadEvent(objectCreated('uploads/globex/estate.jsonl'), SETTINGS)).toMatchObject({ kind: 'import', tenant: 'globex' });
  });

  it('goes on with its own running event, and only with that', () => {
    expect(readUploadEvent(continuation({}), SETTINGS)).toEqual({
      kind: 'import',
      tenant: 'acme',
      object: { bucket: BUCKET, key: 'uploads/acme/estate.jsonl', etag: 'b1946ac92492d2347c6235b4d2611184-2', size: 5_368_709 },
      resumed: true,
    });
    expect(readUploadEvent(continuation({ status: 'done' }), SETTINGS)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('only a running') });
    // An event naming one tenant cannot continue another tenant's upload.
    expect(readUploadEvent(continuation({ tenant: 'globex' }), SETTINGS)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('tenant globex does not own uploads/acme/estate.jsonl') });
    expect(readUploadEvent(continuation({ records: -1 }), SETTINGS)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('detail.records') });
  });

  it('reads the tenant from the first segment under uploads/', () => {
    expect(uploadTenant('uploads/globex/a/b/c.cdx.json')).toEqual({ tenant: 'globex' });
    expect(uploadTenant('upload/globex/c.json')).toHaveProperty('problem');
  });
});
