import { Stack, Token } from 'aws-cdk-lib';
import type { NagPackSuppression } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * The form cdk-nag reports an ARN of this stack's account and region in (`<AWS::Region>` while the
 * stack is environment-agnostic, the literal region once it is not), so `appliesTo` can name the
 * exact finding instead of a pattern.
 */
export function findingArn(scope: IConstruct, service: string, resource: string, region: string = Stack.of(scope).region): string {
  const stack = Stack.of(scope);
  const shownRegion = Token.isUnresolved(region) ? '<AWS::Region>' : region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `arn:<AWS::Partition>:${service}:${shownRegion}:${account}:${resource}`;
}

/**
 * `Secret.fromSecretNameV2` grants on `<name>-??????` because Secrets Manager appends a random suffix
 * to every secret ARN; the wildcard is that suffix and nothing more.
 */
export function secretReadSuppression(scope: IConstruct, secretName: string): NagPackSuppression {
  return {
    id: 'AwsSolutions-IAM5',
    reason: `Secret ${secretName} is referenced by name; the six ? characters match the random suffix Secrets Manager appends to its ARN.`,
    appliesTo: [`Resource::${findingArn(scope, 'secretsmanager', `secret:${secretName}-??????`)}`],
  };
}
