import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../functions/config/env.ts';
import { parseGuardrailPolicy } from '../../../functions/playbook/guardrail-config.ts';

describe('parseGuardrailPolicy', () => {
  it('uses the safe defaults when no policy is configured', () => {
    expect(parseGuardrailPolicy(undefined)).toEqual({
      dryRun: false,
      neverTouchTags: { 'forestall:never-touch': 'true' },
      maxAssetsPerRun: 25,
    });
    expect(parseGuardrailPolicy('  ')).toEqual(parseGuardrailPolicy(undefined));
  });

  it('reads a tenant policy', () => {
    expect(parseGuardrailPolicy('{"dryRun":true,"maxAssetsPerRun":3,"neverTouchTags":{"env":"lab"}}')).toEqual({
      dryRun: true,
      neverTouchTags: { env: 'lab' },
      maxAssetsPerRun: 3,
    });
  });

  it('refuses malformed JSON, naming the variable', () => {
    expect(() => parseGuardrailPolicy('{dryRun: true}')).toThrow(ConfigurationError);
    expect(() => parseGuardrailPolicy('{dryRun: true}')).toThrow(/GUARDRAILS is not valid JSON/);
  });

  it('refuses a policy with a bad or unknown field rather than dropping a guardrail', () => {
    expect(() => parseGuardrailPolicy('{"maxAssetsPerRun":-1}')).toThrow(/GUARDRAILS .*maxAssetsPerRun/);
    expect(() => parseGuardrailPolicy('{"maxAssetPerRun":5}')).toThrow(/GUARDRAILS is not a valid guardrail policy/);
  });
});
