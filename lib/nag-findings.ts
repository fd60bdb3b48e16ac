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

/**
 * How cdk-nag writes a value in a finding (`Resource::<this>`): the value resolved to CloudFormation and
 * flattened as cdk-nag's own `flattenCfnReference` does (`Ref` -> `<Id>`, `Fn::GetAtt` -> `<Id.Attr>`,
 * `Fn::Join` joined, `${...}` -> `<...>`). Lets `appliesTo` name a token-built ARN exactly.
 */
export function nagFinding(scope: IConstruct, value: unknown): string {
  return flattenReference(Stack.of(scope).resolve(value));
}

function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (Array.isArray(record['Fn::Join'])) {
      const [delimiter, items] = record['Fn::Join'] as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if (record['Fn::Sub'] !== undefined) return flattenReference(record['Fn::Sub']);
    if (Array.isArray(record['Fn::GetAtt'])) {
      const [resource, attribute] = record['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
    }
    if (record['Fn::ImportValue'] !== undefined) return flattenReference(record['Fn::ImportValue']);
    if (record.Ref !== undefined) return `<${flattenReference(record.Ref)}>`;
  }
  return JSON.stringify(node);
}
