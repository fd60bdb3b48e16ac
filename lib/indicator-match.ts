import type { Construct } from 'constructs';
import { BusMatcher, type BusMatcherProps } from './bus-matcher.ts';
import type { TenantPolicySettings } from './construct-validation.ts';

/** The Powertools service name of the indicator matching function. */
export const INDICATOR_MATCH_SERVICE = 'indicator-match';

/** Properties of {@link IndicatorMatch}. */
export interface IndicatorMatchProps extends BusMatcherProps {
  /** The checked tenant policies (`GUARDRAILS`, `TENANT_POLICIES`): each tenant's `profile` is read from them. */
  readonly policies: TenantPolicySettings;
}

/**
 * Indicator relevance: the target of `EventPatterns.indicatorsChanged`, limited to this stack's own
 * account (only its ingest stores indicators and announces them). Reads the changed indicators and the
 * tenant's asset addresses, judges them against the tenant's profile and emits `Indicator Relevant`.
 * It writes nothing to the table, so it may only read it.
 */
export class IndicatorMatch extends BusMatcher {
  constructor(scope: Construct, id: string, props: IndicatorMatchProps) {
    super(scope, id, props, {
      name: 'IndicatorMatch',
      functionId: 'IndicatorMatch',
      entry: 'functions/match/indicator-match.handler.ts',
      serviceName: INDICATOR_MATCH_SERVICE,
      description: 'Judges changed indicators against the estate and the tenant profile and emits Indicator Relevant',
      ruleId: 'IndicatorsChanged',
      pattern: 'indicatorsChanged',
      ruleDescription: "forestall: this account's changed indicators -> indicator relevance",
      tableAccess: 'read',
      environment: { GUARDRAILS: props.policies.guardrailsJson, TENANT_POLICIES: props.policies.tenantPoliciesJson },
    });
  }
}
