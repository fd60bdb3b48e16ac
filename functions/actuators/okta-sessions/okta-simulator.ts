import { randomUUID } from 'node:crypto';
import { fromOpenApiCheck, startHttpSimulator } from '../../local/simulators/http-simulator.ts';
import type { RunningSimulator, SimulatorResponse } from '../../local/simulators/http-simulator.ts';
import { createRequestChecker } from '../../local/simulators/openapi-request-check.ts';
import type { RequestCheckResult } from '../../local/simulators/openapi-request-check.ts';
import { OKTA_API } from './okta-api.ts';

export interface OktaSimulatorOptions {
  /** appId -> ids of the users assigned to the application. */
  apps: Record<string, string[]>;
  /** groupId -> ids of the group's members. */
  groups: Record<string, string[]>;
  /** The API token the org accepts (`Authorization: SSWS <token>`). */
  token: string;
}

/** A System Log event as Okta writes it (the fields the simulator fills). */
export interface OktaLogEvent {
  uuid: string;
  published: string;
  eventType: string;
  displayMessage: string;
  severity: 'INFO';
  version: '0';
  outcome: { result: 'SUCCESS' };
  actor: { id: string; type: 'User'; alternateId: string; displayName: string };
  target: Array<{ id: string; type: 'User'; alternateId: string; displayName: string }>;
}

export interface OktaSimulatorState {
  apps: Map<string, string[]>;
  groups: Map<string, string[]>;
  /** userId -> number of live sessions (every known user starts signed in once). */
  sessions: Map<string, number>;
  /** Every session clear, in order. */
  revocations: Array<{ userId: string; oauthTokens: boolean }>;
  /** The System Log, oldest first: a `user.session.clear` for every session clear. */
  logEvents: OktaLogEvent[];
  /** Seconds ahead the rate-limit answer's `X-Rate-Limit-Reset` lies (default 30). */
  rateLimitResetSeconds: number;
  /** How long an event takes to show in System Log queries (Okta's log is near real-time; default 0). */
  logLagMs: number;
}

/** The admin whose API token the simulated org accepts: the actor of the events it logs. */
const TOKEN_OWNER = { id: '00u0forestall0admin0', type: 'User', alternateId: 'forestall-admin@example.com', displayName: 'forestall automation' } as const;

const loginOf = (id: string) => `${id}@example.com`;

function oktaError(status: number, code: string, summary: string): SimulatorResponse {
  return { status, body: { errorCode: code, errorSummary: summary, errorLink: code, errorId: `oae${randomUUID().replace(/-/g, '').slice(0, 20)}`, errorCauses: [] } };
}

function user(id: string) {
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
    profile: { firstName: id, lastName: 'Simulated', email: loginOf(id), login: loginOf(id) },
    credentials: { provider: { type: 'OKTA', name: 'OKTA' } },
  };
}

function appUser(id: string, expandUser: boolean) {
  return {
    id,
    scope: 'USER',
    status: 'ACTIVE',
    syncState: 'DISABLED',
    created: '2024-01-01T00:00:00.000Z',
    lastUpdated: '2024-01-01T00:00:00.000Z',
    credentials: { userName: loginOf(id) },
    profile: {},
    ...(expandUser ? { _embedded: { user: user(id) } } : {}),
    _links: { user: { href: `/api/v1/users/${id}` } },
  };
}

/** `eventType eq "..." and target.id eq "..."`: the clauses the simulated System Log understands. */
function parseLogFilter(filter: string): Array<{ field: 'eventType' | 'target.id'; value: string }> | undefined {
  const clauses = [];
  for (const clause of filter.trim().split(/\s+and\s+/i)) {
    const match = /^(eventType|target\.id)\s+eq\s+"([^"\\]*)"$/.exec(clause.trim());
    if (!match) return undefined;
    clauses.push({ field: match[1] as 'eventType' | 'target.id', value: match[2] ?? '' });
  }
  return clauses;
}

/**
 * Okta org on 127.0.0.1: application assignments, group membership, users, session clears and the
 * System Log entries they write, with requests checked against forestall's description of those
 * endpoints (okta-api.ts, itself held against Okta's published document by a contract test). Lists page
 * by `limit` and `after` with `Link: <...>; rel="next"` as Okta does.
 */
export async function startOktaSimulator(options: OktaSimulatorOptions): Promise<RunningSimulator<OktaSimulatorState>> {
  const checker = await createRequestChecker(structuredClone(OKTA_API) as unknown as Record<string, unknown>);
  const knownUsers = new Set([...Object.values(options.apps).flat(), ...Object.values(options.groups).flat()]);
  const state: OktaSimulatorState = {
    apps: new Map(Object.entries(options.apps)),
    groups: new Map(Object.entries(options.groups)),
    sessions: new Map([...knownUsers].map((id) => [id, 1])),
    revocations: [],
    logEvents: [],
    rateLimitResetSeconds: 30,
    logLagMs: 0,
  };
  let baseUrl = '';

  /** The same request from `after` on: Okta's next links keep the query and move the cursor. */
  const linkTo = (path: string, query: Record<string, string | string[]>, after: string | undefined): string => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (name !== 'after') for (const item of [value].flat()) params.append(name, item);
    if (after !== undefined) params.set('after', after);
    return `${baseUrl}${path}?${params.toString()}`;
  };

  const page = <T>(items: T[], idOf: (item: T) => string, query: Record<string, string | string[]>, path: string, defaultLimit: number): { slice: T[]; link: string; more: boolean } => {
    const limit = Number(query.limit ?? defaultLimit);
    const after = typeof query.after === 'string' ? query.after : undefined;
    const start = after === undefined ? 0 : items.findIndex((item) => idOf(item) === after) + 1;
    const slice = items.slice(start, start + limit);
    const links = [`<${linkTo(path, query, after)}>; rel="self"`];
    const last = slice[slice.length - 1];
    const more = start + limit < items.length && last !== undefined;
    if (more) links.push(`<${linkTo(path, query, idOf(last))}>; rel="next"`);
    return { slice, link: links.join(', '), more };
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
        'x-rate-limit-reset': String(Math.floor(now.getTime() / 1000) + state.rateLimitResetSeconds),
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
          const { slice, link } = page(ids, (id) => id, checked.query, path, 50);
          return { status: 200, headers: { link }, body: slice.map((id) => appUser(id, checked.query.expand === 'user')) };
        }
        case 'listGroupUsers': {
          const ids = state.groups.get(checked.pathParams.groupId ?? '');
          if (!ids) return oktaError(404, 'E0000007', `Not found: Resource not found: ${checked.pathParams.groupId} (UserGroup)`);
          const { slice, link } = page(ids, (id) => id, checked.query, path, 1000);
          return { status: 200, headers: { link }, body: slice.map(user) };
        }
        case 'revokeUserSessions': {
          const userId = checked.pathParams.userId ?? '';
          if (!state.sessions.has(userId)) return oktaError(404, 'E0000007', `Not found: Resource not found: ${userId} (User)`);
          state.sessions.set(userId, 0);
          state.revocations.push({ userId, oauthTokens: checked.query.oauthTokens === 'true' });
          state.logEvents.push({
            uuid: randomUUID(),
            published: new Date().toISOString(),
            eventType: 'user.session.clear',
            displayMessage: 'Clear user session',
            severity: 'INFO',
            version: '0',
            outcome: { result: 'SUCCESS' },
            actor: TOKEN_OWNER,
            target: [{ id: userId, type: 'User', alternateId: loginOf(userId), displayName: `${userId} Simulated` }],
          });
          return { status: 204 };
        }
        case 'getUser': {
          // Okta takes an id or a login here.
          const key = checked.pathParams.id ?? '';
          const id = [...state.sessions.keys()].find((known) => known === key || loginOf(known) === key.toLowerCase());
          if (id === undefined) return oktaError(404, 'E0000007', `Not found: Resource not found: ${key} (User)`);
          return { status: 200, body: user(id) };
        }
        case 'listLogEvents': {
          const query = checked.query;
          const since = typeof query.since === 'string' ? Date.parse(query.since) : Date.now() - 7 * 24 * 3600 * 1000;
          if (Number.isNaN(since)) return oktaError(400, 'E0000001', 'Api validation failed: since');
          const clauses = typeof query.filter === 'string' ? parseLogFilter(query.filter) : [];
          if (!clauses) return oktaError(400, 'E0000001', `Api validation failed: filter: the simulator understands only eventType eq "..." and target.id eq "..." (got ${query.filter})`);
          const visibleBefore = Date.now() - state.logLagMs;
          let events = state.logEvents.filter((event) => {
            const published = Date.parse(event.published);
            if (published < since || published > visibleBefore) return false;
            return clauses.every(({ field, value }) => (field === 'eventType' ? event.eventType === value : event.target.some((target) => target.id === value)));
          });
          const ascending = query.sortOrder !== 'DESCENDING';
          if (!ascending) events = [...events].reverse();
          const { slice, link, more } = page(events, (event) => event.uuid, query, path, 100);
          // A polling query (ascending, no until) always links onwards, even from an empty page: new
          // events may arrive. Its client stops at an empty page.
          const after = slice[slice.length - 1]?.uuid ?? (typeof query.after === 'string' ? query.after : undefined);
          const polling = ascending && !more ? `, <${linkTo(path, query, after)}>; rel="next"` : '';
          return { status: 200, headers: { link: `${link}${polling}` }, body: slice };
        }
        default:
          return oktaError(501, 'E0000060', `operation ${operation} is not simulated`);
      }
    },
  });
  baseUrl = simulator.url;
  return simulator;
}
