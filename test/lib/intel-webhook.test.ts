import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { BODY_RULES_COUNTED, IntelWebhook, type IntelWebhookProps } from '../../lib/intel-webhook.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */

/** A stand-in for the webhook function: the construct only needs something to integrate with. */
function webhookStack(props: Omit<IntelWebhookProps, 'handler'> = {}) {
  const app = new App();
  const stack = new Stack(app, 'WebhookTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const handler = new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('export const handler = async () => ({ statusCode: 202, body: "{}" });'),
  });
  const webhook = new IntelWebhook(stack, 'Webhook', { handler, ...props });
  return { app, stack, handler, webhook };
}

const only = (resources: Record<string, any>) => {
  const values = Object.values(resources);
  expect(values).toHaveLength(1);
  return values[0];
};

describe('IntelWebhook', () => {
  let template: Template;
  let resources: Record<string, any>;
  let built: ReturnType<typeof webhookStack>;

  beforeAll(() => {
    built = webhookStack();
    Aspects.of(built.app).add(new AwsSolutionsChecks({ verbose: true }));
    template = Template.fromStack(built.stack);
    resources = template.toJSON().Resources;
  });

  it('is a regional REST API with exactly one method: POST /intel/{tenant}, a Lambda proxy', () => {
    const api = only(template.findResources('AWS::ApiGateway::RestApi'));
    expect(api.Properties.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    expect(api.Properties.BinaryMediaTypes).toEqual(['*/*']);
    const paths = Object.values(template.findResources('AWS::ApiGateway::Resource')).map((resource: any) => resource.Properties.PathPart);
    expect(paths.sort()).toEqual(['intel', '{tenant}']);
    const method = only(template.findResources('AWS::ApiGateway::Method'));
    expect(method.Properties).toMatchObject({
      HttpMethod: 'POST',
      AuthorizationType: 'NONE',
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
      RequestParameters: {
        'method.request.path.tenant': true,
        'method.request.header.X-Forestall-Timestamp': true,
        'method.request.header.X-Forestall-Signature': true,
      },
    });
    const validatorId = method.Properties.RequestValidatorId.Ref;
    expect(resources[validatorId]).toMatchObject({
      Type: 'AWS::ApiGateway::RequestValidator',
      Properties: { ValidateRequestBody: true, ValidateRequestParameters: true },
    });
    // API Gateway may invoke the function for that method only.
    const handlerId = Object.keys(template.findResources('AWS::Lambda::Function'))[0]!;
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as any[];
    expect(permissions.length).toBeGreaterThan(0);
    for (const permission of permissions) {
      expect(permission.Properties.FunctionName).toEqual({ 'Fn::GetAtt': [handlerId, 'Arn'] });
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain('/POST/intel/*');
    }
  });

  it('throttles the stage at 20 rps with bursts of 40, traces with X-Ray and logs without bodies', () => {
    const stage = only(template.findResources('AWS::ApiGateway::Stage'));
    expect(stage.Properties).toMatchObject({ StageName: 'v1', TracingEnabled: true });
    expect(stage.Properties.MethodSettings).toEqual([
      {
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: 20,
        ThrottlingBurstLimit: 40,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        MetricsEnabled: true,
      },
    ]);
    const logGroupId = stage.Properties.AccessLogSetting.DestinationArn['Fn::GetAtt'][0];
    const logGroup = resources[logGroupId];
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(90);
    const keyId = logGroup.Properties.KmsKeyId['Fn::GetAtt'][0];
    expect(resources[keyId]).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } });
    expect(JSON.parse(stage.Properties.AccessLogSetting.Format)).toMatchObject({ requestId: '$context.requestId', ip: '$context.identity.sourceIp', status: '$context.status' });
  });

  it('associates a regional web ACL with the stage: per-IP rate limit and the AWS common rule set, body rules counted', () => {
    const acl = only(template.findResources('AWS::WAFv2::WebACL'));
    expect(acl.Properties.Scope).toBe('REGIONAL');
    expect(acl.Properties.DefaultAction).toEqual({ Allow: {} });
    const [rateRule, commonRules] = acl.Properties.Rules;
    expect(rateRule).toMatchObject({
      Name: 'RateLimitPerIp',
      Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: 300, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
    });
    expect(commonRules.Statement.ManagedRuleGroupStatement).toMatchObject({ VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' });
    expect(commonRules.OverrideAction).toEqual({ None: {} });
    expect(commonRules.Statement.ManagedRuleGroupStatement.RuleActionOverrides).toEqual(
      BODY_RULES_COUNTED.map((name) => ({ Name: name, ActionToUse: { Count: {} } })),
    );

    const association = only(template.findResources('AWS::WAFv2::WebACLAssociation'));
    const aclId = Object.keys(template.findResources('AWS::WAFv2::WebACL'))[0]!;
    const stageId = Object.keys(template.findResources('AWS::ApiGateway::Stage'))[0]!;
    const apiId = Object.keys(template.findResources('AWS::ApiGateway::RestApi'))[0]!;
    expect(association.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    const arn = JSON.stringify(association.Properties.ResourceArn);
    expect(arn).toContain(`{"Ref":"${apiId}"}`);
    expect(arn).toContain('/stages/');
    expect(arn).toContain(`{"Ref":"${stageId}"}`);
  });

  it('answers unsigned requests 401 and unknown paths 404 at the gateway, in the function’s words', () => {
    const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse')).map((response: any) => response.Properties);
    expect(responses).toContainEqual(
      expect.objectContaining({
        ResponseType: 'BAD_REQUEST_PARAMETERS',
        StatusCode: '401',
        ResponseTemplates: { 'application/json': '{"error":"signature missing, invalid or outside the 5-minute window"}' },
      }),
    );
    expect(responses).toContainEqual(expect.objectContaining({ ResponseType: 'MISSING_AUTHENTICATION_TOKEN', StatusCode: '404' }));
  });

  it('alarms on any 5XX answer', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Statistic: 'Sum',
      Threshold: 1,
      Dimensions: Match.arrayWith([{ Name: 'ApiName', Value: 'forestall-intel-webhook' }]),
    });
  });

  it('passes cdk-nag AwsSolutions, with written reasons for the HMAC authentication', () => {
    const findings = [
      ...Annotations.fromStack(built.stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(built.stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    const ours = findings.filter((finding) => finding.id.startsWith('/WebhookTest/Webhook/'));
    expect(ours.map((finding) => `${finding.id}: ${String(finding.entry.data).split(':')[0]}`)).toEqual([]);
    // The checks did run: the bare stand-in function outside the construct is reported.
    expect(findings.some((finding) => finding.id.startsWith('/WebhookTest/Handler/'))).toBe(true);

    const method = only(template.findResources('AWS::ApiGateway::Method'));
    const suppressed = method.Metadata.cdk_nag.rules_to_suppress as Array<{ id: string; reason: string }>;
    expect(suppressed.map((rule) => rule.id).sort()).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-COG4']);
    for (const rule of suppressed) expect(rule.reason).toMatch(/HMAC/);
  });

  it('takes other throttling and rate limits, and builds tenant URLs', () => {
    const { stack, webhook } = webhookStack({ throttle: { rateLimit: 5, burstLimit: 10 }, requestsPerIpPerFiveMinutes: 1000 });
    const custom = Template.fromStack(stack);
    const stage = only(custom.findResources('AWS::ApiGateway::Stage'));
    expect(stage.Properties.MethodSettings[0]).toMatchObject({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    const acl = only(custom.findResources('AWS::WAFv2::WebACL'));
    expect(acl.Properties.Rules[0].Statement.RateBasedStatement.Limit).toBe(1000);
    const url = JSON.stringify(stack.resolve(webhook.urlForTenant('acme')));
    expect(url).toContain('.execute-api.');
    expect(url).toMatch(/"\/intel\/acme"\]\]\}$/);
    expect(() => webhook.urlForTenant('Not A Tenant')).toThrow(/IntelWebhook: tenantId "Not A Tenant"/);
  });

  it('encrypts the access logs with a given key instead of creating one', () => {
    const app = new App();
    const stack = new Stack(app, 'WebhookKeyTest');
    const key = new kms.Key(stack, 'SharedLogsKey', { enableKeyRotation: true });
    const handler = lambda.Function.fromFunctionArn(stack, 'Handler', 'arn:aws:lambda:eu-west-1:123456789012:function:intel-webhook');
    new IntelWebhook(stack, 'Webhook', { handler, logEncryptionKey: key });
    const keyed = Template.fromStack(stack);
    keyed.resourceCountIs('AWS::KMS::Key', 1);
    const logGroup = only(keyed.findResources('AWS::Logs::LogGroup'));
    expect(logGroup.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] });
  });

  it('refuses throttling and rate limits API Gateway and WAF would reject', () => {
    expect(() => webhookStack({ throttle: { rateLimit: 0, burstLimit: 10 } })).toThrow(/throttle.rateLimit must be above 0/);
    expect(() => webhookStack({ throttle: { rateLimit: 10, burstLimit: 2.5 } })).toThrow(/throttle.burstLimit must be an integer between 1 and 5000/);
    expect(() => webhookStack({ requestsPerIpPerFiveMinutes: 5 })).toThrow(/requestsPerIpPerFiveMinutes must be an integer between 10 and 2000000000, got 5/);
  });
});
