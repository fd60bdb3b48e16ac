import { App, Aspects, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ForestallAlarms } from '../../lib/forestall-alarms.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */

const alarm = (scope: Construct, id: string) =>
  new cloudwatch.Alarm(scope, id, {
    metric: new cloudwatch.Metric({ namespace: 'forestall', metricName: id, period: Duration.minutes(5) }),
    threshold: 1,
    evaluationPeriods: 1,
  });

describe('ForestallAlarms', () => {
  it('makes every alarm under the scope notify the topic, including alarms added after it and deep in the tree', () => {
    const app = new App();
    const stack = new Stack(app, 'AlarmsTest');
    alarm(stack, 'Before');
    const alarms = new ForestallAlarms(stack, 'Alarms', { emails: ['sec@example.com'] });
    alarms.notifyEveryAlarm(stack);
    alarm(new Construct(new Construct(stack, 'A'), 'B'), 'Nested');
    const withOwnAction = alarm(stack, 'AlreadyNotifying');
    withOwnAction.addAlarmAction({ bind: () => ({ alarmActionArn: 'arn:aws:sns:eu-west-1:123456789012:elsewhere' }) });
    Aspects.of(app).add(new AwsSolutionsChecks());

    const template = Template.fromStack(stack);
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;
    const found = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(found).toHaveLength(3);
    for (const each of found) expect(each.Properties.AlarmActions).toContainEqual({ Ref: topicId });
    // Added once, next to an action the alarm already had.
    expect(found.find((a) => a.Properties.MetricName === 'AlreadyNotifying').Properties.AlarmActions).toEqual([
      'arn:aws:sns:eu-west-1:123456789012:elsewhere',
      { Ref: topicId },
    ]);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'sec@example.com', TopicArn: { Ref: topicId } });
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('encrypts the topic with a rotating customer-managed key CloudWatch may use, and refuses plain HTTP', () => {
    const stack = new Stack(new App(), 'AlarmsTest');
    new ForestallAlarms(stack, 'Alarms');
    const template = Template.fromStack(stack);
    const [topic] = Object.values(template.findResources('AWS::SNS::Topic')) as any[];
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = template.toJSON().Resources[keyId];
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const cloudwatchStatement = key.Properties.KeyPolicy.Statement.find((s: any) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect([cloudwatchStatement.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as any[];
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('refuses addresses that are not email addresses', () => {
    const stack = new Stack(new App(), 'AlarmsTest');
    expect(() => new ForestallAlarms(stack, 'A', { emails: ['not-an-address'] })).toThrow(/alarmEmails entry "not-an-address" is not an email address/);
    expect(() => new ForestallAlarms(stack, 'B', { emails: ['a@example.com', 'a@example.com'] })).toThrow(/lists an address twice/);
  });
});
