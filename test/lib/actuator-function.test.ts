import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { ActuatorDefinition, PermissionStatement } from '../../functions/action-kernel/actuator-definition.ts';
import { ACTUATORS } from '../../functions/actuators/registry.ts';
import { ActuatorFunction } from '../../lib/actuator-function.ts';
import { Actuators } from '../../lib/actuators.ts';
import { tenantPolicySettings } from '../../lib/construct-validation.ts';
import { ForestallBus } from '../../lib/forestall-bus.ts';
import { ForestallTable } from '../../lib/forestall-table.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */

// These tests look at IAM, environment and annotations, not bundles: bundling is skipped.
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const policies = tenantPolicySettings('Test', { maxAssetsPerRun: 5 }, { acme: { mode: 'enforce' } });

/** A made-up actuator using every setting kind, two secrets and each kind of wildcard. */
function testDefinition(overrides: Partial<ActuatorDefinition['deployment']> = {}): ActuatorDefinition<any> {
  const base = ACTUATORS[0]!;
  return {
    ...base,
    name: 'test-widget',
    deployment: {
      ...base.deployment,
      // Any existing handler: the function is not bundled here.
      handler: base.deployment.handler,
      description: 'Quarantines widgets',
      timeoutSeconds: 45,
      settings: [
        { key: 'widgetUrl', variable: 'WIDGET_URL', kind: 'https-url', description: 'Widget API', default: 'https://widgets.example.com' },
        { key: 'widgetOrgUrl', variable: 'WIDGET_ORG_URL', kind: 'https-url', description: 'Widget org URL' },
        { key: 'widgetRegions', variable: 'WIDGET_REGIONS', kind: 'list', description: 'regions', optional: true },
        { key: 'widgetTag', variable: 'WIDGET_TAG', kind: 'tag', description: 'tag', optional: true },
        { key: 'widgetRole', variable: 'WIDGET_ROLE', kind: 'role-name', description: 'role', optional: true },
        { key: 'widgetMode', variable: 'WIDGET_MODE', kind: 'string', description: 'mode', default: 'fast' },
      ],
      secrets: [
        { prefix: 'WIDGET_CLIENT', key: 'widgetClientSecretName', defaultName: 'forestall/widget/client', description: 'client' },
        { prefix: 'WIDGET_WEBHOOK', key: 'widgetWebhookSecretName', defaultName: 'forestall/widget/webhook', description: 'webhook' },
      ],
      permissions: (settings, stack): PermissionStatement[] => {
        const regions = (settings.widgetRegions ?? stack.region).split(',');
        return [
          { sid: 'DescribeWidgets', actions: ['widget:Describe*'], resources: ['*'], wildcardReason: 'Describe has no resource-level permissions.' },
          {
            sid: 'QuarantineWidgets',
            actions: ['widget:Quarantine', 'widget:Release'],
            resources: regions.map((region) => `arn:\${Partition}:widget:${region}:\${Account}:widget/*`),
            conditions: { StringEquals: { 'aws:ResourceAccount': '${Account}' } },
            wildcardReason: 'Widgets are chosen at run time.',
          },
          { sid: 'ReadConfig', actions: ['widget:GetConfig'], resources: ['arn:${Partition}:widget:${Region}:${Account}:config/main'] },
        ];
      },
      ...overrides,
    },
  };
}

function build(props: { settings?: Record<string, string>; definition?: ActuatorDefinition<any>; env?: { account: string; region: string } } = {}) {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'ActuatorTest', props.env ? { env: props.env } : {});
  const table = new ForestallTable(stack, 'Table');
  const bus = new ForestallBus(stack, 'Bus');
  const actuator = new ActuatorFunction(stack, 'Widget', { definition: props.definition ?? testDefinition(), table, bus, settings: props.settings, policies });
  Aspects.of(app).add(new AwsSolutionsChecks());
  const template = Template.fromStack(stack);
  return { app, stack, actuator, template, resources: template.toJSON().Resources as Record<string, any> };
}

function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value.Ref) return `\${${value.Ref}}`;
  if (value['Fn::GetAtt']) return `\${${value['Fn::GetAtt'].join('.')}}`;
  if (value['Fn::Join']) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

function roleStatements(resources: Record<string, any>): any[] {
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('ActuatorFunction', () => {
  it('builds the function from the definition: handler settings, timeout, description, policies and the account', () => {
    const { resources } = build({ settings: { widgetOrgUrl: 'https://acme.widgets.example.com', widgetTag: 'team=sec', widgetRole: 'forestall-widget' } });
    const [fn] = Object.values(resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(fn.Properties.Timeout).toBe(45);
    expect(fn.Properties.Description).toBe('Quarantines widgets');
    const env = fn.Properties.Environment.Variables;
    expect(env.POWERTOOLS_SERVICE_NAME).toBe('actuator-test-widget');
    expect(env.WIDGET_URL).toBe('https://widgets.example.com');
    expect(env.WIDGET_ORG_URL).toBe('https://acme.widgets.example.com');
    expect(env.WIDGET_TAG).toBe('team=sec');
    expect(env.WIDGET_ROLE).toBe('forestall-widget');
    expect(env.WIDGET_MODE).toBe('fast');
    expect(env.WIDGET_REGIONS).toBeUndefined();
    expect(env.GUARDRAILS).toBe(policies.guardrailsJson);
    expect(JSON.parse(env.TENANT_POLICIES)).toEqual({ acme: { mode: 'enforce' } });
    expect(env.FORESTALL_ACCOUNT_ID).toEqual({ Ref: 'AWS::AccountId' });
    expect(render(env.TABLE_NAME)).toMatch(/^\$\{Table/);
    expect(render(env.EVENT_BUS_NAME)).toMatch(/^\$\{Bus/);
    expect(render(env.WIDGET_CLIENT_SECRET_ARN)).toMatch(/:secret:forestall\/widget\/client$/);
    expect(render(env.WIDGET_WEBHOOK_SECRET_ARN)).toMatch(/:secret:forestall\/widget\/webhook$/);
  });

  it('turns permissions() into role statements with the stack partition, region and account, and cdk-nag accepts them', () => {
    const { stack, resources } = build({ settings: { widgetOrgUrl: 'https://acme.widgets.example.com', widgetRegions: 'eu-west-1, eu-central-1' } });
    const statements = roleStatements(resources);
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);
    expect(bySid('DescribeWidgets')).toMatchObject({ Action: 'widget:Describe*', Resource: '*' });
    expect(bySid('QuarantineWidgets').Resource.map(render).sort()).toEqual(
      ['arn:${AWS::Partition}:widget:eu-central-1:${AWS::AccountId}:widget/*', 'arn:${AWS::Partition}:widget:eu-west-1:${AWS::AccountId}:widget/*'].sort(),
    );
    expect(bySid('QuarantineWidgets').Condition).toEqual({ StringEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } } });
    expect(render(bySid('ReadConfig').Resource)).toBe('arn:${AWS::Partition}:widget:${AWS::Region}:${AWS::AccountId}:config/main');
    // Its own secrets by name, read/write on the table, PutEvents on the bus.
    const reads = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).flatMap((s) => [s.Resource].flat().map(render));
    expect(reads.sort()).toEqual([expect.stringMatching(/secret:forestall\/widget\/client-\?{6}$/), expect.stringMatching(/secret:forestall\/widget\/webhook-\?{6}$/)]);
    expect(statements.some((s) => [s.Action].flat().includes('dynamodb:PutItem'))).toBe(true);
    expect(statements.some((s) => [s.Action].flat().includes('events:PutEvents'))).toBe(true);
    // Every wildcard carries the definition's reason.
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    const roleSuppressions = JSON.stringify(Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy').map((r) => r.Metadata));
    expect(roleSuppressions).toContain('Describe has no resource-level permissions.');
    expect(roleSuppressions).toContain('QuarantineWidgets: Widgets are chosen at run time.');
  });

  it('tags its role with the actuator name, which member-account roles trust', () => {
    const { resources } = build();
    const [role] = Object.values(resources).filter((resource) => resource.Type === 'AWS::IAM::Role');
    expect(role.Properties.Tags).toEqual([{ Key: 'forestall:actuator', Value: 'test-widget' }]);
  });

  it('warns, naming the context key, when a required setting without a default is not configured', () => {
    const { stack } = build();
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('forestall:widgetOrgUrl'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.entry.data)).toMatch(/No WIDGET_ORG_URL configured \(context forestall:widgetOrgUrl.*the test-widget actuator will fail at start/);
  });

  it('checks setting values by kind before bundling, naming the key', () => {
    const fails = (settings: Record<string, string>) => () => build({ settings });
    expect(fails({ widgetOrgUrl: 'http://acme.example.com' })).toThrow(/ActuatorFunction\(test-widget\): widgetOrgUrl must be an https URL/);
    expect(fails({ widgetUrl: 'not a url' })).toThrow(/widgetUrl is not a URL/);
    expect(fails({ widgetTag: 'no-equals-sign' })).toThrow(/widgetTag must be key=value, got "no-equals-sign"/);
    expect(fails({ widgetTag: 'aws:reserved=x' })).toThrow(/widgetTag: "aws:reserved" is not a valid tag key/);
    expect(fails({ widgetRole: 'role/with/slashes' })).toThrow(/widgetRole "role\/with\/slashes" is not an IAM role name/);
    expect(fails({ widgetRegions: 'eu-west-1,two words' })).toThrow(/widgetRegions must be a comma-separated list of names, got \["two words"\]/);
    expect(fails({ widgetMode: 'a\u0007b' })).toThrow(/widgetMode contains control characters/);
    expect(fails({ widgetClientSecretName: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf' })).toThrow(
      /widgetClientSecretName must be a secret name, not an ARN/,
    );
    expect(fails({ widgetWebhookSecretName: 'forestall/widget-abcdef' })).toThrow(/ends like a random ARN suffix/);
  });

  it('refuses a region that is no region, through the ARNs the definition builds from it', () => {
    expect(() => build({ settings: { widgetRegions: 'eu-west-1,moon' } })).toThrow(
      /statement QuarantineWidgets: resource "arn:\$\{Partition\}:widget:moon:\$\{Account\}:widget\/\*": "moon" is not an AWS region name/,
    );
  });

  it('refuses a wildcard without a reason and a placeholder it does not know', () => {
    const withStatements = (statements: PermissionStatement[]) => testDefinition({ permissions: () => statements });
    expect(() => build({ definition: withStatements([{ sid: 'All', actions: ['widget:Get'], resources: ['*'] }]) })).toThrow(
      /statement All uses a wildcard \(\*\) without a wildcardReason/,
    );
    expect(() => build({ definition: withStatements([{ sid: 'Star', actions: ['widget:*'], resources: ['arn:${Partition}:widget:${Region}:${Account}:w/1'] }]) })).toThrow(
      /statement Star uses a wildcard \(widget:\*\) without a wildcardReason/,
    );
    expect(() => build({ definition: withStatements([{ sid: 'Typo', actions: ['widget:Get'], resources: ['arn:${Partition}:widget:${Region}:${Acount}:w/1'] }]) })).toThrow(
      /uses \$\{Acount\}; only \$\{Partition\}, \$\{Region\} and \$\{Account\} are substituted/,
    );
  });

  it('names cdk-nag findings with the literal region and account in a concrete stack', () => {
    const { stack, resources } = build({ env: { account: '123456789012', region: 'eu-west-1' } });
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    const quarantine = roleStatements(resources).find((statement) => statement.Sid === 'QuarantineWidgets');
    expect(render(quarantine.Resource)).toBe('arn:${AWS::Partition}:widget:eu-west-1:123456789012:widget/*');
  });
});

describe('Actuators', () => {
  it('builds one ActuatorFunction per registry entry, by name, in registry order', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'ActuatorsTest');
    const actuators = new Actuators(stack, 'Actuators', { table: new ForestallTable(stack, 'Table'), bus: new ForestallBus(stack, 'Bus'), policies });
    expect(actuators.all.map((actuator) => actuator.definition.name)).toEqual(ACTUATORS.map((definition) => definition.name));
    expect([...actuators.byName.keys()]).toEqual(ACTUATORS.map((definition) => definition.name));
    expect(Object.keys(actuators.functionArns())).toEqual(ACTUATORS.map((definition) => definition.name));
  });

  it('refuses settings no actuator declares and actuators named twice', () => {
    const app = new App({ context: NO_BUNDLING });
    const stack = new Stack(app, 'ActuatorsTest');
    const deps = { table: new ForestallTable(stack, 'Table'), bus: new ForestallBus(stack, 'Bus'), policies };
    expect(() => new Actuators(stack, 'A', { ...deps, settings: { noSuchSetting: 'x' } })).toThrow(/no actuator declares the setting noSuchSetting/);
    expect(() => new Actuators(stack, 'B', { ...deps, definitions: [testDefinition(), testDefinition()] })).toThrow(/test-widget appears twice/);
  });
});
