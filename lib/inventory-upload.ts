import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { UPLOAD_PREFIX } from '../functions/inventory/upload/import-upload.ts';
import { objectCreatedPattern } from '../functions/routing/rules.ts';
import { validateAccountTenants, validateTenantId } from './construct-validation.ts';
import { toCdkEventPattern, type ForestallBus } from './forestall-bus.ts';
import { ForestallFunction } from './forestall-function.ts';
import type { ForestallTable } from './forestall-table.ts';
import { nagFinding } from './nag-findings.ts';

/** Properties of {@link InventoryUpload}. */
export interface InventoryUploadProps {
  readonly table: ForestallTable;
  /** The bus the import announces `Inventory Changed` and `Inventory Upload Progressed` on. */
  readonly bus: ForestallBus;
  /**
   * Tenant of the quarantine record of an upload whose key names no tenant.
   * @default 'default'
   */
  readonly tenantId?: string;
  /**
   * Days an uploaded object is kept (it is imported within minutes; the copy is for re-import and audit).
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * Memory in MiB: the import holds one batch of assets and one read chunk, not the file.
   * @default 1024
   */
  readonly memorySize?: number;
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Other accounts that may upload, each for one tenant (`{"111122223333": "acme"}`, the stack's
   * `accountTenants`): the bucket policy lets each put objects under `uploads/<its tenant>/` only.
   * @default - only this account's principals upload (for any tenant)
   */
  readonly accountTenants?: Record<string, unknown>;
}

/**
 * Inventory imports of any size: a bucket whose objects under `uploads/<tenant>/` (forestall JSON, JSON
 * lines, CycloneDX or SPDX; `x-amz-meta-asset-id` names an SBOM's asset) are imported as a stream by a
 * function S3's `Object Created` starts. The function checkpoints after each batch; when its time runs
 * short it announces `Inventory Upload Progressed` (running), which starts it again from the checkpoint,
 * and a crash or retry resumes there too. No 6 MB request limit: the file never passes through an invoke.
 */
export class InventoryUpload extends Construct {
  readonly bucket: s3.Bucket;
  readonly handler: ForestallFunction;
  readonly objectCreatedRule: events.Rule;
  readonly continuationRule: events.Rule;

  constructor(scope: Construct, id: string, props: InventoryUploadProps) {
    super(scope, id);
    const tenantId = validateTenantId('InventoryUpload', props.tenantId ?? 'default');
    const accountTenants = validateAccountTenants('InventoryUpload', props.accountTenants);
    const retentionDays = props.retentionDays ?? 30;
    if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 3650) {
      throw new Error(`InventoryUpload: retentionDays must be a whole number of days between 1 and 3650, got ${retentionDays}`);
    }

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(retentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // EventBridge notifications on the bucket resource itself: CDK's eventBridgeEnabled would add a custom-resource Lambda for it.
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'Uploads are written by the team\'s pipelines and read once by the upload function; who uploaded what is in the S3 event ' +
          '(requester) and in CloudTrail data events, not in a second bucket of access logs.',
      },
    ]);

    this.handler = new ForestallFunction(this, 'InventoryUpload', {
      entry: 'functions/inventory/inventory-upload.handler.ts',
      serviceName: 'inventory-upload',
      description: 'Imports inventory files uploaded to the upload bucket, as a stream, with checkpoints',
      memorySize: props.memorySize ?? 1024,
      timeout: Duration.minutes(15),
      logEncryptionKey: props.logEncryptionKey,
      deadLetterQueue: true,
      environment: { TENANT_ID: tenantId, UPLOAD_BUCKET: this.bucket.bucketName, OWN_ACCOUNT_ID: Stack.of(this).account, ACCOUNT_TENANTS: JSON.stringify(accountTenants) },
    });
    // An MSSP's tenants upload from their own accounts, each only under its own prefix; the function checks the uploader again.
    for (const [account, tenant] of Object.entries(accountTenants)) {
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `UploadsOf${account}`,
          principals: [new iam.AccountPrincipal(account)],
          actions: ['s3:PutObject'],
          resources: [this.bucket.arnForObjects(`${UPLOAD_PREFIX}${tenant}/*`)],
        }),
      );
    }
    props.table.grantReadWrite(this.handler);
    props.bus.grantPutEvents(this.handler);
    this.bucket.grantRead(this.handler.role, `${UPLOAD_PREFIX}*`);
    this.handler.suppressRolePolicyFindings([
      {
        id: 'AwsSolutions-IAM5',
        reason: `The function reads whichever file is uploaded under ${UPLOAD_PREFIX}; the wildcard is that key, inside the prefix.`,
        appliesTo: [`Resource::${nagFinding(this.handler, this.bucket.arnForObjects(`${UPLOAD_PREFIX}*`))}`],
      },
      { id: 'AwsSolutions-IAM5', reason: 'CDK grants S3 reads as the action wildcards s3:GetObject*, s3:GetBucket* and s3:List* on this bucket only.', appliesTo: ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*'] },
    ]);

    const target = new targets.LambdaFunction(this.handler.function, { deadLetterQueue: this.handler.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(6) });
    // S3 sends to the account's default bus; the pattern names this bucket and the prefix.
    this.objectCreatedRule = new events.Rule(this, 'ObjectCreated', {
      description: 'forestall: inventory uploaded -> streamed import',
      eventPattern: toCdkEventPattern(objectCreatedPattern(this.bucket.bucketName, UPLOAD_PREFIX)),
      targets: [target],
    });
    this.continuationRule = props.bus.addRule('InventoryUploadContinued', 'inventoryUploadContinued', {
      description: "forestall: this account's running inventory upload -> go on from the checkpoint",
      targets: [target],
    });
  }
}
