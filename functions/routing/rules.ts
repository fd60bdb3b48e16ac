import { DetailType, EVENT_SOURCE } from '../model/events.ts';
import { INSPECTOR_DETAIL_TYPE } from '../inventory/cloud/inspector-finding.ts';
import { SECURITY_HUB_DETAIL_TYPE } from '../inventory/cloud/security-hub-finding.ts';

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
  /**
   * Amazon Inspector and Security Hub findings, forwarded from member accounts: merge the instances'
   * software into the inventory. Not limited to the own account (they come from others); the handler
   * takes only allowed accounts. The two lists also admit the crossed pairs, which AWS never sends
   * (nobody else may send `aws.*` sources); the handler refuses them.
   */
  cloudFindings: {
    source: ['aws.inspector2', 'aws.securityhub'],
    'detail-type': [INSPECTOR_DETAIL_TYPE, SECURITY_HUB_DETAIL_TYPE],
  },
  /** An inventory upload that ran short of time in one invocation: the upload function goes on from its checkpoint. */
  inventoryUploadContinued: {
    source: [EVENT_SOURCE],
    'detail-type': [DetailType.InventoryUploadProgressed],
    detail: { status: ['running'] },
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
 * after storing the indicators (another account pushes intel through the webhook or its own feed), and
 * `inventoryUploadContinued`, which only the upload function sends itself.
 */
export const OWN_ACCOUNT_PATTERNS: ReadonlySet<EventPatternName> = new Set<EventPatternName>([...ACTION_TRIGGERS, 'inventoryChanged', 'indicatorsChanged', 'inventoryUploadContinued']);

/** The pattern a rule carries on a bus in `ownAccount`: action triggers and own-only events are limited to that account. */
export function rulePattern(name: EventPatternName, ownAccount: string): Record<string, unknown> {
  const pattern = EventPatterns[name];
  return OWN_ACCOUNT_PATTERNS.has(name) ? { ...pattern, account: [ownAccount] } : { ...pattern };
}

/**
 * S3's `Object Created` for uploads to `bucket` under `prefix`, on the account's default bus (S3 sends
 * there once the bucket has EventBridge notifications on).
 */
export function objectCreatedPattern(bucket: string, prefix: string): Record<string, unknown> {
  return {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: { bucket: { name: [bucket] }, object: { key: [{ prefix }] } },
  };
}
