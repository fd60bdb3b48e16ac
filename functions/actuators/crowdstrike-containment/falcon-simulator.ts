import { randomBytes, randomUUID } from 'node:crypto';
import { createRequestChecker } from '../../local/simulators/openapi-request-check.ts';
import type { RequestCheckResult } from '../../local/simulators/openapi-request-check.ts';
import { fromOpenApiCheck, startHttpSimulator } from '../../local/simulators/http-simulator.ts';
import type { RunningSimulator, SimulatorResponse } from '../../local/simulators/http-simulator.ts';
import { FALCON_API } from './falcon-api.ts';

export type DeviceContainmentStatus = 'normal' | 'containment_pending' | 'contained' | 'lift_containment_pending';

export interface CrowdStrikeSimulatorOptions {
  clientId: string;
  clientSecret: string;
  /** Host agent ids (AIDs) of the simulated estate; all start with status `normal`. */
  devices: string[];
  /** Lifetime of issued tokens in seconds (Falcon issues 1799). */
  tokenLifetimeSeconds?: number;
}

export interface CrowdStrikeSimulatorState {
  devices: Map<string, { status: DeviceContainmentStatus; hostname: string }>;
  /** Every accepted device action, in order. */
  actions: Array<{ action: string; ids: string[] }>;
  tokensIssued: number;
}

const PENDING_TO_FINAL: Partial<Record<DeviceContainmentStatus, DeviceContainmentStatus>> = {
  containment_pending: 'contained',
  lift_containment_pending: 'normal',
};

function meta() {
  return { query_time: 0.001, powered_by: 'forestall-simulator', trace_id: randomUUID() };
}

function falconError(status: number, message: string): SimulatorResponse {
  return { status, headers: { 'x-cs-traceid': randomUUID() }, body: { meta: meta(), resources: [], errors: [{ code: status, message }] } };
}

/**
 * CrowdStrike Falcon API on 127.0.0.1: OAuth2 client credentials and host containment, with requests
 * checked against forestall's description of those endpoints (falcon-api.ts, itself held against
 * Falcon's published Swagger document by a contract test). As in Falcon,
 * containment is asynchronous: an action sets `containment_pending` (or `lift_containment_pending`),
 * which the next device read reports and which then settles to `contained` (or `normal`).
 */
export async function startCrowdStrikeSimulator(options: CrowdStrikeSimulatorOptions): Promise<RunningSimulator<CrowdStrikeSimulatorState>> {
  const checker = await createRequestChecker(structuredClone(FALCON_API) as unknown as Record<string, unknown>);
  const lifetime = options.tokenLifetimeSeconds ?? 1799;
  const tokens = new Map<string, number>();
  const state: CrowdStrikeSimulatorState = {
    devices: new Map(options.devices.map((id, index) => [id, { status: 'normal', hostname: `host-${index + 1}` }])),
    actions: [],
    tokensIssued: 0,
  };

  return startHttpSimulator<CrowdStrikeSimulatorState>({
    state,
    check: (request) => fromOpenApiCheck(checker.check(request)),
    rejected: (violations) => ({
      status: 400,
      body: { meta: meta(), resources: [], errors: violations.map((message) => ({ code: 400, message })) },
    }),
    throttled: (now) => ({
      status: 429,
      headers: {
        'x-ratelimit-limit': '6000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-retryafter': String(Math.floor(now.getTime() / 1000) + 20),
      },
      body: { meta: meta(), resources: [], errors: [{ code: 429, message: 'API rate limit exceeded.' }] },
    }),
    handle(request, detail, operation) {
      const checked = detail as Extract<RequestCheckResult, { ok: true }>;
      if (operation === 'oauth2AccessToken') {
        const form = checked.body as { client_id?: string; client_secret?: string };
        if (form.client_id !== options.clientId || form.client_secret !== options.clientSecret) {
          return falconError(403, 'access denied, invalid client credentials');
        }
        const token = randomBytes(24).toString('base64url');
        tokens.set(token, Date.now() + lifetime * 1000);
        state.tokensIssued += 1;
        return { status: 201, body: { access_token: token, token_type: 'bearer', expires_in: lifetime } };
      }

      const bearer = /^Bearer (\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
      const expiry = bearer === undefined ? undefined : tokens.get(bearer);
      if (expiry === undefined || expiry < Date.now()) return falconError(401, 'access denied, invalid bearer token');

      if (operation === 'PerformActionV2') {
        const action = String(checked.query.action_name);
        const ids = (checked.body as { ids: string[] }).ids;
        if (action !== 'contain' && action !== 'lift_containment') {
          return falconError(400, `action_name ${action} is not simulated (contain, lift_containment)`);
        }
        const unknown = ids.filter((id) => !state.devices.has(id));
        if (unknown.length > 0) {
          return { status: 404, body: { meta: meta(), resources: [], errors: unknown.map((id) => ({ code: 404, message: `Device ${id} not found`, id })) } };
        }
        for (const id of ids) {
          const device = state.devices.get(id);
          if (!device) continue;
          if (action === 'contain' && device.status !== 'contained') device.status = 'containment_pending';
          if (action === 'lift_containment' && device.status !== 'normal') device.status = 'lift_containment_pending';
        }
        state.actions.push({ action, ids });
        return { status: 202, body: { meta: meta(), resources: ids.map((id) => ({ id, path: '' })), errors: [] } };
      }

      if (operation === 'GetDeviceDetailsV2') {
        const raw = checked.query.ids;
        const ids = Array.isArray(raw) ? raw : [String(raw)];
        const resources = [];
        for (const id of ids) {
          const device = state.devices.get(id);
          if (!device) continue;
          resources.push({ device_id: id, hostname: device.hostname, status: device.status, platform_name: 'Linux', product_type_desc: 'Server' });
          // Reported once, then settled: the sensor confirms the change between two reads.
          device.status = PENDING_TO_FINAL[device.status] ?? device.status;
        }
        const errors = ids.filter((id) => !state.devices.has(id)).map((id) => ({ code: 404, message: `Device ${id} not found` }));
        return { status: resources.length > 0 ? 200 : 404, body: { meta: meta(), resources, errors } };
      }
      return falconError(501, `operation ${operation} is not simulated`);
    },
  });
}
