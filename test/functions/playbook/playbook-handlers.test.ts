import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VendorRateLimited } from '../../../functions/vendor/vendor-errors.ts';
import { createTable, startLocalDynamo, type LocalDynamo } from '../../../functions/local/dynalite.ts';
import { runPlaybookLocally, type TaskHandler } from '../../../functions/local/step-functions.ts';
import type { ExposureDetected } from '../../../functions/model/events.ts';
import { exposureId } from '../../../functions/model/exposure.ts';
import type { PatchCheck } from '../../../functions/playbook/check-patch.ts';
import type { PlaybookPlan } from '../../../functions/playbook/plan.ts';
import { createDocumentClient } from '../../../functions/store/document-client.ts';
import { createDynamoRepositories } from '../../../functions/store/dynamo-repositories.ts';
import type { Repositories } from '../../../functions/store/ports.ts';
import { citrixBleed, loadEstate } from './in-memory-store.ts';
import { storedExposure } from './stored-exposures.ts';
import { ACTUATORS } from '../../../functions/actuators/registry.ts';
import { localLambdaContext } from '../../../functions/local/lambda-context.ts';

const TENANT = 'default';
const CVE = 'CVE-2023-4966';
const TABLE = 'forestall-playbook-test';
const EDGE = ['nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03', 'nsgw-edge-04', 'nsgw-edge-05', 'nsgw-edge-06', 'nsgw-edge-07', 'nsgw-edge-08'];
const EXECUTION = 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:citrix-bleed';

let dynamo: LocalDynamo;
let repositories: Repositories;
let planHandler: (event: unknown) => Promise<PlaybookPlan>;
let checkPatchHandler: (event: unknown) => Promise<PatchCheck>;
let recordHandler: (event: unknown) => Promise<unknown>;
const savedEnv = { ...process.env };

function detail(assetIds: string[]): ExposureDetected {
  return {
    version: '1',
    tenant: TENANT,
    vulnerability: { id: CVE, name: 'Citrix Bleed', kev: true },
    decision: 'act',
    assetIds,
    assetCount: assetIds.length,
    exposureIds: assetIds.map((asset) => exposureId(CVE, asset)),
    reasons: ['exploitation: active (CISA KEV)'],
    detectedAt: '2023-10-18T02:00:00.000Z',
  };
}

async function importEstate(file: 'estate.json' | 'estate-patched.json', ids: readonly string[]): Promise<void> {
  for (const asset of loadEstate(file)) if (ids.includes(asset.id)) await repositories.assets.put(TENANT, asset);
}

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const client = new DynamoDBClient(dynamo.client);
  await createTable(client, TABLE);
  const doc = createDocumentClient(client);
  repositories = createDynamoRepositories(doc, TABLE);
  await repositories.vulnerabilities.put(citrixBleed(TENANT));
  await importEstate('estate.json', EDGE);
  await repositories.exposures.putMany(loadEstate().filter((asset) => EDGE.includes(asset.id)).map((asset) => storedExposure(asset)));

  // The handlers read their environment once, at import, as on a Lambda cold start.
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    GUARDRAILS: JSON.stringify({ mode: 'enforce', maxAssetsPerRun: 5 }),
    ACTUATOR_FUNCTION_ARNS: JSON.stringify(Object.fromEntries(ACTUATORS.map((definition) => [definition.name, `arn:aws:lambda:eu-west-1:111122223333:function:${definition.name}`]))),
    FORESTALL_ACCOUNT_ID: '111122223333',
    MAX_PATCH_CHECKS: '10',
    AWS_REGION: dynamo.client.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const plan = await import('../../../functions/playbook/plan.handler.ts');
  const checkPatch = await import('../../../functions/playbook/check-patch.handler.ts');
  const record = await import('../../../functions/playbook/report-standing.handler.ts');
  planHandler = (event) => plan.handler(event, localLambdaContext('Plan'));
  checkPatchHandler = (event) => checkPatch.handler(event, localLambdaContext('CheckPatch'));
  recordHandler = (event) => record.handler(event, localLambdaContext('ReportStanding'));
});

afterAll(async () => {
  process.env = savedEnv;
  await dynamo?.close();
});

describe('playbook handlers on DynamoDB (dynalite)', () => {
  it('plans from the stored inventory with the guardrails from GUARDRAILS', async () => {
    const plan = await planHandler({ detail: detail(EDGE), account: '111122223333', execution: EXECUTION });

    expect(plan.targetAssetIds).toHaveLength(5);
    expect(plan.skipped).toHaveLength(3);
    expect(plan.skipped[0]?.reason).toBe('blast-radius cap of 5 assets per run reached');
    expect(plan.steps.map((step) => [step.actuator, step.functionArn])).toEqual([
      ['ec2-security-group', 'arn:aws:lambda:eu-west-1:111122223333:function:ec2-security-group'],
      ['okta-sessions', 'arn:aws:lambda:eu-west-1:111122223333:function:okta-sessions'],
      ['crowdstrike-containment', 'arn:aws:lambda:eu-west-1:111122223333:function:crowdstrike-containment'],
    ]);
    expect(plan).toMatchObject({ tenant: TENANT, execution: EXECUTION, maxPatchChecks: 10, patchCheckIntervalSeconds: 3600 });
  });

  it('rejects a malformed step input, naming the step and the field', async () => {
    const { tenant: _dropped, ...withoutTenant } = detail(EDGE);

    await expect(planHandler({ detail: withoutTenant, execution: EXECUTION })).rejects.toMatchObject({
      name: 'PlaybookInputInvalid',
      message: expect.stringMatching(/^Plan input is invalid: detail\.tenant: /),
    });
    await expect(checkPatchHandler({ tenant: TENANT, vulnerability: CVE })).rejects.toThrow(/CheckPatch input is invalid: assetIds/);
  });

  it('checks patch state against the stored vulnerability and inventory', async () => {
    expect(await checkPatchHandler({ tenant: TENANT, vulnerability: CVE, assetIds: ['nsgw-edge-01'], attempt: 2 })).toMatchObject({
      patched: false,
      stillAffected: ['nsgw-edge-01'],
      attempt: 2,
    });
  });

  it('drives the playbook to release when the inventory shows the fix, with the real Plan and CheckPatch handlers', async () => {
    const actuatorCalls: { fn: string; operation: string; targets: number }[] = [];
    const actuator =
      (fn: string): TaskHandler =>
      async (input) => {
        const request = input as { operation: string; targets?: unknown[] };
        actuatorCalls.push({ fn, operation: request.operation, targets: request.targets?.length ?? 0 });
        return { actuator: fn, operation: request.operation, summary: { [request.operation === 'apply' ? 'done' : 'released']: request.targets?.length ?? 1 }, actions: [] };
      };
    let checks = 0;
    const notices: string[] = [];
    const contained: string[] = [];

    const result = await runPlaybookLocally({
      definitionPath: join(import.meta.dirname, '../../../statemachines/cve-exposure-response.asl.json'),
      input: { 'detail-type': 'Exposure Detected', source: 'forestall', account: '111122223333', detail: detail(EDGE) },
      taskHandlers: {
        PlanFunctionArn: planHandler,
        ReportStandingFunctionArn: recordHandler,
        CheckPatchFunctionArn: async (input) => {
          // By the first check, the run's exposures are contained.
          if (checks === 0) contained.push(...(await exposuresOf(EDGE)).filter((e) => e.state === 'contained').map((e) => e.asset));
          const answer = await checkPatchHandler(input);
          // The owners patch and re-import the inventory after the first check.
          if (++checks === 1) await importEstate('estate-patched.json', EDGE);
          return answer;
        },
        SlackNotifyFunctionArn: async (input) => {
          notices.push((input as { kind: string }).kind);
          return {};
        },
      },
      functions: {
        'arn:aws:lambda:eu-west-1:111122223333:function:ec2-security-group': actuator('ec2'),
        'arn:aws:lambda:eu-west-1:111122223333:function:okta-sessions': actuator('okta'),
        'arn:aws:lambda:eu-west-1:111122223333:function:crowdstrike-containment': (() => {
          let throttled = false;
          const act = actuator('crowdstrike');
          return async (input: unknown) => {
            if (!throttled) {
              throttled = true;
              throw new VendorRateLimited('crowdstrike', 1);
            }
            return act(input);
          };
        })(),
      },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(checks).toBe(2);
    expect(result.output).toMatchObject({ patch: { patched: true, stillAffected: [], attempt: 2 } });
    expect(notices).toEqual(['actions-taken', 'released']);
    expect(actuatorCalls).toEqual(
      expect.arrayContaining([
        { fn: 'ec2', operation: 'apply', targets: 5 },
        { fn: 'okta', operation: 'apply', targets: 1 },
        { fn: 'crowdstrike', operation: 'apply', targets: 5 },
        { fn: 'crowdstrike', operation: 'release', targets: 0 },
        { fn: 'ec2', operation: 'release', targets: 0 },
      ]),
    );
    expect(actuatorCalls).toHaveLength(5);

    // The exposures of the five assets acted on were contained, then verified with the fix; the rest stay open.
    const plan = (result.output as { plan: PlaybookPlan }).plan;
    expect(contained.toSorted()).toEqual(plan.targetAssetIds.toSorted());
    const after = await exposuresOf(EDGE);
    for (const exposure of after.filter((e) => plan.targetAssetIds.includes(e.asset))) {
      expect(exposure.state, exposure.asset).toBe('verified');
      expect(exposure.timeline.containedAt, exposure.asset).toBeDefined();
      expect(exposure.timeline.verifiedAt! >= exposure.timeline.containedAt!, exposure.asset).toBe(true);
      expect(exposure.timeline.remediatedAt, exposure.asset).toBe(exposure.timeline.verifiedAt);
    }
    expect(after.filter((e) => !plan.targetAssetIds.includes(e.asset)).map((e) => e.state)).toEqual(['open', 'open', 'open']);
    expect(result.output).toMatchObject({ containment: { outcome: 'contained', changed: 5 }, verification: { outcome: 'verified', changed: 5 } });
  });

  it('verifies exposures an inventory change already made remediated, without matching them again', async () => {
    const assets = ['nsgw-edge-06', 'nsgw-edge-07'];
    // The matcher saw the fix: the exposures are remediated, while the stored inventory still shows the old builds.
    await importEstate('estate.json', assets);
    const remediated = (await exposuresOf(assets)).map((e) => ({ ...e, state: 'remediated' as const, timeline: { ...e.timeline, remediatedAt: '2023-10-19T08:00:00.000Z' }, updatedAt: '2023-10-19T08:00:00.000Z' }));
    await repositories.exposures.putMany(remediated);

    expect(await checkPatchHandler({ tenant: TENANT, vulnerability: CVE, assetIds: assets, attempt: 1 })).toMatchObject({ patched: true, stillAffected: [], remediatedByInventory: assets });
    await recordHandler({ outcome: 'verified', tenant: TENANT, execution: EXECUTION, vulnerability: CVE, assetIds: assets });
    expect((await exposuresOf(assets)).map((e) => [e.state, e.timeline.remediatedAt])).toEqual([
      ['verified', '2023-10-19T08:00:00.000Z'],
      ['verified', '2023-10-19T08:00:00.000Z'],
    ]);
  });

  it('rejects a malformed record step, naming the field', async () => {
    await expect(recordHandler({ outcome: 'contained', tenant: TENANT, execution: EXECUTION, vulnerability: CVE, assetIds: [] })).rejects.toThrow(/RecordOutcome input is invalid: mode/);
  });
});

async function exposuresOf(assets: readonly string[]) {
  return (await repositories.exposures.getMany(TENANT, assets.map((asset) => ({ vulnerability: CVE, asset })))).toSorted((a, b) => a.asset.localeCompare(b.asset));
}
