import type { Construct } from 'constructs';
import { BusMatcher, type BusMatcherProps } from './bus-matcher.ts';

/** Properties of {@link ExposureMatch}. */
export type ExposureMatchProps = BusMatcherProps;

/**
 * Matching: the target of `EventPatterns.intelChanged`. Matches the changed CVE against the estate,
 * stores exposures with their SSVC decision and emits `Exposure Detected`.
 */
export class ExposureMatch extends BusMatcher {
  constructor(scope: Construct, id: string, props: ExposureMatchProps) {
    super(scope, id, props, {
      name: 'ExposureMatch',
      functionId: 'ExposureMatch',
      entry: 'functions/match/exposure-match.handler.ts',
      serviceName: 'exposure-match',
      description: 'Matches changed intel against the estate and emits Exposure Detected',
      ruleId: 'IntelChanged',
      pattern: 'intelChanged',
      ruleDescription: 'forestall: changed vulnerability intel -> exposure matching',
    });
  }
}
