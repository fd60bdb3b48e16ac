import { randomUUID } from 'node:crypto';
import { loadRequestChecker } from './openapi-request-check.ts';
import type { RequestCheckResult } from './openapi-request-check.ts';
import { fromOpenApiCheck, SPEC_DIRECTORY, startHttpSimulator } from './http-simulator.ts';
import type { RunningSimulator, SimulatorResponse } from './http-simulator.ts';

export interface OktaSimulatorOptions {
  /** appId -> ids of the users assigned to the application. */
  apps: Record<string, string[]>;
  /** groupId -> ids of the group's members. */
  groups: Record<string, string[]>;
  /** The API token the org accepts (`Authorization: SSWS <token>`). */
  token: string;
}

export interface OktaSimulatorState {
  apps: Map<string, string[]>;
  groups: Map<string, string[]>;
  /** userId -> number of live sessions (every known user starts signed in once). */
  sessions: Map<string, number>;
  /** userIds in the order their sessions were revoked. */
  revocations: Array<{ userId: string; oauthTokens: boolean }>;
}

function oktaError(status: number, code: string, summary: string): SimulatorResponse {
  return { status, body: { errorCode: code, errorSummary: summary, errorLink: code, errorId: `oae${randomUUID().replace(/-/g, '').slice(0, 20)}`, errorCauses: [] } };
}

function user(id: string) {
  const login = `${id}@example.com`;
  return {
    id,
    status: 'ACTIVE',
    created: '2024-01-01T00:00:00.000Z',
    activated: '2024-01-01T00:00:00.000Z',
    statusChanged: '2024-01-01T00:00:00.000Z',
    lastLogin: '2024-06-01T00:00:00.000Z',
    lastUpdated: '2024-01-01T00:00:00.000Z',
    passwordChanged: '2024-01-01T00:00:00.000Z',
    type: { id: 'oty000000000000000' },
    profile: { firstName: id, lastName: 'Simulated', email: login, login },
    credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
  };
}

function appUser(id: string) {
  return {
    id,
    scope: 'USER',
    status: 'ACTIVE',
    syncState: 'DISABLED',
    created: '2024-01-01T00:00:00.000Z',
    lastUpdated: '2024-01-01T00:00:00.000Z',
    credentials: { userName: `${id}@example.com` },
    profile: {},
    _links: { user: { href: `/api/v1/users/${id}` } },
  };
}

/**
 * Okta org on 127.0.0.1: application assignments, group membership and user sessions, with requests
 * checked against Okta's management API document (test/fixtures/specs/okta-subset.json). Lists page
 * by `limit` and `after` with `Link: <...>; rel="next"` as Okta does.
 */
export async function startOktaSimulator(options: OktaSimulatorOptions): Promise<RunningSimulator<OktaSimulatorState>> {
  const checker = await loadRequestChecker(new URL('okta-subset.json', SPEC_DIRECTORY));
  const knownUsers = new Set([...Object.values(options.apps).flat(), ...Object.values(options.groups).flat()]);
  const state: OktaSimulatorState = {
    apps: new Map(Object.entries(options.apps)),
    groups: new Map(Object.entries(options.groups)),
    sessions: new Map([...knownUsers].map((id) => [id, 1])),
    revocations: [],
  };
  let baseUrl = '';

  const page = (ids: string[], query: Record<string, string | string[]>, path: string, defaultLimit: number, render: (id: string) => unknown): SimulatorResponse => {
    const limit = Number(query.limit ?? defaultLimit);
    const after = typeof query.after === 'string' ? query.after : undefined;
    const start = after === undefined ? 0 : ids.indexOf(after) + 1;
    const slice = ids.slice(start, start + limit);
    const links = [`<${baseUrl}${path}?limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}>; rel="self"`];
    const last = slice[slice.length - 1];
    if (start + limit < ids.length && last !== undefined) {
      links.push(`<${baseUrl}${path}?after=${encodeURIComponent(last)}&limit=${limit}>; rel="next"`);
    }
    return { status: 200, headers: { link: links.join(', ') }, body: slice.map(render) };
  };

  const simulator = await startHttpSimulator<OktaSimulatorState>({
    state,
    check: (request) => fromOpenApiCheck(checker.check(request)),
    rejected: (violations) => ({
      status: 400,
      body: { ...(oktaError(400, 'E0000001', `Api validation failed: ${violations.join('; ')}`).body as object), errorCauses: violations.map((errorSummary) => ({ errorSummary })) },
    }),
    throttled: (now) => ({
      status: 429,
      headers: {
        'x-rate-limit-limit': '600',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(Math.floor(now.getTime() / 1000) + 30),
      },
      body: oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.').body,
    }),
    handle(request, detail, operation) {
      if (request.headers.authorization !== `SSWS ${options.token}`) {
        return oktaError(401, 'E0000011', 'Invalid token provided');
      }
      const checked = detail as Extract<RequestCheckResult, { ok: true }>;
      const path = new URL(request.url, 'http://simulator.invalid').pathname;
      switch (operation) {
        case 'listApplicationUsers': {
          const ids = state.apps.get(checked.pathParams.appId ?? '');
          if (!ids) return oktaError(404, 'E0000007', `Not found: Resource not found: ${checked.pathParams.appId} (AppInstance)`);
          return page(ids, checked.query, path, 50, appUser);
        }
        case 'listGroupUsers': {
          const ids = state.groups.get(checked.pathParams.groupId ?? '');
          if (!ids) return oktaError(404, 'E0000007', `Not found: Resource not found: ${checked.pathParams.groupId} (UserGroup)`);
          return page(ids, checked.query, path, 1000, user);
        }
        case 'revokeUserSessions': {
          const userId = checked.pathParams.userId ?? '';
          if (!state.sessions.has(userId)) return oktaError(404, 'E0000007', `Not found: Resource not found: ${userId} (User)`);
          state.sessions.set(userId, 0);
          state.revocations.push({ userId, oauthTokens: checked.query.oauthTokens === 'true' });
          return { status: 204 };
        }
        case 'getUser': {
          const id = checked.pathParams.id ?? '';
          if (!state.sessions.has(id)) return oktaError(404, 'E0000007', `Not found: Resource not found: ${id} (User)`);
          return { status: 200, body: user(id) };
        }
        default:
          return oktaError(501, 'E0000060', `operation ${operation} is not simulated`);
      }
    },
  });
  baseUrl = simulator.url;
  return simulator;
}
