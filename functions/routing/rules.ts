import { DetailType, EVENT_SOURCE } from '../model/events.ts';

/**
 * EventBridge event patterns, as plain objects. The CDK stack puts exactly these on its rules and the
 * local bus evaluates exactly these, so local runs route the way a deployment does.
 */
export const EventPatterns = {
  /** New or changed intel: run matching against the estate. */
  intelChanged: {
    source: [EVENT_SOURCE],
    'detail-type': [DetailType.IntelChanged],
    detail: { kind: ['vulnerability'] },
  },
  /** Exposures whose SSVC decision is `act`: start the cve-exposure-response playbook. */
  exposureAct: {
    source: [EVENT_SOURCE],
    'detail-type': [DetailType.ExposureDetected],
    detail: { decision: ['act'] },
  },
} as const;

export type EventPatternName = keyof typeof EventPatterns;
