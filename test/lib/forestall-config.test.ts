import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import type { ActuatorDefinition } from '../../functions/action-kernel/actuator-definition.ts';
import { ACTUATORS } from '../../functions/actuators/registry.ts';
import { CloudFindings } from '../../lib/cloud-findings.ts';
import { ForestallBus } from '../../lib/forestall-bus.ts';
import { actuatorContextSchemas, knownContextKeys, readForestallConfig } from '../../lib/forestall-config.ts';
import { ForestallTable } from '../../lib/forestall-table.ts';

const configFrom = (context: Record<string, unknown>) => readForestallConfig(new App({ context }).node);

/** An actuator definition with only the deployment data the config reads. */
function definitionWith(name: string, deployment: Partial<ActuatorDefinition['deployment']>): ActuatorDefinition<any> {
  const base = ACTUATORS[0]!;
  return { ...base, name, deployment: { ...base.deployment, settings: [], secrets: [], ...deployment } };
}

describe('readForestallConfig', () => {
  it('is empty without forestall context, so every construct default applies', () => {
    expect(configFrom({ unrelated: 'x', '@aws-cdk/core:checkSecretUsage': true })).toEqual({});
  });

  it('knows the stack keys and every setting and secret the registry declares', () => {
    const keys = knownContextKeys();
    for (const stackKey of ['tenantId', 'guardrails', 'tenants', 'alarmEmails', 'centralAccountId', 'slackChannel', 'slackTokenSecretName', 'kevUrl']) {
      expect(keys, stackKey).toContain(stackKey);
    }
    for (const definition of ACTUATORS) {
      for (const { key } of [...definition.deployment.settings, ...definition.deployment.secrets]) expect(keys, `${definition.name} ${key}`).toContain(key);
    }
  });

  it('reads -c style strings: comma lists, numbers, JSON policies, and actuator settings as strings', () => {
    expect(
      configFrom({
        'forestall:putEventsAccountIds': '111111111111, 222222222222',
        'forestall:nvdLookupsPerRun': '40',
        'forestall:guardrails': '{"maxAssetsPerRun":3}',
        'forestall:tenants': '{"acme":{"mode":"enforce"}}',
        'forestall:alarmEmails': 'sec@example.com, ops@example.com',
        'forestall:centralAccountId': '333333333333',
        'forestall:slackChannel': 'C0123456789',
      }),
    ).toEqual({
      putEventsAccountIds: ['111111111111', '222222222222'],
      nvdLookupsPerRun: 40,
      guardrails: { maxAssetsPerRun: 3 },
      tenants: { acme: { mode: 'enforce' } },
      alarmEmails: ['sec@example.com', 'ops@example.com'],
      centralAccountId: '333333333333',
      slackChannel: 'C0123456789',
    });
  });

  it('passes every registry setting and secret name through under actuatorSettings, lists and tags as strings', () => {
    const context: Record<string, unknown> = {};
    const expected: Record<string, string> = {};
    for (const definition of ACTUATORS) {
      for (const setting of definition.deployment.settings) {
        // cdk.json shapes for lists and tags; plain strings otherwise.
        if (setting.kind === 'list') {
          context[`forestall:${setting.key}`] = ['eu-west-1', 'eu-central-1'];
          expected[setting.key] = 'eu-west-1,eu-central-1';
        } else if (setting.kind === 'tag') {
          context[`forestall:${setting.key}`] = { key: 'forestall:managed', value: 'true' };
          expected[setting.key] = 'forestall:managed=true';
        } else {
          context[`forestall:${setting.key}`] = `value-of-${setting.key}`;
          expected[setting.key] = `value-of-${setting.key}`;
        }
      }
      for (const secret of definition.deployment.secrets) {
        context[`forestall:${secret.key}`] = `forestall/${secret.key}`;
        expected[secret.key] = `forestall/${secret.key}`;
      }
    }
    expect(configFrom(context)).toEqual(Object.keys(expected).length > 0 ? { actuatorSettings: expected } : {});
  });

  it('fails on a forestall: key nothing reads, naming it and the key it probably meant', () => {
    expect(() => configFrom({ 'forestall:guardRails': '{"mode":"enforce"}' })).toThrow(
      /unknown forestall context key: forestall:guardRails \(did you mean forestall:guardrails\?\)/,
    );
    expect(() => configFrom({ 'forestall:tenant': 'acme' })).toThrow(/forestall:tenant \(did you mean forestall:tenant(Id|s)\?\)/);
    expect(() => configFrom({ 'forestall:completelyMadeUp': 'x', 'forestall:alarmEmail': 'a@b.c' })).toThrow(
      /unknown forestall context keys: forestall:alarmEmail \(did you mean forestall:alarmEmails\?\), forestall:completelyMadeUp\. Known keys: .*forestall:guardrails/,
    );
  });

  it('reads the cloud findings keys from -c strings and from cdk.json values alike', () => {
    const expected = { memberAccountIds: ['111111111111', '222222222222'], accountTenants: { '333333333333': 'acme' }, findingsBusArn: 'arn:aws:events:eu-west-1:444444444444:event-bus/forestall' };
    expect(
      configFrom({
        'forestall:memberAccountIds': '111111111111, 222222222222',
        'forestall:accountTenants': '{"333333333333": "acme"}',
        'forestall:findingsBusArn': 'arn:aws:events:eu-west-1:444444444444:event-bus/forestall',
      }),
    ).toEqual(expected);
    expect(
      configFrom({
        'forestall:memberAccountIds': ['111111111111', '222222222222'],
        'forestall:accountTenants': { '333333333333': 'acme' },
        'forestall:findingsBusArn': 'arn:aws:events:eu-west-1:444444444444:event-bus/forestall',
      }),
    ).toEqual(expected);
    expect(() => configFrom({ 'forestall:accountTenants': '["acme"]' })).toThrow(/forestall:accountTenants: expected a JSON object/);
    expect(() => configFrom({ 'forestall:memberAccountId': '111111111111' })).toThrow(/did you mean forestall:memberAccountIds\?/);
  });

  it('lets the cloud findings construct name the accountTenants or memberAccountIds entry that is wrong, before bundling', () => {
    const findings = (context: Record<string, unknown>) => {
      const stack = new Stack(new App(), 'ConfigTest');
      const config = configFrom(context);
      return new CloudFindings(stack, 'CloudFindings', { table: new ForestallTable(stack, 'Table'), bus: new ForestallBus(stack, 'Bus'), ...config });
    };
    expect(() => findings({ 'forestall:accountTenants': '{"1234": "acme"}' })).toThrow(/CloudFindings: accountTenants key "1234" is not a 12-digit AWS account id/);
    expect(() => findings({ 'forestall:accountTenants': '{"333333333333": "Not A Tenant"}' })).toThrow(/accountTenants\.333333333333/);
    expect(() => findings({ 'forestall:accountTenants': '{"333333333333": 7}' })).toThrow(/accountTenants\.333333333333: expected a tenant id, got 7/);
    expect(() => findings({ 'forestall:memberAccountIds': '111111111111,22222' })).toThrow(/memberAccountIds entry "22222" is not a 12-digit AWS account id/);
  });

  it('names the context key when a value has the wrong shape', () => {
    expect(() => configFrom({ 'forestall:nvdLookupsPerRun': 'lots' })).toThrow(/forestall:nvdLookupsPerRun: expected a whole number/);
    expect(() => configFrom({ 'forestall:guardrails': '{not json' })).toThrow(/forestall:guardrails: not valid JSON/);
    expect(() => configFrom({ 'forestall:tenants': '["acme"]' })).toThrow(/forestall:tenants: expected a JSON object/);
    expect(() => configFrom({ 'forestall:centralAccountId': '1234' })).toThrow(/forestall:centralAccountId: expected a 12-digit AWS account id/);
  });

  it('refuses actuator definitions whose keys clash with the stack or with each other', () => {
    expect(() => actuatorContextSchemas([definitionWith('a', { secrets: [{ prefix: 'A', key: 'guardrails', defaultName: 'a', description: 'a' }] })])).toThrow(
      /actuator a declares context key forestall:guardrails, which the stack itself uses/,
    );
    const list = { key: 'regions', variable: 'REGIONS', kind: 'list', description: 'r' } as const;
    expect(() => actuatorContextSchemas([definitionWith('a', { settings: [list] }), definitionWith('b', { settings: [{ ...list, kind: 'string' }] })])).toThrow(
      /forestall:regions is a list for actuator a but a string for b/,
    );
    // The same key meaning the same thing is one setting shared by both.
    expect(Object.keys(actuatorContextSchemas([definitionWith('a', { settings: [list] }), definitionWith('b', { settings: [list] })]))).toEqual(['regions']);
  });
});
