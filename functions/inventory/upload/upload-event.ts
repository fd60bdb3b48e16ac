import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas';
import { describeIssues } from '../../ingest/describe-issues.ts';
import { DetailType, eventEnvelopeSchema, EVENT_SOURCE, InventoryUploadProgressedSchema } from '../../model/events.ts';
import { unquoteEtag, type UploadObject } from './s3-source.ts';
import { uploadTenant } from './import-upload.ts';

/** What the upload function was asked to do. */
export type UploadRequest = { kind: 'import'; tenant: string; object: UploadObject; resumed: boolean } | { kind: 'refused'; record: string; reason: string };

const ContinuationSchema = eventEnvelopeSchema(InventoryUploadProgressedSchema);

/**
 * Reads the upload function's event: S3's `Object Created` for the upload bucket (a new upload), or the
 * function's own `Inventory Upload Progressed` with status `running` (go on from the checkpoint). Anything
 * else, an object in another bucket, a key that names no tenant, or an upload by another account for a
 * tenant not its own is refused with the reason.
 */
export interface UploadSettings {
  bucket: string;
  /** The stack's own account: its principals may upload for any tenant. */
  ownAccount: string;
  /** Other accounts that may upload, each for its one tenant (the bucket policy grants `uploads/<tenant>/` alone). */
  accountTenants: Readonly<Record<string, string>>;
}

export function readUploadEvent(event: unknown, settings: UploadSettings): UploadRequest {
  const uploadBucket = settings.bucket;
  const source = (event as { source?: unknown } | null)?.source;
  const id = String((event as { id?: unknown } | null)?.id ?? '(event)');
  let object: UploadObject;
  let resumed = false;
  let tenantFromEvent: string | undefined;
  let requester: string | undefined;
  if (source === 'aws.s3') {
    const parsed = S3EventNotificationEventBridgeSchema.safeParse(event);
    if (!parsed.success) return { kind: 'refused', record: id, reason: `S3 event ${id}: ${describeIssues(parsed.error.issues).join('; ')}` };
    const detail = parsed.data.detail;
    if (parsed.data['detail-type'] !== 'Object Created') return { kind: 'refused', record: id, reason: `S3 event ${id}: detail-type: expected "Object Created", got "${parsed.data['detail-type']}"` };
    if (detail.object.etag === undefined || detail.object.size === undefined) {
      return { kind: 'refused', record: detail.object.key, reason: `S3 event ${id}: detail.object: an Object Created event carries etag and size` };
    }
    object = { bucket: detail.bucket.name, key: detail.object.key, etag: unquoteEtag(detail.object.etag), size: detail.object.size };
    requester = detail.requester;
  } else if (source === EVENT_SOURCE) {
    const parsed = ContinuationSchema.safeParse(event);
    if (!parsed.success) return { kind: 'refused', record: id, reason: `${DetailType.InventoryUploadProgressed} event ${id}: ${describeIssues(parsed.error.issues).join('; ')}` };
    const detail = parsed.data.detail;
    if (parsed.data['detail-type'] !== DetailType.InventoryUploadProgressed || detail.status !== 'running') {
      return { kind: 'refused', record: id, reason: `event ${id}: only a running "${DetailType.InventoryUploadProgressed}" continues an upload` };
    }
    object = { bucket: detail.bucket, key: detail.key, etag: detail.etag, size: detail.size ?? 0 };
    resumed = true;
    tenantFromEvent = detail.tenant;
  } else {
    return { kind: 'refused', record: id, reason: `event ${id}: source: expected aws.s3 or ${EVENT_SOURCE}, got ${JSON.stringify(source)}` };
  }
  if (object.bucket !== uploadBucket) return { kind: 'refused', record: object.key, reason: `s3://${object.bucket}/${object.key}: not the upload bucket ${uploadBucket}` };
  const target = uploadTenant(object.key);
  if ('problem' in target) return { kind: 'refused', record: object.key, reason: `s3://${object.bucket}: ${target.problem}` };
  // The bucket policy keeps another account to its own tenant's prefix; the uploader is checked again here.
  if (requester !== undefined && /^\d{12}$/.test(requester) && requester !== settings.ownAccount && settings.accountTenants[requester] !== target.tenant) {
    return { kind: 'refused', record: object.key, reason: `s3://${object.bucket}/${object.key}: uploaded by account ${requester}, which may not upload for tenant ${target.tenant}` };
  }
  if (tenantFromEvent !== undefined && tenantFromEvent !== target.tenant) {
    return { kind: 'refused', record: object.key, reason: `event ${id}: tenant ${tenantFromEvent} does not own ${object.key}` };
  }
  return { kind: 'import', tenant: target.tenant, object, resumed };
}
