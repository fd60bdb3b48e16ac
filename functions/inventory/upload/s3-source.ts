import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { InventorySource } from '../../scan/inventory-stream.ts';

/** One uploaded object, as the S3 event names it. */
export interface UploadObject {
  bucket: string;
  key: string;
  /** Without the quotes S3 puts around it in headers. */
  etag: string;
  size: number;
}

/** The narrow slice of S3Client the source uses. */
export interface ObjectGetter {
  send(command: GetObjectCommand): Promise<GetObjectCommandOutput>;
}

/** The object was replaced since its event: the new upload has an event (and an import) of its own. */
export class UploadReplaced extends Error {
  constructor(object: UploadObject, found: string | undefined) {
    super(`s3://${object.bucket}/${object.key}: replaced since it was uploaded (ETag ${object.etag}, now ${found ?? 'unknown'}); the newer upload is imported on its own`);
    this.name = 'UploadReplaced';
  }
}

const HEAD_BYTES = 64 * 1024;
export const unquoteEtag = (etag: string) => etag.replace(/^"(.*)"$/, '$1');

/**
 * An uploaded object as an inventory source, read with ranged GETs (`bytes=<from>-`), so a resumed import
 * reads only what is left and memory holds a chunk, not the object. Every GET names the ETag (`If-Match`,
 * and the answer's ETag is checked as well), so an object replaced mid-import is never half-mixed with
 * the old one.
 */
export function s3Source(client: S3Client | ObjectGetter, object: UploadObject): InventorySource {
  const get = async (range: string): Promise<Readable> => {
    const answer = await client.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key, Range: range, IfMatch: `"${object.etag}"` }));
    const found = answer.ETag ? unquoteEtag(answer.ETag) : undefined;
    if (found !== object.etag) {
      (answer.Body as Readable | undefined)?.destroy();
      throw new UploadReplaced(object, found);
    }
    return answer.Body as Readable;
  };
  const name = `s3://${object.bucket}/${object.key}`;
  return {
    name,
    async head() {
      if (object.size === 0) return '';
      const body = await get(`bytes=0-${Math.min(HEAD_BYTES, object.size) - 1}`);
      // A multi-byte character cut at the end of the range decodes to U+FFFD; the head only tells the format.
      const parts: Buffer[] = [];
      for await (const chunk of body) parts.push(chunk as Buffer);
      return Buffer.concat(parts).toString('utf8');
    },
    async *text(from) {
      if (from >= object.size) return;
      const body = await get(`bytes=${from}-`);
      // setEncoding keeps a character split across chunks whole.
      body.setEncoding('utf8');
      yield* body as AsyncIterable<string>;
    },
  };
}
