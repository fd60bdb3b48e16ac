import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalEventBridgeEndpoint } from '../local/eventbridge-endpoint.ts';
import { startLocalIntelFeeds } from '../local/intel-feeds.ts';
import { LocalEventBus } from '../local/local-bus.ts';
import { runPlaybookLocally, type TaskHandler, type TimelineEntry } from '../local/step-functions.ts';
import { startVendorSimulators, type VendorSimulators } from '../local/simulators/index.ts';
import type { SlackMessage } from '../local/simulators/slack-simulator.ts';
import type { ActionRecord } from '../model/action.ts';
import type { Asset } from '../model/asset.ts';
import { DetailType, EVENT_SOURCE, type ExposureDetected } from '../model/events.ts';
import { DEFAULT_TENANT } from '../model/tenant.ts';
import { EventPatterns } from '../routing/rules.ts';
import type { Context } from 'aws-lambda';
import { LOCAL_REGION } from '../local/dynalite.ts';
import { localLambdaContext } from '../local/lambda-context.ts';
import { openLocalStore, type LocalStore } from './local-store.ts';
import { Timeline } from './timeline.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The bundled real data and the synthetic estate the demo plays on (sources: test/fixtures/README.md). */
export const DEMO_FILES = {
  kevCatalogue: join(root, 'test/fixtures/intel/known_exploited_vulnerabilities.json'),
  nvdRecords: join(root, 'test/fixtures/intel/nvd'),
  estate: join(root, 'test/fixtures/estate/estate.json'),
  patchedEstate: join(root, 'test/fixtures/estate/estate-patched.json'),
  playbook: join(root, 'statemachines/cve-exposure-response.asl.json'),
};
export const DEMO_CVE = 'CVE-2023-4966';
const TENANT = DEFAULT_TENANT;
const BUS_NAME = 'forestall';

export interface DemoOptions {
  out: NodeJS.WritableStream;
  verbose?: boolean;
  /** Where the JSON report goes; nothing is written when undefined. */
  reportPath?: string;
}

export interface DemoOutcome {
  ok: boolean;
  /** Milliseconds from the KEV poll that brought the CVE to the first containment action completed. */
  intelToFirstActionMs?: number;
  playbookStatus?: string;
  actions: ActionRecord[];
  /** What the simulated Slack workspace received. */
  slackMessages: SlackMessage[];
  /** Announcements the actuators put on the bus, as a rule in another account would see them. */
  actionEvents: { taken: number; reverted: number };
}

type Handler = (event: unknown) => Promise<unknown>;
interface Handlers {
  kevIngest: Handler;
  inventoryImport: Handler;
  exposureMatch: Handler;
  plan: Handler;
  checkPatch: Handler;
  securityGroup: Handler;
  oktaSessions: Handler;
  crowdStrike: Handler;
  slackNotify: Handler;
}

/**
 * The 2am scenario, end to end, in one process and with the deployed code paths: the Lambda handlers run
 * unchanged, talking to dynalite, to a loopback EventBridge endpoint feeding an in-process bus that
 * evaluates the stack's own rules, and to simulated Okta, CrowdStrike, Slack and EC2 endpoints; the
 * playbook is the deployed ASL file under aws-local-stepfunctions.
 */
export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const { out } = options;
  const timeline = new Timeline(out);
  const catalogue = JSON.parse(await readFile(DEMO_FILES.kevCatalogue, 'utf8')) as { catalogVersion: string; vulnerabilities: Array<{ cveID: string }> };
  const estate = JSON.parse(await readFile(DEMO_FILES.estate, 'utf8')) as { assets: Asset[] };
  const patchedEstate = JSON.parse(await readFile(DEMO_FILES.patchedEstate, 'utf8')) as { assets: Asset[] };
  const nvdRecords = new Map([[DEMO_CVE, JSON.parse(await readFile(join(DEMO_FILES.nvdRecords, `${DEMO_CVE}.json`), 'utf8')) as unknown]]);

  out.write(`forestall demo: the 2am KEV scenario (${DEMO_CVE}, Citrix Bleed) on ${estate.assets.length} assets\n`);
  out.write('Local mode: dynalite, loopback EventBridge + in-process bus (the stack\'s own rules), aws-local-stepfunctions\n');
  out.write('running statemachines/cve-exposure-response.asl.json, simulated Okta / CrowdStrike / Slack / EC2 APIs that\n');
  out.write('check every request against the vendors\' API documents. No AWS account is used.\n');

  const store = await openLocalStore();
  const simulators = await startVendorSimulators(simulatorSetup(estate.assets));
  const feeds = await startLocalIntelFeeds(nvdRecords);
  const bus = new LocalEventBus({ region: LOCAL_REGION });
  const eventBridge = await startLocalEventBridgeEndpoint((events) => {
    bus.putEvents(events.map((event) => ({ detailType: event.detailType, detail: event.detail, source: event.source })));
  });
  const restoreEnv = setHandlerEnvironment({ store, simulators, kevUrl: feeds.kevUrl, nvdApiUrl: feeds.nvdApiUrl, eventBridgeUrl: eventBridge.url, verbose: options.verbose ?? false });

  try {
    const handlers = await loadHandlers();
    const playbookRuns: Array<Promise<unknown>> = [];
    let patchApplied = false;
    const snapshots: Record<'before' | 'contained' | 'after', VendorSnapshot | undefined> = { before: vendorSnapshot(simulators), contained: undefined, after: undefined };
    let executionArn: string | undefined;

    // Stands in for a rule another account puts on the bus to follow what forestall changes.
    const actionEvents = { taken: 0, reverted: 0 };
    bus.addRule('demo-action-observer', { source: [EVENT_SOURCE], 'detail-type': [DetailType.ActionTaken, DetailType.ActionReverted] }, (event) => {
      if (event['detail-type'] === DetailType.ActionTaken) actionEvents.taken += 1;
      else actionEvents.reverted += 1;
    });
    bus.addRule('intel-changed-to-match', EventPatterns.intelChanged, async (event) => {
      const summary = (await handlers.exposureMatch(event)) as { affectedAssets: number; events: Array<{ decision: string; assetCount: number }> };
      if (summary.affectedAssets > 0) {
        const decisions = summary.events.map((e) => `${e.assetCount} ${e.decision}`).join(', ');
        timeline.record('match', `${(event.detail as { id: string }).id}: ${summary.affectedAssets} affected assets (${decisions}); Exposure Detected published per decision`);
      }
    });
    bus.addRule('exposure-act-to-playbook', EventPatterns.exposureAct, (event) => {
      const detail = event.detail as ExposureDetected;
      timeline.record('route', `Exposure Detected (decision act, ${detail.assetCount} assets) matched rule exposure-act-to-playbook: starting cve-exposure-response`);
      const run = runPlaybookLocally({
        definitionPath: DEMO_FILES.playbook,
        taskHandlers: {
          PlanFunctionArn: handlers.plan,
          CheckPatchFunctionArn: async (input) => {
            const result = (await handlers.checkPatch(input)) as { patched: boolean; stillAffected: string[]; attempt: number };
            if (!result.patched && !patchApplied) {
              // The team patches while the playbook waits: the next inventory import shows fixed builds.
              patchApplied = true;
              const imported = (await handlers.inventoryImport({ tenant: TENANT, inventory: patchedEstate })) as { imported: number };
              timeline.record('inventory', `edge team upgrades the gateways; inventory re-imported (${imported.imported} assets)`);
            }
            return result;
          },
          SecurityGroupFunctionArn: handlers.securityGroup,
          OktaSessionsFunctionArn: handlers.oktaSessions,
          CrowdStrikeContainmentFunctionArn: handlers.crowdStrike,
          SlackNotifyFunctionArn: handlers.slackNotify,
        } satisfies Record<string, TaskHandler>,
        input: event,
        executionName: `${DEMO_CVE}-${event.id}`,
        onStateEvent: (entry) => {
          if (entry.type === 'StateEntered' && entry.state === 'NotifyActionsTaken') snapshots.contained = vendorSnapshot(simulators);
          describeStateEvent(entry, timeline, simulators);
        },
      }).then((result) => {
        executionArn = result.executionArn;
        timeline.record('playbook', `cve-exposure-response ${result.status}${result.error ? `: ${result.error.Error}` : ''}`);
        return result;
      });
      playbookRuns.push(run);
      return run.then(() => undefined);
    });

    // Yesterday: the catalogue without the CVE, and the estate, are already known.
    timeline.heading('Yesterday 23:00: forestall knows the catalogue and the estate');
    const yesterday = { ...catalogue, vulnerabilities: catalogue.vulnerabilities.filter((entry) => entry.cveID !== DEMO_CVE) };
    feeds.publishKevCatalogue(yesterday, new Date('2023-10-17T23:00:00Z'));
    const baseline = (await handlers.kevIngest({})) as { written: number; emitted: number };
    timeline.record('ingest', `KEV poll: ${baseline.written} entries stored, ${baseline.emitted} Intel Changed events`);
    const imported = (await handlers.inventoryImport({ tenant: TENANT, inventory: estate })) as { imported: number };
    timeline.record('inventory', `${imported.imported} assets imported with their CPEs`);
    await bus.drain();
    const unchanged = (await handlers.kevIngest({})) as { unchanged: boolean; written: number };
    timeline.record('ingest', `re-poll of the same catalogue: ${unchanged.unchanged ? 'not modified (304)' : 'changed'}, ${unchanged.written} writes`);

    // 2am: CISA adds the CVE.
    timeline.heading(`02:00: CISA adds ${DEMO_CVE} to KEV (timings from here)`);
    feeds.publishKevCatalogue(catalogue, new Date('2023-10-18T02:00:00Z'));
    timeline.resetOrigin();
    const intelArrivedAt = Date.now();
    const poll = (await handlers.kevIngest({})) as { written: number; lookedUp: number; emitted: number };
    timeline.record('ingest', `KEV poll: ${poll.written} new entry stored, ${poll.lookedUp} NVD lookup, ${poll.emitted} Intel Changed event`);
    await bus.drain();
    await Promise.all(playbookRuns);
    await bus.drain();

    const actions = executionArn ? await store.repositories.actions.listByExecution(TENANT, executionArn) : [];
    const firstAction = actions
      .filter((action) => action.actuator !== 'slack' && action.status !== 'skipped' && action.status !== 'failed')
      .map((action) => Date.parse(action.createdAt))
      .sort((a, b) => a - b)[0];
    const intelToFirstActionMs = firstAction === undefined ? undefined : Math.max(0, firstAction - intelArrivedAt);
    const playbook = (await Promise.all(playbookRuns))[0] as { status: string } | undefined;
    const failures = bus.failures;

    timeline.heading('Summary');
    snapshots.after = vendorSnapshot(simulators);
    const summary = summarise(actions, simulators, snapshots);
    for (const line of summary) out.write(`  ${line}\n`);
    out.write(`  events: ${actionEvents.taken} Action Taken, ${actionEvents.reverted} Action Reverted on the bus\n`);
    if (failures.length) for (const failure of failures) out.write(`  rule ${failure.rule} failed: ${failure.error}\n`);

    const outcome: DemoOutcome = {
      ok: playbook?.status === 'SUCCEEDED' && failures.length === 0,
      ...(intelToFirstActionMs === undefined ? {} : { intelToFirstActionMs }),
      ...(playbook ? { playbookStatus: playbook.status } : {}),
      actions,
      slackMessages: [...simulators.slack.state.messages],
      actionEvents: { ...actionEvents },
    };
    if (options.reportPath) {
      await mkdir(dirname(options.reportPath), { recursive: true });
      const report = { scenario: DEMO_CVE, generatedAt: new Date().toISOString(), ...outcome, timeline: timeline.lines };
      await writeFile(options.reportPath, `${JSON.stringify(report, null, 2)}\n`);
      out.write(`  report: ${options.reportPath}\n`);
    }
    // The number the scenario is judged by comes last.
    out.write(`\nintel-to-first-action: ${intelToFirstActionMs === undefined ? 'no action taken' : `${intelToFirstActionMs} ms`}\n`);
    return outcome;
  } finally {
    restoreEnv();
    await Promise.allSettled([eventBridge.close(), feeds.close(), simulators.close()]);
    await store.close();
  }
}

/** Vendor state matching the estate: every host in CrowdStrike, open ingress on every group, app admins in Okta. */
function simulatorSetup(assets: readonly Asset[]) {
  const appUsers: Record<string, string[]> = {};
  const groups: Record<string, string[]> = {};
  for (const asset of assets) {
    if (!asset.idp) continue;
    appUsers[asset.idp.appId] = ['00u1alice0000000001', '00u1bob000000000002', '00u1carol00000000003', '00u1dave000000000004'];
    if (asset.idp.adminGroupId) groups[asset.idp.adminGroupId] = ['00u1alice0000000001', '00u1bob000000000002'];
  }
  const securityGroups = [...new Set(assets.flatMap((asset) => asset.cloud?.securityGroups ?? []))].map((groupId) => ({
    groupId,
    groupName: `${groupId}-edge`,
    attachedTo: assets.flatMap((asset) => (asset.cloud?.securityGroups.includes(groupId) ? [{ instanceId: asset.cloud.instanceId }] : [])),
    ingress: [
      { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0', description: 'public HTTPS' },
      { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '::/0', description: 'public HTTPS (IPv6)' },
      { ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8', description: 'admin SSH from the corporate network' },
    ],
  }));
  return {
    okta: { apps: appUsers, groups, token: 'local-okta-token' },
    crowdstrike: { clientId: 'local-falcon-client', clientSecret: 'local-falcon-secret', devices: assets.flatMap((asset) => (asset.edr ? [asset.edr.deviceId] : [])) },
    slack: { token: 'xoxb-local-demo', channel: 'C0SECOPS01' },
    ec2: { securityGroups },
  };
}

/** The environment the deployed stack gives each function, pointed at the local stand-ins. */
function setHandlerEnvironment(options: {
  store: LocalStore;
  simulators: VendorSimulators;
  kevUrl: string;
  nvdApiUrl: string;
  eventBridgeUrl: string;
  verbose: boolean;
}): () => void {
  const values: Record<string, string> = {
    TABLE_NAME: options.store.tableName,
    EVENT_BUS_NAME: BUS_NAME,
    TENANT_ID: TENANT,
    KEV_URL: options.kevUrl,
    NVD_API_URL: options.nvdApiUrl,
    NVD_LOOKUPS_PER_RUN: '1',
    GUARDRAILS: JSON.stringify({ dryRun: false, maxAssetsPerRun: 25 }),
    PATCH_CHECK_INTERVAL_SECONDS: '3600',
    MAX_PATCH_CHECKS: '24',
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: options.store.dynamo.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: options.eventBridgeUrl,
    POWERTOOLS_LOG_LEVEL: options.verbose ? 'INFO' : 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...options.simulators.env,
  };
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

async function loadHandlers(): Promise<Handlers> {
  // Imported after the environment is set: handlers read their configuration once, at init, as in Lambda.
  const [kevIngest, inventoryImport, exposureMatch, plan, checkPatch, securityGroup, oktaSessions, crowdStrike, slackNotify] = await Promise.all([
    import('../ingest/kev-ingest.handler.ts'),
    import('../inventory/inventory-import.handler.ts'),
    import('../match/exposure-match.handler.ts'),
    import('../playbook/plan.handler.ts'),
    import('../playbook/check-patch.handler.ts'),
    import('../actuators/ec2/security-group.handler.ts'),
    import('../actuators/okta/okta-sessions.handler.ts'),
    import('../actuators/crowdstrike/crowdstrike-containment.handler.ts'),
    import('../actuators/slack/slack-notify.handler.ts'),
  ]);
  // Each invocation gets its own Lambda context, as the runtime would give it.
  const bind = (name: string, handler: (event: unknown, context: Context) => Promise<unknown>): Handler => (event) => handler(event, localLambdaContext(name));
  return {
    kevIngest: bind('KevIngest', kevIngest.handler),
    inventoryImport: bind('InventoryImport', inventoryImport.handler),
    exposureMatch: bind('ExposureMatch', exposureMatch.handler),
    plan: bind('Plan', plan.handler),
    checkPatch: bind('CheckPatch', checkPatch.handler),
    securityGroup: bind('SecurityGroup', securityGroup.handler),
    oktaSessions: bind('OktaSessions', oktaSessions.handler),
    crowdStrike: bind('CrowdStrikeContainment', crowdStrike.handler),
    slackNotify: bind('SlackNotify', slackNotify.handler),
  };
}

function describeStateEvent(entry: TimelineEntry, timeline: Timeline, simulators: VendorSimulators): void {
  if (entry.type === 'StateRetried') {
    timeline.record('playbook', `${entry.state}: retrying after ${entry.error?.Error}`);
    return;
  }
  if (entry.type === 'StateFailed' || entry.type === 'StateCaught') {
    timeline.record('playbook', `${entry.state}: ${entry.error?.Error} ${entry.error?.Cause ?? ''}`.trim());
    return;
  }
  if (entry.type !== 'StateExited' || entry.stateType !== 'Task') return;
  const output = entry.output as Record<string, unknown> | undefined;
  if (entry.state === 'Plan') {
    const plan = output?.plan as { targets: Record<string, unknown[]>; skipped: unknown[]; dryRun: boolean; assetCount: number };
    const t = plan.targets;
    timeline.record(
      'plan',
      `guardrails passed: ${t.network?.length ?? 0} hosts to restrict, ${t.identity?.length ?? 0} Okta app, ${t.endpoint?.length ?? 0} hosts to contain; ` +
        `${plan.skipped.length} skipped; dry-run ${plan.dryRun ? 'on' : 'off'}`,
    );
    return;
  }
  if (entry.state === 'CheckPatch') {
    const check = output?.patch as { patched: boolean; stillAffected: string[]; attempt: number };
    timeline.record('patch', `check ${check.attempt}: ${check.patched ? 'all hosts on a fixed build' : `${check.stillAffected.length} hosts still affected`}`);
    return;
  }
  const actions = (output?.actions ?? []) as ActionRecord[];
  if (entry.state?.startsWith('Notify')) {
    const message = simulators.slack.state.messages.at(-1);
    timeline.record('slack', `#${message?.channel ?? '?'}: ${firstLine(message?.text ?? '(no message)')}`);
    return;
  }
  const byOperation = new Map<string, ActionRecord[]>();
  for (const action of actions) byOperation.set(`${action.actuator} ${action.operation} ${action.status}`, [...(byOperation.get(`${action.actuator} ${action.operation} ${action.status}`) ?? []), action]);
  for (const [key, group] of byOperation) {
    const undo = group[0]?.inverse ? `; undo: ${group[0].inverse.description}` : '';
    timeline.record('action', `${entry.state}: ${key} on ${group.length} target(s) (${group.slice(0, 2).map((a) => a.target).join(', ')}${group.length > 2 ? ', ...' : ''})${undo}`);
  }
}

/** What the simulated vendors hold at one moment: the demo compares before, during and after. */
interface VendorSnapshot {
  containedHosts: number;
  openIngressRules: number;
}

function vendorSnapshot(simulators: VendorSimulators): VendorSnapshot {
  return {
    containedHosts: [...simulators.crowdstrike.state.devices.values()].filter((d) => d.status === 'contained' || d.status === 'containment_pending').length,
    openIngressRules: [...simulators.ec2.state.rules.values()].filter((r) => r.cidrIpv4 === '0.0.0.0/0' || r.cidrIpv6 === '::/0').length,
  };
}

function summarise(actions: readonly ActionRecord[], simulators: VendorSimulators, snapshots: Record<'before' | 'contained' | 'after', VendorSnapshot | undefined>): string[] {
  const count = (actuator: string) => actions.filter((a) => a.actuator === actuator).length;
  const state = (snapshot: VendorSnapshot | undefined) =>
    snapshot ? `${snapshot.containedHosts} hosts contained, ${snapshot.openIngressRules} internet-open ingress rules` : 'not reached';
  return [
    `actions recorded: ${actions.length} (security groups ${count('ec2-security-group')}, Okta ${count('okta-sessions')}, CrowdStrike ${count('crowdstrike-containment')}, Slack ${count('slack')}); reverted ${actions.filter((a) => a.status === 'reverted').length}`,
    `vendors before 02:00: ${state(snapshots.before)}`,
    `vendors while contained: ${state(snapshots.contained)}; ${simulators.okta.state.revocations.length} Okta admin sessions cleared`,
    `vendors after release: ${state(snapshots.after)}; ${simulators.slack.state.messages.length} Slack messages posted`,
  ];
}

const firstLine = (text: string) => text.split('\n')[0] ?? '';

