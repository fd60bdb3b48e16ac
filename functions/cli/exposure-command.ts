import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exposureWindow, type ExposureTransition } from '../match/exposure-lifecycle.ts';
import { DecisionSchema, ExposureStateSchema, type Exposure, type ExposureState } from '../model/exposure.ts';
import { EntityIdSchema } from '../model/ids.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import type { ExposureRepository } from '../store/ports.ts';
import type { CliIo } from './cli-io.ts';
import { DEFAULT_STORE_DIR, openLocalStore } from './local-store.ts';

export const EXPOSURE_USAGE = `  forestall exposure list [--state S] [--vulnerability CVE] [--tenant T] [--store DIR] [--json]
      Lists the stored exposures with their timeline (intel published, detected, contained, remediated,
      verified, accepted) and exposure window. States: ${stateNames().join(', ')}.
  forestall exposure accept <vulnerability> <asset> --until <ISO date> --reason "..." [--by NAME] [--tenant T] [--store DIR]
      Accepts an open or contained exposure until the date (the matcher reopens it after that); --by
      defaults to $USER.
  forestall exposure reopen <vulnerability> <asset> --reason "..." [--by NAME] [--tenant T] [--store DIR]
      Withdraws an acceptance (or a not-affected statement): the exposure is open again.`;

function stateNames(): string[] {
  return ['open', 'contained', 'remediated', 'verified', 'accepted', 'not-affected'];
}

/** `forestall exposure list|accept|reopen ...` against the local database. */
export async function exposureCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case 'list':
      return listCommand(rest, io);
    case 'accept':
    case 'reopen':
      return transitionCommand(action, rest, io);
    case undefined:
      io.err.write(`forestall exposure: name what to do: list, accept or reopen\n\n${EXPOSURE_USAGE}\n`);
      return 2;
    default:
      io.err.write(`forestall exposure: unknown action "${action}" (list, accept or reopen)\n\n${EXPOSURE_USAGE}\n`);
      return 2;
  }
}

const commonOptions = {
  tenant: { type: 'string', default: DEFAULT_TENANT },
  store: { type: 'string', default: DEFAULT_STORE_DIR },
} as const;

async function listCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { ...commonOptions, state: { type: 'string' }, vulnerability: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const refuse = refuser(io, 'exposure list');
  if (positionals.length > 0) return refuse(`unexpected argument "${positionals[0]}" (filter with --state or --vulnerability)`);
  const tenant = TenantIdSchema.safeParse(values.tenant);
  if (!tenant.success) return refuse(`--tenant: ${tenant.error.issues[0]?.message}`);
  let state: ExposureState | undefined;
  if (values.state !== undefined) {
    if (!stateNames().includes(values.state)) return refuse(`--state: "${values.state}" is not a state (${stateNames().join(', ')})`);
    state = ExposureStateSchema.parse(values.state);
  }
  if (values.vulnerability !== undefined && values.vulnerability.trim() === '') return refuse('--vulnerability: give a vulnerability id');
  // Listing must not create an empty database where a mistyped path points.
  if (!existsSync(values.store)) return refuse(`no local database at ${values.store} ("forestall import" and "forestall scan --store" create it)`);

  const store = await openLocalStore(values.store);
  let exposures: Exposure[];
  try {
    exposures = await listExposures(store.repositories.exposures, tenant.data, { ...(state ? { state } : {}), ...(values.vulnerability ? { vulnerability: values.vulnerability } : {}) });
  } finally {
    await store.close();
  }
  if (values.json) {
    io.out.write(`${JSON.stringify(exposures.map((exposure) => ({ ...exposure, window: exposureWindow(exposure) })))}\n`);
    return 0;
  }
  if (exposures.length === 0) {
    io.out.write(`No exposures${state ? ` in state ${state}` : ''}${values.vulnerability ? ` of ${values.vulnerability}` : ''} for tenant ${tenant.data}.\n`);
    return 0;
  }
  io.out.write(exposures.map((exposure) => formatExposure(exposure)).join('\n'));
  const counts = new Map<string, number>();
  for (const exposure of exposures) counts.set(exposure.state, (counts.get(exposure.state) ?? 0) + 1);
  const byLifecycle = stateNames().filter((name) => counts.has(name));
  io.out.write(`\n${exposures.length} exposure(s): ${byLifecycle.map((name) => `${counts.get(name)} ${name}`).join(', ')}.\n`);
  return 0;
}

/** The tenant's exposures, by vulnerability and asset: one vulnerability's, or every state's (one index query per state and decision). */
export async function listExposures(repository: ExposureRepository, tenant: string, filter: { state?: ExposureState; vulnerability?: string }): Promise<Exposure[]> {
  let found: Exposure[];
  if (filter.vulnerability !== undefined) {
    found = (await repository.listByVulnerability(tenant, filter.vulnerability)).filter((exposure) => filter.state === undefined || exposure.state === filter.state);
  } else {
    const states = filter.state ? [filter.state] : (stateNames() as ExposureState[]);
    const queries = states.flatMap((state) => DecisionSchema.options.map((decision) => repository.listByStateAndDecision(tenant, state, decision)));
    found = (await Promise.all(queries)).flat();
  }
  return found.sort((a, b) => a.vulnerability.localeCompare(b.vulnerability) || a.asset.localeCompare(b.asset));
}

async function transitionCommand(action: 'accept' | 'reopen', args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { ...commonOptions, until: { type: 'string' }, reason: { type: 'string' }, by: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const refuse = refuser(io, `exposure ${action}`);
  const [vulnerability, asset, ...extra] = positionals;
  if (vulnerability === undefined || vulnerability.trim() === '') return refuse('<vulnerability>: name the vulnerability, e.g. CVE-2023-4966');
  if (asset === undefined) return refuse('<asset>: name the asset id the exposure is on');
  const assetId = EntityIdSchema.safeParse(asset);
  if (!assetId.success) return refuse(`<asset>: "${asset}": ${assetId.error.issues[0]?.message}`);
  if (extra.length > 0) return refuse(`unexpected argument "${extra[0]}" (quote a --reason with spaces)`);
  const tenant = TenantIdSchema.safeParse(values.tenant);
  if (!tenant.success) return refuse(`--tenant: ${tenant.error.issues[0]?.message}`);
  const reason = values.reason?.trim();
  if (!reason) return refuse(`--reason: say why${action === 'accept' ? ' the exposure is accepted' : ' it is reopened'} (it is kept on the exposure)`);
  const by = (values.by ?? io.env.USER ?? io.env.USERNAME ?? '').trim();
  if (!by) return refuse('--by: name who decides (no $USER to default to)');
  const now = new Date(io.nowSeconds() * 1000);

  let transition: ExposureTransition;
  if (action === 'accept') {
    if (values.until === undefined) return refuse('--until: give the date the acceptance ends (ISO 8601, e.g. 2024-01-31 or 2024-01-31T17:00:00Z)');
    const until = parseIsoDate(values.until);
    if (until === undefined) return refuse(`--until: "${values.until}" is not an ISO 8601 date (e.g. 2024-01-31 or 2024-01-31T17:00:00Z)`);
    if (until.getTime() <= now.getTime()) return refuse(`--until: ${until.toISOString()} is not in the future`);
    transition = { to: 'accepted', at: now.toISOString(), by, until: until.toISOString(), note: reason };
  } else {
    if (values.until !== undefined) return refuse('--until: only "exposure accept" takes an end date');
    transition = { to: 'open', at: now.toISOString(), by, note: reason };
  }
  if (!existsSync(values.store)) return refuse(`no local database at ${values.store} ("forestall import" and "forestall scan --store" create it)`);

  const store = await openLocalStore(values.store);
  try {
    const { changed, refused } = await store.repositories.exposures.transition(tenant.data, vulnerability, [assetId.data], transition);
    for (const refusal of refused) io.err.write(`forestall exposure ${action}: ${refusal.reason}\n`);
    for (const exposure of changed) io.out.write(`${action === 'accept' ? 'accepted' : 'reopened'}:\n${formatExposure(exposure)}`);
    return changed.length > 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}

function refuser(io: CliIo, command: string) {
  return (message: string) => {
    io.err.write(`forestall ${command}: ${message}\n`);
    return 2;
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** A calendar date (midnight UTC) or a date-time with its offset; anything else is undefined. */
function parseIsoDate(text: string): Date | undefined {
  if (!ISO_DATE.test(text)) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return undefined;
  // new Date rolls 2024-02-30 over to March 1: a day that does not exist is refused.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  return date;
}

/** A span as people read it: minutes, hours or days. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 1) return `${sign}${Math.round(Math.abs(ms) / 1000)} s`;
  if (minutes < 120) return `${sign}${minutes} min`;
  const hours = minutes / 60;
  return hours < 72 ? `${sign}${hours.toFixed(1)} h` : `${sign}${(hours / 24).toFixed(1)} days`;
}

/** The exposure window, intel published (or first detected) -> contained -> remediated, on one line. */
export function formatWindow(exposure: Exposure): string {
  const window = exposureWindow(exposure);
  const from = exposure.timeline.intelPublishedAt ? 'intel published' : 'detected';
  const steps = [
    window.toContainedMs !== undefined ? `contained after ${formatDuration(window.toContainedMs)}` : 'not contained',
    window.toRemediatedMs !== undefined ? `remediated after ${formatDuration(window.toRemediatedMs)}` : 'not remediated',
  ];
  return `${from} -> ${steps.join(' -> ')}`;
}

/** One exposure with its state, timeline and exposure window, as `exposure list` prints it. */
export function formatExposure(exposure: Exposure): string {
  const { timeline } = exposure;
  const lines = [`${exposure.vulnerability}  ${exposure.asset}  ${exposure.state}  (decision ${exposure.decision}, ${exposure.component} ${exposure.version})`];
  const row = (label: string, value: string | undefined) => {
    if (value !== undefined) lines.push(`    ${label.padEnd(16)} ${value}`);
  };
  row('intel published', timeline.intelPublishedAt);
  row('detected', exposure.detectedAt);
  row('contained', timeline.containedAt);
  row('remediated', timeline.remediatedAt);
  row('verified', timeline.verifiedAt);
  if (timeline.acceptedAt) row('accepted', `${timeline.acceptedAt} by ${timeline.acceptedBy ?? 'unknown'} until ${timeline.acceptedUntil ?? '(no end)'}`);
  row('note', timeline.note);
  if (exposure.response) row('response', `${exposure.response.state} since ${exposure.response.since}: ${exposure.response.note}`);
  row('window', formatWindow(exposure));
  return `${lines.join('\n')}\n`;
}
