import { DetailType, EVENT_SOURCE } from '../model/events.ts';

/**
 * EventBridge event patterns, as plain objects. The CDK stack puts exactly these on its rules and the
 * local bus evaluates exactly these (through `rulePattern`), so local runs route the way a deployment does.
 */
export const EventPatterns = {
  /** New or changed intel: run matching against the estate. Other accounts may send intel in. */
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

/**
 * Rules that start action playbooks. The bus admits events from other accounts (intel, inventory,
 * findings), and EventBridge sets an event's `account` to the sender's, which the sender cannot choose:
 * these rules match only events from the stack's own account, so only forestall's own findings act.
 */
export const ACTION_TRIGGERS: ReadonlySet<EventPatternName> = new Set<EventPatternName>(['exposureAct']);

/** The pattern a rule carries on a bus in `ownAccount`: action triggers are limited to that account. */
export function rulePattern(name: EventPatternName, ownAccount: string): Record<string, unknown> {
  const pattern = EventPatterns[name];
  return ACTION_TRIGGERS.has(name) ? { ...pattern, account: [ownAccount] } : { ...pattern };
}
