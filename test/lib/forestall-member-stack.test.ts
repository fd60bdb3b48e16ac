import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { actuatorDefinition } from '../../functions/actuators/registry.ts';
import { compileEventPattern } from '../../functions/routing/event-pattern.ts';
import { EventPatterns } from '../../functions/routing/rules.ts';
import { DEFAULT_MEMBER_ROLE_NAME, ForestallMemberStack, MEMBER_ACTUATOR } from '../../lib/forestall-member-stack.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */

const CENTRAL = '111111111111';
const MEMBER = { account: '222222222222', region: 'eu-west-1' };

function memberStack(props: Partial<ConstructorParameters<typeof ForestallMemberStack>[2]> = {}) {
  const app = new App();
  const stack = new ForestallMemberStack(app, 'ForestallMember', { env: MEMBER, centralAccountId: CENTRAL, ...props });
  Aspects.of(app).add(new AwsSolutionsChecks());
  const template = Template.fromStack(stack);
  const [role] = Object.values(template.findResources('AWS::IAM::Role')) as any[];
  return { stack, template, role };
}

function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value.Ref) return `\${${value.Ref}}`;
  if (value['Fn::Join']) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

describe('ForestallMember stack', () => {
  it('creates one role trusted by the central account only for principals tagged as the EC2 actuator', () => {
    const { template, role } = memberStack();
    template.resourceCountIs('AWS::IAM::Role', 1);
    expect(role.Properties.RoleName).toBe(DEFAULT_MEMBER_ROLE_NAME);
    const [trust, ...others] = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(trust.Action).toBe('sts:AssumeRole');
    expect(render(trust.Principal.AWS)).toBe(`arn:\${AWS::Partition}:iam::${CENTRAL}:root`);
    expect(trust.Condition).toEqual({ StringEquals: { 'aws:PrincipalTag/forestall:actuator': MEMBER_ACTUATOR } });
  });

  it("allows exactly the EC2 statements of the registry's ec2-security-group definition, in this account", () => {
    const settings = { securityGroupRegions: 'eu-west-1,eu-central-1', securityGroupTag: 'forestall:managed=true', ec2MemberRoleName: 'forestall-ec2' };
    const { role } = memberStack({ roleName: 'forestall-ec2', actuatorSettings: settings });
    expect(role.Properties.RoleName).toBe('forestall-ec2');
    const definition = actuatorDefinition(MEMBER_ACTUATOR)!;
    expect(definition, 'the registry lists ec2-security-group').toBeDefined();
    const expected = definition.deployment
      .permissions!(settings, { account: MEMBER.account, region: MEMBER.region })
      .filter((statement) => statement.actions.every((action) => action.startsWith('ec2:')));
    expect(expected.length).toBeGreaterThan(0);
    const statements: any[] = role.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement);
    expect(statements.map((s) => s.Sid).sort()).toEqual(expected.map((s) => s.sid).sort());
    for (const statement of expected) {
      const actual = statements.find((s) => s.Sid === statement.sid);
      expect([actual.Action].flat().sort(), statement.sid).toEqual([...statement.actions].sort());
      const templates = statement.resources.map((resource) =>
        resource.replaceAll('${Partition}', '${AWS::Partition}').replaceAll('${Account}', MEMBER.account).replaceAll('${Region}', MEMBER.region),
      );
      expect([actual.Resource].flat().map(render).sort(), statement.sid).toEqual(templates.sort());
      expect(actual.Condition, statement.sid).toEqual(statement.conditions);
    }
    // Assuming roles is the central function's business, never this role's.
    expect(statements.flatMap((s) => [s.Action].flat()).filter((action: string) => !action.startsWith('ec2:'))).toEqual([]);
  });

  it('passes cdk-nag AwsSolutions, each wildcard suppressed with the definition reason', () => {
    for (const env of [MEMBER, undefined]) {
      const { stack } = memberStack({ env, actuatorSettings: { securityGroupRegions: 'eu-west-1,us-east-2' } });
      expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), String(env)).toEqual([]);
    }
  });

  it('outputs the role ARN and refuses a malformed central account, role name or setting', () => {
    memberStack().template.hasOutput('RoleArn', {});
    expect(() => memberStack({ centralAccountId: '1234' })).toThrow(/centralAccountId "1234" is not a 12-digit AWS account id/);
    expect(() => memberStack({ roleName: 'bad/name' })).toThrow(/roleName "bad\/name" is not an IAM role name/);
    expect(() => memberStack({ actuatorSettings: { securityGroupRegions: 'moon' } })).toThrow(/region.*"moon"|"moon".*region/);
  });
});

describe('ForestallMember role name', () => {
  it("takes the name from the actuator's role-name setting, and warns when the central stack would not know it", () => {
    const definition = actuatorDefinition(MEMBER_ACTUATOR)!;
    const roleSetting = definition.deployment.settings.find((setting) => setting.kind === 'role-name')!;
    const named = memberStack({ actuatorSettings: { [roleSetting.key]: 'forestall-sg' } });
    expect(named.role.Properties.RoleName).toBe('forestall-sg');
    expect(Annotations.fromStack(named.stack).findWarning('*', Match.stringLikeRegexp('forestall:'))).toEqual([]);
    const unnamed = memberStack();
    const warnings = Annotations.fromStack(unnamed.stack).findWarning('*', Match.stringLikeRegexp(`forestall:${roleSetting.key}`));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.entry.data)).toContain(`"${DEFAULT_MEMBER_ROLE_NAME}"`);
  });
});

describe('ForestallMember stack forwarding findings', () => {
  const BUS_ARN = `arn:aws:events:eu-west-1:${CENTRAL}:event-bus/forestall`;

  it('forwards Inspector and Security Hub findings from the default bus to the central bus, with a role allowed only that', () => {
    const { stack, template } = memberStack({ findingsBusArn: BUS_ARN });
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as any[];
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    // The default bus (no EventBusName), the central rule's own pattern.
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern).toEqual(JSON.parse(JSON.stringify(EventPatterns.cloudFindings)));
    const [target, ...others] = rule.Properties.Targets;
    expect(others).toEqual([]);
    expect(target.Arn).toBe(BUS_ARN);
    expect(target.Input ?? target.InputPath ?? target.InputTransformer).toBeUndefined();

    const roleId = target.RoleArn['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } }),
    ]);
    const statements = (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .filter((policy) => policy.Properties.Roles.some((ref: any) => ref.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([expect.objectContaining({ Action: 'events:PutEvents', Effect: 'Allow', Resource: BUS_ARN })]);
    template.hasOutput('FindingsRuleArn', {});
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it("forwards the findings AWS sends and nothing else (EventBridge keeps the member's account on them)", () => {
    const { template } = memberStack({ findingsBusArn: BUS_ARN });
    const [rule] = Object.values(template.findResources('AWS::Events::Rule')) as any[];
    const forwards = compileEventPattern(rule.Properties.EventPattern);
    const event = (source: string, detailType: string) => ({ version: '0', id: 'e1', source, 'detail-type': detailType, account: MEMBER.account, region: 'eu-west-1', time: '2026-11-30T10:00:00Z', resources: [], detail: {} });
    expect(forwards(event('aws.inspector2', 'Inspector2 Finding'))).toBe(true);
    expect(forwards(event('aws.securityhub', 'Security Hub Findings - Imported'))).toBe(true);
    expect(forwards(event('aws.inspector2', 'Inspector2 Coverage'))).toBe(false);
    expect(forwards(event('forestall', 'Inspector2 Finding'))).toBe(false);
  });

  it('creates no rule without findingsBusArn, and refuses a bus ARN that is malformed or outside the central account', () => {
    const { template } = memberStack();
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::IAM::Role', 1);
    expect(() => memberStack({ findingsBusArn: 'forestall' })).toThrow(/findingsBusArn "forestall" is not an EventBridge event bus ARN/);
    expect(() => memberStack({ findingsBusArn: 'arn:aws:sns:eu-west-1:111111111111:forestall' })).toThrow(/is not an EventBridge event bus ARN/);
    expect(() => memberStack({ findingsBusArn: 'arn:aws:events:eu-west-1:999999999999:event-bus/forestall' })).toThrow(
      /findingsBusArn is in account 999999999999, not the central account 111111111111/,
    );
  });
});
