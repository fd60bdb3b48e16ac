import { ConfigurationError } from '../../config/env.ts';
import type { SecretCredential } from '../../vendor/secret-credential.ts';
import { secondsUntil, VendorAuthFailed, VendorRequestFailed, vendorFailure } from '../../vendor/vendor-errors.ts';
import { vendorFetch, type VendorFetchOptions } from '../../vendor/vendor-fetch.ts';

const VENDOR = 'okta';

/** The System Log event a `DELETE /api/v1/users/{userId}/sessions` writes. */
export const SESSION_CLEAR_EVENT = 'user.session.clear';

export interface OktaClientOptions extends Omit<VendorFetchOptions, 'vendor' | 'rateLimitDelay'> {
  /** The org URL, e.g. https://example.okta.com (a loopback URL locally). The token goes nowhere else. */
  orgUrl: string;
  /** The API token, sent as `Authorization: SSWS <token>`; read again once when Okta answers 401. */
  apiToken: SecretCredential;
  /** Users per page (Okta recommends 200 for group members; application users allow up to 500). */
  pageSize?: number;
}

/** An Okta user as a list names it. */
export interface OktaUserRef {
  id: string;
  /** The Okta login (`profile.login`), when the list gives it. */
  login?: string;
}

/** The user fields forestall records before signing a user out. */
export interface OktaUser extends OktaUserRef {
  status: string;
  lastLogin: string | null;
}

/** The Okta calls the sessions actuator makes (the simulator answers the same calls locally). */
export interface OktaClient {
  /** The users assigned to an application, with their Okta logins. */
  listAppUsers(appId: string): Promise<OktaUserRef[]>;
  /** The members of a group. */
  listGroupUsers(groupId: string): Promise<OktaUserRef[]>;
  /** One user (404: VendorRequestFailed). */
  getUser(userId: string): Promise<OktaUser>;
  /** Revokes every session of the user, and their OpenID Connect and OAuth tokens. */
  clearUserSessions(userId: string): Promise<void>;
  /** When the System Log recorded `user.session.clear` for the user at or after `since` (ISO times, oldest first). */
  listSessionClears(userId: string, since: string): Promise<string[]>;
}

/** The `rel="next"` target of an RFC 8288 Link header, if any. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** Okta ids are letters and digits; anything else could not be quoted safely in a System Log filter. */
const FILTERABLE_ID = /^[A-Za-z0-9_-]+$/;

/** Polling queries of the System Log always carry a next link; an empty page ends them. This bounds a misbehaving one. */
const MAX_LOG_PAGES = 20;

type ListedUser = { id: string; profile?: { login?: string }; credentials?: { userName?: string }; _embedded?: { user?: { profile?: { login?: string } } } };
type LogEvent = { eventType?: string; published?: string; target?: Array<{ id?: string; type?: string }> };

/**
 * Okta management API client (SSWS API token). Every call has a request timeout and honours Okta's
 * `X-Rate-Limit-Reset`; a refused token is read again from its secret once (it may have been rotated)
 * before VendorAuthFailed. Lists follow `Link: rel="next"`, and only ever to the org itself.
 */
export function createOktaClient(options: OktaClientOptions): OktaClient {
  const base = new URL(options.orgUrl);
  // The token travels in a header: only over TLS, except to the local simulator on loopback.
  if (base.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) {
    throw new ConfigurationError(`the Okta org URL must be https (got ${base.origin})`);
  }
  const pageSize = options.pageSize ?? 200;
  const http: VendorFetchOptions = {
    ...options,
    vendor: VENDOR,
    // Okta documents X-Rate-Limit-Reset as the epoch second when the limit resets.
    rateLimitDelay: (response, at) => {
      const header = response.headers.get('x-rate-limit-reset');
      return header ? secondsUntil(header, at) : undefined;
    },
  };

  async function failure(response: Response, what: string, forbiddenIsRefusal: boolean): Promise<never> {
    const text = await response.text();
    let summary = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { errorCode?: string; errorSummary?: string };
      if (body.errorSummary) summary = `${body.errorCode ?? ''} ${body.errorSummary}`.trim();
    } catch {
      // not JSON: keep the text
    }
    if (response.status === 401 || (response.status === 403 && !forbiddenIsRefusal)) throw new VendorAuthFailed(VENDOR, response.status, `${what}: ${summary}`);
    throw vendorFailure(VENDOR, response.status, `${what}: ${summary}`);
  }

  /**
   * One authorized call. `forbiddenIsRefusal`: a 403 concerns this object only (Okta refuses an org admin's
   * token for a super admin's sessions), so that user fails alone instead of stopping the request.
   */
  async function call(method: 'GET' | 'DELETE', url: URL, what: string, forbiddenIsRefusal = false): Promise<Response> {
    // Never send the token anywhere but the org (a Link header could point elsewhere).
    if (url.origin !== base.origin) throw new VendorRequestFailed(VENDOR, undefined, `${what}: refusing to follow ${url.origin}, which is not the org ${base.origin}`);
    for (let attempt = 0; ; attempt += 1) {
      const token = attempt === 0 ? await options.apiToken.get() : await options.apiToken.refresh();
      // No redirects either: a redirected request would carry the token to wherever it points.
      const response = await vendorFetch(http, url, { method, redirect: 'error', headers: { authorization: `SSWS ${token}`, accept: 'application/json' } }, what);
      if (response.status === 401 && attempt === 0) {
        // A rotated token: once more with the secret as it is now. Okta acts on nothing it answers 401 to.
        await response.body?.cancel();
        continue;
      }
      if (!response.ok) await failure(response, what, forbiddenIsRefusal);
      return response;
    }
  }

  async function listUsers(path: string, query: Record<string, string>, what: string): Promise<OktaUserRef[]> {
    const users: OktaUserRef[] = [];
    let url: URL | undefined = new URL(path, base);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    url.searchParams.set('limit', String(pageSize));
    while (url) {
      const response = await call('GET', url, what);
      for (const item of (await response.json()) as ListedUser[]) {
        // Group members are users (profile.login); app users embed theirs with expand=user.
        const login = item.profile?.login ?? item._embedded?.user?.profile?.login;
        users.push({ id: item.id, ...(login ? { login } : {}) });
      }
      const next = nextLink(response.headers.get('link'));
      url = next ? new URL(next, base) : undefined;
    }
    return users;
  }

  return {
    listAppUsers: (appId) => listUsers(`/api/v1/apps/${encodeURIComponent(appId)}/users`, { expand: 'user' }, `GET /api/v1/apps/${appId}/users`),
    listGroupUsers: (groupId) => listUsers(`/api/v1/groups/${encodeURIComponent(groupId)}/users`, {}, `GET /api/v1/groups/${groupId}/users`),

    async getUser(userId) {
      const response = await call('GET', new URL(`/api/v1/users/${encodeURIComponent(userId)}`, base), `GET /api/v1/users/${userId}`);
      const user = (await response.json()) as { id: string; status: string; lastLogin?: string | null; profile?: { login?: string } };
      return { id: user.id, status: user.status, lastLogin: user.lastLogin ?? null, ...(user.profile?.login ? { login: user.profile.login } : {}) };
    },

    async clearUserSessions(userId) {
      const url = new URL(`/api/v1/users/${encodeURIComponent(userId)}/sessions`, base);
      url.searchParams.set('oauthTokens', 'true');
      const response = await call('DELETE', url, `DELETE /api/v1/users/${userId}/sessions`, true);
      await response.body?.cancel();
    },

    async listSessionClears(userId, since) {
      if (!FILTERABLE_ID.test(userId)) throw new VendorRequestFailed(VENDOR, undefined, `user id ${JSON.stringify(userId)} cannot be put in a System Log filter`);
      const sinceMs = Date.parse(since);
      if (Number.isNaN(sinceMs)) throw new Error(`listSessionClears: since ${JSON.stringify(since)} is not a time`);
      let url: URL | undefined = new URL('/api/v1/logs', base);
      url.searchParams.set('since', new Date(sinceMs).toISOString());
      url.searchParams.set('filter', `eventType eq "${SESSION_CLEAR_EVENT}" and target.id eq "${userId}"`);
      url.searchParams.set('sortOrder', 'ASCENDING');
      url.searchParams.set('limit', '100');
      const times: string[] = [];
      for (let page = 0; url && page < MAX_LOG_PAGES; page += 1) {
        const response = await call('GET', url, `GET /api/v1/logs (${SESSION_CLEAR_EVENT} of ${userId})`);
        const events = (await response.json()) as LogEvent[];
        // The filter is Okta's to apply; checked again here so nothing else can pass for a session clear.
        for (const event of events) {
          if (event.eventType !== SESSION_CLEAR_EVENT || !event.published || !(Date.parse(event.published) >= sinceMs)) continue;
          if (event.target?.some((target) => target.id === userId && target.type === 'User')) times.push(event.published);
        }
        if (events.length === 0) break;
        const next = nextLink(response.headers.get('link'));
        url = next ? new URL(next, base) : undefined;
      }
      return times;
    },
  };
}
