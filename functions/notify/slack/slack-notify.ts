import { WebClient, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIHTTPError } from '@slack/web-api';
import type { ActionRecord } from '../../model/action.ts';
import { runAction } from '../actuator-request.ts';
import type { ActionFlowDeps } from '../actuator-request.ts';
import { VendorAuthFailed, VendorRateLimited, VendorRequestFailed, vendorFailure } from '../vendor-errors.ts';
import { composeSlackMessage } from './slack-message.ts';
import type { SlackNotifyRequest } from './slack-message.ts';

export interface SlackClientOptions {
  token: string;
  /** Defaults to https://slack.com/api/; a loopback URL locally (`<simulator>/api/`). */
  slackApiUrl?: string;
}

/**
 * Slack Web API client. Rate-limited calls are rejected rather than waited out inside the Lambda, so
 * the playbook's Retry (on VendorRateLimited) owns the back-off.
 */
export function createSlackClient(options: SlackClientOptions): WebClient {
  return new WebClient(options.token, {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
}

export interface SlackNotifyDeps extends ActionFlowDeps {
  slack: WebClient;
  channel: string;
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

/**
 * Posts the notification for a playbook stage (once per execution, channel and kind) and records it as
 * an action whose vendor object id is the message `ts`.
 */
export async function notifySlack(deps: SlackNotifyDeps, request: SlackNotifyRequest): Promise<{ actions: ActionRecord[] }> {
  const message = composeSlackMessage(request);
  const record = await runAction(
    deps,
    {
      tenant: request.tenant,
      execution: request.execution,
      operation: 'apply',
      dryRun: request.dryRun,
      reason: `notify ${request.kind}${request.plan?.vulnerability ? ` for ${request.plan.vulnerability.id}` : ''}`,
      exposureIds: request.plan?.exposureIds ?? [...new Set(request.actions.flatMap((action) => action.exposureIds))],
    },
    {
      actuator: 'slack',
      operation: `notify-${request.kind}`,
      target: `slack:${deps.channel}`,
      wouldDo: `post to ${deps.channel}: ${message.text}`,
      request: { channel: deps.channel, ...message },
    },
    async () => {
      try {
        const result = await deps.slack.chat.postMessage({ channel: deps.channel, text: message.text, blocks: message.blocks, unfurl_links: false });
        return { ...(result.ts ? { vendorObjectId: result.ts } : {}), detail: `posted to ${result.channel ?? deps.channel}` };
      } catch (error) {
        throw vendorError(error);
      }
    },
  );
  return { actions: [record] };
}
