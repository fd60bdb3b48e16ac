import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ActuatorDefinition, ActuatorSetting } from '../../functions/action-kernel/actuator-definition.ts';
import { ACTUATORS } from '../../functions/actuators/registry.ts';
import { EventPatterns, rulePattern } from '../../functions/routing/rules.ts';
import { CLOUD_FINDINGS_SERVICE } from '../../lib/cloud-findings.ts';
import { PLAYBOOK_SUBSTITUTION_KEYS, REPORT_STANDING_SERVICE } from '../../lib/cve-exposure-response-playbook.ts';
import { EXPIRY_SWEEPER_SERVICE } from '../../lib/expiry-sweeper.ts';
import { INVENTORY_REMATCH_SERVICE } from '../../lib/inventory-rematch.ts';
import { INDICATOR_MATCH_SERVICE } from '../../lib/indicator-match.ts';
import { PROJECT_ROOT } from '../../lib/forestall-function.ts';
import { ForestallStack } from '../../lib/forestall-stack.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */
type CfnResource = { Type: string; Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string; Metadata?: any };

/** The stack's own functions, by Powertools service name; the actuators come from the registry. */
const SERVICES = {
  kevIngest: 'kev-ingest',
  nvdIngest: 'nvd-ingest',
  epssIngest: 'epss-ingest',
  intelWebhook: 'intel-webhook',
  inventoryImport: 'inventory-import',
  inventoryUpload: 'inventory-upload',
  exposureMatch: 'exposure-match',
  inventoryRematch: INVENTORY_REMATCH_SERVICE,
  indicatorMatch: INDICATOR_MATCH_SERVICE,
  cloudFindings: CLOUD_FINDINGS_SERVICE,
  plan: 'playbook-plan',
  checkPatch: 'playbook-check-patch',
  reportStanding: REPORT_STANDING_SERVICE,
  slack: 'slack-notify',
  sweeper: EXPIRY_SWEEPER_SERVICE,
} as const;
const actuatorService = (definition: ActuatorDefinition<any>) => `actuator-${definition.name}`;
const ACTUATOR_SERVICES = ACTUATORS.map(actuatorService);
const ALL_SERVICES = [...Object.values(SERVICES), ...ACTUATOR_SERVICES];

/** A valid value for a setting the test sets: required ones without a default, tags and role names. */
function sampleSetting(setting: ActuatorSetting): string | undefined {
  if (setting.kind === 'tag') return 'forestall:managed=true';
  if (setting.kind === 'role-name') return 'forestall-member-role';
  if (setting.default === undefined && !setting.optional) {
    return setting.kind === 'https-url' ? `https://${setting.key.toLowerCase()}.example.com` : `${setting.key}-value`;
  }
  return undefined;
}
const ACTUATOR_SETTINGS: Record<string, string> = {};
for (const definition of ACTUATORS) {
  for (const setting of definition.deployment.settings) {
    const value = sampleSetting(setting);
    if (value !== undefined) ACTUATOR_SETTINGS[setting.key] = value;
  }
  // Configured secret names for every other actuator, defaults for the rest.
  if (ACTUATORS.indexOf(definition) % 2 === 0) {
    for (const secret of definition.deployment.secrets) ACTUATOR_SETTINGS[secret.key] = `forestall-test/${secret.prefix.toLowerCase()}`;
  }
}
const GUARDRAILS = { maxAssetsPerRun: 10, profile: { sectors: ['financial services'], regions: ['DE'], domains: ['example.com'], networks: ['198.51.100.0/24'] } };
const TENANTS = { acme: { mode: 'enforce' }, beta: { maxAssetsPerWindow: 20, profile: { sectors: ['healthcare'] } } };
/** Cloud findings: a member account of the default tenant, one of acme's (also a PutEvents sender already) and one of beta's. */
const MEMBER_ACCOUNTS = ['333333333333'];
const ACCOUNT_TENANTS = { '222222222222': 'acme', '444444444444': 'beta' };

let app: App;
let template: Template;
let resources: Record<string, CfnResource>;
let outputs: Record<string, any>;
let assemblyDirectory: string;
let nagErrors: unknown[];

beforeAll(() => {
  app = new App();
  const stack = new ForestallStack(app, 'Forestall', {
    putEventsAccountIds: ['111111111111', '222222222222'],
    putEventsOrganizationId: 'o-a1b2c3d4e5',
    nvdApiKeySecretName: 'forestall/nvd/api-key',
    slackChannel: 'C0123456789',
    guardrails: GUARDRAILS,
    tenants: TENANTS,
    alarmEmails: ['secops@example.com'],
    actuatorSettings: ACTUATOR_SETTINGS,
    memberAccountIds: MEMBER_ACCOUNTS,
    accountTenants: ACCOUNT_TENANTS,
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
  outputs = template.toJSON().Outputs;
  assemblyDirectory = app.synth().directory;
  nagErrors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
}, 300_000);

/** Renders Ref / GetAtt / Join as `${...}` text so ARNs can be compared as strings. */
function render(value: any): string {
  if (typeof value === 'string') return value;
  if (value.Ref) return `\${${value.Ref}}`;
  if (value['Fn::GetAtt']) return `\${${value['Fn::GetAtt'].join('.')}}`;
  if (value['Fn::Join']) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

/** Renders every leaf of a JSON value (conditions) with {@link render}. */
function renderDeep(value: any): any {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(renderDeep);
  if (typeof value === 'object' && value !== null && !value.Ref && !value['Fn::GetAtt'] && !value['Fn::Join']) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, renderDeep(inner)]));
  }
  return render(value);
}

/** An ARN template from a definition, written the way {@link render} shows the synthesized one. */
const renderedTemplate = (resource: string) =>
  resource.replaceAll('${Partition}', '${AWS::Partition}').replaceAll('${Region}', '${AWS::Region}').replaceAll('${Account}', '${AWS::AccountId}');

function ofType(type: string): [string, CfnResource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function functionId(service: string): string {
  const found = ofType('AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service);
  expect(found, `one function for ${service}`).toHaveLength(1);
  return found[0]![0];
}

function functionEnv(service: string): Record<string, any> {
  return resources[functionId(service)]!.Properties.Environment.Variables;
}

function statementsOfRole(roleId: string): any[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

function functionRoleId(service: string): string {
  return resources[functionId(service)]!.Properties.Role['Fn::GetAtt'][0];
}

function functionStatements(service: string): any[] {
  return statementsOfRole(functionRoleId(service));
}

const asList = (value: any): any[] => (Array.isArray(value) ? value : [value]);

function actionsOf(statements: any[]): Set<string> {
  return new Set(statements.flatMap((statement) => asList(statement.Action)));
}

function resourcesFor(statements: any[], action: string): string[] {
  return statements.filter((statement) => asList(statement.Action).includes(action)).flatMap((statement) => asList(statement.Resource).map(render));
}

function ruleWithPattern(pattern: unknown): CfnResource {
  const expected = JSON.stringify(pattern);
  const matching = ofType('AWS::Events::Rule').filter(([, rule]) => JSON.stringify(rule.Properties.EventPattern) === expected);
  expect(matching).toHaveLength(1);
  return matching[0]![1];
}

const tableId = () => ofType('AWS::DynamoDB::Table')[0]![0];
const busId = () => ofType('AWS::Events::EventBus')[0]![0];
const topicId = () => ofType('AWS::SNS::Topic')[0]![0];
const machine = () => ofType('AWS::StepFunctions::StateMachine')[0]! as [string, CfnResource];
/** The value a function gets for a setting: configured, else the default. */
const settingValue = (setting: ActuatorSetting) => ACTUATOR_SETTINGS[setting.key] ?? setting.default;

describe('Forestall stack', () => {
  it('passes cdk-nag AwsSolutions with no unsuppressed errors', () => {
    expect(nagErrors).toEqual([]);
  });

  it('runs one function per registry actuator next to its own, all on nodejs22.x, arm64, ESM, traced, own log group', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).sort()).toEqual([...ALL_SERVICES].sort());
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Handler, id).toBe('index.handler');
      expect(fn.Properties.LoggingConfig.LogGroup, id).toBeDefined();
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS, id).toBe('--enable-source-maps');
    }
    for (const [id, group] of ofType('AWS::Logs::LogGroup')) {
      expect(group.Properties.RetentionInDays, id).toBeGreaterThan(0);
      expect(group.Properties.KmsKeyId, id).toBeDefined();
    }
  });

  it("bundles each handler (every actuator's from its definition) as ESM with a require shim, a source map, and the AWS SDK left external", () => {
    const entries: [string, string][] = [
      [SERVICES.exposureMatch, 'functions/match/exposure-match.handler.ts'],
      [SERVICES.inventoryRematch, 'functions/match/inventory-changed.handler.ts'],
      [SERVICES.sweeper, 'functions/expiry/expiry-sweeper.handler.ts'],
      [SERVICES.cloudFindings, 'functions/inventory/cloud-findings.handler.ts'],
      ...ACTUATORS.map((definition): [string, string] => [actuatorService(definition), definition.deployment.handler]),
    ];
    for (const [service, entry] of entries) {
      const code = resources[functionId(service)]!.Properties.Code;
      const directory = join(assemblyDirectory, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
      const bundle = readFileSync(join(directory, 'index.mjs'), 'utf8');
      expect(bundle.startsWith("import { createRequire as forestallCreateRequire } from 'node:module';"), service).toBe(true);
      const sources: string[] = JSON.parse(readFileSync(join(directory, 'index.mjs.map'), 'utf8')).sources;
      expect(sources.some((source) => source.endsWith(entry)), service).toBe(true);
      expect(sources.filter((source) => source.includes('node_modules/@aws-sdk/')), service).toEqual([]);
    }
  });

  it('produces bundles that load in plain Node with only the AWS SDK outside them', () => {
    // Module scope runs here (env read, clients built), as at a Lambda cold start; no call is made.
    const directory = mkdtempSync(join(tmpdir(), 'forestall-bundles-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(directory, 'node_modules'), 'dir');
    const files = ALL_SERVICES.map((service) => {
      const code = resources[functionId(service)]!.Properties.Code;
      const file = join(directory, `${service}.mjs`);
      copyFileSync(join(assemblyDirectory, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs'), file);
      return file;
    });
    // Every variable a deployed function gets, with the stack's values where they are literal.
    const actuatorEnv: Record<string, string> = {};
    for (const definition of ACTUATORS) {
      for (const setting of definition.deployment.settings) {
        const value = settingValue(setting);
        if (value !== undefined) actuatorEnv[setting.variable] = value;
      }
      for (const secret of definition.deployment.secrets) {
        actuatorEnv[`${secret.prefix}_SECRET_ARN`] = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${secret.defaultName}`;
      }
    }
    const script = `const out = {}; for (const f of ${JSON.stringify(files)}) { out[f.split('/').pop()] = typeof (await import(f)).handler; } console.log(JSON.stringify(out));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        NODE_NO_WARNINGS: '1',
        AWS_REGION: 'eu-west-1',
        TABLE_NAME: 'forestall',
        EVENT_BUS_NAME: 'forestall',
        FORESTALL_ACCOUNT_ID: '123456789012',
        OWN_ACCOUNT_ID: '123456789012',
        MEMBER_ACCOUNT_IDS: MEMBER_ACCOUNTS.join(','),
        ACCOUNT_TENANTS: JSON.stringify(ACCOUNT_TENANTS),
        GUARDRAILS: JSON.stringify(GUARDRAILS),
        TENANT_POLICIES: JSON.stringify(TENANTS),
        ACTUATOR_FUNCTION_ARNS: JSON.stringify(Object.fromEntries(ACTUATORS.map((d) => [d.name, `arn:aws:lambda:eu-west-1:123456789012:function:${d.name}`]))),
        SLACK_NOTIFY_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:slack',
        TENANTS: 'default,acme',
        INTEL_SOURCES: JSON.stringify({ 'cisa-kev': {} }),
        WEBHOOK_SECRET_PREFIX: 'forestall/webhook/',
        UPLOAD_BUCKET: 'forestall-uploads',
        SLACK_CHANNEL: 'C0123456789',
        SLACK_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:forestall/slack/bot-token',
        ...actuatorEnv,
      },
    });
    // The tail of stderr names the failing bundle's error without printing a minified bundle line.
    expect(result.status, result.stderr.split('\n').filter((line) => line.length < 400).join('\n')).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(Object.fromEntries(ALL_SERVICES.map((service) => [`${service}.mjs`, 'function'])));
  });

  it('keeps the table on demand, with PITR, a rotating customer-managed key and RETAIN', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const [, table] = tables[0]!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.SSESpecification.SSEType).toBe('KMS');
    const keyId = table.Properties.SSESpecification.KMSMasterKeyId['Fn::GetAtt'][0];
    expect(resources[keyId]!.Properties.EnableKeyRotation).toBe(true);
    expect(resources[keyId]!.DeletionPolicy).toBe('Retain');
    for (const service of ALL_SERVICES) expect(render(functionEnv(service).TABLE_NAME), service).toBe(`\${${tableId()}}`);
  });

  it('gives the bus a policy for the listed accounts and the organization, and an archive', () => {
    const [[id, bus]] = ofType('AWS::Events::EventBus') as [[string, CfnResource]];
    expect(bus.Properties.Name).toBe('forestall');
    const statements = ofType('AWS::Events::EventBusPolicy').map(([, policy]) => policy.Properties.Statement);
    // The two listed senders, the organization, and the cloud findings accounts not listed already (222222222222 is).
    expect(statements).toHaveLength(5);
    for (const statement of statements) {
      expect(statement.Action).toBe('events:PutEvents');
      expect(render(statement.Resource)).toBe(`\${${id}.Arn}`);
    }
    const principals = statements.map((statement) => render(statement.Principal.AWS));
    expect(principals.filter((p) => p.includes(':iam::111111111111:root'))).toHaveLength(1);
    expect(principals.filter((p) => p.includes(':iam::222222222222:root'))).toHaveLength(1);
    expect(principals.filter((p) => p.includes(':iam::333333333333:root'))).toHaveLength(1);
    expect(principals.filter((p) => p.includes(':iam::444444444444:root'))).toHaveLength(1);
    const orgStatement = statements.find((statement) => statement.Principal.AWS === '*');
    expect(orgStatement.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } });
    const [[, archive]] = ofType('AWS::Events::Archive') as [[string, CfnResource]];
    expect(render(archive.Properties.SourceArn)).toBe(`\${${id}.Arn}`);
  });

  it('routes Intel Changed from any admitted account to exposure matching, with retries and a DLQ', () => {
    const rule = ruleWithPattern(EventPatterns.intelChanged);
    // Intel may come from other accounts: no account filter.
    expect(rule.Properties.EventPattern.account).toBeUndefined();
    expect(rule.Properties.EventBusName.Ref).toBe(busId());
    const [target] = rule.Properties.Targets;
    expect(render(target.Arn)).toBe(`\${${functionId(SERVICES.exposureMatch)}.Arn}`);
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 });
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(resources[dlqId]!.Type).toBe('AWS::SQS::Queue');
    // The same queue takes the function's own failed async invocations.
    expect(resources[functionId(SERVICES.exposureMatch)]!.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0]).toBe(dlqId);
    expect(target.Input ?? target.InputPath ?? target.InputTransformer).toBeUndefined();
  });

  it("routes only this account's Inventory Changed to re-matching, with retries, a DLQ and its alarm", () => {
    const rule = ruleWithPattern({ ...rulePattern('inventoryChanged', 'ACCOUNT'), account: [{ Ref: 'AWS::AccountId' }] });
    // Only forestall's own inventory import announces changes: other accounts' events are not matched.
    expect(rule.Properties.EventPattern).toEqual({ source: ['forestall'], 'detail-type': ['Inventory Changed'], account: [{ Ref: 'AWS::AccountId' }] });
    const { account: _account, ...rest } = rule.Properties.EventPattern;
    expect(rest).toEqual(JSON.parse(JSON.stringify(EventPatterns.inventoryChanged)));
    expect(rule.Properties.EventBusName.Ref).toBe(busId());
    const [target] = rule.Properties.Targets;
    const rematchId = functionId(SERVICES.inventoryRematch);
    expect(render(target.Arn)).toBe(`\${${rematchId}.Arn}`);
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 });
    expect(target.Input ?? target.InputPath ?? target.InputTransformer).toBeUndefined();
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(resources[dlqId]!.Type).toBe('AWS::SQS::Queue');
    expect(resources[rematchId]!.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0]).toBe(dlqId);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: rematchId } }] });
  });

  it("routes only this account's Indicators Changed to indicator matching, which gets the tenant profiles, retries, a DLQ and its alarm", () => {
    const rule = ruleWithPattern({ ...rulePattern('indicatorsChanged', 'ACCOUNT'), account: [{ Ref: 'AWS::AccountId' }] });
    // Only forestall's own ingest stores indicators and announces them: another account's event matches nothing.
    expect(rule.Properties.EventPattern).toEqual({ source: ['forestall'], 'detail-type': ['Indicators Changed'], account: [{ Ref: 'AWS::AccountId' }] });
    const { account: _account, ...rest } = rule.Properties.EventPattern;
    expect(rest).toEqual(JSON.parse(JSON.stringify(EventPatterns.indicatorsChanged)));
    expect(rule.Properties.EventBusName.Ref).toBe(busId());
    const [target] = rule.Properties.Targets;
    const matchId = functionId(SERVICES.indicatorMatch);
    expect(render(target.Arn)).toBe(`\${${matchId}.Arn}`);
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 });
    expect(target.Input ?? target.InputPath ?? target.InputTransformer).toBeUndefined();
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(resources[matchId]!.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0]).toBe(dlqId);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
    });
    // Each tenant's profile travels in its policy.
    const env = functionEnv(SERVICES.indicatorMatch);
    expect(JSON.parse(env.GUARDRAILS)).toEqual(GUARDRAILS);
    expect(JSON.parse(env.TENANT_POLICIES)).toEqual(TENANTS);
    expect(render(env.TABLE_NAME)).toBe(`\${${tableId()}}`);
  });

  it('routes Inspector and Security Hub findings from any account to the cloud findings function, which knows the allowed accounts and runs one event at a time', () => {
    const rule = ruleWithPattern(EventPatterns.cloudFindings);
    // Findings come from member accounts: no account filter on the rule; the function checks the account.
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.inspector2', 'aws.securityhub'],
      'detail-type': ['Inspector2 Finding', 'Security Hub Findings - Imported'],
    });
    expect(rule.Properties.EventBusName.Ref).toBe(busId());
    const [target] = rule.Properties.Targets;
    const findingsId = functionId(SERVICES.cloudFindings);
    expect(render(target.Arn)).toBe(`\${${findingsId}.Arn}`);
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 });
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(resources[findingsId]!.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0]).toBe(dlqId);
    expect(resources[findingsId]!.Properties.ReservedConcurrentExecutions).toBe(1);
    // This account's own findings arrive on its default bus: a rule there, limited to the account, feeds the same function.
    const own = ruleWithPattern({ ...EventPatterns.cloudFindings, account: [{ Ref: 'AWS::AccountId' }] });
    expect(own.Properties.EventBusName).toBeUndefined();
    expect(render(own.Properties.Targets[0].Arn)).toBe(`\${${findingsId}.Arn}`);
    expect(own.Properties.Targets[0].DeadLetterConfig.Arn['Fn::GetAtt'][0]).toBe(dlqId);
    const env = functionEnv(SERVICES.cloudFindings);
    expect(env.OWN_ACCOUNT_ID).toEqual({ Ref: 'AWS::AccountId' });
    expect(env.TENANT_ID).toBe('default');
    expect(env.MEMBER_ACCOUNT_IDS.split(',').sort()).toEqual(['222222222222', '333333333333', '444444444444']);
    expect(JSON.parse(env.ACCOUNT_TENANTS)).toEqual(ACCOUNT_TENANTS);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
    });
  });

  it("starts the playbook only for act exposures from the stack's own account, with the whole event as input and a DLQ", () => {
    const rule = ruleWithPattern({ ...rulePattern('exposureAct', 'ACCOUNT'), account: [{ Ref: 'AWS::AccountId' }] });
    expect(rule.Properties.EventPattern.account).toEqual([{ Ref: 'AWS::AccountId' }]);
    const { account: _account, ...rest } = rule.Properties.EventPattern;
    expect(rest).toEqual(JSON.parse(JSON.stringify(EventPatterns.exposureAct)));
    const [target] = rule.Properties.Targets;
    const [machineId] = machine();
    expect(target.Arn).toEqual({ Ref: machineId });
    expect(target.Input ?? target.InputPath ?? target.InputTransformer).toBeUndefined();
    expect(resources[target.DeadLetterConfig.Arn['Fn::GetAtt'][0]]!.Type).toBe('AWS::SQS::Queue');
    expect(resourcesFor(statementsOfRole(target.RoleArn['Fn::GetAtt'][0]), 'states:StartExecution')).toEqual([`\${${machineId}}`]);
  });

  it('polls KEV hourly with the configured environment, the NVD key secret by name, and a DLQ on the schedule target', () => {
    const kevId = functionId(SERVICES.kevIngest);
    const [, schedule] = ofType('AWS::Events::Rule').find(([, rule]) => render(rule.Properties.Targets[0].Arn) === `\${${kevId}.Arn}`)!;
    expect(schedule.Properties.ScheduleExpression).toBe('rate(1 hour)');
    const [target] = schedule.Properties.Targets;
    expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toBe(resources[kevId]!.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0]);
    const env = functionEnv(SERVICES.kevIngest);
    expect(JSON.parse(env.INTEL_SOURCES as string)).toEqual({
      'cisa-kev': { url: 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json', nvdApiUrl: 'https://services.nvd.nist.gov/rest/json/cves/2.0', nvdLookupsPerRun: 10 },
    });
    expect(env.TENANT_ID).toBe('default');
    expect(render(env.EVENT_BUS_NAME)).toBe(`\${${busId()}}`);
    expect(render(env.NVD_API_KEY_SECRET_ARN)).toMatch(/:secretsmanager:.*:secret:forestall\/nvd\/api-key$/);
    expect(resources[kevId]!.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('polls NVD and EPSS on their own schedules with DLQs, writing raw payloads only under their own archive prefix', () => {
    for (const [service, rate, timeout, source] of [
      [SERVICES.nvdIngest, 'rate(2 hours)', 900, 'nvd'],
      [SERVICES.epssIngest, 'rate(1 day)', 300, 'epss'],
      [SERVICES.kevIngest, 'rate(1 hour)', undefined, 'cisa-kev'],
    ] as const) {
      const id = functionId(service);
      const [, schedule] = ofType('AWS::Events::Rule').find(([, rule]) => render(rule.Properties.Targets[0].Arn) === `\${${id}.Arn}`)!;
      expect(schedule.Properties.ScheduleExpression, service).toBe(rate);
      expect(schedule.Properties.Targets[0].DeadLetterConfig, service).toBeDefined();
      if (timeout) expect(resources[id]!.Properties.Timeout, service).toBe(timeout);
      expect(Object.keys(JSON.parse(functionEnv(service).INTEL_SOURCES as string)), service).toEqual([source]);
      const archiveBucket = ofType('AWS::S3::Bucket')[0]![0];
      expect(render(functionEnv(service).ARCHIVE_BUCKET), service).toBe(`\${${archiveBucket}}`);
      expect(resourcesFor(functionStatements(service), 's3:PutObject'), service).toEqual([`\${${archiveBucket}.Arn}/${source}/*`]);
      expect(resourcesFor(functionStatements(service), 's3:GetObject'), service).toEqual([]);
    }
  });

  it('keeps raw payloads in a KMS-encrypted, TLS-only, private, versioned bucket that expires them', () => {
    const [, bucket] = ofType('AWS::S3::Bucket').find(([id]) => id.startsWith('IntelArchiveBucket'))!;
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(400);
    const [, policy] = ofType('AWS::S3::BucketPolicy').find(([id]) => id.startsWith('IntelArchiveBucket'))!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('imports uploads from a private, TLS-only bucket that tells EventBridge itself, started by S3 and by its own running upload', () => {
    const [bucketId, bucket] = ofType('AWS::S3::Bucket').find(([id]) => id.startsWith('InventoryUploadBucket'))!;
    expect(bucket.Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(30);
    // No custom resource: the notification setting is the bucket's own property.
    expect(ofType('Custom::S3BucketNotifications')).toEqual([]);
    const [, policy] = ofType('AWS::S3::BucketPolicy').find(([id]) => id.startsWith('InventoryUploadBucket'))!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    // Each mapped account may put objects under its own tenant's prefix, and nothing else.
    const uploads = policy.Properties.PolicyDocument.Statement.filter((statement: any) => String(statement.Sid ?? '').startsWith('UploadsOf'));
    expect(uploads.map((statement: any) => [render(statement.Principal.AWS), statement.Action, render(statement.Resource)]).sort()).toEqual(
      Object.entries(ACCOUNT_TENANTS)
        .map(([account, tenant]) => [`arn:\${AWS::Partition}:iam::${account}:root`, 's3:PutObject', `\${${bucketId}.Arn}/uploads/${tenant}/*`])
        .sort(),
    );
    expect(JSON.parse(functionEnv(SERVICES.inventoryUpload).ACCOUNT_TENANTS)).toEqual(ACCOUNT_TENANTS);

    const uploadId = functionId(SERVICES.inventoryUpload);
    const fn = resources[uploadId]!;
    expect(fn.Properties.Timeout).toBe(900);
    expect(render(functionEnv(SERVICES.inventoryUpload).UPLOAD_BUCKET)).toBe(`\${${bucketId}}`);
    // It reads only under uploads/ and writes nothing to S3.
    const statements = functionStatements(SERVICES.inventoryUpload);
    expect(resourcesFor(statements, 's3:GetObject*')).toContain(`\${${bucketId}.Arn}/uploads/*`);
    expect([...actionsOf(statements)].filter((action) => /^s3:(Put|Delete)/.test(action))).toEqual([]);

    // S3's event on the default bus: this bucket, under uploads/.
    const [, created] = ofType('AWS::Events::Rule').find(([, rule]) => rule.Properties.EventPattern?.source?.[0] === 'aws.s3')!;
    expect(created.Properties.EventBusName).toBeUndefined();
    expect(created.Properties.EventPattern).toEqual({ source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [{ Ref: bucketId }] }, object: { key: [{ prefix: 'uploads/' }] } } });
    // Its own running upload, from this account only.
    const continued = ruleWithPattern({ ...rulePattern('inventoryUploadContinued', 'ACCOUNT'), account: [{ Ref: 'AWS::AccountId' }] });
    expect(continued.Properties.EventBusName.Ref).toBe(busId());
    for (const rule of [created, continued]) {
      const [target] = rule.Properties.Targets;
      expect(render(target.Arn)).toBe(`\${${uploadId}.Arn}`);
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 });
      expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toBe(fn.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0]);
    }
  });

  it('answers the signed webhook with a function that reads only the secrets under the webhook prefix, behind WAF', () => {
    expect(render(functionEnv(SERVICES.intelWebhook).WEBHOOK_SECRET_PREFIX)).toBe('forestall/webhook/');
    expect(resourcesFor(functionStatements(SERVICES.intelWebhook), 'secretsmanager:GetSecretValue')).toEqual([
      expect.stringMatching(/^arn:\$\{AWS::Partition\}:secretsmanager:\$\{AWS::Region\}:\$\{AWS::AccountId\}:secret:forestall\/webhook\/\*$/),
    ]);
    expect(ofType('AWS::WAFv2::WebACLAssociation')).toHaveLength(1);
    expect(ofType('AWS::ApiGateway::Method').map(([, method]) => method.Properties.HttpMethod)).toContain('POST');
  });

  it('sweeps expired actions every 5 minutes, with a DLQ on the schedule target and on the function, both alarmed', () => {
    const sweeperId = functionId(SERVICES.sweeper);
    const [, schedule] = ofType('AWS::Events::Rule').find(([, rule]) => render(rule.Properties.Targets[0].Arn) === `\${${sweeperId}.Arn}`)!;
    expect(schedule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const [target] = schedule.Properties.Targets;
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(resources[dlqId]!.Type).toBe('AWS::SQS::Queue');
    expect(resources[sweeperId]!.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0]).toBe(dlqId);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: sweeperId } }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'forestall',
      MetricName: 'ExpirySweepFailures',
      Dimensions: [{ Name: 'service', Value: SERVICES.sweeper }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('gives the sweeper every tenant, the policies, the actuator ARNs and invoke on exactly the actuators and the notifier', () => {
    const env = functionEnv(SERVICES.sweeper);
    expect(env.TENANTS).toBe('default,acme,beta');
    expect(JSON.parse(env.GUARDRAILS)).toEqual(GUARDRAILS);
    expect(JSON.parse(env.TENANT_POLICIES)).toEqual(TENANTS);
    expect(JSON.parse(render(env.ACTUATOR_FUNCTION_ARNS))).toEqual(
      Object.fromEntries(ACTUATORS.map((definition) => [definition.name, `\${${functionId(actuatorService(definition))}.Arn}`])),
    );
    expect(render(env.SLACK_NOTIFY_FUNCTION_ARN)).toBe(`\${${functionId(SERVICES.slack)}.Arn}`);
    const invocable = [...ACTUATOR_SERVICES, SERVICES.slack].map((service) => `\${${functionId(service)}.Arn}`);
    expect(resourcesFor(functionStatements(SERVICES.sweeper), 'lambda:InvokeFunction').sort()).toEqual(invocable.sort());
  });

  it('lets ingest, matching and every actuator put events, only on the forestall bus; nothing else may', () => {
    const publishers: string[] = [
      SERVICES.kevIngest,
      SERVICES.nvdIngest,
      SERVICES.epssIngest,
      SERVICES.intelWebhook,
      SERVICES.inventoryImport,
      SERVICES.inventoryUpload,
      SERVICES.exposureMatch,
      SERVICES.inventoryRematch,
      SERVICES.indicatorMatch,
      SERVICES.cloudFindings,
      ...ACTUATOR_SERVICES,
    ];
    for (const service of ALL_SERVICES) {
      expect(resourcesFor(functionStatements(service), 'events:PutEvents'), service).toEqual(publishers.includes(service) ? [`\${${busId()}.Arn}`] : []);
      if (publishers.includes(service)) expect(render(functionEnv(service).EVENT_BUS_NAME), service).toBe(`\${${busId()}}`);
    }
    expect(functionEnv(SERVICES.slack).EVENT_BUS_NAME).toBeUndefined();
  });

  it('gives each function table access by need: read-only for check-patch and indicator matching, read/write otherwise (Plan writes the window)', () => {
    const tableArn = `\${${tableId()}.Arn}`;
    const readOnly: string[] = [SERVICES.checkPatch, SERVICES.indicatorMatch];
    for (const service of ALL_SERVICES) {
      const statements = functionStatements(service);
      expect(resourcesFor(statements, 'dynamodb:Query'), service).toEqual([tableArn, `${tableArn}/index/*`]);
      expect(resourcesFor(statements, 'dynamodb:PutItem'), service).toEqual(readOnly.includes(service) ? [] : [tableArn, `${tableArn}/index/*`]);
    }
  });

  describe.each(ACTUATORS.map((definition) => [definition.name, definition] as const))('actuator %s', (name, definition) => {
    const service = actuatorService(definition);

    it('is built from its definition: description, timeout, settings, secrets by name, policies and the account', () => {
      const fn = resources[functionId(service)]!;
      expect(fn.Properties.Description).toBe(definition.deployment.description);
      expect(fn.Properties.Timeout).toBe(definition.deployment.timeoutSeconds);
      const env = functionEnv(service);
      for (const setting of definition.deployment.settings) expect(env[setting.variable], setting.key).toBe(settingValue(setting));
      const reads = resourcesFor(functionStatements(service), 'secretsmanager:GetSecretValue');
      const names = definition.deployment.secrets.map((secret) => ACTUATOR_SETTINGS[secret.key] ?? secret.defaultName);
      expect(reads.sort()).toEqual(names.map((n) => expect.stringMatching(new RegExp(`:secret:${n.replaceAll('/', '\\/')}-\\?{6}$`))).sort());
      for (const [index, secret] of definition.deployment.secrets.entries()) {
        expect(render(env[`${secret.prefix}_SECRET_ARN`]), secret.prefix).toMatch(new RegExp(`:secret:${names[index]!.replaceAll('/', '\\/')}$`));
      }
      expect(JSON.parse(env.GUARDRAILS)).toEqual(GUARDRAILS);
      expect(JSON.parse(env.TENANT_POLICIES)).toEqual(TENANTS);
      expect(env.FORESTALL_ACCOUNT_ID).toEqual({ Ref: 'AWS::AccountId' });
    });

    it('gets exactly the IAM statements its permissions() lists, beyond logs, tracing, table, bus and secrets', () => {
      const statements = functionStatements(service);
      const expected = definition.deployment.permissions?.({ ...Object.fromEntries(definition.deployment.settings.map((s) => [s.key, settingValue(s)])) }, {
        account: '${AWS::AccountId}',
        region: '${AWS::Region}',
      }) ?? [];
      for (const statement of expected) {
        const actual = statements.find((s) => s.Sid === statement.sid);
        expect(actual, statement.sid).toBeDefined();
        expect(asList(actual.Action).sort(), statement.sid).toEqual([...statement.actions].sort());
        expect(asList(actual.Resource).map(render).sort(), statement.sid).toEqual(statement.resources.map(renderedTemplate).sort());
        expect(renderDeep(actual.Condition), statement.sid).toEqual(statement.conditions ? renderDeep(statement.conditions) : undefined);
      }
      const common = /^(logs|xray|dynamodb|kms|events|secretsmanager):/;
      const extra = [...actionsOf(statements)].filter((action) => !common.test(action)).sort();
      expect(extra, name).toEqual([...new Set(expected.flatMap((statement) => statement.actions))].filter((action) => !common.test(action)).sort());
    });

    it("tags its role forestall:actuator=<name> (member accounts trust it)", () => {
      const role = resources[functionRoleId(service)]!;
      expect(role.Properties.Tags).toContainEqual({ Key: 'forestall:actuator', Value: name });
    });
  });

  it('gives the notifier, ingest and the rest only their own secret', () => {
    const secretReads = (service: string) => resourcesFor(functionStatements(service), 'secretsmanager:GetSecretValue');
    expect(secretReads(SERVICES.slack)).toEqual([expect.stringMatching(/:secret:forestall\/slack\/bot-token-\?{6}$/)]);
    expect(render(functionEnv(SERVICES.slack).SLACK_TOKEN_SECRET_ARN)).toMatch(/:secret:forestall\/slack\/bot-token$/);
    expect(functionEnv(SERVICES.slack).SLACK_CHANNEL).toBe('C0123456789');
    expect(secretReads(SERVICES.kevIngest)).toEqual([expect.stringMatching(/:secret:forestall\/nvd\/api-key-\?{6}$/)]);
    for (const service of [SERVICES.plan, SERVICES.checkPatch, SERVICES.reportStanding, SERVICES.exposureMatch, SERVICES.indicatorMatch, SERVICES.inventoryImport, SERVICES.sweeper]) {
      expect(secretReads(service), service).toEqual([]);
    }
  });

  it('gives Plan the actuator ARNs by name, the account, the policies, and ReportStanding the table', () => {
    const env = functionEnv(SERVICES.plan);
    expect(JSON.parse(render(env.ACTUATOR_FUNCTION_ARNS))).toEqual(
      Object.fromEntries(ACTUATORS.map((definition) => [definition.name, `\${${functionId(actuatorService(definition))}.Arn}`])),
    );
    expect(env.FORESTALL_ACCOUNT_ID).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.parse(env.GUARDRAILS)).toEqual(GUARDRAILS);
    expect(JSON.parse(env.TENANT_POLICIES)).toEqual(TENANTS);
    expect(render(functionEnv(SERVICES.reportStanding).TABLE_NAME)).toBe(`\${${tableId()}}`);
  });

  it('lets the playbook invoke its own four functions and every actuator (unqualified and versions), nothing else', () => {
    const [, stateMachine] = machine();
    const statements = statementsOfRole(stateMachine.Properties.RoleArn['Fn::GetAtt'][0]);
    const own = [SERVICES.plan, SERVICES.checkPatch, SERVICES.reportStanding, SERVICES.slack].map((service) => `\${${functionId(service)}.Arn}`);
    const actuators = ACTUATOR_SERVICES.flatMap((service) => [`\${${functionId(service)}.Arn}`, `\${${functionId(service)}.Arn}:*`]);
    expect(resourcesFor(statements, 'lambda:InvokeFunction').sort()).toEqual([...own, ...actuators].sort());
    expect([...actionsOf(statements)].filter((action) => action.startsWith('lambda:'))).toEqual(['lambda:InvokeFunction']);
  });

  it('fills every ASL placeholder from definitionSubstitutions and invokes actuators by the ARN Plan gives', () => {
    const [, stateMachine] = machine();
    const substitutions: Record<string, any> = stateMachine.Properties.DefinitionSubstitutions;
    expect(Object.keys(substitutions).sort()).toEqual([...PLAYBOOK_SUBSTITUTION_KEYS].sort());
    const byKey: Record<string, string> = {
      PlanFunctionArn: SERVICES.plan,
      CheckPatchFunctionArn: SERVICES.checkPatch,
      ReportStandingFunctionArn: SERVICES.reportStanding,
      SlackNotifyFunctionArn: SERVICES.slack,
    };
    for (const [key, service] of Object.entries(byKey)) expect(substitutions[key], key).toEqual({ 'Fn::GetAtt': [functionId(service), 'Arn'] });

    // The definition deployed is the staged asset, not the source file.
    const asl = readFileSync(join(assemblyDirectory, `asset.${stateMachine.Properties.DefinitionS3Location.Key}`), 'utf8');
    let resolved = asl;
    for (const key of Object.keys(substitutions)) {
      expect(asl, `the ASL uses \${${key}}`).toContain(`\${${key}}`);
      resolved = resolved.split(`\${${key}}`).join(`arn:aws:lambda:eu-west-1:123456789012:function:${key}`);
    }
    expect(resolved).not.toContain('${');
    const tasks: any[] = [];
    const walk = (states: Record<string, any>) => {
      for (const state of Object.values(states)) {
        if (state.Type === 'Task') tasks.push(state);
        for (const branch of state.Branches ?? []) walk(branch.States);
        if (state.ItemProcessor) walk(state.ItemProcessor.States);
        if (state.Iterator) walk(state.Iterator.States);
      }
    };
    walk(JSON.parse(resolved).States);
    expect(tasks.length).toBeGreaterThan(0);
    for (const task of tasks) {
      if (task.Resource === 'arn:aws:states:::lambda:invoke') expect(task.Parameters['FunctionName.$']).toBeDefined();
      else expect(task.Resource).toMatch(/^arn:aws:lambda:eu-west-1:123456789012:function:[A-Za-z]+FunctionArn$/);
    }
  });

  it('logs ALL execution events to an encrypted log group, traces, and alarms on failed executions', () => {
    const [machineId, stateMachine] = machine();
    expect(stateMachine.Properties.StateMachineType).toBe('STANDARD');
    expect(stateMachine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(stateMachine.Properties.LoggingConfiguration.Level).toBe('ALL');
    expect(stateMachine.Properties.LoggingConfiguration.IncludeExecutionData).toBe(true);
    const logGroupId = stateMachine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    const keyId = resources[logGroupId]!.Properties.KmsKeyId['Fn::GetAtt'][0];
    expect(resources[keyId]!.Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
      Threshold: 1,
    });
  });

  it('alarms when containment still stands as the patch watch gives up, for every tenant, on the service Powertools names', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => JSON.stringify(alarm.Properties.Metrics ?? '').includes('ContainmentStanding'));
    expect(alarms).toHaveLength(1);
    const [, alarm] = alarms[0]!;
    expect(alarm.Properties.Metrics).toEqual([
      {
        Id: expect.any(String),
        Label: 'ContainmentStanding',
        Expression: `SELECT SUM(ContainmentStanding) FROM SCHEMA(forestall, service, tenant) WHERE service = '${SERVICES.reportStanding}'`,
        Period: 300,
        ReturnData: true,
      },
    ]);
    expect(alarm.Properties.Threshold).toBe(1);
    expect(alarm.Properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(alarm.Properties.EvaluationPeriods).toBe(1);
    // Powertools' service dimension is POWERTOOLS_SERVICE_NAME, which the function is given.
    expect(functionEnv(SERVICES.reportStanding).POWERTOOLS_SERVICE_NAME).toBe(SERVICES.reportStanding);
    expect(functionEnv(SERVICES.reportStanding).POWERTOOLS_METRICS_NAMESPACE).toBe('forestall');
  });

  it('sends every alarm in the stack to the encrypted alarm topic, which emails the configured addresses', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    // An errors alarm per function, the DLQs, failed executions, containment standing, sweep failures.
    expect(alarms.length).toBeGreaterThanOrEqual(ALL_SERVICES.length + 6);
    for (const [id, alarm] of alarms) expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId() }]);
    const [, topic] = ofType('AWS::SNS::Topic')[0]!;
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    expect(resources[keyId]!.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    );
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secops@example.com', TopicArn: { Ref: topicId() } });
  });

  it('outputs what operators and other accounts need', () => {
    const rendered = Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, render(output.Value)]));
    expect(rendered).toEqual({
      EventBusName: `\${${busId()}}`,
      EventBusArn: `\${${busId()}.Arn}`,
      TableName: `\${${tableId()}}`,
      PlaybookStateMachineArn: `\${${machine()[0]}}`,
      InventoryImportFunctionName: `\${${functionId(SERVICES.inventoryImport)}}`,
      InventoryUploadBucket: expect.stringMatching(/^\$\{InventoryUploadBucket[A-F0-9]+\}$/),
      AlarmTopicArn: `\${${topicId()}}`,
      ExpirySweeperFunctionName: `\${${functionId(SERVICES.sweeper)}}`,
      IntelWebhookUrl: expect.stringMatching(/^https:\/\/\$\{IntelPushWebhookApi[A-F0-9]+\}\.execute-api\.\$\{AWS::Region\}\.\$\{AWS::URLSuffix\}\/\$\{IntelPushWebhookApiDeploymentStagev1[A-F0-9]+\}\/intel\/$/),
      IntelArchiveBucket: expect.stringMatching(/^\$\{IntelArchiveBucket[A-F0-9]+\}$/),
    });
    for (const [key, output] of Object.entries(outputs)) expect(output.Description, key).toBeTruthy();
  });
});

describe('Forestall stack in a concrete account and region', () => {
  it('still passes cdk-nag (suppressions name the literal region and account) and scopes actuator ARNs to the listed regions', () => {
    // Same output directory: the bundles built above are reused (their asset hash is a source fingerprint).
    const concreteApp = new App({ outdir: assemblyDirectory });
    const listSettings = ACTUATORS.flatMap((definition) => definition.deployment.settings.filter((setting) => setting.kind === 'list'));
    const settings = { ...ACTUATOR_SETTINGS, ...Object.fromEntries(listSettings.map((setting) => [setting.key, 'eu-west-1,eu-central-1'])) };
    const stack = new ForestallStack(concreteApp, 'ForestallConcrete', {
      env: { account: '123456789012', region: 'eu-west-1' },
      nvdApiKeySecretName: 'forestall/nvd/api-key',
      slackChannel: 'C0123456789',
      actuatorSettings: settings,
    });
    Aspects.of(concreteApp).add(new AwsSolutionsChecks());
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    for (const definition of ACTUATORS) {
      for (const statement of definition.deployment.permissions?.(settings, { account: '123456789012', region: 'eu-west-1' }) ?? []) {
        const actual = statements.find((s: any) => s.Sid === statement.sid && asList(s.Action).includes(statement.actions[0]));
        const expected = statement.resources.map((resource) => resource.replaceAll('${Partition}', '${AWS::Partition}').replaceAll('${Region}', 'eu-west-1').replaceAll('${Account}', '123456789012'));
        expect(asList(actual.Resource).map(render).sort(), `${definition.name} ${statement.sid}`).toEqual(expected.sort());
      }
    }
  });
});
