import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { ForestallFunction } from './forestall-function.ts';
import { nagFinding } from './nag-findings.ts';

/** Properties of {@link IntelArchive}. */
export interface IntelArchiveProps {
  /**
   * Days a raw payload is kept (re-ingest from it within that time).
   * @default 400
   */
  readonly retentionDays?: number;
}

/**
 * Raw intel payloads as fetched or pushed, gzip-compressed, so any record can be re-ingested: a bucket
 * encrypted with its own customer-managed key, TLS only, no public access, versioned, expiring after
 * `retentionDays`. Writers get `s3:PutObject` under their own prefix and nothing else.
 */
export class IntelArchive extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: IntelArchiveProps = {}) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 400;
    if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 3650) {
      throw new Error(`IntelArchive: retentionDays must be a whole number of days between 1 and 3650, got ${retentionDays}`);
    }
    this.key = new kms.Key(this, 'Key', { enableKeyRotation: true, description: 'forestall intel archive', removalPolicy: RemovalPolicy.RETAIN });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(retentionDays), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'Only forestall ingest functions write here (PutObject under their own prefix) and nothing reads but an operator re-ingesting; ' +
          'object-level access belongs in CloudTrail data events, not in a second bucket of access logs.',
      },
    ]);
  }

  /** Lets `fn` write archived payloads under `prefix` (and nothing else), and passes `ARCHIVE_BUCKET`. */
  grantArchive(fn: ForestallFunction, prefix: string): void {
    this.bucket.grantPut(fn.role, `${prefix}/*`);
    fn.addEnvironment('ARCHIVE_BUCKET', this.bucket.bucketName);
    fn.suppressRolePolicyFindings([
      {
        id: 'AwsSolutions-IAM5',
        reason: `Payloads are archived under ${prefix}/ with a key per time and page; the wildcard is that key, inside the prefix.`,
        appliesTo: [`Resource::${nagFinding(fn, this.bucket.arnForObjects(`${prefix}/*`))}`],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'S3 writes through the archive key need kms:GenerateDataKey* and kms:ReEncrypt*, which CDK grants as action wildcards on that one key.',
        appliesTo: ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*', 'Action::s3:Abort*'],
      },
    ]);
  }
}
