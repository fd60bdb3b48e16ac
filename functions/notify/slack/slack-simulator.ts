import { createRequestChecker } from '../../local/simulators/openapi-request-check.ts';
import type { HttpRequestShape, RequestCheckResult } from '../../local/simulators/openapi-request-check.ts';
import { fromOpenApiCheck, startHttpSimulator } from '../../local/simulators/http-simulator.ts';
import type { RunningSimulator } from '../../local/simulators/http-simulator.ts';
import { SLACK_API } from './slack-api.ts';

export interface SlackSimulatorOptions {
  /** The bot token the workspace accepts. */
  token: string;
}

export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  /** Block Kit blocks, parsed from the form field. */
  blocks?: unknown[];
}

export interface SlackSimulatorState {
  messages: SlackMessage[];
}

/** The token as Slack receives it: `Authorization: Bearer` (what the SDK sends) or a `token` form field. */
function presentedToken(request: HttpRequestShape): string | undefined {
  const bearer = /^Bearer (\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
  if (bearer) return bearer;
  if (request.body && String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(request.body).get('token') ?? undefined;
  }
  return undefined;
}

/**
 * Slack Web API on 127.0.0.1 (serves `/api/<method>`, so `slackApiUrl` is `<url>/api/`): chat.postMessage
 * stores the message and answers like Slack. Requests are checked against Slack's Web API document
 * (slack-api.ts, forestall's description of the method, held against Slack's document by a contract
 * test); the document places the token in a `token` header, which the checker derives from the bearer
 * token or form field that Slack actually reads.
 */
export async function startSlackSimulator(options: SlackSimulatorOptions): Promise<RunningSimulator<SlackSimulatorState>> {
  const checker = await createRequestChecker(structuredClone(SLACK_API) as unknown as Record<string, unknown>, { headerAliases: { token: presentedToken } });
  const state: SlackSimulatorState = { messages: [] };
  let sequence = 0;

  return startHttpSimulator<SlackSimulatorState>({
    state,
    check: (request) => fromOpenApiCheck(checker.check(request)),
    rejected: (violations) => ({ status: 400, body: { ok: false, error: 'invalid_arguments', response_metadata: { messages: violations } } }),
    throttled: () => ({ status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } }),
    handle(request, detail) {
      if (presentedToken(request) !== options.token) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
      const form = (detail as Extract<RequestCheckResult, { ok: true }>).body as Record<string, unknown>;
      const text = typeof form.text === 'string' ? form.text : undefined;
      let blocks: unknown[] | undefined;
      if (typeof form.blocks === 'string') {
        try {
          const parsed: unknown = JSON.parse(form.blocks);
          if (!Array.isArray(parsed)) return { status: 200, body: { ok: false, error: 'invalid_blocks_format' } };
          blocks = parsed;
        } catch {
          return { status: 200, body: { ok: false, error: 'invalid_blocks_format' } };
        }
      }
      if (!text && !blocks) return { status: 200, body: { ok: false, error: 'no_text' } };
      sequence += 1;
      const ts = `${Math.floor(Date.now() / 1000)}.${String(sequence).padStart(6, '0')}`;
      const channel = String(form.channel);
      state.messages.push({ channel, ts, ...(text === undefined ? {} : { text }), ...(blocks === undefined ? {} : { blocks }) });
      return {
        status: 200,
        body: { ok: true, channel, ts, message: { type: 'message', subtype: 'bot_message', bot_id: 'B0FORESTALL', text: text ?? '', ts, ...(blocks ? { blocks } : {}) } },
      };
    },
  });
}
