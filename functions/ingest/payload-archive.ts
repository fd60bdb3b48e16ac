import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PayloadArchive } from './ingest-runner.ts';

// Archive keys are built from source names, tenant ids and ISO times; anything else becomes `_`.
const safeKey = (key: string) => key.replace(/[^A-Za-z0-9/._:-]/g, '_');

/** Raw payloads in S3 (the stack's bucket is KMS-encrypted), so any record can be re-ingested. */
export function s3PayloadArchive(s3: Pick<S3Client, 'send'>, bucket: string): PayloadArchive {
  return {
    async put(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${safeKey(key)}.gz`, Body: gzipSync(body), ContentEncoding: 'gzip', ContentType: 'application/octet-stream' }));
    },
  };
}

/** Raw payloads in a local folder (local mode and the CLI). */
export function folderPayloadArchive(folder: string): PayloadArchive {
  return {
    async put(key, body) {
      const path = join(folder, safeKey(key).replace(/:/g, '-'));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
    },
  };
}
