import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { findingArn } from '../../lib/nag-findings.ts';

describe('cdk-nag wiring', () => {
  it('reports an unsuppressed AwsSolutions error the way the stack test reads it', () => {
    const app = new App();
    const stack = new Stack(app, 'Unsafe');
    new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Aspects.of(app).add(new AwsSolutionsChecks());
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const ids = errors.map((error) => String(error.entry.data).split(':')[0]);
    expect(ids).toEqual(expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});

describe('findingArn', () => {
  it('spells region and account as cdk-nag does, for agnostic and concrete stacks', () => {
    const agnostic = new Stack(new App(), 'Agnostic');
    expect(findingArn(agnostic, 'ec2', 'security-group/*')).toBe(
      'arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*',
    );
    const concrete = new Stack(new App(), 'Concrete', { env: { account: '123456789012', region: 'eu-west-1' } });
    expect(findingArn(concrete, 'ec2', 'security-group/*')).toBe('arn:<AWS::Partition>:ec2:eu-west-1:123456789012:security-group/*');
  });
});
