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
  /** Assets whose software an import changed: re-match them against the vulnerabilities of those packages. */
  inventoryChanged: {
    source: [EVENT_SOURCE],
    'detail-type': [DetailType.InventoryChanged],
  },
  /** Indicators a source added, updated or revoked: judge their relevance to the tenant. */
  indicatorsChanged: {
    source: [EVENT_SOURCE],
    'detail-type': [DetailType.IndicatorsChanged],
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

/**
 * Rules limited to the stack's own account: the action triggers, `inventoryChanged`, which only
 * forestall's own inventory import announces (another account imports through the import function,
 * never by sending the event), and `indicatorsChanged`, which only forestall's own ingest announces
 * after storing the indicators (another account pushes intel through the webhook or its own feed).
 */
export const OWN_ACCOUNT_PATTERNS: ReadonlySet<EventPatternName> = new Set<EventPatternName>([...ACTION_TRIGGERS, 'inventoryChanged', 'indicatorsChanged']);

/** The pattern a rule carries on a bus in `ownAccount`: action triggers and own-only events are limited to that account. */
export function rulePattern(name: EventPatternName, ownAccount: string): Record<string, unknown> {
  const pattern = EventPatterns[name];
  return OWN_ACCOUNT_PATTERNS.has(name) ? { ...pattern, account: [ownAccount] } : { ...pattern };
}
