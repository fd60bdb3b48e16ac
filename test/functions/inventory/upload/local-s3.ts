import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { unquoteEtag, type UploadObject } from '../../../../functions/inventory/upload/s3-source.ts';

export interface LocalS3 {
  client: S3Client;
  bucket: string;
  /** Uploads `body` under `key` and returns the object as an `Object Created` event names it. */
  put(key: string, body: string | Buffer, metadata?: Record<string, string>): Promise<UploadObject>;
  close(): Promise<void>;
}

/** s3rver (an S3 wire-protocol server on the file system) on 127.0.0.1 with one bucket. */
export async function startLocalS3(bucket = 'forestall-uploads'): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'forestall-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = await server.run();
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    client,
    bucket,
    async put(key, body, metadata) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const answer = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ...(metadata ? { Metadata: metadata } : {}) }));
      return { bucket, key, etag: unquoteEtag(answer.ETag!), size: bytes.length };
    },
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
