import { parseClientCredentials, type SecretCredential } from '../../vendor/secret-credential.ts';
import { secondsUntil, VendorAuthFailed, VendorRequestFailed, vendorFailure } from '../../vendor/vendor-errors.ts';
import { vendorFetch, type VendorFetchOptions } from '../../vendor/vendor-fetch.ts';

const VENDOR = 'crowdstrike';

export interface FalconClientOptions extends Omit<VendorFetchOptions, 'vendor' | 'rateLimitDelay'> {
  /** API base, e.g. https://api.crowdstrike.com or https://api.eu-1.crowdstrike.com (loopback locally). */
  baseUrl: string;
  /** The secret holding `{"clientId","clientSecret"}`: read again once when Falcon refuses it. */
  credentials: SecretCredential;
}

export type FalconDeviceStatus = 'normal' | 'containment_pending' | 'contained' | 'lift_containment_pending' | (string & {});
export type FalconContainmentAction = 'contain' | 'lift_containment';

/** The Falcon calls the containment actuator makes (the simulator answers the same calls locally). */
export interface FalconClient {
  /** Containment status of each host (AID); hosts Falcon does not know are absent. */
  getDeviceStatus(deviceIds: readonly string[]): Promise<Map<string, FalconDeviceStatus>>;
  /** Contains or lifts containment; returns the ids Falcon accepted. */
  performDeviceAction(action: FalconContainmentAction, deviceIds: readonly string[]): Promise<string[]>;
}

/** Refresh the token this long before Falcon's stated expiry. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * CrowdStrike Falcon API client: OAuth2 client credentials with the token cached until shortly before it
 * expires. A refused token or client secret is retried once with a new token from the secret read again
 * (it may have been rotated); every call has a request timeout and honours Falcon's rate-limit reset.
 */
export function createFalconClient(options: FalconClientOptions): FalconClient {
  const base = new URL(options.baseUrl);
  const now = options.now ?? (() => new Date());
  const http: VendorFetchOptions = {
    ...options,
    vendor: VENDOR,
    // Falcon documents X-RateLimit-RetryAfter as the epoch time when calls may resume.
    rateLimitDelay: (response, at) => {
      const header = response.headers.get('x-ratelimit-retryafter');
      return header ? secondsUntil(header, at) : undefined;
    },
  };
  let cached: { token: string; expiresAt: number } | undefined;

  async function failure(response: Response, what: string): Promise<never> {
    const text = await response.text();
    let detail = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { errors?: Array<{ message?: string }> };
      if (body.errors?.length) detail = body.errors.map((error) => error.message).join('; ');
    } catch {
      // not JSON
    }
    if (response.status === 401 || response.status === 403) throw new VendorAuthFailed(VENDOR, response.status, `${what}: ${detail}`);
    throw vendorFailure(VENDOR, response.status, `${what}: ${detail}`);
  }

  async function requestToken(secret: string): Promise<Response> {
    const { clientId, clientSecret } = parseClientCredentials(secret, 'CrowdStrike');
    const form = new URLSearchParams({ client_id: clientId, client_secret: clientSecret });
    // Falcon reads the form fields; its API document also declares HTTP basic for this operation.
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    return vendorFetch(
      http,
      new URL('/oauth2/token', base),
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` }, body: form.toString() },
      'POST /oauth2/token',
    );
  }

  async function token(fresh = false): Promise<string> {
    if (!fresh && cached && cached.expiresAt - EXPIRY_MARGIN_MS > now().getTime()) return cached.token;
    let response = await requestToken(fresh ? await options.credentials.refresh() : await options.credentials.get());
    if ((response.status === 401 || response.status === 403) && !fresh) {
      await response.body?.cancel();
      response = await requestToken(await options.credentials.refresh());
    }
    if (!response.ok) await failure(response, 'POST /oauth2/token');
    const body = (await response.json()) as { access_token: string; expires_in: number };
    cached = { token: body.access_token, expiresAt: now().getTime() + body.expires_in * 1000 };
    return cached.token;
  }

  async function authorized(url: URL, init: RequestInit, what: string): Promise<Response> {
    for (let attempt = 0; ; attempt += 1) {
      const bearer = await token(attempt > 0);
      const response = await vendorFetch(http, url, { ...init, headers: { ...(init.headers as Record<string, string>), accept: 'application/json', authorization: `Bearer ${bearer}` } }, what);
      if (response.status === 401 && attempt === 0) {
        // A revoked token or a rotated secret: one new token from the secret as it is now.
        cached = undefined;
        await response.body?.cancel();
        continue;
      }
      if (!response.ok) await failure(response, what);
      return response;
    }
  }

  return {
    async getDeviceStatus(deviceIds) {
      const statuses = new Map<string, FalconDeviceStatus>();
      // The GET form takes at most 100 ids.
      for (let start = 0; start < deviceIds.length; start += 100) {
        const url = new URL('/devices/entities/devices/v2', base);
        for (const id of deviceIds.slice(start, start + 100)) url.searchParams.append('ids', id);
        let response: Response;
        try {
          response = await authorized(url, { method: 'GET' }, 'GET /devices/entities/devices/v2');
        } catch (error) {
          // 404: none of these hosts exists
          if (error instanceof VendorRequestFailed && error.status === 404) continue;
          throw error;
        }
        const body = (await response.json()) as { resources?: Array<{ device_id: string; status: string }> };
        for (const device of body.resources ?? []) statuses.set(device.device_id, device.status);
      }
      return statuses;
    },
    async performDeviceAction(action, deviceIds) {
      const url = new URL('/devices/entities/devices-actions/v2', base);
      url.searchParams.set('action_name', action);
      const response = await authorized(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: deviceIds }) },
        `POST /devices/entities/devices-actions/v2?action_name=${action}`,
      );
      const body = (await response.json()) as { resources?: Array<{ id: string }> };
      return (body.resources ?? []).map((resource) => resource.id);
    },
  };
}
