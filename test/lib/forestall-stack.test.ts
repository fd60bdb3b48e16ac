import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { EventPatterns } from '../../functions/routing/rules.ts';
import { PLAYBOOK_SUBSTITUTION_KEYS } from '../../lib/cve-exposure-response-playbook.ts';
import { PROJECT_ROOT } from '../../lib/forestall-function.ts';
import { ForestallStack } from '../../lib/forestall-stack.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped */
type CfnResource = { Type: string; Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string };

const SERVICES = {
  kevIngest: 'kev-ingest',
  inventoryImport: 'inventory-import',
  exposureMatch: 'exposure-match',
  plan: 'playbook-plan',
  checkPatch: 'playbook-check-patch',
  securityGroup: 'actuator-ec2-security-group',
  okta: 'actuator-okta-sessions',
  crowdStrike: 'actuator-crowdstrike-containment',
  slack: 'actuator-slack-notify',
} as const;

let app: App;
let template: Template;
let resources: Record<string, CfnResource>;
let assemblyDirectory: string;
let nagErrors: unknown[];

beforeAll(() => {
  app = new App();
  const stack = new ForestallStack(app, 'Forestall', {
    putEventsAccountIds: ['111111111111', '222222222222'],
    putEventsOrganizationId: 'o-a1b2c3d4e5',
    nvdApiKeySecretName: 'forestall/nvd/api-key',
    oktaOrgUrl: 'https://example.okta.com',
    slackChannel: 'C0123456789',
    securityGroupTag: { key: 'forestall:managed', value: 'true' },
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
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

function ofType(type: string): [string, CfnResource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function functionId(service: string): string {
  const found = ofType('AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service,
  );
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

function functionStatements(service: string): any[] {
  const roleId = resources[functionId(service)]!.Properties.Role['Fn::GetAtt'][0];
  return statementsOfRole(roleId);
}

const asList = (value: any): any[] => (Array.isArray(value) ? value : [value]);

function actionsOf(statements: any[]): Set<string> {
  return new Set(statements.flatMap((statement) => asList(statement.Action)));
}

function resourcesFor(statements: any[], action: string): string[] {
  return statements
    .filter((statement) => asList(statement.Action).includes(action))
    .flatMap((statement) => asList(statement.Resource).map(render));
}

function ruleWithPattern(pattern: unknown): CfnResource {
  const expected = JSON.parse(JSON.stringify(pattern));
  const rules = ofType('AWS::Events::Rule').filter(([, rule]) => rule.Properties.EventPattern !== undefined);
  const matching = rules.filter(([, rule]) => JSON.stringify(rule.Properties.EventPattern) === JSON.stringify(expected));
  expect(matching).toHaveLength(1);
  return matching[0]![1];
}

describe('Forestall stack', () => {
  it('passes cdk-nag AwsSolutions with no unsuppressed errors', () => {
    expect(nagErrors).toEqual([]);
  });

  it('runs every function on nodejs22.x, arm64, ESM bundle, active tracing, own log group', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([, fn]) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).sort()).toEqual(
      Object.values(SERVICES).sort(),
    );
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

  it('bundles each handler as ESM with a require shim, a source map, and the AWS SDK left external', () => {
    for (const [service, entry] of [
      [SERVICES.exposureMatch, 'functions/match/exposure-match.handler.ts'],
      [SERVICES.securityGroup, 'functions/actuators/ec2/security-group.handler.ts'],
    ] as const) {
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
    const files = Object.values(SERVICES).map((service) => {
      const code = resources[functionId(service)]!.Properties.Code;
      const file = join(directory, `${service}.mjs`);
      copyFileSync(join(assemblyDirectory, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs'), file);
      return file;
    });
    const script = `const out = {}; for (const f of ${JSON.stringify(files)}) { out[f.split('/').pop()] = typeof (await import(f)).handler; } console.log(JSON.stringify(out));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        NODE_NO_WARNINGS: '1',
        AWS_REGION: 'eu-west-1',
        TABLE_NAME: 'forestall',
        EVENT_BUS_NAME: 'forestall',
        OKTA_ORG_URL: 'https://example.okta.com',
        SLACK_CHANNEL: 'C0123456789',
        OKTA_API_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:forestall/okta/api-token',
        CROWDSTRIKE_CLIENT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:forestall/crowdstrike/api-credentials',
        SLACK_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:forestall/slack/bot-token',
      },
    });
    // The tail of stderr names the failing bundle's error without printing a minified bundle line.
    expect(result.status, result.stderr.split('\n').filter((line) => line.length < 400).join('\n')).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(
      Object.fromEntries(Object.values(SERVICES).map((service) => [`${service}.mjs`, 'function'])),
    );
  });

  it('keeps the table on demand, with PITR, a rotating customer-managed key and RETAIN', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const [, table] = tables[0]!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table.Properties.GlobalSecondaryIndexes.map((index: any) => index.IndexName)).toEqual(['gsi1', 'gsi2']);
    expect(table.Properties.SSESpecification.SSEType).toBe('KMS');
    const keyId = table.Properties.SSESpecification.KMSMasterKeyId['Fn::GetAtt'][0];
    expect(resources[keyId]!.Type).toBe('AWS::KMS::Key');
    expect(resources[keyId]!.Properties.EnableKeyRotation).toBe(true);
    expect(resources[keyId]!.DeletionPolicy).toBe('Retain');
    for (const service of Object.values(SERVICES)) {
      expect(render(functionEnv(service).TABLE_NAME)).toBe(`\${${ofType('AWS::DynamoDB::Table')[0]![0]}}`);
    }
  });

  it('gives the bus a policy for the listed accounts and the organization, and an archive', () => {
    const [[busId, bus]] = ofType('AWS::Events::EventBus') as [[string, CfnResource]];
    expect(bus.Properties.Name).toBe('forestall');
    const statements = ofType('AWS::Events::EventBusPolicy').map(([, policy]) => policy.Properties.Statement);
    expect(statements).toHaveLength(3);
    for (const statement of statements) {
      expect(statement.Action).toBe('events:PutEvents');
      expect(render(statement.Resource)).toBe(`\${${busId}.Arn}`);
    }
    const principals = statements.map((statement) => render(statement.Principal.AWS));
    expect(principals.filter((p) => p.includes(':iam::111111111111:root'))).toHaveLength(1);
    expect(principals.filter((p) => p.includes(':iam::222222222222:root'))).toHaveLength(1);
    const orgStatement = statements.find((statement) => statement.Principal.AWS === '*');
    expect(orgStatement.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } });
    const [[, archive]] = ofType('AWS::Events::Archive') as [[string, CfnResource]];
    expect(render(archive.Properties.SourceArn)).toBe(`\${${busId}.Arn}`);
    expect(archive.Properties.EventPattern).toEqual({ source: ['forestall'] });
  });

  it('routes Intel Changed to exposure matching with exactly the rules.ts pattern, retries and a DLQ', () => {
    const rule = ruleWithPattern(EventPatterns.intelChanged);
    expect(rule.Properties.EventPattern).toEqual(JSON.parse(JSON.stringify(EventPatterns.intelChanged)));
    expect(rule.Properties.EventBusName.Ref).toBe(ofType('AWS::Events::EventBus')[0]![0]);
    const [target] = rule.Properties.Targets;
    expect(render(target.Arn)).toBe(`\${${functionId(SERVICES.exposureMatch)}.Arn}`);
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 });
    const dlqId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(resources[dlqId]!.Type).toBe('AWS::SQS::Queue');
    // The same queue takes the function's own failed async invocations.
    const fn = resources[functionId(SERVICES.exposureMatch)]!;
    expect(fn.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0]).toBe(dlqId);
    expect(target.Input ?? target.InputPath ?? target.InputTransformer).toBeUndefined();
  });

  it('starts the playbook for act exposures with exactly the rules.ts pattern and the whole event as input', () => {
    const rule = ruleWithPattern(EventPatterns.exposureAct);
    expect(rule.Properties.EventPattern).toEqual(JSON.parse(JSON.stringify(EventPatterns.exposureAct)));
    const [target] = rule.Properties.Targets;
    const [[machineId]] = ofType('AWS::StepFunctions::StateMachine') as [[string, CfnResource]];
    expect(target.Arn).toEqual({ Ref: machineId });
    expect(target.Input).toBeUndefined();
    expect(target.InputPath).toBeUndefined();
    expect(target.InputTransformer).toBeUndefined();
    expect(target.DeadLetterConfig).toBeDefined();
    const eventsRole = target.RoleArn['Fn::GetAtt'][0];
    expect(resourcesFor(statementsOfRole(eventsRole), 'states:StartExecution')).toEqual([`\${${machineId}}`]);
  });

  it('polls KEV hourly with the configured environment and the NVD key secret by name', () => {
    const kevId = functionId(SERVICES.kevIngest);
    const schedules = ofType('AWS::Events::Rule').filter(([, rule]) => rule.Properties.ScheduleExpression);
    expect(schedules).toHaveLength(1);
    const [, schedule] = schedules[0]!;
    expect(schedule.Properties.ScheduleExpression).toBe('rate(1 hour)');
    expect(render(schedule.Properties.Targets[0].Arn)).toBe(`\${${kevId}.Arn}`);
    const env = functionEnv(SERVICES.kevIngest);
    expect(env.KEV_URL).toBe('https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json');
    expect(env.NVD_API_URL).toBe('https://services.nvd.nist.gov/rest/json/cves/2.0');
    expect(env.NVD_LOOKUPS_PER_RUN).toBe('10');
    expect(env.TENANT_ID).toBe('default');
    expect(render(env.EVENT_BUS_NAME)).toBe(`\${${ofType('AWS::Events::EventBus')[0]![0]}}`);
    expect(render(env.NVD_API_KEY_SECRET_ARN)).toMatch(/:secretsmanager:.*:secret:forestall\/nvd\/api-key$/);
    expect(resources[kevId]!.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('lets ingest, matching and the three changing actuators put events, only on the forestall bus', () => {
    const busId = ofType('AWS::Events::EventBus')[0]![0];
    const publishers: string[] = [SERVICES.kevIngest, SERVICES.exposureMatch, SERVICES.securityGroup, SERVICES.okta, SERVICES.crowdStrike];
    for (const service of Object.values(SERVICES)) {
      const resourcesWithPut = resourcesFor(functionStatements(service), 'events:PutEvents');
      expect(resourcesWithPut, service).toEqual(publishers.includes(service) ? [`\${${busId}.Arn}`] : []);
    }
    // The actuators announce Action Taken / Action Reverted on that same bus; Slack only tells people.
    for (const service of [SERVICES.securityGroup, SERVICES.okta, SERVICES.crowdStrike]) {
      expect(render(functionEnv(service).EVENT_BUS_NAME), service).toBe(`\${${busId}}`);
    }
    expect(functionEnv(SERVICES.slack).EVENT_BUS_NAME).toBeUndefined();
  });

  it('gives each function table access by need: read-only for plan and check-patch, read/write otherwise', () => {
    const tableArn = `\${${ofType('AWS::DynamoDB::Table')[0]![0]}.Arn}`;
    for (const service of Object.values(SERVICES)) {
      const statements = functionStatements(service);
      expect(resourcesFor(statements, 'dynamodb:Query'), service).toEqual([tableArn, `${tableArn}/index/*`]);
      const writes = resourcesFor(statements, 'dynamodb:PutItem');
      const readOnly = service === SERVICES.plan || service === SERVICES.checkPatch;
      expect(writes, service).toEqual(readOnly ? [] : [tableArn, `${tableArn}/index/*`]);
    }
  });

  it('scopes the EC2 actuator: describe on *, ingress changes on security groups (tag-conditioned) and rules only', () => {
    const statements = functionStatements(SERVICES.securityGroup);
    const groupArn = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*';
    const ruleArn = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group-rule/*';
    for (const action of ['ec2:RevokeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateTags']) {
      expect(resourcesFor(statements, action).sort(), action).toEqual([groupArn, ruleArn].sort());
    }
    const onGroups = statements.find(
      (statement) => asList(statement.Resource).map(render).includes(groupArn) && asList(statement.Action).includes('ec2:RevokeSecurityGroupIngress'),
    );
    expect(onGroups.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/forestall:managed': 'true' } });
    expect(resourcesFor(statements, 'ec2:DescribeSecurityGroups')).toEqual(['*']);
    expect(resourcesFor(statements, 'ec2:DescribeSecurityGroupRules')).toEqual(['*']);
    expect(resourcesFor(statements, 'ec2:DescribeNetworkInterfaces')).toEqual(['*']);
    const ec2Actions = [...actionsOf(statements)].filter((action) => action.startsWith('ec2:')).sort();
    expect(ec2Actions).toEqual([
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:CreateTags',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSecurityGroupRules',
      'ec2:DescribeSecurityGroups',
      'ec2:RevokeSecurityGroupIngress',
    ]);
    for (const service of Object.values(SERVICES).filter((s) => s !== SERVICES.securityGroup)) {
      expect([...actionsOf(functionStatements(service))].filter((a) => a.startsWith('ec2:')), service).toEqual([]);
    }
  });

  it('gives each vendor actuator only its own secret, referenced by name, and its vendor settings', () => {
    const secretReads = (service: string) => resourcesFor(functionStatements(service), 'secretsmanager:GetSecretValue');
    expect(secretReads(SERVICES.okta)).toEqual([expect.stringMatching(/:secret:forestall\/okta\/api-token-\?{6}$/)]);
    expect(secretReads(SERVICES.crowdStrike)).toEqual([
      expect.stringMatching(/:secret:forestall\/crowdstrike\/api-credentials-\?{6}$/),
    ]);
    expect(secretReads(SERVICES.slack)).toEqual([expect.stringMatching(/:secret:forestall\/slack\/bot-token-\?{6}$/)]);
    expect(secretReads(SERVICES.kevIngest)).toEqual([expect.stringMatching(/:secret:forestall\/nvd\/api-key-\?{6}$/)]);
    for (const service of [SERVICES.securityGroup, SERVICES.plan, SERVICES.checkPatch, SERVICES.exposureMatch, SERVICES.inventoryImport]) {
      expect(secretReads(service), service).toEqual([]);
    }
    expect(render(functionEnv(SERVICES.okta).OKTA_API_TOKEN_SECRET_ARN)).toMatch(/:secret:forestall\/okta\/api-token$/);
    expect(functionEnv(SERVICES.okta).OKTA_ORG_URL).toBe('https://example.okta.com');
    expect(render(functionEnv(SERVICES.crowdStrike).CROWDSTRIKE_CLIENT_SECRET_ARN)).toMatch(
      /:secret:forestall\/crowdstrike\/api-credentials$/,
    );
    expect(functionEnv(SERVICES.crowdStrike).CROWDSTRIKE_BASE_URL).toBe('https://api.crowdstrike.com');
    expect(render(functionEnv(SERVICES.slack).SLACK_TOKEN_SECRET_ARN)).toMatch(/:secret:forestall\/slack\/bot-token$/);
    expect(functionEnv(SERVICES.slack).SLACK_CHANNEL).toBe('C0123456789');
    expect(JSON.parse(functionEnv(SERVICES.plan).GUARDRAILS)).toEqual({
      dryRun: false,
      neverTouchTags: { 'forestall:never-touch': 'true' },
      maxAssetsPerRun: 25,
    });
  });

  it('lets the playbook invoke exactly its six functions and nothing else', () => {
    const [[, machine]] = ofType('AWS::StepFunctions::StateMachine') as [[string, CfnResource]];
    const statements = statementsOfRole(machine.Properties.RoleArn['Fn::GetAtt'][0]);
    const expected = [
      SERVICES.plan,
      SERVICES.checkPatch,
      SERVICES.securityGroup,
      SERVICES.okta,
      SERVICES.crowdStrike,
      SERVICES.slack,
    ].map((service) => `\${${functionId(service)}.Arn}`);
    expect(resourcesFor(statements, 'lambda:InvokeFunction').sort()).toEqual(expected.sort());
    const lambdaActions = [...actionsOf(statements)].filter((action) => action.startsWith('lambda:'));
    expect(lambdaActions).toEqual(['lambda:InvokeFunction']);
  });

  it('fills every ASL placeholder from the six definitionSubstitutions', () => {
    const [[, machine]] = ofType('AWS::StepFunctions::StateMachine') as [[string, CfnResource]];
    const substitutions: Record<string, any> = machine.Properties.DefinitionSubstitutions;
    expect(Object.keys(substitutions).sort()).toEqual([...PLAYBOOK_SUBSTITUTION_KEYS].sort());
    const byKey: Record<string, string> = {
      PlanFunctionArn: SERVICES.plan,
      CheckPatchFunctionArn: SERVICES.checkPatch,
      SecurityGroupFunctionArn: SERVICES.securityGroup,
      OktaSessionsFunctionArn: SERVICES.okta,
      CrowdStrikeContainmentFunctionArn: SERVICES.crowdStrike,
      SlackNotifyFunctionArn: SERVICES.slack,
    };
    for (const [key, service] of Object.entries(byKey)) {
      expect(substitutions[key], key).toEqual({ 'Fn::GetAtt': [functionId(service), 'Arn'] });
    }

    // The definition deployed is the staged asset, not the source file.
    const asl = readFileSync(join(assemblyDirectory, `asset.${machine.Properties.DefinitionS3Location.Key}`), 'utf8');
    let resolved = asl;
    for (const key of Object.keys(substitutions)) {
      expect(asl, `the ASL uses \${${key}}`).toContain(`\${${key}}`);
      resolved = resolved.split(`\${${key}}`).join(`arn:aws:lambda:eu-west-1:123456789012:function:${key}`);
    }
    expect(resolved).not.toContain('${');
    const taskResources: string[] = [];
    const walk = (states: Record<string, any>) => {
      for (const state of Object.values(states)) {
        if (state.Type === 'Task') taskResources.push(state.Resource);
        for (const branch of state.Branches ?? []) walk(branch.States);
        if (state.ItemProcessor) walk(state.ItemProcessor.States);
        if (state.Iterator) walk(state.Iterator.States);
      }
    };
    walk(JSON.parse(resolved).States);
    expect(taskResources.length).toBeGreaterThan(0);
    for (const resource of taskResources) {
      expect(resource).toMatch(/^arn:aws:lambda:eu-west-1:123456789012:function:[A-Za-z]+FunctionArn$/);
    }
  });

  it('logs ALL execution events to an encrypted log group, traces, and alarms on failed executions', () => {
    const [[machineId, machine]] = ofType('AWS::StepFunctions::StateMachine') as [[string, CfnResource]];
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration.Level).toBe('ALL');
    expect(machine.Properties.LoggingConfiguration.IncludeExecutionData).toBe(true);
    const logGroupId = machine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    const keyId = resources[logGroupId]!.Properties.KmsKeyId['Fn::GetAtt'][0];
    expect(resources[keyId]!.Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
      Threshold: 1,
    });
  });
});

describe('Forestall stack in a concrete account and region', () => {
  it('still passes cdk-nag (suppressions name the literal region and account) and scopes EC2 to the listed regions', () => {
    // Same output directory: the bundles built above are reused (their asset hash is a source fingerprint).
    const concreteApp = new App({ outdir: assemblyDirectory });
    const stack = new ForestallStack(concreteApp, 'ForestallConcrete', {
      env: { account: '123456789012', region: 'eu-west-1' },
      securityGroupRegions: ['eu-west-1', 'eu-central-1'],
      nvdApiKeySecretName: 'forestall/nvd/api-key',
      oktaOrgUrl: 'https://example.okta.com',
      slackChannel: 'C0123456789',
    });
    Aspects.of(concreteApp).add(new AwsSolutionsChecks());
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    expect(resourcesFor(statements, 'ec2:RevokeSecurityGroupIngress').sort()).toEqual(
      [
        'arn:${AWS::Partition}:ec2:eu-west-1:123456789012:security-group/*',
        'arn:${AWS::Partition}:ec2:eu-central-1:123456789012:security-group/*',
        'arn:${AWS::Partition}:ec2:eu-west-1:123456789012:security-group-rule/*',
        'arn:${AWS::Partition}:ec2:eu-central-1:123456789012:security-group-rule/*',
      ].sort(),
    );
  });
});
