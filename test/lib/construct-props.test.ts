import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TABLE_GLOBAL_SECONDARY_INDEXES, TABLE_KEY_SCHEMA } from '../../functions/store/table-definition.ts';
import { tenantPolicySettings } from '../../lib/construct-validation.ts';
import { ExposureMatch } from '../../lib/exposure-match.ts';
import { ForestallBus } from '../../lib/forestall-bus.ts';
import { ForestallFunction } from '../../lib/forestall-function.ts';
import { ForestallStack } from '../../lib/forestall-stack.ts';
import { ForestallTable } from '../../lib/forestall-table.ts';
import { IntelArchive } from '../../lib/intel-archive.ts';
import { IntelPush } from '../../lib/intel-push.ts';
import { IntelSourceIngest } from '../../lib/intel-source-ingest.ts';
import { KevIngest } from '../../lib/kev-ingest.ts';
import { SlackNotifier } from '../../lib/slack-notifier.ts';

// Props are checked before anything is bundled, so these run without building a function.
const stack = () => new Stack(new App(), 'PropsTest');

describe('ForestallTable', () => {
  it('creates the table from the shared key definition', () => {
    const s = stack();
    new ForestallTable(s, 'Table');
    const template = Template.fromStack(s);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: TABLE_KEY_SCHEMA,
      GlobalSecondaryIndexes: TABLE_GLOBAL_SECONDARY_INDEXES,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('lets an operator choose destroy (no deletion protection) and refuses bad names', () => {
    const s = stack();
    new ForestallTable(s, 'Table', { removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(s).hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    expect(() => new ForestallTable(stack(), 'Table', { tableName: 'a b' })).toThrow(/tableName must match/);
  });
});

describe('ForestallFunction', () => {
  it('names the entry that does not exist or is not a handler', () => {
    expect(() => new ForestallFunction(stack(), 'F', { entry: 'functions/nowhere/missing.handler.ts', serviceName: 'missing' })).toThrow(
      /ForestallFunction\(missing\): entry functions\/nowhere\/missing.handler.ts does not exist/,
    );
    expect(() => new ForestallFunction(stack(), 'F', { entry: 'functions/config/env.ts', serviceName: 'env' })).toThrow(
      /entry must be a \*\.handler\.ts file/,
    );
    expect(() => new ForestallFunction(stack(), 'F', { entry: '../outside.handler.ts', serviceName: 'outside' })).toThrow(
      /outside the project root/,
    );
  });

  it('refuses settings Lambda would reject at deploy time, before looking for the entry', () => {
    const base = { entry: 'functions/nowhere/x.handler.ts', serviceName: 'x-fn' };
    const make = (props: Partial<ConstructorParameters<typeof ForestallFunction>[2]>) => () =>
      new ForestallFunction(stack(), 'F', { ...base, ...props });
    expect(make({ serviceName: 'Bad Name' })).toThrow(/serviceName must be kebab-case/);
    expect(make({ timeout: Duration.minutes(16) })).toThrow(/timeout must be at most 15 minutes/);
    expect(make({ memorySize: 64 })).toThrow(/memorySize must be an integer between 128 and 10240, got 64/);
    expect(make({ asyncRetryAttempts: 3 })).toThrow(/asyncRetryAttempts must be 0, 1 or 2/);
    expect(make({ reservedConcurrentExecutions: -1 })).toThrow(/reservedConcurrentExecutions/);
    expect(make({ environment: { 'BAD-NAME': 'x' } })).toThrow(/environment variable name BAD-NAME is invalid/);
  });
});

describe('SlackNotifier props', () => {
  it('takes a secret name, never an ARN or a name that looks like an ARN suffix, and a plausible channel', () => {
    const s = stack();
    const table = new ForestallTable(s, 'Table');
    expect(() => new SlackNotifier(s, 'A', { table, slackTokenSecretName: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf' })).toThrow(
      /slackTokenSecretName must be a secret name, not an ARN/,
    );
    expect(() => new SlackNotifier(s, 'B', { table, slackTokenSecretName: 'forestall/slack-abcdef' })).toThrow(/ends like a random ARN suffix/);
    expect(() => new SlackNotifier(s, 'C', { table, slackChannel: 'two words' })).toThrow(/slackChannel "two words" is not a Slack channel/);
  });
});

describe('tenantPolicySettings', () => {
  it('passes the policies as written (the functions fill the defaults, shadow first) and lists the tenants', () => {
    const settings = tenantPolicySettings('Test', { maxAssetsPerRun: 3 }, { acme: { mode: 'enforce' }, beta: {} });
    expect(JSON.parse(settings.guardrailsJson)).toEqual({ maxAssetsPerRun: 3 });
    expect(JSON.parse(settings.tenantPoliciesJson)).toEqual({ acme: { mode: 'enforce' }, beta: {} });
    expect(settings.tenants).toEqual(['acme', 'beta']);
    expect(tenantPolicySettings('Test')).toEqual({ guardrailsJson: '{}', tenantPoliciesJson: '{}', tenants: [] });
  });

  it('names the field of the default policy that breaks the schema', () => {
    expect(() => tenantPolicySettings('ForestallStack', { maxAssetsPerRun: -1 })).toThrow(/ForestallStack: guardrails\.maxAssetsPerRun: Too small/);
    expect(() => tenantPolicySettings('Test', { surprise: true })).toThrow(/Test: guardrails: Unrecognized key: "surprise"/);
    expect(() => tenantPolicySettings('Test', [])).toThrow(/guardrails must be a JSON object/);
  });

  it('names the tenant and the field of an override that breaks the schema', () => {
    expect(() => tenantPolicySettings('ForestallStack', {}, { acme: { mode: 'enforced' } })).toThrow(/ForestallStack: tenants\.acme\.mode: Invalid option/);
    expect(() => tenantPolicySettings('Test', {}, { acme: { windowHours: 0 }, beta: { maxAsetsPerRun: 3 } })).toThrow(
      /tenants\.acme\.windowHours: Too small.*; tenants\.beta: Unrecognized key: "maxAsetsPerRun"/,
    );
    // The merged policy is checked: an override can break a field only together with the defaults.
    expect(() => tenantPolicySettings('Test', { actuators: { 'crowdstrike-containment': { onExpiry: 'renew' } } }, { acme: { actuators: { x: { enabled: 'no' } } } })).toThrow(
      /tenants\.acme\.actuators\.x\.enabled/,
    );
    expect(() => tenantPolicySettings('Test', {}, { 'Not A Tenant': {} })).toThrow(/tenants: tenant "Not A Tenant": tenant id/);
    expect(() => tenantPolicySettings('Test', {}, { acme: 'enforce' })).toThrow(/tenant "acme"/);
  });
});

describe("Lambda's 4 KB environment limit", () => {
  const noBundling = () => new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'EnvTest');

  it('fails synth naming the function and its largest variables', () => {
    const s = noBundling();
    new ForestallFunction(s, 'F', { entry: 'functions/playbook/plan.handler.ts', serviceName: 'big-env', environment: { SMALL: 'x', HUGE: 'y'.repeat(4000) } });
    expect(() => Template.fromStack(s)).toThrow(/ForestallFunction\(big-env\): its environment variables come to about \d+ bytes, over Lambda's 4096-byte limit \(largest: HUGE 4004 bytes/);
  });

  it('counts deploy-time values at the size they can reach', () => {
    const s = noBundling();
    const table = new ForestallTable(s, 'Table');
    const fn = new ForestallFunction(s, 'F', { entry: 'functions/playbook/plan.handler.ts', serviceName: 'sized', environment: { A: 'abc' } });
    table.grantRead(fn);
    const { byVariable } = fn.environmentSize();
    expect(byVariable.A).toBe(4);
    expect(byVariable.TABLE_NAME).toBe('TABLE_NAME'.length + 140);
  });

  it('stops a stack whose tenant policies leave no room, before deployment', () => {
    const tenants = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`tenant-${i}`, { mode: 'enforce', protectedIdentities: ['okta-user:00u1abcdefghijk'] }]));
    expect(() => Template.fromStack(new ForestallStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Big', { tenants }))).toThrow(
      /over Lambda's 4096-byte limit \(largest: TENANT_POLICIES/,
    );
  });
});

describe('KevIngest and ExposureMatch props', () => {
  const deps = () => {
    const s = stack();
    return { s, table: new ForestallTable(s, 'Table'), bus: new ForestallBus(s, 'Bus') };
  };

  it('names the KEV setting that is wrong', () => {
    const { s, table: t, bus } = deps();
    expect(() => new KevIngest(s, 'A', { table: t, bus, kevUrl: 'http://www.cisa.gov/kev.json' })).toThrow(/kevUrl must be an https URL/);
    expect(() => new KevIngest(s, 'B', { table: t, bus, nvdLookupsPerRun: 5000 })).toThrow(/nvdLookupsPerRun must be an integer between 0 and 1000, got 5000/);
    expect(() => new KevIngest(s, 'C', { table: t, bus, interval: Duration.minutes(2) })).toThrow(/interval must be a whole number of minutes between 5 and 1440, got 2/);
    expect(() => new KevIngest(s, 'D', { table: t, bus, tenantId: 'Not A Tenant' })).toThrow(/KevIngest: tenantId "Not A Tenant"/);
    expect(() => new KevIngest(s, 'E', { table: t, bus, nvdApiKeySecretName: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' })).toThrow(
      /nvdApiKeySecretName must be a secret name, not an ARN/,
    );
  });

  it('sizes the timeout to the NVD lookups a run may make, and refuses more than fit in 15 minutes', () => {
    const { s, table: t, bus } = deps();
    expect(() => new KevIngest(s, 'F', { table: t, bus, nvdLookupsPerRun: 500 })).toThrow(/without an API key \(at most 120/);
    const keyed = new KevIngest(s, 'G', { table: t, bus, nvdLookupsPerRun: 1000, nvdApiKeySecretName: 'forestall/nvd/api-key' });
    const keyless = new KevIngest(s, 'H', { table: t, bus, nvdLookupsPerRun: 120 });
    const timeouts = Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function')).map((fn) => fn.Properties.Timeout as number);
    expect(timeouts).toEqual(expect.arrayContaining([780, 900]));
    expect(keyed.handler.function.timeout?.toSeconds()).toBe(780);
    expect(keyless.handler.function.timeout?.toSeconds()).toBe(900);
  });

  it('keeps EventBridge retry settings within what EventBridge accepts', () => {
    const { s, table: t, bus } = deps();
    expect(() => new ExposureMatch(s, 'A', { table: t, bus, retryAttempts: 200 })).toThrow(/retryAttempts must be an integer between 0 and 185/);
    expect(() => new ExposureMatch(s, 'B', { table: t, bus, maxEventAge: Duration.days(2) })).toThrow(/maxEventAge must be between 1 minute and 24 hours/);
  });
});

describe('IntelSourceIngest, IntelArchive and IntelPush props', () => {
  const deps = () => {
    const s = stack();
    return { s, table: new ForestallTable(s, 'Table'), bus: new ForestallBus(s, 'Bus') };
  };

  it('names the source setting that is wrong', () => {
    const { s, table, bus } = deps();
    expect(() => new IntelSourceIngest(s, 'A', { table, bus, source: 'nope' })).toThrow(/no intel source "nope"; sources: cisa-kev, nvd/);
    expect(() => new IntelSourceIngest(s, 'B', { table, bus, source: 'osv' })).toThrow(/source osv is not polled \(file, webhook\); push it to the webhook instead/);
    expect(() => new IntelSourceIngest(s, 'C', { table, bus, source: 'nvd', settings: { scope: 'everything' } })).toThrow(/IntelSourceIngest nvd: settings: scope: /);
    expect(() => new IntelSourceIngest(s, 'D', { table, bus, source: 'epss', everyMinutes: 2 })).toThrow(/everyMinutes must be a whole number between 5 and 1440, got 2/);
    expect(() => new IntelSourceIngest(s, 'E', { table, bus, source: 'epss', secretNames: { NVD_API_KEY: 'forestall/nvd/api-key' } })).toThrow(
      /the source reads no secret NVD_API_KEY \(it reads none\)/,
    );
    expect(() => new IntelSourceIngest(s, 'F', { table, bus, source: 'nvd', secretNames: { NVD_API_KEY: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' } })).toThrow(
      /secretNames.NVD_API_KEY must be a secret name, not an ARN/,
    );
  });

  it('refuses an archive retention out of range and a webhook secret prefix that is not a name', () => {
    const { s, table, bus } = deps();
    expect(() => new IntelArchive(s, 'A', { retentionDays: 0 })).toThrow(/retentionDays must be a whole number of days between 1 and 3650, got 0/);
    expect(() => new IntelPush(s, 'P', { table, bus, secretPrefix: 'arn:aws:secretsmanager:x' })).toThrow(/secretPrefix "arn:aws:secretsmanager:x" is not a Secrets Manager name prefix/);
  });

  it('refuses an intelSources entry it cannot read, naming the source and the field', () => {
    expect(() => new ForestallStack(new App(), 'S1', { intelSources: { threatfox: { every: 30 } } })).toThrow(/intelSources.threatfox: \(entry\): Unrecognized key: "every"/);
    expect(() => new ForestallStack(new App(), 'S2', { intelSources: { 'cisa-kev': {} } })).toThrow(/cisa-kev is configured by kevUrl/);
  });
});
