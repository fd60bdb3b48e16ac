import { AuthorizeSecurityGroupIngressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { actionId, type ActuatorRequest } from '../../../../functions/action-kernel/actuator-request.ts';
import { runActuator, type KernelDeps } from '../../../../functions/action-kernel/run-actuator.ts';
import { ec2SecurityGroupDefinition, type Ec2SecurityGroupTarget } from '../../../../functions/actuators/ec2-security-group/definition.ts';
import { createEc2Api, memberRoleArn, type Ec2ApiOptions } from '../../../../functions/actuators/ec2-security-group/ec2-client.ts';
import { startEc2Simulator, type RunningEc2Simulator, type SimulatedSecurityGroup } from '../../../../functions/actuators/ec2-security-group/ec2-simulator.ts';
import { startLocal } from '../../../../functions/actuators/ec2-security-group/local.ts';
import { ec2SecurityGroup } from '../../../../functions/actuators/ec2-security-group/security-group.ts';
import { AssetSchema } from '../../../../functions/model/asset.ts';
import { GuardrailPolicySchema } from '../../../../functions/model/tenant.ts';
import { VendorRateLimited, VendorUnavailable } from '../../../../functions/vendor/vendor-errors.ts';
import { failingActionUpdate, startActionStore } from '../action-store.ts';

const ACCOUNT = '111122223333';
const MEMBER_ACCOUNT = '444455556666';
const REGION = 'eu-west-1';
const GROUP = 'sg-0a1b2c3d4e5f60718';
const SHARED = 'sg-0fedcba9876543210';
const MEMBER_GROUP = 'sg-0b0b0b0b0b0b0b0b0';
const TARGET_1 = 'i-0abc12345def67890';
const TARGET_2 = 'i-0abc12345def67891';
const UNAFFECTED = 'i-0ffee00000000beef';
const KEY = `aws-security-group:${ACCOUNT}/${REGION}/${GROUP}`;
const RUN_1 = { id: 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:run-1', label: 'CVE-2023-4966' };
const RUN_2 = { id: 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:run-2', label: 'CVE-2023-6549' };

const EDGE_INGRESS: SimulatedSecurityGroup['ingress'] = [
  { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0', description: 'gateway' },
  { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '::/0' },
  { ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' },
];
const ALL_OPEN = ['tcp 22 10.0.0.0/8', 'tcp 443 0.0.0.0/0', 'tcp 443 ::/0'];

const target = (overrides: Partial<Ec2SecurityGroupTarget> = {}): Ec2SecurityGroupTarget => ({
  assetId: 'netscaler-1',
  account: ACCOUNT,
  region: REGION,
  instanceId: TARGET_1,
  securityGroups: [GROUP],
  ...overrides,
});

function apply(hold = RUN_1, overrides: Partial<Extract<ActuatorRequest<Ec2SecurityGroupTarget>, { operation: 'apply' }>> = {}): ActuatorRequest<Ec2SecurityGroupTarget> {
  return {
    operation: 'apply',
    tenant: 'default',
    execution: hold.id,
    mode: 'enforce',
    reason: `${hold.label} exploited; gateway internet-facing`,
    hold,
    exposureIds: [`${hold.label}|netscaler-1`],
    expiry: { expiresAt: '2023-10-21T02:00:00.000Z', onExpiry: 'renew' },
    targets: [target()],
    ...overrides,
  };
}

function release(hold = RUN_1): ActuatorRequest<Ec2SecurityGroupTarget> {
  return { operation: 'release', tenant: 'default', execution: hold.id, reason: 'patch verified', hold };
}

const applyId = (hold = RUN_1, key = KEY) => actionId('default', hold.id, 'ec2-security-group', 'apply', key);

describe('EC2 security groups through the action kernel', () => {
  let sim: RunningEc2Simulator;
  let store: Awaited<ReturnType<typeof startActionStore>>;
  let deps: KernelDeps;
  let apiOptions: Ec2ApiOptions;
  let running: RunningEc2Simulator | undefined;

  /** The group's ingress as `protocol port range`, sorted. */
  const ingress = (groupId = GROUP) =>
    [...sim.state.rules.values()]
      .filter((rule) => rule.groupId === groupId)
      .map((rule) => `${rule.ipProtocol} ${rule.fromPort} ${rule.cidrIpv4 ?? rule.cidrIpv6}`)
      .sort();
  const ruleIdsOf = (groupId: string, cidrs: readonly string[]) =>
    [...sim.state.rules.values()].filter((rule) => rule.groupId === groupId && cidrs.includes(rule.cidrIpv4 ?? rule.cidrIpv6 ?? '')).map((rule) => rule.ruleId);
  const revokedRuleIds = () => sim.state.changes.filter((change) => change.action === 'revoke').flatMap((change) => change.rules.map((rule) => rule.ruleId));
  const authorizations = () => sim.state.changes.filter((change) => change.action === 'authorize');
  const actionTag = (groupId = GROUP) => sim.state.groups.get(groupId)?.tags['forestall:action-id'];

  /** (Re)starts EC2 with these groups; the previous endpoint, if any, is closed. */
  async function start(securityGroups: SimulatedSecurityGroup[], options: Partial<Ec2ApiOptions> = {}) {
    const previous = running;
    running = undefined;
    await previous?.close();
    sim = await startEc2Simulator({ securityGroups });
    running = sim;
    apiOptions = { endpoint: sim.url, ownAccount: ACCOUNT, requestTimeoutMs: 300, ...options };
  }
  const run = (request: ActuatorRequest<Ec2SecurityGroupTarget>, overrides: Partial<KernelDeps> = {}) => {
    const api = createEc2Api(apiOptions);
    onTestFinished(() => api.destroy());
    return runActuator({ ...deps, ...overrides }, ec2SecurityGroup(api), request);
  };

  beforeEach(async () => {
    await start([{ groupId: GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_1 }] }]);
    store = await startActionStore();
    deps = { actions: store.actions, targets: store.targets };
  });
  afterEach(async () => {
    const previous = running;
    running = undefined;
    await previous?.close();
    await store.close();
  });

  it('revokes exactly the internet-open rules, records the before-state and the inverse, and tags the group', async () => {
    const internet = ruleIdsOf(GROUP, ['0.0.0.0/0', '::/0']);
    const { actions, summary } = await run(apply());
    expect(summary).toEqual({ done: 1 });
    const openRules = [
      { ruleId: internet[0], ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0', description: 'gateway' },
      { ruleId: internet[1], ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '::/0' },
    ];
    expect(actions[0]).toMatchObject({
      id: applyId(),
      status: 'done',
      target: KEY,
      unit: { account: ACCOUNT, region: REGION, groupId: GROUP, instanceIds: [TARGET_1] },
      before: { openRules },
      change: { revoke: openRules },
      vendorObjectId: GROUP,
      detail: `revoked tcp 443 from 0.0.0.0/0, tcp 443 from ::/0 on ${GROUP}`,
      inverse: {
        operation: 'AuthorizeSecurityGroupIngress',
        parameters: { account: ACCOUNT, region: REGION, groupId: GROUP, rules: openRules },
        description: `authorize again on security group ${GROUP} (${ACCOUNT}/${REGION}) the internet ingress forestall revoked: tcp 443 from 0.0.0.0/0, tcp 443 from ::/0`,
      },
      holds: [{ id: RUN_1.id, label: 'CVE-2023-4966' }],
      expiresAt: '2023-10-21T02:00:00.000Z',
    });
    expect(ingress()).toEqual(['tcp 22 10.0.0.0/8']);
    expect(revokedRuleIds()).toEqual(internet);
    expect(actionTag()).toBe(applyId());
    // Every request the SDK sent passed the simulator's EC2 API reference checks.
    expect(sim.requests.every((request) => request.violations === undefined && request.status === 200)).toBe(true);
    expect(sim.requests.map((request) => request.operation)).toEqual([
      'DescribeNetworkInterfaces',
      'DescribeSecurityGroupRules',
      'DescribeSecurityGroupRules',
      'RevokeSecurityGroupIngress',
      'CreateTags',
    ]);
  });

  it('the release authorizes the revoked rules again, described and tagged with its action id, and confirms them', async () => {
    const ssh = ruleIdsOf(GROUP, ['10.0.0.0/8']);
    await run(apply());
    const { actions } = await run(release());
    const releaseId = actions[0]?.id ?? '';
    expect(actions[0]).toMatchObject({
      operation: 'release',
      status: 'reverted',
      changedBy: applyId(),
      confirmation: { verdict: 'restored', observed: `tcp 443 from 0.0.0.0/0, tcp 443 from ::/0 open on ${GROUP} again` },
    });
    expect(ingress()).toEqual(ALL_OPEN);
    const restored = authorizations().flatMap((change) => change.rules);
    expect(restored.map((rule) => [rule.cidrIpv4 ?? rule.cidrIpv6, rule.description, rule.tags])).toEqual([
      ['0.0.0.0/0', `restored by forestall ${releaseId}`, { 'forestall:action-id': releaseId }],
      ['::/0', `restored by forestall ${releaseId}`, { 'forestall:action-id': releaseId }],
    ]);
    expect(ruleIdsOf(GROUP, ['10.0.0.0/8'])).toEqual(ssh);
    expect(await store.actions.get('default', applyId())).toMatchObject({ status: 'reverted' });
    expect(sim.requests.every((request) => request.violations === undefined && request.status === 200)).toBe(true);
  });

  it('makes no second revoke when the same run applies again', async () => {
    await run(apply());
    const second = await run(apply());
    expect(second.actions[0]?.status).toBe('done');
    expect(sim.requests.filter((request) => request.operation === 'RevokeSecurityGroupIngress')).toHaveLength(1);
  });

  describe('fault injection: exactly one revoke of each rule, and a release that restores the before-state', () => {
    let internet: string[];
    let ssh: string[];
    beforeEach(() => {
      internet = ruleIdsOf(GROUP, ['0.0.0.0/0', '::/0']);
      ssh = ruleIdsOf(GROUP, ['10.0.0.0/8']);
    });

    async function expectOneRevokeAndARestoringRelease() {
      expect(revokedRuleIds()).toEqual(internet);
      expect(ingress()).toEqual(['tcp 22 10.0.0.0/8']);
      const record = await store.actions.get('default', applyId());
      expect(record).toMatchObject({
        status: 'done',
        before: { openRules: [{ cidrIpv4: '0.0.0.0/0', fromPort: 443 }, { cidrIpv6: '::/0', fromPort: 443 }] },
        inverse: { operation: 'AuthorizeSecurityGroupIngress', parameters: { groupId: GROUP } },
      });
      expect(actionTag()).toBe(applyId());
      const released = await run(release());
      expect(released.actions[0]).toMatchObject({ status: 'reverted', confirmation: { verdict: 'restored' } });
      expect(authorizations()).toHaveLength(1);
      expect(ingress()).toEqual(ALL_OPEN);
      // The rule that was never open to the internet was never touched.
      expect(ruleIdsOf(GROUP, ['10.0.0.0/8'])).toEqual(ssh);
    }

    it('(a) the revoke fails before EC2 acts (503): the record holds the before-state and the retry revokes once', async () => {
      sim.fault({ operation: 'RevokeSecurityGroupIngress', when: 'before-change', status: 503 });
      await expect(run(apply())).rejects.toBeInstanceOf(VendorUnavailable);
      expect(await store.actions.get('default', applyId())).toMatchObject({ status: 'applying', attempts: 1, before: { openRules: [{ cidrIpv4: '0.0.0.0/0' }, { cidrIpv6: '::/0' }] } });
      expect(ingress()).toEqual(ALL_OPEN);
      const retried = await run(apply());
      expect(retried.actions[0]).toMatchObject({ status: 'done', attempts: 2 });
      await expectOneRevokeAndARestoringRelease();
    });

    it('(b) EC2 revoked the rules but answered 5xx: the retry sees them revoked and sends no second revoke', async () => {
      sim.fault({ operation: 'RevokeSecurityGroupIngress', when: 'after-change', status: 502 });
      await expect(run(apply())).rejects.toBeInstanceOf(VendorUnavailable);
      expect(ingress()).toEqual(['tcp 22 10.0.0.0/8']);
      const retried = await run(apply());
      expect(retried.actions[0]).toMatchObject({ status: 'done', detail: expect.stringContaining('confirmed on retry') });
      expect(sim.requests.filter((request) => request.operation === 'RevokeSecurityGroupIngress')).toHaveLength(1);
      await expectOneRevokeAndARestoringRelease();
    });

    it('(c) EC2 revoked the rules but the answer hung past the client timeout: the same', async () => {
      sim.fault({ operation: 'RevokeSecurityGroupIngress', when: 'after-change', hangMs: 1500 });
      const error = await run(apply()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(VendorUnavailable);
      expect((error as Error).message).toContain('TimeoutError: @smithy/node-http-handler - [ERROR] a request has exceeded the configured 300 ms requestTimeout');
      const retried = await run(apply());
      expect(retried.actions[0]).toMatchObject({ status: 'done', detail: expect.stringContaining('confirmed on retry') });
      await expectOneRevokeAndARestoringRelease();
    });

    it('(d) EC2 answered but the action record update failed: the retry finishes the record from what EC2 shows', async () => {
      const actions = failingActionUpdate(store.actions, (record) => record.status === 'done');
      await expect(run(apply(), { actions })).rejects.toThrow('simulated DynamoDB outage');
      expect(actions.failures).toBe(1);
      expect(ingress()).toEqual(['tcp 22 10.0.0.0/8']);
      await run(apply());
      await expectOneRevokeAndARestoringRelease();
    });

    it('(e) CreateTags is throttled after the revoke: the retry tags the group and records the inverse, and the release restores the rules', async () => {
      // The bug this actuator had: the retry found no open rules, recorded `skipped` without an inverse,
      // and 0.0.0.0/0:443 never came back.
      sim.throttleOperation('CreateTags');
      await expect(run(apply())).rejects.toBeInstanceOf(VendorRateLimited);
      expect(ingress()).toEqual(['tcp 22 10.0.0.0/8']);
      expect(actionTag()).toBeUndefined();
      expect(await store.actions.get('default', applyId())).toMatchObject({ status: 'applying', before: { openRules: [{ cidrIpv4: '0.0.0.0/0' }, { cidrIpv6: '::/0' }] } });
      const retried = await run(apply());
      expect(retried.actions[0]).toMatchObject({ status: 'done', detail: expect.stringContaining('confirmed on retry'), inverse: { operation: 'AuthorizeSecurityGroupIngress' } });
      expect(sim.requests.filter((request) => request.operation === 'CreateTags').map((request) => request.status)).toEqual([503, 200]);
      await expectOneRevokeAndARestoringRelease();
    });

    it('a retry after a partial revoke sends only the rules still open', async () => {
      sim.fault({ operation: 'RevokeSecurityGroupIngress', when: 'before-change', status: 503 });
      await expect(run(apply())).rejects.toBeInstanceOf(VendorUnavailable);
      // Meanwhile ::/0 is closed (a person, or a partly applied call).
      const ipv6 = ruleIdsOf(GROUP, ['::/0'])[0] ?? '';
      sim.state.rules.delete(ipv6);
      const retried = await run(apply());
      expect(retried.actions[0]).toMatchObject({ status: 'done' });
      const revokes = sim.requests.filter((request) => request.operation === 'RevokeSecurityGroupIngress' && request.status === 200);
      expect(revokes).toHaveLength(1);
      const sent = new URLSearchParams(revokes[0]?.body ?? '');
      expect([sent.get('SecurityGroupRuleId.1'), sent.get('SecurityGroupRuleId.2')]).toEqual([internet[0], null]);
      expect(revokedRuleIds()).toEqual([internet[0]]);
      // The release restores both: the before-state had both open.
      expect((await run(release())).actions[0]).toMatchObject({ status: 'reverted', confirmation: { verdict: 'restored' } });
      expect(ingress()).toEqual(ALL_OPEN);
    });

    it('the release authorized the rules but EC2 answered 5xx: the retry sends no second authorize and confirms', async () => {
      await run(apply());
      sim.fault({ operation: 'AuthorizeSecurityGroupIngress', when: 'after-change', status: 502 });
      await expect(run(release())).rejects.toBeInstanceOf(VendorUnavailable);
      expect((await store.actions.listByExecution('default', RUN_1.id)).find((action) => action.operation === 'release')).toMatchObject({ status: 'reverting' });
      const retried = await run(release());
      expect(retried.actions[0]).toMatchObject({ status: 'reverted', confirmation: { verdict: 'restored' }, detail: expect.stringContaining('nothing sent') });
      expect(authorizations()).toHaveLength(1);
      expect(ingress()).toEqual(ALL_OPEN);
    });
  });

  describe('holds', () => {
    it('a second run holds the change; the first release keeps the rules revoked, the last restores them', async () => {
      await run(apply(RUN_1));
      const second = await run(apply(RUN_2));
      expect(second.actions[0]).toMatchObject({ status: 'held', detail: expect.stringContaining('already changed by forestall for CVE-2023-4966') });
      expect(sim.state.changes.filter((change) => change.action === 'revoke')).toHaveLength(1);

      const first = await run(release(RUN_1));
      expect(first.actions[0]).toMatchObject({ status: 'released', detail: 'hold of CVE-2023-4966 released; the change stands: still held for CVE-2023-6549' });
      expect(ingress()).toEqual(['tcp 22 10.0.0.0/8']);
      expect(authorizations()).toHaveLength(0);

      const last = await run(release(RUN_2));
      expect(last.actions[0]).toMatchObject({ status: 'reverted', confirmation: { verdict: 'restored' } });
      expect(ingress()).toEqual(ALL_OPEN);
      expect(await store.actions.get('default', applyId(RUN_1))).toMatchObject({ status: 'reverted' });
    });

    it('a group with no internet ingress is skipped and never "restored"', async () => {
      await start([{ groupId: GROUP, ingress: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' }], attachedTo: [{ instanceId: TARGET_1 }] }]);
      const applied = await run(apply());
      expect(applied.actions[0]).toMatchObject({ status: 'skipped', detail: expect.stringContaining('no ingress open to the internet') });
      expect(applied.actions[0]?.inverse).toBeUndefined();
      const released = await run(release());
      expect(released.actions[0]).toMatchObject({ status: 'skipped' });
      expect(released.actions[0]?.confirmation).toBeUndefined();
      expect(sim.state.changes).toEqual([]);
      expect(actionTag()).toBeUndefined();
    });

    it('does not duplicate a rule a person re-opened by hand while the group was restricted', async () => {
      await run(apply());
      const person = new EC2Client({ region: REGION, endpoint: sim.url, credentials: { accessKeyId: 'AKIDPERSON', secretAccessKey: 'local' } });
      onTestFinished(() => person.destroy());
      await person.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: GROUP, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'reopened by hand' }] }] }));
      const { actions } = await run(release());
      expect(actions[0]).toMatchObject({ status: 'reverted', confirmation: { verdict: 'restored' }, detail: expect.stringContaining('tcp 443 from 0.0.0.0/0 already open again, not added twice') });
      expect(ingress()).toEqual(ALL_OPEN);
      const forestall = authorizations().slice(1);
      expect(forestall.flatMap((change) => change.rules.map((rule) => rule.cidrIpv4 ?? rule.cidrIpv6))).toEqual(['::/0']);
      expect([...sim.state.rules.values()].find((rule) => rule.cidrIpv4 === '0.0.0.0/0')?.description).toBe('reopened by hand');
    });
  });

  describe('guardrails', () => {
    it('leaves a group shared with an unaffected instance untouched, says why, and restricts the group only targets use', async () => {
      await start([
        { groupId: GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_1 }, { instanceId: UNAFFECTED }] },
        { groupId: SHARED, ingress: [{ ipProtocol: 'tcp', fromPort: 8443, toPort: 8443, cidrIpv4: '0.0.0.0/0' }], attachedTo: [{ instanceId: TARGET_1 }, { instanceId: TARGET_2 }] },
      ]);
      const { actions, summary } = await run(apply(RUN_1, { targets: [target({ securityGroups: [GROUP, SHARED] }), target({ assetId: 'netscaler-2', instanceId: TARGET_2, securityGroups: [SHARED] })] }));
      expect(summary).toEqual({ skipped: 1, done: 1 });
      const guarded = actions.find((action) => action.target === KEY);
      expect(guarded).toMatchObject({
        status: 'skipped',
        dryRun: false,
        detail: `guardrail: ${GROUP} is shared with ${UNAFFECTED} (not affected); not changed. Give the affected instances their own group or restrict it by hand`,
      });
      expect(guarded?.inverse).toBeUndefined();
      expect(ingress()).toEqual(ALL_OPEN);
      expect(actionTag()).toBeUndefined();
      expect(actions.find((action) => action.target.endsWith(SHARED))).toMatchObject({ status: 'done', unit: { instanceIds: [TARGET_1, TARGET_2] } });
      expect(ingress(SHARED)).toEqual([]);
      expect(sim.requests.every((request) => request.violations === undefined && request.status === 200)).toBe(true);
    });

    it('counts a network interface without an instance (load balancer, NAT, Lambda) as another user', async () => {
      await start([{ groupId: GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_1 }, { networkInterfaceId: 'eni-0123456789abcdef0' }] }]);
      const { actions } = await run(apply());
      expect(actions[0]).toMatchObject({ status: 'skipped', detail: expect.stringMatching(new RegExp(`^guardrail: ${GROUP} is shared with eni-0123456789abcdef0 \\(not affected\\)`)) });
      expect(ingress()).toEqual(ALL_OPEN);
    });

    it('does not count an instance the request targets only through another group as a target of this one', async () => {
      await start([
        { groupId: GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_1 }, { instanceId: TARGET_2 }] },
        { groupId: SHARED, ingress: [], attachedTo: [{ instanceId: TARGET_2 }] },
      ]);
      const { actions } = await run(apply(RUN_1, { targets: [target(), target({ assetId: 'netscaler-2', instanceId: TARGET_2, securityGroups: [SHARED] })] }));
      expect(actions.find((action) => action.target === KEY)).toMatchObject({ status: 'skipped', detail: expect.stringContaining(`shared with ${TARGET_2} (not affected)`) });
      expect(ingress()).toEqual(ALL_OPEN);
    });

    it('names five other users and counts the rest, reading every page of interfaces', async () => {
      const others = Array.from({ length: 1003 }, (_, index) => ({ networkInterfaceId: `eni-0b${index.toString(16).padStart(15, '0')}` }));
      await start([{ groupId: GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_1 }, ...others] }]);
      const { actions } = await run(apply());
      expect(actions[0]?.detail).toBe(
        `guardrail: ${GROUP} is shared with ${others
          .slice(0, 5)
          .map((eni) => eni.networkInterfaceId)
          .join(', ')} and 998 more (not affected); not changed. Give the affected instances their own group or restrict it by hand`,
      );
      expect(sim.requests.filter((request) => request.operation === 'DescribeNetworkInterfaces')).toHaveLength(2);
    });

    it('never changes a protected group, nor a group a protected instance uses (targeted or not)', async () => {
      await start([
        { groupId: GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_1 }] },
        { groupId: SHARED, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_2 }] },
        { groupId: MEMBER_GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: UNAFFECTED }] },
      ]);
      const targets = [target(), target({ assetId: 'netscaler-2', instanceId: TARGET_2, securityGroups: [SHARED] }), target({ assetId: 'jump', instanceId: UNAFFECTED, securityGroups: [MEMBER_GROUP] })];
      const byGroup = async (protectedIdentities: string[]) => {
        const policy = GuardrailPolicySchema.parse({ protectedIdentities });
        const { actions } = await run(apply(RUN_1, { targets }), { policyFor: () => policy });
        return actions;
      };
      const actions = await byGroup([`aws-security-group:${GROUP}`, `aws-instance:${TARGET_2}`]);
      expect(actions.map((action) => [action.target.split('/').pop(), action.status, action.detail])).toEqual([
        [GROUP, 'skipped', `guardrail: aws-security-group:${GROUP} is a protected identity; not changed`],
        [SHARED, 'skipped', `guardrail: ${SHARED} is used by protected instance aws-instance:${TARGET_2}; not changed`],
        [MEMBER_GROUP, 'done', expect.stringContaining('revoked')],
      ]);
      expect(ingress(GROUP)).toEqual(ALL_OPEN);
      expect(ingress(SHARED)).toEqual(ALL_OPEN);
      // A protected instance that is not a target is found among the group's users.
      await start([{ groupId: GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_1 }, { instanceId: UNAFFECTED }] }]);
      const policy = GuardrailPolicySchema.parse({ protectedIdentities: [`aws-instance:${UNAFFECTED}`] });
      const { actions: second } = await run(apply(RUN_2), { policyFor: () => policy });
      expect(second[0]).toMatchObject({ status: 'skipped', detail: `guardrail: ${GROUP} is used by protected instance aws-instance:${UNAFFECTED}; not changed` });
    });
  });

  describe('accounts', () => {
    it('records a target in another account without a member role as failed, naming the account, and changes the rest of the batch', async () => {
      await start([
        { groupId: GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_1 }] },
        { groupId: MEMBER_GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_2 }] },
      ]);
      const { actions, summary } = await run(apply(RUN_1, { targets: [target({ assetId: 'member-gw', account: MEMBER_ACCOUNT, instanceId: TARGET_2, securityGroups: [MEMBER_GROUP] }), target()] }));
      expect(summary).toEqual({ failed: 1, done: 1 });
      const failed = actions.find((action) => action.status === 'failed');
      expect(failed).toMatchObject({ target: `aws-security-group:${MEMBER_ACCOUNT}/${REGION}/${MEMBER_GROUP}` });
      expect(failed?.detail).toContain(`AccountNotEnrolled: account ${MEMBER_ACCOUNT} is not enrolled for forestall actions: set forestall:ec2MemberRoleName`);
      expect(ingress(MEMBER_GROUP)).toEqual(ALL_OPEN);
      expect(ingress(GROUP)).toEqual(['tcp 22 10.0.0.0/8']);
      // Nothing was asked of EC2 about the member account's group.
      expect(sim.requests.some((request) => (request.body ?? '').includes(MEMBER_GROUP))).toBe(false);
    });

    it('with a member role configured acts in the other account (locally through the loopback endpoint)', async () => {
      await start([{ groupId: MEMBER_GROUP, ingress: EDGE_INGRESS, attachedTo: [{ instanceId: TARGET_2 }] }], { memberRoleName: 'forestall-member' });
      const { summary } = await run(apply(RUN_1, { targets: [target({ account: MEMBER_ACCOUNT, instanceId: TARGET_2, securityGroups: [MEMBER_GROUP] })] }));
      expect(summary).toEqual({ done: 1 });
      expect(ingress(MEMBER_GROUP)).toEqual(['tcp 22 10.0.0.0/8']);
      expect(memberRoleArn(MEMBER_ACCOUNT, REGION, 'forestall-member')).toBe(`arn:aws:iam::${MEMBER_ACCOUNT}:role/forestall-member`);
      expect(memberRoleArn(MEMBER_ACCOUNT, 'cn-north-1', 'forestall-member')).toBe(`arn:aws-cn:iam::${MEMBER_ACCOUNT}:role/forestall-member`);
    });
  });

  it('in shadow mode records what it would revoke and changes nothing', async () => {
    const { actions } = await run(apply(RUN_1, { mode: 'shadow' }));
    expect(actions[0]).toMatchObject({
      status: 'skipped',
      dryRun: true,
      detail: `shadow: would revoke 2 internet ingress rule(s) on security group ${GROUP} (${ACCOUNT}/${REGION}; ${TARGET_1}): tcp 443 from 0.0.0.0/0, tcp 443 from ::/0`,
    });
    expect(sim.state.changes).toEqual([]);
    expect(ingress()).toEqual(ALL_OPEN);
    expect(sim.requests.map((request) => request.operation)).not.toContain('CreateTags');
  });

  it('surfaces a throttled interface lookup as VendorRateLimited before anything changes', async () => {
    sim.throttle(1);
    await expect(run(apply())).rejects.toBeInstanceOf(VendorRateLimited);
    expect(sim.requests.map((request) => request.operation)).toEqual(['DescribeNetworkInterfaces']);
    expect(ingress()).toEqual(ALL_OPEN);
  });
});

describe('ec2-security-group definition', () => {
  const stack = { account: '111122223333', region: 'eu-west-1' };
  const permissions = (settings: Record<string, string | undefined>) => ec2SecurityGroupDefinition.deployment.permissions?.(settings, stack) ?? [];

  it('without settings: describe everywhere, change groups and rules in the stack region, no tag condition, no member role', () => {
    const statements = permissions({});
    expect(statements.map((statement) => statement.sid)).toEqual(['DescribeSecurityGroups', 'ChangeSecurityGroupIngress', 'ChangeSecurityGroupRules']);
    expect(statements[0]).toMatchObject({ actions: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeNetworkInterfaces'], resources: ['*'], wildcardReason: expect.any(String) });
    expect(statements[1]).toMatchObject({
      actions: ['ec2:RevokeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateTags'],
      resources: ['arn:${Partition}:ec2:eu-west-1:${Account}:security-group/*'],
      wildcardReason: expect.any(String),
    });
    expect(statements[1]?.conditions).toBeUndefined();
    expect(statements[2]).toMatchObject({ resources: ['arn:${Partition}:ec2:eu-west-1:${Account}:security-group-rule/*'], wildcardReason: expect.any(String) });
  });

  it('with regions and a tag: each region, and the tag as a condition on the group statement', () => {
    const statements = permissions({ securityGroupRegions: 'eu-west-1, us-east-1', securityGroupTag: 'forestall:managed=true' });
    expect(statements[1]).toMatchObject({
      resources: ['arn:${Partition}:ec2:eu-west-1:${Account}:security-group/*', 'arn:${Partition}:ec2:us-east-1:${Account}:security-group/*'],
      conditions: { StringEquals: { 'aws:ResourceTag/forestall:managed': 'true' } },
    });
    expect(statements[2]).toMatchObject({ resources: ['arn:${Partition}:ec2:eu-west-1:${Account}:security-group-rule/*', 'arn:${Partition}:ec2:us-east-1:${Account}:security-group-rule/*'] });
    expect(statements[2]?.conditions).toBeUndefined();
    expect(statements).toHaveLength(3);
  });

  it('with a member role: AssumeRole on that role name in any account', () => {
    const statements = permissions({ ec2MemberRoleName: 'forestall-member' });
    expect(statements.at(-1)).toEqual({
      sid: 'AssumeMemberAccountRole',
      actions: ['sts:AssumeRole'],
      resources: ['arn:${Partition}:iam::*:role/forestall-member'],
      wildcardReason: expect.stringContaining('forestall-member'),
    });
  });

  it('refuses settings that would widen the policy', () => {
    expect(() => permissions({ securityGroupRegions: 'eu-west-1,*' })).toThrow('securityGroupRegions must list AWS region names, got "*"');
    expect(() => permissions({ ec2MemberRoleName: '*' })).toThrow('ec2MemberRoleName must be an IAM role name');
    expect(() => permissions({ securityGroupTag: 'no-value-separator' })).toThrow('securityGroupTag must be key=value');
  });

  it('declares its settings, its policy defaults and its targets from the estate', () => {
    expect(ec2SecurityGroupDefinition).toMatchObject({ name: 'ec2-security-group', title: 'EC2 security groups (internet ingress)', surface: 'network', reversible: true, policy: { expiresAfterHours: 72, onExpiry: 'renew', onFailure: 'revert' } });
    expect(ec2SecurityGroupDefinition.deployment.settings.map((setting) => [setting.key, setting.kind, setting.optional])).toEqual([
      ['securityGroupRegions', 'list', true],
      ['securityGroupTag', 'tag', true],
      ['ec2MemberRoleName', 'role-name', true],
    ]);
    expect(ec2SecurityGroupDefinition.deployment.secrets).toEqual([]);
    const assets = [
      AssetSchema.parse({ id: 'netscaler-1', cloud: { provider: 'aws', account: ACCOUNT, region: REGION, instanceId: TARGET_1, securityGroups: [GROUP] } }),
      AssetSchema.parse({ id: 'laptop-1', edr: { vendor: 'crowdstrike', deviceId: 'abc' } }),
    ];
    const targets = ec2SecurityGroupDefinition.targetsFor(assets);
    expect(targets).toEqual([{ assetId: 'netscaler-1', account: ACCOUNT, region: REGION, instanceId: TARGET_1, securityGroups: [GROUP] }]);
    expect(targets.map((t) => ec2SecurityGroupDefinition.targetSchema.parse(t))).toEqual(targets);
    expect(ec2SecurityGroupDefinition.assetIdsOf(targets[0] as Ec2SecurityGroupTarget)).toEqual(['netscaler-1']);
  });

  it('starts locally with one group per group id of the estate, open to the internet on 443', async () => {
    const assets = [
      AssetSchema.parse({ id: 'gw-1', cloud: { provider: 'aws', account: ACCOUNT, region: REGION, instanceId: TARGET_1, securityGroups: [GROUP, SHARED] } }),
      AssetSchema.parse({ id: 'gw-2', cloud: { provider: 'aws', account: ACCOUNT, region: REGION, instanceId: TARGET_2, securityGroups: [SHARED] } }),
    ];
    const local = await startLocal({ assets });
    onTestFinished(() => local.close());
    expect(local.env).toEqual({ EC2_ENDPOINT: local.simulator.url });
    expect(local.describe()).toBe('4 internet-open ingress rules on 2 groups');
  });
});
