import { secondsUntil, VendorAuthFailed, VendorRateLimited, VendorRequestFailed, vendorFailure } from '../vendor-errors.ts';

const VENDOR = 'okta';

export interface OktaClientOptions {
  /** The org URL, e.g. https://example.okta.com (a loopback URL locally). */
  orgUrl: string;
  /** API token, sent as `Authorization: SSWS <token>`. */
  apiToken: string;
  /** Users per page (Okta allows up to 200 for app users). */
  pageSize?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

/** The fields forestall reads from an Okta user or application user. */
export interface OktaUserRef {
  id: string;
  login?: string;
}

export interface OktaClient {
  listAppUsers(appId: string): Promise<OktaUserRef[]>;
  listGroupUsers(groupId: string): Promise<OktaUserRef[]>;
  /** Revokes every session of the user, and their OAuth/OIDC tokens. */
  clearUserSessions(userId: string): Promise<void>;
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

/** Okta management API client (documented REST API, SSWS token auth). */
export function createOktaClient(options: OktaClientOptions): OktaClient {
  const base = new URL(options.orgUrl);
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const pageSize = options.pageSize ?? 200;

  async function call(method: string, url: URL): Promise<Response> {
    // Never send the token anywhere but the org (a Link header could point elsewhere).
    if (url.origin !== base.origin) throw new VendorRequestFailed(VENDOR, undefined, `refusing to follow ${url.origin}, which is not the org ${base.origin}`);
    let response: Response;
    try {
      response = await doFetch(url, { method, headers: { authorization: `SSWS ${options.apiToken}`, accept: 'application/json' } });
    } catch (error) {
      throw vendorFailure(VENDOR, undefined, `${method} ${url.pathname}: ${(error as Error).message}`, { cause: error });
    }
    if (response.ok) return response;
    const text = await response.text();
    let summary = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { errorCode?: string; errorSummary?: string };
      if (body.errorSummary) summary = `${body.errorCode ?? ''} ${body.errorSummary}`.trim();
    } catch {
      // not JSON: keep the text
    }
    if (response.status === 429) throw new VendorRateLimited(VENDOR, secondsUntil(response.headers.get('x-rate-limit-reset'), now()));
    if (response.status === 401 || response.status === 403) throw new VendorAuthFailed(VENDOR, response.status, summary);
    throw vendorFailure(VENDOR, response.status, `${method} ${url.pathname}: ${summary}`);
  }

  async function listAll(path: string): Promise<OktaUserRef[]> {
    const users: OktaUserRef[] = [];
    let url: URL | undefined = new URL(path, base);
    url.searchParams.set('limit', String(pageSize));
    while (url) {
      const response = await call('GET', url);
      const page = (await response.json()) as Array<{ id: string; credentials?: { userName?: string }; profile?: { login?: string } }>;
      for (const item of page) {
        const login = item.profile?.login ?? item.credentials?.userName;
        users.push({ id: item.id, ...(login ? { login } : {}) });
      }
      const next = nextLink(response.headers.get('link'));
      url = next ? new URL(next, base) : undefined;
    }
    return users;
  }

  return {
    listAppUsers: (appId) => listAll(`/api/v1/apps/${encodeURIComponent(appId)}/users`),
    listGroupUsers: (groupId) => listAll(`/api/v1/groups/${encodeURIComponent(groupId)}/users`),
    async clearUserSessions(userId) {
      const url = new URL(`/api/v1/users/${encodeURIComponent(userId)}/sessions`, base);
      url.searchParams.set('oauthTokens', 'true');
      await call('DELETE', url);
    },
  };
}
