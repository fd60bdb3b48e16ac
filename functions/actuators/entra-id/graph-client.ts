import { z } from 'zod';
import { parseClientCredentials, type SecretCredential } from '../../vendor/secret-credential.ts';
import { VendorAuthFailed, VendorRequestFailed, vendorFailure } from '../../vendor/vendor-errors.ts';
import { vendorFetch, type VendorFetchOptions } from '../../vendor/vendor-fetch.ts';

const VENDOR = 'entra';

export interface GraphClientOptions extends Omit<VendorFetchOptions, 'vendor' | 'rateLimitDelay'> {
  /** Microsoft Graph, e.g. https://graph.microsoft.com (a loopback URL locally); `/v1.0` is appended. */
  graphBaseUrl: string;
  /** The token endpoint's host, e.g. https://login.microsoftonline.com (a loopback URL locally). */
  loginUrl: string;
  /** The secret holding `{"clientId","clientSecret"}`: read again once when a token or Graph call is refused. */
  credentials: SecretCredential;
  /** Users per page when listing a group (Graph allows 1-999 for directory objects). Default 999. */
  pageSize?: number;
}

/** A member user of a group as listed: the principal name is null when Graph withholds it (missing User.Read.All). */
export interface EntraUserRef {
  id: string;
  userPrincipalName: string | null;
}

/** The fields of a user the actuator reads. */
export interface EntraUser extends EntraUserRef {
  accountEnabled: boolean;
  /** Refresh and session tokens issued before this time are invalid; revokeSignInSessions moves it to now. */
  signInSessionsValidFromDateTime: string | null;
}

/** The Graph calls the Entra ID actuator makes, per directory (the simulator answers the same calls locally). */
export interface GraphClient {
  /** The users among the group's direct members (every page). */
  listGroupUsers(directoryId: string, groupId: string): Promise<EntraUserRef[]>;
  /** The user, or VendorRequestFailed 404 when the directory does not know it. */
  getUser(directoryId: string, userId: string): Promise<EntraUser>;
  setAccountEnabled(directoryId: string, userId: string, enabled: boolean): Promise<void>;
  /** Invalidates the user's refresh tokens and session cookies (signInSessionsValidFromDateTime becomes now). */
  revokeSignInSessions(directoryId: string, userId: string): Promise<void>;
}

const TokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive() });
const UserRefSchema = z.object({ id: z.string().min(1), userPrincipalName: z.string().nullish() });
const MembersPageSchema = z.object({ value: z.array(UserRefSchema), '@odata.nextLink': z.string().optional() });
const UserSchema = UserRefSchema.extend({ accountEnabled: z.boolean(), signInSessionsValidFromDateTime: z.string().nullish() });
const RevokeSchema = z.object({ value: z.boolean() });

/** Refresh a directory's token this long before the identity platform's stated expiry. */
const EXPIRY_MARGIN_MS = 5 * 60_000;
const DEFAULT_PAGE_SIZE = 999;

/** Which calls a 403 concerns: one user (others may still be changed) or the whole directory. */
type Scope = 'user' | 'directory';

/** Whether this operation already read the secret again after a refusal (it is re-read at most once). */
interface AuthAttempt {
  refreshed: boolean;
}

/**
 * Microsoft Graph client for one app registration consented in several directories: OAuth 2.0 client
 * credentials with a token per directory, cached until shortly before it expires. A refused client secret
 * or bearer token is retried once with the secret read again (it may have been rotated); every call has a
 * request timeout and honours Graph's `Retry-After`. Graph's error bodies (`{ error: { code, message } }`)
 * become the named vendor errors.
 */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const graphBase = new URL(options.graphBaseUrl);
  const loginBase = new URL(options.loginUrl);
  const now = options.now ?? (() => new Date());
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  // Each cloud's Graph is its own resource: the scope follows the configured Graph host.
  const scope = `${graphBase.origin}/.default`;
  const http: VendorFetchOptions = { ...options, vendor: VENDOR };
  const tokens = new Map<string, { token: string; expiresAt: number }>();

  const graphUrl = (path: string) => new URL(`${graphBase.pathname.replace(/\/$/, '')}/v1.0${path}`, graphBase);

  async function tokenFailure(response: Response, what: string): Promise<never> {
    const text = await response.text();
    let detail = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { error?: string; error_description?: string };
      // The description's first line names the AADSTS code; trace and correlation ids follow.
      if (body.error) detail = `${body.error}${body.error_description ? `: ${body.error_description.split(/\r?\n/)[0]}` : ''}`;
    } catch {
      // not JSON
    }
    // Without a token nothing in the directory can be done: any refusal is a credentials problem.
    if (response.status < 500) throw new VendorAuthFailed(VENDOR, response.status, `${what}: ${detail}`);
    throw vendorFailure(VENDOR, response.status, `${what}: ${detail}`);
  }

  async function requestToken(directoryId: string, secret: string): Promise<Response> {
    const { clientId, clientSecret } = parseClientCredentials(secret, 'Entra ID');
    const form = new URLSearchParams({ client_id: clientId, client_secret: clientSecret, scope, grant_type: 'client_credentials' });
    return vendorFetch(
      http,
      new URL(`/${encodeURIComponent(directoryId)}/oauth2/v2.0/token`, loginBase),
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() },
      `POST /${directoryId}/oauth2/v2.0/token`,
    );
  }

  /** A wrong or expired client secret: 401, or 400 `invalid_client` (the identity platform uses both). */
  async function secretRefused(response: Response): Promise<boolean> {
    if (response.status === 401) return true;
    if (response.status !== 400) return false;
    const body = (await response
      .clone()
      .json()
      .catch(() => ({}))) as { error?: string };
    return body.error === 'invalid_client';
  }

  async function token(directoryId: string, auth: AuthAttempt, afterRefusal: boolean): Promise<string> {
    const cached = tokens.get(directoryId);
    if (!afterRefusal && cached && cached.expiresAt - EXPIRY_MARGIN_MS > now().getTime()) return cached.token;
    const what = `POST /${directoryId}/oauth2/v2.0/token`;
    let response: Response;
    if (afterRefusal) {
      auth.refreshed = true;
      response = await requestToken(directoryId, await options.credentials.refresh());
    } else {
      response = await requestToken(directoryId, await options.credentials.get());
      if (!auth.refreshed && (await secretRefused(response))) {
        await response.body?.cancel();
        auth.refreshed = true;
        response = await requestToken(directoryId, await options.credentials.refresh());
      }
    }
    if (!response.ok) await tokenFailure(response, what);
    const parsed = TokenSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new VendorAuthFailed(VENDOR, response.status, `${what}: the answer holds no access_token and expires_in`);
    tokens.set(directoryId, { token: parsed.data.access_token, expiresAt: now().getTime() + parsed.data.expires_in * 1000 });
    return parsed.data.access_token;
  }

  async function graphFailure(response: Response, what: string, scopeOfCall: Scope): Promise<never> {
    const text = await response.text();
    let detail = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string; innerError?: { 'request-id'?: string } } };
      if (body.error?.code || body.error?.message) {
        const requestId = body.error.innerError?.['request-id'];
        detail = `${body.error.code ?? 'error'}: ${body.error.message ?? ''}${requestId ? ` (request-id ${requestId})` : ''}`;
      }
    } catch {
      // not JSON
    }
    if (response.status === 401) throw new VendorAuthFailed(VENDOR, 401, `${what}: ${detail}`);
    if (response.status === 403) {
      // Graph refuses some users and not others (disabling a privileged admin needs a directory role on
      // the app): that user fails alone. Refused directory reads mean missing permissions everywhere.
      if (scopeOfCall === 'user') throw new VendorRequestFailed(VENDOR, 403, `${what}: ${detail}`);
      throw new VendorAuthFailed(VENDOR, 403, `${what}: ${detail}`);
    }
    throw vendorFailure(VENDOR, response.status, `${what}: ${detail}`);
  }

  async function authorized(directoryId: string, url: URL, init: RequestInit, what: string, scopeOfCall: Scope): Promise<Response> {
    const auth: AuthAttempt = { refreshed: false };
    for (let attempt = 0; ; attempt += 1) {
      const bearer = await token(directoryId, auth, attempt > 0);
      const headers = { ...(init.headers as Record<string, string> | undefined), accept: 'application/json', authorization: `Bearer ${bearer}` };
      const response = await vendorFetch(http, url, { ...init, headers }, what);
      if (response.status === 401 && attempt === 0 && !auth.refreshed) {
        // A revoked token or a rotated secret: one new token from the secret as it is now.
        tokens.delete(directoryId);
        await response.body?.cancel();
        continue;
      }
      if (!response.ok) await graphFailure(response, what, scopeOfCall);
      return response;
    }
  }

  function unexpected(what: string, error: z.ZodError): VendorRequestFailed {
    return new VendorRequestFailed(VENDOR, undefined, `${what}: unexpected answer (${error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ')})`);
  }

  return {
    async listGroupUsers(directoryId, groupId) {
      const users: EntraUserRef[] = [];
      const first = graphUrl(`/groups/${encodeURIComponent(groupId)}/members/microsoft.graph.user`);
      first.searchParams.set('$select', 'id,userPrincipalName');
      first.searchParams.set('$top', String(pageSize));
      const what = `GET /groups/${groupId}/members/microsoft.graph.user`;
      const seen = new Set<string>();
      let url: URL | undefined = first;
      while (url) {
        seen.add(url.href);
        const response = await authorized(directoryId, url, { method: 'GET' }, what, 'directory');
        const page = MembersPageSchema.safeParse(await response.json());
        if (!page.success) throw unexpected(what, page.error);
        for (const user of page.data.value) users.push({ id: user.id, userPrincipalName: user.userPrincipalName ?? null });
        const next = page.data['@odata.nextLink'];
        if (next === undefined) break;
        const nextUrl = new URL(next);
        // The bearer token goes to Graph only, and a link that loops is not followed.
        if (nextUrl.origin !== graphBase.origin) throw new VendorRequestFailed(VENDOR, undefined, `${what}: refusing to follow @odata.nextLink to ${nextUrl.origin}, which is not ${graphBase.origin}`);
        url = seen.has(nextUrl.href) ? undefined : nextUrl;
      }
      return users;
    },

    async getUser(directoryId, userId) {
      const url = graphUrl(`/users/${encodeURIComponent(userId)}`);
      // accountEnabled and signInSessionsValidFromDateTime are returned only when selected.
      url.searchParams.set('$select', 'id,userPrincipalName,accountEnabled,signInSessionsValidFromDateTime');
      const what = `GET /users/${userId}`;
      const response = await authorized(directoryId, url, { method: 'GET' }, what, 'user');
      const user = UserSchema.safeParse(await response.json());
      if (!user.success) throw unexpected(what, user.error);
      return {
        id: user.data.id,
        userPrincipalName: user.data.userPrincipalName ?? null,
        accountEnabled: user.data.accountEnabled,
        signInSessionsValidFromDateTime: user.data.signInSessionsValidFromDateTime ?? null,
      };
    },

    async setAccountEnabled(directoryId, userId, enabled) {
      const response = await authorized(
        directoryId,
        graphUrl(`/users/${encodeURIComponent(userId)}`),
        { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accountEnabled: enabled }) },
        `PATCH /users/${userId} accountEnabled=${enabled}`,
        'user',
      );
      await response.body?.cancel();
    },

    async revokeSignInSessions(directoryId, userId) {
      const what = `POST /users/${userId}/revokeSignInSessions`;
      const response = await authorized(directoryId, graphUrl(`/users/${encodeURIComponent(userId)}/revokeSignInSessions`), { method: 'POST' }, what, 'user');
      // Documented as 200 `{ "value": true }`; Graph's known-issues page says it should be 204: both count.
      if (response.status === 204) return;
      const answer = RevokeSchema.safeParse(await response.json().catch(() => undefined));
      if (!answer.success) throw unexpected(what, answer.error);
      if (!answer.data.value) throw new VendorRequestFailed(VENDOR, response.status, `${what}: Graph answered value false; the sessions were not revoked`);
    },
  };
}
