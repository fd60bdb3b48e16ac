import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionId, Ec2RequestSchema, markReverted, parseActuatorInput, runAction } from '../../../functions/actuators/actuator-request.ts';
import type { ActionFlowDeps, ActionOutcome, ActuatorRequestBase, PlannedAction } from '../../../functions/actuators/actuator-request.ts';
import { InvalidActuatorRequest, VendorRequestFailed } from '../../../functions/actuators/vendor-errors.ts';
import { ActionEventSchema } from '../../../functions/model/events.ts';
import { EventPublishFailed } from '../../../functions/routing/event-publisher.ts';
import { startActionStore } from './action-store.ts';

describe('actionId', () => {
  it('is the same for the same execution, actuator, operation and target, and differs otherwise', () => {
    const id = actionId('exec-1', 'crowdstrike-containment', 'apply', 'crowdstrike-device:abc');
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(actionId('exec-1', 'crowdstrike-containment', 'apply', 'crowdstrike-device:abc')).toBe(id);
    expect(actionId('exec-2', 'crowdstrike-containment', 'apply', 'crowdstrike-device:abc')).not.toBe(id);
    expect(actionId('exec-1', 'crowdstrike-containment', 'revert', 'crowdstrike-device:abc')).not.toBe(id);
  });
});

describe('parseActuatorInput', () => {
  it('names each bad field and the source', () => {
    const input = { tenant: 'default', execution: 'e', operation: 'apply', dryRun: 'no', reason: 'r', targets: [{ assetId: 'a', account: '12', region: 'eu-west-1', instanceId: 'i-1', securityGroups: [] }] };
    expect(() => parseActuatorInput(Ec2RequestSchema, input, 'ec2-security-group actuator request')).toThrow(InvalidActuatorRequest);
    expect(() => parseActuatorInput(Ec2RequestSchema, input, 'ec2-security-group actuator request')).toThrow(/invalid ec2-security-group actuator request: .*dryRun: .*targets\.0\.account: 12-digit AWS account id/);
  });
});

describe('runAction announcements', () => {
  let store: Awaited<ReturnType<typeof startActionStore>>;
  let published: Array<{ detailType: string; detail: unknown }>;
  let warnings: Array<{ message: string; detail?: Record<string, unknown> }>;
  let deps: ActionFlowDeps;

  const request = (overrides: Partial<ActuatorRequestBase> = {}): ActuatorRequestBase => ({
    tenant: 'default',
    execution: 'exec-announce-1',
    operation: 'apply',
    dryRun: false,
    reason: 'CVE-2023-4966 exploited; host internet-facing',
    exposureIds: ['CVE-2023-4966|netscaler-1'],
    ...overrides,
  });
  const planned = (overrides: Partial<PlannedAction> = {}): PlannedAction => ({
    actuator: 'crowdstrike-containment',
    operation: 'apply',
    target: 'crowdstrike-device:abc',
    wouldDo: 'network-contain host abc',
    expiresAt: '2023-10-25T02:00:00.000Z',
    ...overrides,
  });
  const contained = async (): Promise<ActionOutcome> => ({ vendorObjectId: 'abc', detail: 'containment requested for host abc' });

  beforeEach(async () => {
    store = await startActionStore();
    published = [];
    warnings = [];
    deps = {
      actions: store.actions,
      publishEvents: async (entries) => {
        published.push(...entries);
      },
      log: (_level, message, detail) => warnings.push({ message, ...(detail ? { detail } : {}) }),
    };
  });
  afterEach(async () => {
    await store.close();
  });

  it('announces a change the vendor made once, as Action Taken naming the record', async () => {
    const record = await runAction(deps, request(), planned(), contained);
    expect(record.status).toBe('done');
    expect(published).toEqual([
      {
        detailType: 'Action Taken',
        detail: {
          version: '1',
          tenant: 'default',
          actionId: record.id,
          actuator: 'crowdstrike-containment',
          target: 'crowdstrike-device:abc',
          operation: 'apply',
          dryRun: false,
          expiresAt: '2023-10-25T02:00:00.000Z',
          execution: 'exec-announce-1',
        },
      },
    ]);
    expect(ActionEventSchema.parse(published[0]?.detail)).toEqual(published[0]?.detail);
    // A retry of the same step finds the finished record: no second vendor call, no second announcement.
    await runAction(deps, request(), planned(), contained);
    expect(published).toHaveLength(1);
  });

  it('announces nothing for dry-run, skipped or failed records', async () => {
    const dryRun = await runAction(deps, request({ dryRun: true }), planned(), contained);
    expect(dryRun).toMatchObject({ status: 'skipped', dryRun: true });
    const skipped = await runAction(deps, request({ execution: 'exec-announce-2' }), planned(), async () => ({ status: 'skipped', detail: 'already contained' }));
    expect(skipped.status).toBe('skipped');
    const failing = runAction(deps, request({ execution: 'exec-announce-3' }), planned(), async () => {
      throw new VendorRequestFailed('crowdstrike', 500, 'internal error');
    });
    await expect(failing).rejects.toThrow(VendorRequestFailed);
    expect(published).toEqual([]);
  });

  it('announces a revert as Action Reverted for the apply record it undid, not as Action Taken', async () => {
    const apply = await runAction(deps, request(), planned(), contained);
    const revert = await runAction(deps, request(), planned({ operation: 'revert', expiresAt: undefined }), async () => {
      const reverted = await markReverted(store.actions, apply, 'revert-id', new Date('2023-10-18T05:00:00Z'));
      return { vendorObjectId: 'abc', detail: 'containment lift requested for host abc', reverted };
    });
    expect(revert).toMatchObject({ status: 'done', operation: 'revert' });
    expect(await store.actions.get('default', apply.id)).toMatchObject({ status: 'reverted' });
    expect(published.map((entry) => entry.detailType)).toEqual(['Action Taken', 'Action Reverted']);
    // Both describe the apply record, so a subscriber pairs them by actionId.
    expect(published[1]?.detail).toEqual(published[0]?.detail);
    expect(published[1]?.detail).toMatchObject({ actionId: apply.id, operation: 'apply', execution: 'exec-announce-1' });
  });

  it('keeps the action done when the bus refuses the announcement, and says so in the record and the log', async () => {
    deps.publishEvents = async () => {
      throw new EventPublishFailed('forestall', [{ index: 0, detailType: 'Action Taken', errorCode: 'AccessDeniedException', errorMessage: 'not authorized' }], 0);
    };
    const record = await runAction(deps, request(), planned(), contained);
    expect(record.status).toBe('done');
    expect(record.detail).toMatch(/^containment requested for host abc; Action Taken not announced on the bus \(EventPublishFailed: PutEvents to bus "forestall" failed .*AccessDeniedException/);
    expect(await store.actions.get('default', record.id)).toEqual(record);
    expect(warnings).toEqual([
      { message: 'Action Taken not announced on the bus; the action stands', detail: { actionId: record.id, recordId: record.id, error: expect.stringContaining('AccessDeniedException') } },
    ]);
  });

  it('announces nothing without a publisher', async () => {
    const { publishEvents: _unused, ...quiet } = deps;
    const record = await runAction(quiet, request(), planned(), contained);
    expect(record).toMatchObject({ status: 'done', detail: 'containment requested for host abc' });
    expect(published).toEqual([]);
  });
});
