import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { SIGNATURE_REFUSED } from '../functions/webhook/receive-intel.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../functions/webhook/webhook-signature.ts';
import { validateTenantId } from './construct-validation.ts';
import { ForestallLogsKey } from './forestall-logs-key.ts';

/** Stage throttling for every sender together. */
export interface IntelWebhookThrottle {
  /** Steady requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst above the steady rate. */
  readonly burstLimit: number;
}

/** Properties of {@link IntelWebhook}. */
export interface IntelWebhookProps {
  /** The function behind `POST /intel/{tenant}` (`functions/webhook/intel-webhook.handler.ts`). */
  readonly handler: lambda.IFunction;
  /**
   * Stage throttling.
   * @default { rateLimit: 20, burstLimit: 40 }
   */
  readonly throttle?: IntelWebhookThrottle;
  /**
   * Requests one IP address may send per 5 minutes before the web ACL blocks it (10 - 2,000,000,000).
   * @default 300
   */
  readonly requestsPerIpPerFiveMinutes?: number;
  /**
   * Key for the access log group.
   * @default - a new ForestallLogsKey
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * How long access logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The stage senders call: `<api url>/intel/<tenant>` is `https://<id>.execute-api.<region>.amazonaws.com/v1/intel/<tenant>`. */
export const INTEL_WEBHOOK_STAGE = 'v1';

/**
 * Rules of the AWS common rule set that inspect the body. Intel is made of attack strings (malicious URLs,
 * script payloads, traversal paths), so these would block the very documents the webhook exists for; they
 * count instead of blocking. The body is authenticated by its HMAC and only ever parsed as data.
 */
export const BODY_RULES_COUNTED = [
  'SizeRestrictions_BODY',
  'CrossSiteScripting_BODY',
  'GenericLFI_BODY',
  'GenericRFI_BODY',
  'EC2MetaDataSSRF_BODY',
] as const;

/**
 * The intel webhook's front door: a regional REST API with one `POST /intel/{tenant}` Lambda proxy
 * resource, stage throttling, JSON access logs in a KMS-encrypted log group, execution logs at ERROR
 * (never bodies), X-Ray tracing, a request validator that refuses unsigned requests before the function
 * runs, an alarm on 5XX answers, and a WAFv2 web ACL (AWS common rule set, per-IP rate limit) on the stage.
 * Authentication is the HMAC signature the function checks per tenant.
 */
export class IntelWebhook extends Construct {
  readonly api: apigateway.RestApi;
  readonly webAcl: wafv2.CfnWebACL;
  readonly accessLogGroup: logs.LogGroup;
  /** Fires when the API answers 5XX (the function answers its own failures with 500 instead of failing). */
  readonly serverErrorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: IntelWebhookProps) {
    super(scope, id);
    const throttle = props.throttle ?? { rateLimit: 20, burstLimit: 40 };
    validateThrottle(throttle);
    const perIpLimit = props.requestsPerIpPerFiveMinutes ?? 300;
    if (!Number.isInteger(perIpLimit) || perIpLimit < 10 || perIpLimit > 2_000_000_000) {
      throw new Error(`IntelWebhook: requestsPerIpPerFiveMinutes must be an integer between 10 and 2000000000, got ${perIpLimit}`);
    }

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.logEncryptionKey ?? new ForestallLogsKey(this, 'LogsKey').key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: 'forestall-intel-webhook',
      description: 'forestall: signed intel pushed by other systems (POST /intel/{tenant})',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Every body is passed base64-encoded, so the function verifies the signature over the exact bytes sent.
      binaryMediaTypes: ['*/*'],
      // Execution logging needs API Gateway's account-level CloudWatch role.
      cloudWatchRole: true,
      deployOptions: {
        stageName: INTEL_WEBHOOK_STAGE,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Bodies are intel and signatures: never in logs.
        dataTraceEnabled: false,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });

    const validator = this.api.addRequestValidator('SignedRequests', {
      requestValidatorName: 'signed-requests',
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const method = this.api.root
      .addResource('intel')
      .addResource('{tenant}')
      .addMethod('POST', new apigateway.LambdaIntegration(props.handler, { proxy: true }), {
        authorizationType: apigateway.AuthorizationType.NONE,
        requestValidator: validator,
        requestParameters: {
          'method.request.path.tenant': true,
          [`method.request.header.${TIMESTAMP_HEADER}`]: true,
          [`method.request.header.${SIGNATURE_HEADER}`]: true,
        },
      });

    // API Gateway's own refusals, worded like the function's: a request without the signature headers is
    // a 401 with the function's message, any other path a 404.
    this.api.addGatewayResponse('UnsignedRequest', {
      type: apigateway.ResponseType.BAD_REQUEST_PARAMETERS,
      statusCode: '401',
      templates: { 'application/json': JSON.stringify({ error: SIGNATURE_REFUSED }) },
    });
    this.api.addGatewayResponse('UnknownPath', {
      type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
      statusCode: '404',
      templates: { 'application/json': JSON.stringify({ error: 'not found' }) },
    });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'forestall intel webhook: AWS common rule set and a per-IP rate limit',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('forestall-intel-webhook'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: perIpLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('forestall-intel-webhook-rate-limit'),
        },
        {
          name: 'AWSManagedRulesCommonRuleSet',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              ruleActionOverrides: BODY_RULES_COUNTED.map((name) => ({ name, actionToUse: { count: {} } })),
            },
          },
          visibilityConfig: visibility('forestall-intel-webhook-common-rules'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    this.serverErrorsAlarm = new cloudwatch.Alarm(this, 'ServerErrorsAlarm', {
      alarmDescription: 'forestall intel-webhook: the API answered 5XX (the function failed or could not be reached)',
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    NagSuppressions.addResourceSuppressions(method, [
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Authentication is the per-tenant HMAC-SHA256 signature (X-Forestall-Signature over timestamp and body, 5-minute window) checked by the function; senders are other systems that cannot use IAM SigV4 or Cognito.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Senders are other systems authenticated by a per-tenant HMAC signature checked in the function, not users of a Cognito user pool.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(
      this.api.node.findChild('CloudWatchRole'),
      [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            "API Gateway's account-level CloudWatch role uses the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy, the documented policy for execution logging; the role can only be assumed by API Gateway.",
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
        },
      ],
      true,
    );
  }

  /** The URL a tenant's sender posts to. */
  urlForTenant(tenant: string): string {
    return this.api.urlForPath(`/intel/${validateTenantId('IntelWebhook', tenant)}`);
  }
}

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true };
}

function validateThrottle(throttle: IntelWebhookThrottle): void {
  if (!(Number.isFinite(throttle.rateLimit) && throttle.rateLimit > 0 && throttle.rateLimit <= 10_000)) {
    throw new Error(`IntelWebhook: throttle.rateLimit must be above 0 and at most 10000 requests per second, got ${throttle.rateLimit}`);
  }
  if (!(Number.isInteger(throttle.burstLimit) && throttle.burstLimit >= 1 && throttle.burstLimit <= 5000)) {
    throw new Error(`IntelWebhook: throttle.burstLimit must be an integer between 1 and 5000, got ${throttle.burstLimit}`);
  }
}
