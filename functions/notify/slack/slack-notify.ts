import { WebClient, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIHTTPError } from '@slack/web-api';
import { actionId, requestDigest } from '../../action-kernel/actuator-request.ts';
import type { ActionRecord } from '../../model/action.ts';
import type { ActionRepository } from '../../store/ports.ts';
import { VendorAuthFailed, VendorRateLimited, VendorRequestFailed, vendorFailure } from '../../vendor/vendor-errors.ts';
import { DEFAULT_VENDOR_TIMEOUT_MS } from '../../vendor/vendor-fetch.ts';
import { actionsFor, composeSlackMessage } from './slack-message.ts';
import type { SlackNotifyRequest } from './slack-message.ts';

export interface SlackClientOptions {
  token: string;
  /** Defaults to https://slack.com/api/; a loopback URL locally (`<simulator>/api/`). */
  slackApiUrl?: string;
}

/**
 * Slack Web API client. Rate-limited calls are rejected rather than waited out inside the Lambda, so
 * the playbook's Retry (on VendorRateLimited) owns the back-off; every call has a request timeout.
 */
export function createSlackClient(options: SlackClientOptions): WebClient {
  return new WebClient(options.token, {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: DEFAULT_VENDOR_TIMEOUT_MS,
  });
}

export interface SlackNotifyDeps {
  actions: ActionRepository;
  slack: WebClient;
  channel: string;
  now?: () => Date;
}

const AUTH_ERRORS = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'missing_scope']);

function vendorError(error: unknown): Error {
  if (error instanceof WebAPIRateLimitedError) return new VendorRateLimited('slack', error.retryAfter, { cause: error });
  if (error instanceof WebAPIPlatformError) {
    if (AUTH_ERRORS.has(error.data.error)) return new VendorAuthFailed('slack', 401, error.data.error, { cause: error });
    return new VendorRequestFailed('slack', 200, error.data.error, { cause: error });
  }
  if (error instanceof WebAPIHTTPError) return vendorFailure('slack', error.statusCode, error.statusMessage, { cause: error });
  return vendorFailure('slack', undefined, (error as Error).message, { cause: error });
}

/** The actions a notification reports, read from the audit trail as they stand now. */
async function reportedActions(actions: ActionRepository, request: SlackNotifyRequest): Promise<ActionRecord[]> {
  if (request.actionIds) {
    const found = await Promise.all(request.actionIds.map((id) => actions.get(request.tenant, id)));
    return found.filter((action): action is ActionRecord => action !== undefined);
  }
  return actionsFor(request.kind, await actions.listByExecution(request.tenant, request.execution));
}

/**
 * Posts the notification for a playbook stage (once per execution, channel and kind: a retried step finds
 * its record and does not post again) and records it as an action whose vendor object id is the message
 * `ts`. What was done is read from the audit trail, so the message shows holds, expiries and final states.
 */
export async function notifySlack(deps: SlackNotifyDeps, request: SlackNotifyRequest): Promise<{ actions: ActionRecord[] }> {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const message = composeSlackMessage({ ...request, actions: await reportedActions(deps.actions, request) });
  const operation = `notify-${request.kind}`;
  const target = `slack:${deps.channel}`;
  const createdAt = now();
  const record: ActionRecord = {
    tenant: request.tenant,
    id: actionId(request.tenant, request.execution, 'slack', operation, `${target}:${(request.actionIds ?? []).join(',')}`),
    actuator: 'slack',
    operation,
    target,
    status: 'applying',
    dryRun: request.dryRun,
    requestedBy: request.execution,
    reason: `notify ${request.kind}${request.plan?.vulnerability ? ` for ${request.plan.vulnerability.id}` : ''}`,
    exposureIds: request.plan?.exposureIds ?? [],
    requestDigest: requestDigest({ channel: deps.channel, ...message }),
    createdAt,
    updatedAt: createdAt,
  };
  const { created, record: stored } = await deps.actions.createIfAbsent(record);
  if (!created && (stored.status === 'done' || stored.status === 'skipped')) return { actions: [stored] };
  if (request.dryRun) {
    const skipped: ActionRecord = { ...record, status: 'skipped', detail: `shadow: would post to ${deps.channel}: ${message.text}`, updatedAt: now() };
    await deps.actions.update(skipped);
    return { actions: [skipped] };
  }
  try {
    const result = await deps.slack.chat.postMessage({ channel: deps.channel, text: message.text, blocks: message.blocks, unfurl_links: false });
    const done: ActionRecord = { ...record, status: 'done', ...(result.ts ? { vendorObjectId: result.ts } : {}), detail: `posted to ${result.channel ?? deps.channel}`, updatedAt: now() };
    await deps.actions.update(done);
    return { actions: [done] };
  } catch (error) {
    const failure = vendorError(error);
    await deps.actions.update({ ...record, status: 'failed', detail: `${failure.name}: ${failure.message}`, updatedAt: now() });
    throw failure;
  }
}
