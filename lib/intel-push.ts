import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { ForestallBus } from './forestall-bus.ts';
import { ForestallFunction } from './forestall-function.ts';
import type { ForestallTable } from './forestall-table.ts';
import type { IntelArchive } from './intel-archive.ts';
import { IntelWebhook, type IntelWebhookThrottle } from './intel-webhook.ts';
import { findingArn } from './nag-findings.ts';

/** Properties of {@link IntelPush}. */
export interface IntelPushProps {
  readonly table: ForestallTable;
  readonly bus: ForestallBus;
  readonly archive?: IntelArchive;
  /**
   * Tenant signing secrets are the Secrets Manager secrets named `<prefix><tenant>`.
   * @default 'forestall/webhook/'
   */
  readonly secretPrefix?: string;
  readonly throttle?: IntelWebhookThrottle;
  readonly logEncryptionKey?: kms.IKey;
}

const SECRET_PREFIX = /^[A-Za-z0-9/_+=.@-]{1,448}$/;

/**
 * The signed intel webhook: `POST /intel/{tenant}` behind API Gateway with WAF and throttling, answered
 * by a function that checks the tenant's HMAC signature and stores the push like any other intel.
 */
export class IntelPush extends Construct {
  readonly handler: ForestallFunction;
  readonly webhook: IntelWebhook;

  constructor(scope: Construct, id: string, props: IntelPushProps) {
    super(scope, id);
    const secretPrefix = props.secretPrefix ?? 'forestall/webhook/';
    if (!SECRET_PREFIX.test(secretPrefix) || secretPrefix.startsWith('arn:')) {
      throw new Error(`IntelPush: secretPrefix "${secretPrefix}" is not a Secrets Manager name prefix (like forestall/webhook/)`);
    }
    this.handler = new ForestallFunction(this, 'Function', {
      entry: 'functions/webhook/intel-webhook.handler.ts',
      serviceName: 'intel-webhook',
      description: 'Checks signed intel pushes and stores them',
      memorySize: 1024,
      timeout: Duration.seconds(29),
      logEncryptionKey: props.logEncryptionKey,
      environment: { WEBHOOK_SECRET_PREFIX: secretPrefix },
    });
    props.table.grantReadWrite(this.handler);
    props.bus.grantPutEvents(this.handler);
    props.archive?.grantArchive(this.handler, 'push');
    // Tenants are added by creating secrets under the prefix, without redeploying.
    const secretsUnderPrefix = `secret:${secretPrefix}*`;
    this.handler.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [Stack.of(this).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${secretPrefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );
    this.handler.suppressRolePolicyFindings([
      {
        id: 'AwsSolutions-IAM5',
        reason: `Each tenant's signing secret is ${secretPrefix}<tenant>; the wildcard stands for the tenant and the random suffix Secrets Manager adds, within that prefix only.`,
        appliesTo: [`Resource::${findingArn(this, 'secretsmanager', `${secretsUnderPrefix}`)}`],
      },
    ]);
    this.webhook = new IntelWebhook(this, 'Webhook', {
      handler: this.handler.function,
      ...(props.throttle ? { throttle: props.throttle } : {}),
      ...(props.logEncryptionKey ? { logEncryptionKey: props.logEncryptionKey } : {}),
    });
    // API Gateway adds an undescribed output of the stage URL; the stack outputs the webhook URL itself.
    this.webhook.api.node.tryRemoveChild('Endpoint');
  }
}
