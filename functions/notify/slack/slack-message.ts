import { z } from 'zod';
import { actuatorDefinition } from '../../actuators/registry.ts';
import type { ActionRecord } from '../../model/action.ts';
import { TenantIdSchema } from '../../model/tenant.ts';

/**
 * What the Slack notifier is told. `plan` is the playbook's plan (fields read here are listed; others
 * are ignored). The actions themselves are read from the audit trail, not passed through the state
 * machine: the notifier shows them as they stand (holds, expiry, confirmation), whatever their number.
 */
export const NotifyPlanSchema = z.looseObject({
  vulnerability: z
    .looseObject({
      id: z.string(),
      name: z.string().optional(),
      kev: z.boolean().optional(),
      cvss: z.number().optional(),
      requiredAction: z.string().optional(),
      dueDate: z.string().optional(),
    })
    .optional(),
  decision: z.string().optional(),
  mode: z.string().optional(),
  reasons: z.array(z.string()).optional(),
  exposureIds: z.array(z.string()).optional(),
  dryRun: z.boolean().optional(),
  /** Assets left alone (guardrails, caps, missing bindings) with the reason. */
  skipped: z.array(z.looseObject({ assetId: z.string().optional(), target: z.string().optional(), actuator: z.string().optional(), reason: z.string() })).optional(),
});
export type NotifyPlan = z.infer<typeof NotifyPlanSchema>;

export const NotifyKindSchema = z.enum(['actions-taken', 'released', 'failed', 'nothing-to-do', 'still-contained', 'expired']);
export type NotifyKind = z.infer<typeof NotifyKindSchema>;

export const SlackNotifyRequestSchema = z.object({
  tenant: TenantIdSchema,
  /** The playbook execution (its actions are reported), or the sweeper's run. */
  execution: z.string().min(1),
  kind: NotifyKindSchema,
  plan: NotifyPlanSchema.optional(),
  /** Report exactly these actions (the sweeper names what it handled) instead of the execution's. */
  actionIds: z.array(z.string().min(1)).optional(),
  /** A Step Functions Catch result ({Error, Cause}) or a message. */
  error: z.union([z.string(), z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() })]).optional(),
  /** Compose and record, but do not post. */
  dryRun: z.boolean().default(false),
});
export type SlackNotifyRequest = z.infer<typeof SlackNotifyRequestSchema>;

/** Which of a run's actions a notification reports. */
export function actionsFor(kind: NotifyKind, actions: readonly ActionRecord[]): ActionRecord[] {
  const actuatorActions = actions.filter((action) => action.actuator !== 'slack');
  switch (kind) {
    case 'actions-taken':
      return actuatorActions.filter((action) => action.operation === 'apply');
    case 'released':
      return actuatorActions.filter((action) => action.operation === 'release');
    case 'still-contained':
      return actuatorActions.filter((action) => action.operation === 'apply' && (action.status === 'done' || action.status === 'held'));
    case 'nothing-to-do':
      return [];
    default:
      // failed, expired: every action as it stands now.
      return actuatorActions;
  }
}

interface TextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
}
export type MessageBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: TextObject }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** Notification and fallback text. */
  text: string;
  blocks: MessageBlock[];
}

/** Slack limits: 3000 characters per section text, 150 per header, 50 blocks per message. */
const SECTION_LIMIT = 3000;
const HEADER_LIMIT = 150;
const BLOCK_LIMIT = 50;

/** The actuator's title from the registry, so a new actuator needs nothing here. */
const actuatorTitle = (name: string) => actuatorDefinition(name)?.title ?? name;

const TITLES: Record<NotifyKind, string> = {
  'actions-taken': 'forestall acted',
  released: 'forestall released containment',
  failed: 'forestall playbook failed',
  'nothing-to-do': 'forestall: nothing to do',
  'still-contained': 'forestall: patch not verified, containment stands',
  expired: 'forestall: expired actions handled',
};

const ICONS: Record<NotifyKind, string> = {
  'actions-taken': ':rotating_light:',
  released: ':white_check_mark:',
  failed: ':x:',
  'nothing-to-do': ':information_source:',
  'still-contained': ':warning:',
  expired: ':hourglass:',
};

/** Slack mrkdwn treats &, < and > as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Lines into as few section blocks as the 3000-character limit allows. */
function sections(heading: string, lines: string[]): MessageBlock[] {
  const blocks: MessageBlock[] = [];
  let current = `*${heading}*`;
  for (const line of lines) {
    const candidate = `${current}\n${line}`;
    if (candidate.length > SECTION_LIMIT) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
      current = truncate(line, SECTION_LIMIT);
    } else {
      current = candidate;
    }
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
  return blocks;
}

function statusLabel(action: ActionRecord): string {
  const shadow = action.dryRun ? ' (shadow)' : '';
  return `${action.status}${shadow}`;
}

/** What stands and for how long: the expiry of a held change, the verdict of a revert. */
function standing(action: ActionRecord): string {
  if ((action.status === 'done' || action.status === 'held') && action.expiresAt) return ` (stands until ${action.expiresAt}, then ${action.onExpiry ?? 'revert'})`;
  if (action.status === 'reverted' && action.confirmation) return ` (vendor now: ${action.confirmation.observed}, ${action.confirmation.verdict})`;
  return '';
}

function errorText(error: SlackNotifyRequest['error']): string | undefined {
  if (error === undefined) return undefined;
  if (typeof error === 'string') return error;
  return [error.Error, error.Cause].filter(Boolean).join(': ') || 'unknown error';
}

// Matches the matcher's reason text: `affected: <cpe> (version V) is within NVD criteria <criteria>, <range>`.
const AFFECTED_REASON = /^affected: cpe:2\.3:[^:]*:[^:]*:([^:]*):.*\(version ([^)]+)\) is within NVD criteria .*?(?:up to (\S+) \((excluding|including)\))?(?: \[|$)/;

/**
 * Splits the exposure reasons into the per-component `affected: ...` lines, condensed to one line per
 * product and build (`netscaler_gateway 13.1-48.47: fixed after 13.1-49.15 (excluding)`), and the rest.
 */
export function splitAffectedReasons(reasons: readonly string[]): { affected: string[]; other: string[] } {
  const affected = new Map<string, string>();
  const other: string[] = [];
  for (const reason of reasons) {
    const match = AFFECTED_REASON.exec(reason);
    if (!match) {
      other.push(reason);
      continue;
    }
    const [, product, version, bound, kind] = match;
    const fix = bound ? (kind === 'excluding' ? `upgrade to ${bound} or later` : `upgrade past ${bound}`) : 'no fixed build named by NVD';
    affected.set(`${product} ${version}`, `${product} ${version}: ${fix}`);
  }
  return { affected: [...affected.values()].sort(), other };
}

/**
 * Composes the Slack message: what was done (per actuator, per target, dry-run marked), why (CVE, KEV,
 * decision, reasons), how to undo each action (its inverse and id), and what was skipped. Pure: same
 * input, same message.
 */
export function composeSlackMessage(request: Pick<SlackNotifyRequest, 'kind' | 'plan' | 'error' | 'execution'> & { actions: readonly ActionRecord[] }): SlackMessage {
  const { kind, plan, actions } = request;
  const vulnerability = plan?.vulnerability;
  const subject = vulnerability ? `${vulnerability.id}${vulnerability.name ? ` (${vulnerability.name})` : ''}` : 'exposure';
  const shadowCount = actions.filter((action) => action.dryRun).length;
  const blocks: MessageBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(`${TITLES[kind]}: ${subject}`, HEADER_LIMIT) } }];

  // Why
  const why: string[] = [];
  if (vulnerability) {
    why.push(`• *${escapeMrkdwn(subject)}*${vulnerability.cvss === undefined ? '' : `, CVSS ${vulnerability.cvss}`}`);
    if (vulnerability.kev) {
      why.push(`• In CISA KEV (known exploited)${vulnerability.dueDate ? `, remediation due ${vulnerability.dueDate}` : ''}`);
    }
    if (vulnerability.requiredAction) why.push(`• Required action: ${escapeMrkdwn(vulnerability.requiredAction)}`);
  }
  if (plan?.decision) why.push(`• SSVC decision: *${escapeMrkdwn(plan.decision)}*`);
  const { affected, other } = splitAffectedReasons(plan?.reasons ?? []);
  for (const reason of other) why.push(`• ${escapeMrkdwn(reason)}`);
  if (why.length > 0) blocks.push(...sections('Why', why));

  // Per-component match reasons would drown the rest: one line per affected build, with its fix.
  if (affected.length > 0) {
    blocks.push(...sections('Affected builds and the fix', affected.map((line) => `• ${escapeMrkdwn(line)}`)));
  }

  // What was done
  if (actions.length > 0) {
    const byActuator = new Map<string, ActionRecord[]>();
    for (const action of actions) byActuator.set(action.actuator, [...(byActuator.get(action.actuator) ?? []), action]);
    const lines: string[] = [];
    for (const [actuator, group] of byActuator) {
      lines.push(`_${escapeMrkdwn(actuatorTitle(actuator))}_`);
      for (const action of group) {
        lines.push(`• \`${escapeMrkdwn(action.target)}\` ${escapeMrkdwn(action.operation)}: *${statusLabel(action)}*${action.detail ? ` - ${escapeMrkdwn(action.detail)}` : ''}${escapeMrkdwn(standing(action))}`);
      }
    }
    const heading = kind === 'released' ? 'What was released' : kind === 'still-contained' ? 'What stands' : kind === 'failed' || kind === 'expired' ? 'Every action and where it stands' : 'What was done';
    blocks.push(...sections(heading, lines));
  } else if (kind === 'nothing-to-do') {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'No action was needed: no target passed the plan.' } });
  }

  // How to undo what stands
  const undo = actions.filter((action) => action.inverse && (action.status === 'done' || action.status === 'held'));
  if (undo.length > 0) {
    blocks.push(
      ...sections(
        'How to undo',
        undo.map((action) => `• \`${action.id}\` (${escapeMrkdwn(action.target)}): ${escapeMrkdwn(action.inverse?.description ?? '')}${action.inverse?.operation === 'none' ? '' : ` [${escapeMrkdwn(action.inverse?.operation ?? '')}]`}`),
      ),
    );
  }

  // Skipped and guardrails
  const skipped = [
    ...(plan?.skipped ?? []).map((item) => `• ${escapeMrkdwn(item.target ?? item.assetId ?? 'target')}${item.actuator ? ` (${escapeMrkdwn(item.actuator)})` : ''}: ${escapeMrkdwn(item.reason)}`),
    ...actions.filter((action) => action.status === 'skipped' && !action.dryRun).map((action) => `• \`${escapeMrkdwn(action.target)}\`: ${escapeMrkdwn(action.detail ?? 'skipped')}`),
  ];
  if (skipped.length > 0) blocks.push(...sections('Skipped / guardrails', skipped));

  const failure = errorText(request.error);
  if (failure) blocks.push(...sections('Error', [`\`\`\`${truncate(failure, SECTION_LIMIT - 40)}\`\`\``]));

  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(`execution ${escapeMrkdwn(request.execution)}${shadowCount > 0 ? ` · shadow mode: ${shadowCount} action(s) recorded, nothing changed for those` : ''}`, SECTION_LIMIT) }] });

  const capped = blocks.length > BLOCK_LIMIT ? [...blocks.slice(0, BLOCK_LIMIT - 1), { type: 'context', elements: [{ type: 'mrkdwn', text: `${blocks.length - BLOCK_LIMIT + 1} more block(s) omitted; see the audit trail.` }] } as MessageBlock] : blocks;
  const counts = `${actions.length} action(s)${shadowCount > 0 ? `, ${shadowCount} in shadow mode` : ''}`;
  const text =
    kind === 'failed' || kind === 'still-contained'
      ? `${ICONS[kind]} ${TITLES[kind]}: ${subject}: ${failure ?? 'see the execution'}`
      : kind === 'nothing-to-do'
        ? `${ICONS[kind]} ${subject}: nothing to do`
        : `${ICONS[kind]} ${TITLES[kind]}: ${subject} (${counts})`;
  return { text: truncate(text, SECTION_LIMIT), blocks: capped };
}
