import { runSource, type IngestSummary } from '../ingest/ingest-runner.ts';
import { FeedFetchFailed } from '../ingest/http-fetch.ts';
import { InvalidFeedDocument } from '../ingest/invalid-feed-document.ts';
import { DEFAULT_NVD_API_URL } from '../ingest/sources/nvd/nvd-client.ts';
import { CISA_KEV_URL, cisaKevSource } from '../ingest/sources/cisa-kev/cisa-kev-source.ts';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalEventBridgeEndpoint } from '../local/eventbridge-endpoint.ts';
import { startLocalIntelFeeds } from '../local/intel-feeds.ts';
import { LocalEventBus } from '../local/local-bus.ts';
import { LOCAL_ACCOUNT, startLocalDeployment, type LocalDeployment } from '../local/local-deployment.ts';
import { runPlaybookLocally, type LocalExecutionResult, type TaskHandler, type TimelineEntry } from '../local/step-functions.ts';
import { LOCAL_REGION } from '../local/dynalite.ts';
import type { ActionRecord } from '../model/action.ts';
import type { Exposure } from '../model/exposure.ts';
import type { Vulnerability } from '../model/vulnerability.ts';
import type { Asset } from '../model/asset.ts';
import { DetailType, EVENT_SOURCE, type ExposureDetected } from '../model/events.ts';
import { DEFAULT_TENANT } from '../model/tenant.ts';
import type { SlackMessage } from '../notify/slack/slack-simulator.ts';
import type { PlaybookPlan } from '../playbook/plan.ts';
import { rulePattern } from '../routing/rules.ts';
import { cliPollContext, rootCause, summaryLine } from './ingest-command.ts';
import { formatDuration, formatWindow } from './exposure-command.ts';
import { openLocalStore } from './local-store.ts';
import { Timeline } from './timeline.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The bundled data and the synthetic estate the demo plays on (sources: test/fixtures/README.md). */
export const DEMO_FILES = {
  kevCatalogue: join(root, 'test/fixtures/intel/kev-catalogue.json'),
  nvdRecords: join(root, 'test/fixtures/intel/nvd'),
  estate: join(root, 'test/fixtures/estate/estate.json'),
  patchedEstate: join(root, 'test/fixtures/estate/estate-patched.json'),
  patchedTwiceEstate: join(root, 'test/fixtures/estate/estate-patched-twice.json'),
  playbook: join(root, 'statemachines/cve-exposure-response.asl.json'),
};
export const DEMO_CVE = 'CVE-2023-4966';
/** A second NetScaler CVE on the same gateways: its run holds the containment the first run made. */
export const SECOND_CVE = 'CVE-2023-6549';
/** An account the bus admits PutEvents from (a workload account), which tries to start containment. */
export const FORGING_ACCOUNT = '999999999999';
const TENANT = DEFAULT_TENANT;
const BUS_NAME = 'forestall';
const HOUR_MS = 3_600_000;

export interface DemoOptions {
  out: NodeJS.WritableStream;
  verbose?: boolean;
  /** Where the JSON report goes; nothing is written when undefined. */
  reportPath?: string;
}

export interface DemoOutcome {
  ok: boolean;
  /** Milliseconds from the KEV poll that brought the first CVE to its first containment action. */
  intelToFirstActionMs?: number;
  /** How each playbook run ended, by CVE. */
  playbookStatus: Record<string, string>;
  /** The forged `Exposure Detected` from another account matched no rule and changed nothing. */
  forgedEventRefused: boolean;
  /** Every action record of the tenant: both runs, their releases and the expiry sweeps. */
  actions: ActionRecord[];
  /** What the simulated Slack workspace received. */
  slackMessages: SlackMessage[];
  /** Announcements the actuators put on the bus, as a rule in another account would see them. */
  actionEvents: { taken: number; reverted: number };
  /** The simulated vendors, one line each, at each stage. */
  vendors: Record<'before' | 'contained' | 'afterFirstRelease' | 'after', string[]>;
  /**
   * Per actuator: change calls the vendor accepted, against the changes the audit trail records (applies
   * that changed the vendor, and reverts). The kernel's promise is one call per change.
   */
  vendorCalls: Record<string, { changeCalls: number; changes: number }>;
  /** The exposures the playbooks acted on, as stored at the end: state and timeline (contained, verified). */
  exposures: Exposure[];
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

/** A promise resolved from outside: the demo lets each playbook check for its patch when the story gets there. */
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

interface Run {
  cve: string;
  execution?: string;
  /** Resolves when the run reaches its first patch check, which then waits for `mayCheck`. */
  waiting: Deferred;
  mayCheck: Deferred;
  result?: Promise<LocalExecutionResult>;
}

/**
 * The 2am scenario, end to end, in one process and with the deployed code paths: the Lambda handlers run
 * unchanged against dynalite, a loopback EventBridge endpoint feeding an in-process bus with the stack's
 * own rules, loopback Lambda and vendor endpoints (every actuator's stand-in comes from its registry
 * definition); the playbook is the deployed ASL file under aws-local-stepfunctions. Two CVEs land on the
 * same gateways: the second run holds what the first contained, the first run's release leaves it
 * standing, the second run's patch watch gives up, and the expiry sweeper renews, then reverts.
 */
export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const { out } = options;
  const timeline = new Timeline(out);
  const read = async <T>(file: string) => JSON.parse(await readFile(file, 'utf8')) as T;
  const catalogue = await read<{ catalogVersion: string; vulnerabilities: Array<{ cveID: string }> }>(DEMO_FILES.kevCatalogue);
  const estate = await read<{ assets: Asset[] }>(DEMO_FILES.estate);
  const patchedEstate = await read<{ assets: Asset[] }>(DEMO_FILES.patchedEstate);
  const patchedTwiceEstate = await read<{ assets: Asset[] }>(DEMO_FILES.patchedTwiceEstate);
  const nvdRecords = new Map(await Promise.all([DEMO_CVE, SECOND_CVE].map(async (cve) => [cve, await read<unknown>(join(DEMO_FILES.nvdRecords, `${cve}.json`))] as const)));

  out.write(`forestall demo: the 2am KEV scenario (${DEMO_CVE}, Citrix Bleed, then ${SECOND_CVE}) on ${estate.assets.length} assets\n`);
  out.write('Local mode: dynalite, loopback EventBridge + in-process bus (the stack\'s own rules), aws-local-stepfunctions\n');
  out.write('running statemachines/cve-exposure-response.asl.json, and every actuator\'s simulated vendor API from its\n');
  out.write('registry definition, checking each request against forestall\'s description of the endpoint. No AWS account is used.\n');
  out.write('A new deployment starts in shadow mode; this demo turns enforcement on for tenant "default" (GUARDRAILS mode enforce).\n');

  const store = await openLocalStore();
  const feeds = await startLocalIntelFeeds(nvdRecords);
  const bus = new LocalEventBus({ account: LOCAL_ACCOUNT, region: LOCAL_REGION });
  const eventBridge = await startLocalEventBridgeEndpoint((events) => {
    bus.putEvents(events.map((event) => ({ detailType: event.detailType, detail: event.detail, source: event.source })));
  });
  let deployment: LocalDeployment | undefined;

  try {
    deployment = await startLocalDeployment({
      assets: estate.assets,
      tableName: store.tableName,
      dynamoEndpoint: store.dynamo.endpoint,
      eventBridgeUrl: eventBridge.url,
      busName: BUS_NAME,
      environment: {
        TENANT_ID: TENANT,
        INTEL_SOURCES: JSON.stringify({ 'cisa-kev': { url: feeds.kevUrl, nvdApiUrl: feeds.nvdApiUrl, nvdLookupsPerRun: 1 } }),
        GUARDRAILS: JSON.stringify({ mode: 'enforce', maxAssetsPerRun: 25 }),
        PATCH_CHECK_INTERVAL_SECONDS: '3600',
        MAX_PATCH_CHECKS: '3',
        POWERTOOLS_LOG_LEVEL: options.verbose ? 'INFO' : 'SILENT',
      },
    });
    const local = deployment;
    // Only the vendors the estate is bound to: an actuator without targets here has nothing to show.
    const used = new Set(local.actuators.filter((actuator) => actuator.definition.targetsFor(estate.assets).length > 0).map((actuator) => actuator.definition.title));
    const vendors = () => local.describeVendors().filter((line) => used.has(line.slice(0, line.indexOf(':'))));
    const snapshot: DemoOutcome['vendors'] = { before: vendors(), contained: [], afterFirstRelease: [], after: [] };
    const runs = new Map<string, Run>([DEMO_CVE, SECOND_CVE].map((cve) => [cve, { cve, waiting: deferred(), mayCheck: deferred() }]));

    // Stands in for a rule another account puts on the bus to follow what forestall changes.
    const actionEvents = { taken: 0, reverted: 0 };
    bus.addRule('demo-action-observer', { source: [EVENT_SOURCE], 'detail-type': [DetailType.ActionTaken, DetailType.ActionReverted] }, (event) => {
      if ((event.detail as { dryRun?: boolean }).dryRun) return;
      if (event['detail-type'] === DetailType.ActionTaken) actionEvents.taken += 1;
      else actionEvents.reverted += 1;
    });
    bus.addRule('intel-changed-to-match', rulePattern('intelChanged', bus.account), async (event) => {
      const summary = (await local.handlers.exposureMatch(event)) as { affectedAssets: number; events: Array<{ decision: string; assetCount: number }> };
      if (summary.affectedAssets > 0) {
        const decisions = summary.events.map((e) => `${e.assetCount} ${e.decision}`).join(', ');
        timeline.record('match', `${(event.detail as { id: string }).id}: ${summary.affectedAssets} affected assets (${decisions}); Exposure Detected published per decision`);
      }
    });
    bus.addRule('exposure-act-to-playbook', rulePattern('exposureAct', bus.account), (event) => {
      const detail = event.detail as ExposureDetected;
      const run = runs.get(detail.vulnerability.id);
      if (!run || run.result) return;
      timeline.record('route', `Exposure Detected (${detail.vulnerability.id}, act, ${detail.assetCount} assets, account ${event.account}) matched rule exposure-act-to-playbook: cve-exposure-response starts`);
      const checkPatch: TaskHandler = async (input) => {
        run.waiting.resolve();
        await run.mayCheck.promise;
        return local.playbookTasks.CheckPatchFunctionArn?.(input);
      };
      run.result = runPlaybookLocally({
        definitionPath: DEMO_FILES.playbook,
        taskHandlers: { ...local.playbookTasks, CheckPatchFunctionArn: checkPatch },
        functions: local.functions,
        input: event,
        executionName: `${detail.vulnerability.id}-${event.id}`,
        onStateEvent: (entry) => describeStateEvent(run, entry, timeline, local),
      }).then((result) => {
        run.execution = result.executionArn;
        timeline.record('playbook', `[${run.cve}] cve-exposure-response ${result.status}${result.error ? `: ${result.error.Error} ${result.error.Cause}` : ''}`);
        return result;
      });
      // A run that ends early (nothing to do, or a failure) never reaches its patch check.
      void run.result.then(() => run.waiting.resolve());
    });

    // Yesterday: the catalogue without either CVE, and the estate, are already known.
    timeline.heading('Yesterday 23:00: forestall knows the catalogue and the estate');
    const without = (...ids: string[]) => {
      const vulnerabilities = catalogue.vulnerabilities.filter((entry) => !ids.includes(entry.cveID));
      return { ...catalogue, count: vulnerabilities.length, vulnerabilities };
    };
    feeds.publishKevCatalogue(without(DEMO_CVE, SECOND_CVE), new Date('2023-10-17T23:00:00Z'));
    const baseline = (await local.handlers.kevIngest({})) as IngestSummary;
    timeline.record('ingest', `KEV poll: ${baseline.added} entries stored, ${baseline.announced} Intel Changed events`);
    const imported = (await local.handlers.inventoryImport({ tenant: TENANT, inventory: estate })) as { imported: number };
    timeline.record('inventory', `${imported.imported} assets imported with their CPEs and vendor identities`);
    await bus.drain();
    const unchanged = (await local.handlers.kevIngest({})) as IngestSummary;
    timeline.record('ingest', `re-poll of the same catalogue: ${unchanged.unchangedPages === unchanged.pages ? 'not modified (304)' : 'changed'}, ${unchanged.added + unchanged.updated + unchanged.revoked} writes`);
    for (const line of snapshot.before) timeline.record('vendors', line);

    // 2am: CISA adds Citrix Bleed.
    timeline.heading(`02:00: CISA adds ${DEMO_CVE} to KEV (timings from here)`);
    feeds.publishKevCatalogue(without(SECOND_CVE), new Date('2023-10-18T02:00:00Z'));
    timeline.resetOrigin();
    const intelArrivedAt = Date.now();
    const poll = (await local.handlers.kevIngest({})) as IngestSummary;
    timeline.record('ingest', `KEV poll: ${poll.added} new entry stored, ${poll.lookedUp} NVD lookup, ${poll.announced} Intel Changed event`);
    await bus.drain();
    const first = runs.get(DEMO_CVE) as Run;
    await first.waiting.promise;
    snapshot.contained = vendors();
    for (const line of snapshot.contained) timeline.record('vendors', line);

    // A workload account the bus admits tries to start containment with a forged finding.
    timeline.heading(`02:05: account ${FORGING_ACCOUNT} puts a forged Exposure Detected (act, 39 internal hosts) on the bus`);
    const forged: ExposureDetected = {
      version: '1',
      tenant: TENANT,
      vulnerability: { id: DEMO_CVE, kev: true },
      decision: 'act',
      assetIds: estate.assets.filter((asset) => asset.id.startsWith('adc-int-')).map((asset) => asset.id),
      assetCount: 38,
      exposureIds: [],
      reasons: ['forged'],
      detectedAt: new Date().toISOString(),
    };
    const [forgedEvent] = bus.putEvents([{ detailType: DetailType.ExposureDetected, detail: forged, account: FORGING_ACCOUNT }]);
    const forgedRecord = bus.published.find((record) => record.event.id === forgedEvent?.id);
    const forgedEventRefused = forgedRecord !== undefined && forgedRecord.matchedRules.length === 0;
    timeline.record('route', `forged event ${forgedEventRefused ? 'matched no rule: the exposure-act rule admits only this account\'s events' : `matched ${forgedRecord?.matchedRules.join(', ')}`}`);
    const forgedPlan = (await local.playbookTasks.PlanFunctionArn?.({ detail: forged, account: FORGING_ACCOUNT, execution: 'forged-start' })) as PlaybookPlan;
    timeline.record('plan', `the same event handed to Plan directly: ${forgedPlan.targetCount} targets (${forgedPlan.skipped[0]?.reason ?? ''})`);

    // The second CVE lands on the same gateways while they are contained.
    timeline.heading(`02:30: CISA adds ${SECOND_CVE}, which the same gateways run`);
    feeds.publishKevCatalogue(catalogue, new Date('2023-10-18T02:30:00Z'));
    const secondPoll = (await local.handlers.kevIngest({})) as IngestSummary;
    timeline.record('ingest', `KEV poll: ${secondPoll.added} new entry stored, ${secondPoll.lookedUp} NVD lookup`);
    await bus.drain();
    const second = runs.get(SECOND_CVE) as Run;
    await second.waiting.promise;

    // The edge team installs the Citrix Bleed fix: the first run's patch check passes.
    timeline.heading(`06:00: the edge team installs the ${DEMO_CVE} fix (still affected by ${SECOND_CVE})`);
    const patched = (await local.handlers.inventoryImport({ tenant: TENANT, inventory: patchedEstate })) as { imported: number };
    timeline.record('inventory', `inventory re-imported (${patched.imported} assets)`);
    first.mayCheck.resolve();
    const firstResult = await first.result;
    snapshot.afterFirstRelease = vendors();
    for (const line of snapshot.afterFirstRelease) timeline.record('vendors', line);

    // The second run waits for its own fix, which does not come in time.
    second.mayCheck.resolve();
    const secondResult = await second.result;

    // Days later: the sweeper handles the expired holds, with the schedule tick's time.
    const sweeps: string[] = [];
    const sweep = async (hours: number) => {
      const time = new Date(intelArrivedAt + hours * HOUR_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
      sweeps.push(`sweeper:${new Date(time).toISOString()}`);
      const { outcomes } = (await local.handlers.expirySweeper({ 'detail-type': 'Scheduled Event', source: 'aws.events', time })) as { outcomes: Array<{ did: string; actuator: string; detail: string }> };
      const counts = new Map<string, number>();
      for (const outcome of outcomes) counts.set(`${outcome.did} (${outcome.actuator})`, (counts.get(`${outcome.did} (${outcome.actuator})`) ?? 0) + 1);
      timeline.record('expiry', `sweep as of ${time}: ${outcomes.length} expired action(s)${counts.size ? `: ${[...counts].sort(([a], [b]) => a.localeCompare(b)).map(([what, n]) => `${n} ${what}`).join(', ')}` : ''}`);
      if (outcomes[0]) timeline.record('expiry', `e.g. ${outcomes[0].detail}`);
    };
    timeline.heading('Day 4: the holds of the second run expire while the gateways are still affected');
    await sweep(73);
    timeline.heading(`Day 5: the edge team installs the January builds (fixed for ${SECOND_CVE}); the next expiry sweep reverts`);
    const patchedTwice = (await local.handlers.inventoryImport({ tenant: TENANT, inventory: patchedTwiceEstate })) as { imported: number };
    timeline.record('inventory', `inventory re-imported (${patchedTwice.imported} assets)`);
    await sweep(146);
    await bus.drain();
    snapshot.after = vendors();

    const actions = await allActions(store.repositories.actions, [firstResult?.executionArn, secondResult?.executionArn, ...sweeps]);
    const firstAction = actions
      .filter((action) => action.requestedBy === firstResult?.executionArn && action.actuator !== 'slack' && action.operation === 'apply' && ['done', 'released', 'reverted'].includes(action.status))
      .map((action) => Date.parse(action.createdAt))
      .sort((a, b) => a - b)[0];
    const intelToFirstActionMs = firstAction === undefined ? undefined : Math.max(0, firstAction - intelArrivedAt);
    const failures = bus.failures;

    // Where each exposure the playbooks acted on stands, and its window.
    timeline.heading('Exposures the playbooks acted on: intel published -> contained -> remediated');
    out.write('  (the demo replays 2023 intel today: "intel published ->" spans the years between; "detected -> contained" is forestall\'s part)\n');
    const exposures: Exposure[] = [];
    for (const cve of [DEMO_CVE, SECOND_CVE]) {
      const all = await store.repositories.exposures.listByVulnerability(TENANT, cve);
      const counts = new Map<string, number>();
      for (const exposure of all) counts.set(exposure.state, (counts.get(exposure.state) ?? 0) + 1);
      out.write(`  ${cve}: ${[...counts].sort(([a], [b]) => a.localeCompare(b)).map(([state, n]) => `${n} ${state}`).join(', ')}\n`);
      const acted = all.filter((exposure) => exposure.timeline.containedAt !== undefined || exposure.timeline.verifiedAt !== undefined);
      exposures.push(...acted);
      for (const exposure of acted) out.write(`    ${describeExposureTimeline(exposure)}\n`);
    }

    timeline.heading('Summary');
    for (const line of summarise(actions, snapshot)) out.write(`  ${line}\n`);
    out.write(`  events: ${actionEvents.taken} Action Taken, ${actionEvents.reverted} Action Reverted on the bus; ${local.slack.state.messages.length} Slack messages\n`);
    if (failures.length) for (const failure of failures) out.write(`  rule ${failure.rule} failed: ${failure.error}\n`);

    const calls = local.changeCalls();
    const vendorCalls = Object.fromEntries(
      Object.entries(calls)
        .filter(([actuator]) => actions.some((action) => action.actuator === actuator))
        .map(([actuator, changeCalls]) => [
          actuator,
          {
            changeCalls,
            changes: actions.filter((a) => a.actuator === actuator && ((a.operation === 'apply' && a.before !== undefined && a.changedBy === undefined) || (a.operation === 'release' && a.status === 'reverted'))).length,
          },
        ]),
    );
    out.write(`  vendor change calls per change: ${Object.entries(vendorCalls).map(([actuator, v]) => `${actuator} ${v.changeCalls}/${v.changes}`).join(', ')}\n`);
    const playbookStatus = { [DEMO_CVE]: firstResult?.status ?? 'not started', [SECOND_CVE]: secondResult?.status ?? 'not started' };
    const outcome: DemoOutcome = {
      ok: Object.values(playbookStatus).every((status) => status === 'SUCCEEDED') && failures.length === 0 && forgedEventRefused,
      ...(intelToFirstActionMs === undefined ? {} : { intelToFirstActionMs }),
      playbookStatus,
      forgedEventRefused,
      actions,
      slackMessages: [...local.slack.state.messages],
      actionEvents: { ...actionEvents },
      vendors: snapshot,
      vendorCalls,
      exposures,
    };
    if (options.reportPath) {
      await mkdir(dirname(options.reportPath), { recursive: true });
      const report = { scenario: [DEMO_CVE, SECOND_CVE], generatedAt: new Date().toISOString(), ...outcome, timeline: timeline.lines };
      await writeFile(options.reportPath, `${JSON.stringify(report, null, 2)}\n`);
      out.write(`  report: ${options.reportPath}\n`);
    }
    // The number the scenario is judged by comes last.
    out.write(`\nintel-to-first-action: ${intelToFirstActionMs === undefined ? 'no action taken' : `${intelToFirstActionMs} ms`}\n`);
    return outcome;
  } finally {
    await deployment?.close();
    await Promise.allSettled([eventBridge.close(), feeds.close()]);
    await store.close();
  }
}

/** Every action of the two runs and of the sweeps (whose releases are requested by `sweeper:<time>`), oldest first. */
async function allActions(actions: Awaited<ReturnType<typeof openLocalStore>>['repositories']['actions'], executions: Array<string | undefined>): Promise<ActionRecord[]> {
  const found = (await Promise.all(executions.filter((e): e is string => e !== undefined).map((execution) => actions.listByExecution(TENANT, execution)))).flat();
  return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

function describeStateEvent(run: Run, entry: TimelineEntry, timeline: Timeline, local: LocalDeployment): void {
  const tag = `[${run.cve}]`;
  if (entry.type === 'StateRetried') {
    timeline.record('playbook', `${tag} ${entry.state}: retrying after ${entry.error?.Error}`);
    return;
  }
  if (entry.type === 'StateFailed' || entry.type === 'StateCaught') {
    timeline.record('playbook', `${tag} ${entry.state}: ${entry.error?.Error} ${entry.error?.Cause ?? ''}`.trim());
    return;
  }
  if (entry.type !== 'StateExited') return;
  const output = entry.output as Record<string, unknown> | undefined;
  switch (entry.state) {
    case 'Plan': {
      const plan = output?.plan as PlaybookPlan;
      const steps = plan.steps.map((step) => `${step.actuator} ${(step.request.targets as unknown[]).length}`).join(', ');
      const expiry = Object.entries(plan.expiry).map(([actuator, e]) => `${actuator} until ${e.expiresAt.slice(0, 16)}Z then ${e.onExpiry}`).join('; ');
      timeline.record('plan', `${tag} ${plan.targetAssetIds.length} assets after guardrails (${plan.skipped.length} skipped), mode ${plan.mode}: ${steps}; expiry: ${expiry}`);
      return;
    }
    case 'Act':
    case 'Release': {
      const results = (entry.state === 'Act' ? output?.applied : output?.released) as Array<{ actuator: string; operation: string; summary: Record<string, number> }> | undefined;
      for (const result of results ?? []) {
        timeline.record('action', `${tag} ${result.actuator} ${result.operation}: ${Object.entries(result.summary).map(([status, n]) => `${n} ${status}`).join(', ') || 'nothing'}`);
      }
      return;
    }
    case 'CheckPatch': {
      const check = output?.patch as { patched: boolean; stillAffected: string[]; attempt: number; remediatedByInventory?: string[] };
      const remediated = check.remediatedByInventory?.length ? ` (${check.remediatedByInventory.length} already remediated by an inventory change, not matched again)` : '';
      timeline.record('patch', `${tag} check ${check.attempt}: ${check.patched ? 'every asset acted on runs a fixed build' : `${check.stillAffected.length} assets still affected`}${remediated}`);
      return;
    }
    case 'RecordContained':
    case 'RecordVerified': {
      const record = (entry.state === 'RecordContained' ? output?.containment : output?.verification) as { note: string } | undefined;
      if (record) timeline.record('exposure', `${tag} ${record.note}`);
      return;
    }
    case 'ReportStanding': {
      const standing = output?.standing as { marked: number; note: string } | undefined;
      if (standing) timeline.record('patch', `${tag} patch watch gave up: ${standing.marked} exposures marked containment-standing; metric ContainmentStanding raises the alarm`);
      return;
    }
    default:
      if (entry.state?.startsWith('Notify')) {
        const message = local.slack.state.messages.at(-1);
        timeline.record('slack', `${tag} #${message?.channel ?? '?'}: ${(message?.text ?? '(no message)').split('\n')[0]}`);
      }
  }
}

/** One exposure on one line: its state, when it was contained, remediated and verified, and its window. */
function describeExposureTimeline(exposure: Exposure): string {
  const { timeline } = exposure;
  const at = (label: string, time: string | undefined) => (time ? [`${label} ${time}`] : []);
  const steps = [...at('contained', timeline.containedAt), ...at('remediated', timeline.remediatedAt), ...at('verified', timeline.verifiedAt)];
  const sinceDetected = timeline.containedAt ? `; detected -> contained ${formatDuration(Date.parse(timeline.containedAt) - Date.parse(exposure.detectedAt))}` : '';
  const standing = exposure.response ? `; ${exposure.response.state}` : '';
  return `${exposure.asset} ${exposure.state}: ${steps.join(', ')}; window: ${formatWindow(exposure)}${sinceDetected}${standing}`;
}

function summarise(actions: readonly ActionRecord[], snapshot: DemoOutcome['vendors']): string[] {
  const count = (predicate: (action: ActionRecord) => boolean) => actions.filter(predicate).length;
  const applies = (action: ActionRecord) => action.operation === 'apply' && action.actuator !== 'slack';
  return [
    `actions recorded: ${actions.length}: ${count((a) => applies(a) && a.changedBy === undefined && a.before !== undefined)} changes made, ` +
      `${count((a) => applies(a) && a.changedBy !== undefined)} holds added to a change another run made, ` +
      `${count((a) => a.operation === 'release' && a.status === 'released')} releases that left a change standing for the other CVE, ` +
      `${count((a) => a.operation === 'release' && a.status === 'reverted' && a.confirmation?.verdict !== 'differs')} reverts confirmed in the vendor`,
    `vendors before 02:00: ${snapshot.before.join('; ')}`,
    `vendors while contained: ${snapshot.contained.join('; ')}`,
    `vendors after the first run released: ${snapshot.afterFirstRelease.join('; ')}`,
    `vendors after the last hold expired: ${snapshot.after.join('; ')}`,
  ];
}

export interface LiveDemoOptions {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** @default the global fetch (tests pass their own: there is no network there) */
  fetch?: typeof fetch;
  /** Where `NVD_API_KEY` or `NVD_API_KEY_FILE` is looked up. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** NVD lookups for the newest entries (5 per 30 s without an API key). @default 5 */
  nvdLookups?: number;
}

export interface LiveDemoOutcome {
  ok: boolean;
  summary?: IngestSummary;
  /** Announcements by detail type, as a rule on the bus would have received them. */
  announced: Record<string, number>;
}

/**
 * `forestall demo --live`: one poll of the real CISA KEV catalogue through the KEV source, with the newest
 * entries looked up in the real NVD, into a fresh in-memory database. Nothing is acted on. Without
 * network it fails at once, naming the URL it could not reach.
 */
export async function runLiveDemo(options: LiveDemoOptions): Promise<LiveDemoOutcome> {
  const { out, err } = options;
  const lookups = options.nvdLookups ?? 5;
  const io = { err, env: options.env ?? process.env, fetch: options.fetch ?? fetch };
  out.write(`forestall demo --live: polls the CISA KEV catalogue (${CISA_KEV_URL}) and looks its ${lookups} newest entries up in NVD\n`);
  out.write(`(${DEFAULT_NVD_API_URL}), into a fresh in-memory database. Nothing is acted on and nothing is kept.\n`);

  const store = await openLocalStore();
  const announced: Record<string, number> = {};
  const nvdProblems: string[] = [];
  let catalogue = '';
  try {
    let summary: IngestSummary;
    try {
      summary = await runSource(
        cisaKevSource,
        {
          intel: store.repositories.intel,
          quarantine: store.repositories.quarantine,
          cursors: store.repositories.cursors,
          // Stands in for the bus: counts what a rule would have received.
          publishEvents: async (events) => {
            for (const event of events) announced[event.detailType] = (announced[event.detailType] ?? 0) + 1;
          },
          // Kept in memory to list the entries in CISA's order (newest first).
          archive: { put: async (_key, body) => void (catalogue = body) },
          now: () => new Date(),
          log: (level, message, detail) => {
            if (level === 'warn') nvdProblems.push(`${message}${detail?.error ? `: ${String(detail.error)}` : ''}`);
          },
        },
        cliPollContext(io, cisaKevSource, TENANT, { nvdLookupsPerRun: lookups }),
      );
    } catch (error) {
      if (error instanceof FeedFetchFailed) {
        const code = rootCause(error.cause);
        err.write(
          `forestall demo --live: cannot fetch the CISA KEV catalogue: ${error.message}${code && !error.message.includes(code) ? ` (${code})` : ''}\n` +
            'The live demo needs internet access to www.cisa.gov and services.nvd.nist.gov; "forestall demo" plays the scenario offline.\n',
        );
        return { ok: false, announced };
      }
      if (error instanceof InvalidFeedDocument) {
        err.write(`forestall demo --live: ${CISA_KEV_URL}: refused: ${error.message}\n`);
        return { ok: false, announced };
      }
      throw error;
    }

    const cursor = await store.repositories.cursors.get(TENANT, cisaKevSource.name);
    out.write(`\n${summaryLine(summary)}\n`);
    out.write(`catalogue ${cursor?.catalogVersion ?? '(no version)'}; announced: ${Object.entries(announced).map(([type, n]) => `${n} ${type}`).join(', ') || 'nothing'}\n`);
    for (const problem of nvdProblems) err.write(`forestall demo --live: ${problem} (NVD at ${DEFAULT_NVD_API_URL}; those entries stay pending)\n`);

    const newest = newestIds(catalogue, lookups);
    if (newest.length > 0) out.write(`\nnewest entries, as stored:\n`);
    for (const id of newest) {
      const vulnerability = await store.repositories.intel.getVulnerability(TENANT, id);
      if (vulnerability) out.write(`  ${describeStored(vulnerability)}\n`);
    }
    return { ok: true, summary, announced };
  } finally {
    await store.close();
  }
}

function newestIds(catalogue: string, count: number): string[] {
  try {
    const { vulnerabilities } = JSON.parse(catalogue) as { vulnerabilities?: Array<{ cveID?: unknown }> };
    return (vulnerabilities ?? []).map((entry) => entry.cveID).filter((id): id is string => typeof id === 'string').slice(0, count);
  } catch {
    return [];
  }
}

function describeStored(vulnerability: Vulnerability): string {
  const kev = vulnerability.kev ? `${vulnerability.kev.vendorProject} ${vulnerability.kev.product}, added ${vulnerability.kev.dateAdded}` : 'no KEV facts';
  return `${vulnerability.id}  ${kev}; ${describeNvd(vulnerability)}`;
}

function describeNvd(vulnerability: Vulnerability): string {
  const { nvd } = vulnerability;
  switch (vulnerability.enrichment) {
    case 'done': {
      const cvss = nvd?.cvss.find((metric) => metric.type === 'Primary') ?? nvd?.cvss[0];
      const criteria = (nvd?.configurations ?? []).flatMap((configuration) => configuration.nodes.flatMap((node) => node.cpeMatch)).length;
      return `NVD ${nvd?.vulnStatus ?? 'record'}: ${cvss ? `CVSS ${cvss.version} ${cvss.baseScore}${cvss.baseSeverity ? ` ${cvss.baseSeverity}` : ''}` : 'no CVSS'}, ${criteria} CPE criteria`;
    }
    case 'awaiting-analysis':
      return 'NVD: awaiting analysis (no CPE criteria yet; looked up again later)';
    case 'not-found':
      return 'NVD: not known yet';
    default:
      return "NVD: not looked up in this run (the NVD source's backlog run does it)";
  }
}
