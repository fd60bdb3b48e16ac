import { randomBytes, randomUUID } from 'node:crypto';
import { createRequestChecker } from '../../local/simulators/openapi-request-check.ts';
import type { HttpRequestShape, RequestCheckResult } from '../../local/simulators/openapi-request-check.ts';
import { fromOpenApiCheck, startHttpSimulator } from '../../local/simulators/http-simulator.ts';
import type { RunningSimulator, SimulatorResponse } from '../../local/simulators/http-simulator.ts';
import { ENTRA_TOKEN_API, GRAPH_API } from './graph-api.ts';

/** A user of a simulated directory. */
export interface SimulatedEntraUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean;
  /** As Graph formats it: whole seconds, `Z`. */
  signInSessionsValidFromDateTime: string;
}

export interface SimulatedDirectory {
  users: Map<string, SimulatedEntraUser>;
  /** Group object id -> the object ids of its direct members (users; other ids stand for devices or groups). */
  groups: Map<string, string[]>;
}

export interface EntraSimulatorOptions {
  clientId: string;
  clientSecret: string;
  /** Directory (tenant) id -> its users and groups. Users start enabled unless said otherwise. */
  directories: Record<string, { users: Array<{ id: string; userPrincipalName: string; displayName?: string; accountEnabled?: boolean }>; groups: Record<string, string[]> }>;
  /** Lifetime of issued tokens in seconds (the identity platform issues about an hour). */
  tokenLifetimeSeconds?: number;
  /** `Retry-After` of the throttling answer, in seconds. Default 20. */
  retryAfterSeconds?: number;
  now?: () => Date;
}

export interface EntraSimulatorState {
  directories: Map<string, SimulatedDirectory>;
  /** Every accepted PATCH of accountEnabled, in order. */
  accountChanges: Array<{ directoryId: string; userId: string; accountEnabled: boolean }>;
  /** Every accepted revokeSignInSessions, in order. */
  revocations: Array<{ directoryId: string; userId: string; at: string }>;
  /** Issued bearer tokens: clear it to make Graph refuse the tokens a client holds (401). */
  tokens: Map<string, { directoryId: string; expiresAt: number }>;
  tokensIssued: number;
}

/** Graph's server-side page size for directory objects when `$top` is not given. */
const DEFAULT_PAGE = 100;
/** Returned without `$select` (accountEnabled and signInSessionsValidFromDateTime are only on `$select`). */
const DEFAULT_USER_PROPERTIES = ['id', 'displayName', 'userPrincipalName'] as const;

const graphTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): SimulatorResponse {
  const requestId = randomUUID();
  return {
    status,
    headers: { 'request-id': requestId, ...headers },
    body: { error: { code, message, innerError: { date: graphTime(new Date()), 'request-id': requestId, 'client-request-id': requestId } } },
  };
}

function tokenError(status: number, error: string, code: number, description: string): SimulatorResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: traceId,
      correlation_id: correlationId,
    },
  };
}

function project(user: SimulatedEntraUser, select: string | undefined): Record<string, unknown> {
  const fields = select ? select.split(',').map((field) => field.trim()) : [...DEFAULT_USER_PROPERTIES];
  const projected: Record<string, unknown> = { id: user.id };
  for (const field of fields) if (field in user) projected[field] = user[field as keyof SimulatedEntraUser];
  return projected;
}

/**
 * Microsoft Graph v1.0 (the calls the Entra ID actuator makes) and the identity platform's token endpoint
 * (`/<tenant>/oauth2/v2.0/token`) on one 127.0.0.1 server, with every request checked against forestall's
 * descriptions (graph-api.ts). Tokens are per directory and name it, as the real ones do; `$select` decides
 * which properties come back; group members page with `@odata.nextLink`; errors have Graph's shape.
 */
export async function startEntraSimulator(options: EntraSimulatorOptions): Promise<RunningSimulator<EntraSimulatorState>> {
  const graphChecker = await createRequestChecker(structuredClone(GRAPH_API) as unknown as Record<string, unknown>);
  const tokenChecker = await createRequestChecker(structuredClone(ENTRA_TOKEN_API) as unknown as Record<string, unknown>);
  const now = options.now ?? (() => new Date());
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  const initialValidity = graphTime(new Date(now().getTime() - 30 * 86_400_000));
  const state: EntraSimulatorState = {
    directories: new Map(
      Object.entries(options.directories).map(([directoryId, directory]) => [
        directoryId,
        {
          users: new Map(
            directory.users.map((user) => [
              user.id,
              {
                id: user.id,
                userPrincipalName: user.userPrincipalName,
                displayName: user.displayName ?? user.userPrincipalName.split('@')[0] ?? user.id,
                accountEnabled: user.accountEnabled ?? true,
                signInSessionsValidFromDateTime: initialValidity,
              },
            ]),
          ),
          groups: new Map(Object.entries(directory.groups).map(([groupId, members]) => [groupId, [...members]])),
        },
      ]),
    ),
    accountChanges: [],
    revocations: [],
    tokens: new Map(),
    tokensIssued: 0,
  };

  const isGraph = (request: HttpRequestShape) => new URL(request.url, 'http://simulator.invalid').pathname.startsWith('/v1.0/');
  const findUser = (directory: SimulatedDirectory, idOrName: string) =>
    directory.users.get(idOrName) ?? [...directory.users.values()].find((user) => user.userPrincipalName.toLowerCase() === idOrName.toLowerCase());
  const notFound = (id: string) => graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

  return startHttpSimulator<EntraSimulatorState>({
    state,
    check: (request) => fromOpenApiCheck((isGraph(request) ? graphChecker : tokenChecker).check(request)),
    rejected: (violations) => graphError(400, 'BadRequest', violations.join('; ')),
    throttled: () =>
      graphError(429, 'TooManyRequests', 'Too many requests. Please try again later.', { 'retry-after': String(options.retryAfterSeconds ?? 20) }),
    handle(request, detail, operation) {
      const checked = detail as Extract<RequestCheckResult, { ok: true }>;
      const origin = `http://${String(request.headers.host ?? '127.0.0.1')}`;

      if (operation === 'requestToken') {
        const tenant = String(checked.pathParams.tenant);
        const form = checked.body as { client_id: string; client_secret: string; scope: string };
        if (!state.directories.has(tenant)) return tokenError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
        if (form.client_id !== options.clientId) {
          return tokenError(400, 'unauthorized_client', 700016, `Application with identifier '${form.client_id}' was not found in the directory '${tenant}'.`);
        }
        if (form.client_secret !== options.clientSecret) {
          return tokenError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${form.client_id}'.`);
        }
        if (form.scope !== 'https://graph.microsoft.com/.default' && form.scope !== `${origin}/.default`) {
          return tokenError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${form.scope} is not valid.`);
        }
        const token = randomBytes(32).toString('base64url');
        state.tokens.set(token, { directoryId: tenant, expiresAt: now().getTime() + lifetime * 1000 });
        state.tokensIssued += 1;
        return { status: 200, body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token } };
      }

      const bearer = /^Bearer (\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
      const issued = bearer === undefined ? undefined : state.tokens.get(bearer);
      if (!issued || issued.expiresAt < now().getTime()) {
        return graphError(401, 'InvalidAuthenticationToken', issued ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure. Invalid audience.');
      }
      const directoryId = issued.directoryId;
      const directory = state.directories.get(directoryId);
      if (!directory) return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
      const select = typeof checked.query.$select === 'string' ? checked.query.$select : undefined;

      if (operation === 'listGroupMemberUsers') {
        const groupId = String(checked.pathParams['group-id']);
        const members = directory.groups.get(groupId);
        if (!members) return notFound(groupId);
        // The cast: only members that are users.
        const users = members.flatMap((id) => {
          const user = directory.users.get(id);
          return user ? [user] : [];
        });
        const top = checked.query.$top === undefined ? DEFAULT_PAGE : Number(checked.query.$top);
        const offset = typeof checked.query.$skiptoken === 'string' ? Number(Buffer.from(checked.query.$skiptoken, 'base64url').toString('utf8')) : 0;
        if (!Number.isInteger(offset) || offset < 0) return graphError(400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.');
        const page = users.slice(offset, offset + top);
        const body: Record<string, unknown> = { '@odata.context': `${origin}/v1.0/$metadata#users(${select ?? ''})`, value: page.map((user) => project(user, select)) };
        if (offset + top < users.length) {
          const next = new URL(`/v1.0/groups/${encodeURIComponent(groupId)}/members/microsoft.graph.user`, origin);
          if (select) next.searchParams.set('$select', select);
          next.searchParams.set('$top', String(top));
          next.searchParams.set('$skiptoken', Buffer.from(String(offset + top)).toString('base64url'));
          body['@odata.nextLink'] = next.href;
        }
        return { status: 200, body };
      }

      const userId = String(checked.pathParams['user-id']);
      const user = findUser(directory, userId);
      if (!user) return notFound(userId);

      if (operation === 'getUser') {
        return { status: 200, body: { '@odata.context': `${origin}/v1.0/$metadata#users(${select ?? ''})/$entity`, ...project(user, select) } };
      }
      if (operation === 'updateUser') {
        const { accountEnabled } = checked.body as { accountEnabled: boolean };
        user.accountEnabled = accountEnabled;
        state.accountChanges.push({ directoryId, userId: user.id, accountEnabled });
        return { status: 204 };
      }
      if (operation === 'revokeSignInSessions') {
        const at = graphTime(now());
        user.signInSessionsValidFromDateTime = at;
        state.revocations.push({ directoryId, userId: user.id, at });
        return { status: 200, body: { '@odata.context': `${origin}/v1.0/$metadata#Edm.Boolean`, value: true } };
      }
      return graphError(501, 'NotImplemented', `operation ${operation} is not simulated`);
    },
  });
}
