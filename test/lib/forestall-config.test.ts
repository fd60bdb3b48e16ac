import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readForestallConfig } from '../../lib/forestall-config.ts';

const configFrom = (context: Record<string, unknown>) => readForestallConfig(new App({ context }).node);

describe('readForestallConfig', () => {
  it('is empty without forestall context, so every construct default applies', () => {
    expect(configFrom({ unrelated: 'x' })).toEqual({});
  });

  it('reads -c style strings: comma lists, numbers, JSON guardrails and key=value tags', () => {
    expect(
      configFrom({
        'forestall:putEventsAccountIds': '111111111111, 222222222222',
        'forestall:nvdLookupsPerRun': '40',
        'forestall:guardrails': '{"dryRun":true}',
        'forestall:securityGroupTag': 'forestall:managed=true',
        'forestall:slackChannel': 'C0123456789',
      }),
    ).toEqual({
      putEventsAccountIds: ['111111111111', '222222222222'],
      nvdLookupsPerRun: 40,
      guardrails: { dryRun: true },
      securityGroupTag: { key: 'forestall:managed', value: 'true' },
      slackChannel: 'C0123456789',
    });
  });

  it('reads cdk.json style JSON values as they are', () => {
    expect(
      configFrom({
        'forestall:putEventsAccountIds': ['111111111111'],
        'forestall:nvdLookupsPerRun': 5,
        'forestall:guardrails': { maxAssetsPerRun: 3 },
        'forestall:securityGroupTag': { key: 'team', value: 'sec' },
      }),
    ).toEqual({
      putEventsAccountIds: ['111111111111'],
      nvdLookupsPerRun: 5,
      guardrails: { maxAssetsPerRun: 3 },
      securityGroupTag: { key: 'team', value: 'sec' },
    });
  });

  it('names the context key when a value has the wrong shape', () => {
    expect(() => configFrom({ 'forestall:nvdLookupsPerRun': 'lots' })).toThrow(/forestall:nvdLookupsPerRun: expected a whole number/);
    expect(() => configFrom({ 'forestall:guardrails': '{not json' })).toThrow(/forestall:guardrails: not valid JSON/);
    expect(() => configFrom({ 'forestall:securityGroupTag': 'no-equals-sign' })).toThrow(/forestall:securityGroupTag: expected key=value/);
  });
});
