import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionId } from '../../../../functions/actuators/actuator-request.ts';
import type { Ec2Request } from '../../../../functions/actuators/actuator-request.ts';
import { ec2ClientCache } from '../../../../functions/actuators/ec2/ec2-clients.ts';
import { restrictInternetIngress } from '../../../../functions/actuators/ec2/security-group.ts';
import { startEc2Simulator } from '../../../../functions/local/simulators/ec2-simulator.ts';
import type { SimulatedSecurityGroup } from '../../../../functions/local/simulators/ec2-simulator.ts';
import { startActionStore } from '../action-store.ts';

const GROUP = 'sg-0a1b2c3d4e5f60718';
const SHARED = 'sg-0fedcba9876543210';
const TARGET_1 = 'i-0abc12345def67890';
const TARGET_2 = 'i-0abc12345def67891';
const UNAFFECTED = 'i-0ffee00000000beef';

function request(overrides: Partial<Ec2Request> = {}): Ec2Request {
  return {
    tenant: 'default',
    execution: 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:run-1',
    operation: 'apply',
    dryRun: false,
    reason: 'CVE-2023-4966 in KEV; internet-facing NetScaler',
    exposureIds: ['CVE-2023-4966|netscaler-1'],
    targets: [
      { assetId: 'netscaler-1', account: '111122223333', region: 'eu-west-1', instanceId: TARGET_1, securityGroups: [GROUP, SHARED] },
      { assetId: 'netscaler-2', account: '111122223333', region: 'eu-west-1', instanceId: TARGET_2, securityGroups: [SHARED] },
    ],
    ...overrides,
  };
}

describe('EC2 security-group actuator', () => {
  let sim: Awaited<ReturnType<typeof startEc2Simulator>>;
  let store: Awaited<ReturnType<typeof startActionStore>>;
  let deps: Parameters<typeof restrictInternetIngress>[0];

  beforeEach(async () => {
    sim = await startEc2Simulator({
      securityGroups: [
        {
          groupId: GROUP,
          ingress: [
            { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0', description: 'gateway' },
            { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '::/0' },
            { ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' },
          ],
        },
        { groupId: SHARED, ingress: [{ ipProtocol: 'tcp', fromPort: 8443, toPort: 8443, cidrIpv4: '192.0.2.0/24' }] },
      ],
    });
    store = await startActionStore();
    deps = { actions: store.actions, ec2For: ec2ClientCache({ endpoint: sim.url, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } }) };
  });
  afterEach(async () => {
    await sim.close();
    await store.close();
  });

  const openRules = () => [...sim.state.rules.values()].filter((rule) => rule.groupId === GROUP).map((rule) => rule.cidrIpv4 ?? rule.cidrIpv6);

  it('revokes exactly the internet-open ingress, tags the group, and records the inverse', async () => {
    const { actions } = await restrictInternetIngress(deps, request());
    expect(actions).toHaveLength(2); // the shared group is handled once
    const applied = actions.find((action) => action.target.endsWith(GROUP));
    expect(applied).toMatchObject({ status: 'done', vendorObjectId: GROUP, inverse: { operation: 'AuthorizeSecurityGroupIngress' } });
    expect(openRules()).toEqual(['10.0.0.0/8']);
    expect(sim.state.groups.get(GROUP)?.tags['forestall:action-id']).toBe(applied?.id);
    expect(actions.find((action) => action.target.endsWith(SHARED))).toMatchObject({ status: 'skipped', detail: expect.stringContaining('no ingress rule') });
    // The SDK's requests pass the EC2 request check.
    expect(sim.requests.every((r) => r.violations === undefined && r.status === 200)).toBe(true);
  });

  it('does not call EC2 again when the same execution applies twice', async () => {
    await restrictInternetIngress(deps, request());
    const writes = () => sim.requests.filter((r) => r.operation !== 'DescribeSecurityGroupRules').length;
    const before = sim.requests.length;
    const beforeWrites = writes();
    const second = await restrictInternetIngress(deps, request());
    expect(second.actions.map((action) => action.status)).toEqual(['done', 'skipped']);
    expect(sim.requests.length).toBe(before);
    expect(writes()).toBe(beforeWrites);
  });

  it('in dry-run changes nothing and says what it would revoke', async () => {
    const { actions } = await restrictInternetIngress(deps, request({ dryRun: true }));
    expect(actions[0]).toMatchObject({ status: 'skipped', dryRun: true, detail: expect.stringMatching(/^dry-run: would revoke 2 internet ingress rule\(s\) on sg-.*tcp 443 from 0\.0\.0\.0\/0/) });
    expect(openRules()).toHaveLength(3);
    expect(sim.requests.map((r) => r.operation)).not.toContain('RevokeSecurityGroupIngress');
  });

  it('revert restores the revoked rules through the SDK and marks the apply reverted', async () => {
    const apply = await restrictInternetIngress(deps, request());
    const { actions } = await restrictInternetIngress(deps, request({ operation: 'revert' }));
    expect(actions[0]).toMatchObject({ status: 'done', operation: 'revert' });
    expect(openRules().sort()).toEqual(['0.0.0.0/0', '10.0.0.0/8', '::/0'].sort());
    const applyId = actionId(request().execution, 'ec2-security-group', 'apply', `111122223333/eu-west-1/${GROUP}`);
    expect(apply.actions[0]?.id).toBe(applyId);
    const restored = [...sim.state.rules.values()].filter((rule) => rule.description === `restored by forestall ${applyId}`);
    expect(restored).toHaveLength(2);
    expect(await store.actions.get('default', applyId)).toMatchObject({ status: 'reverted' });
    // Seen through the real SDK client, the group is open again.
    const described = await deps.ec2For('111122223333', 'eu-west-1').send(new DescribeSecurityGroupsCommand({ GroupIds: [GROUP] }));
    expect(described.SecurityGroups?.[0]?.IpPermissions?.flatMap((p) => p.IpRanges?.map((r) => r.CidrIp) ?? [])).toContain('0.0.0.0/0');
    // Reverting twice changes nothing more.
    const authorizations = sim.requests.filter((r) => r.operation === 'AuthorizeSecurityGroupIngress').length;
    await restrictInternetIngress(deps, request({ operation: 'revert' }));
    expect(sim.requests.filter((r) => r.operation === 'AuthorizeSecurityGroupIngress').length).toBe(authorizations);
  });

  it('revert without an apply records a skip and calls nothing', async () => {
    const { actions } = await restrictInternetIngress(deps, request({ operation: 'revert' }));
    expect(actions.every((action) => action.status === 'skipped')).toBe(true);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('EC2 security-group actuator guardrail against shared groups', () => {
  let sim: Awaited<ReturnType<typeof startEc2Simulator>> | undefined;
  let store: Awaited<ReturnType<typeof startActionStore>>;
  const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

  /** GROUP and SHARED both open 443 to the internet; who uses each is up to the test. */
  async function start(attachedTo: { group?: SimulatedSecurityGroup['attachedTo']; shared?: SimulatedSecurityGroup['attachedTo'] }) {
    sim = await startEc2Simulator({
      securityGroups: [
        {
          groupId: GROUP,
          ingress: [
            { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' },
            { ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' },
          ],
          ...(attachedTo.group ? { attachedTo: attachedTo.group } : {}),
        },
        { groupId: SHARED, ingress: [{ ipProtocol: 'tcp', fromPort: 8443, toPort: 8443, cidrIpv4: '0.0.0.0/0' }], ...(attachedTo.shared ? { attachedTo: attachedTo.shared } : {}) },
      ],
    });
    return { actions: store.actions, ec2For: ec2ClientCache({ endpoint: sim.url, credentials }) };
  }
  const simulator = () => {
    if (!sim) throw new Error('simulator not started');
    return sim;
  };
  const openTo = (groupId: string) => [...simulator().state.rules.values()].filter((rule) => rule.groupId === groupId).map((rule) => rule.cidrIpv4 ?? rule.cidrIpv6);
  const operations = () => simulator().requests.map((r) => r.operation);

  beforeEach(async () => {
    store = await startActionStore();
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    await store.close();
  });

  it('leaves a group shared with an unaffected instance untouched and says why', async () => {
    const deps = await start({ group: [{ instanceId: TARGET_1 }, { instanceId: UNAFFECTED }], shared: [{ instanceId: TARGET_1 }, { instanceId: TARGET_2 }] });
    const { actions } = await restrictInternetIngress(deps, request());
    const guarded = actions.find((action) => action.target.endsWith(GROUP));
    expect(guarded).toMatchObject({
      status: 'skipped',
      dryRun: false,
      detail: `guardrail: ${GROUP} is shared with ${UNAFFECTED} (not affected); not changed. Give the affected instances their own group or restrict it by hand`,
    });
    expect(guarded?.inverse).toBeUndefined();
    expect(guarded?.vendorObjectId).toBeUndefined();
    expect(openTo(GROUP)).toEqual(['0.0.0.0/0', '10.0.0.0/8']);
    expect(simulator().state.groups.get(GROUP)?.tags['forestall:action-id']).toBeUndefined();
    // The group used only by the two targets is restricted as before.
    expect(actions.find((action) => action.target.endsWith(SHARED))).toMatchObject({ status: 'done', vendorObjectId: SHARED });
    expect(openTo(SHARED)).toEqual([]);
    const revokes = simulator().requests.filter((r) => r.operation === 'RevokeSecurityGroupIngress');
    expect(revokes).toHaveLength(1);
    expect(new URLSearchParams(revokes[0]?.body ?? '').get('GroupId')).toBe(SHARED);
    expect(simulator().requests.every((r) => r.violations === undefined && r.status === 200)).toBe(true);
    // The audit trail keeps the skip: the same execution does not try again.
    expect(await store.actions.get('default', guarded?.id ?? '')).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/^guardrail: /) });
  });

  it('restricts a group shared only among the targets', async () => {
    const deps = await start({ group: [{ instanceId: TARGET_1 }], shared: [{ instanceId: TARGET_1 }, { instanceId: TARGET_2 }] });
    const { actions } = await restrictInternetIngress(deps, request());
    expect(actions.map((action) => action.status)).toEqual(['done', 'done']);
    expect(openTo(GROUP)).toEqual(['10.0.0.0/8']);
    expect(openTo(SHARED)).toEqual([]);
    expect(operations().filter((operation) => operation === 'DescribeNetworkInterfaces')).toHaveLength(2);
  });

  it('counts a network interface without an instance (load balancer, NAT, Lambda) as another user', async () => {
    const deps = await start({ group: [{ instanceId: TARGET_1 }, { networkInterfaceId: 'eni-0123456789abcdef0' }] });
    const { actions } = await restrictInternetIngress(deps, request({ targets: [request().targets[0] as Ec2Request['targets'][number]] }));
    expect(actions.find((action) => action.target.endsWith(GROUP))).toMatchObject({
      status: 'skipped',
      detail: expect.stringMatching(new RegExp(`^guardrail: ${GROUP} is shared with eni-0123456789abcdef0 \\(not affected\\); not changed\\.`)),
    });
    expect(openTo(GROUP)).toContain('0.0.0.0/0');
  });

  it('does not count an instance the request targets through another group as a target of this one', async () => {
    // TARGET_2 uses GROUP too, but the request only lists SHARED for it: GROUP's change would reach a host nobody asked about.
    const deps = await start({ group: [{ instanceId: TARGET_1 }, { instanceId: TARGET_2 }] });
    const { actions } = await restrictInternetIngress(deps, request());
    expect(actions.find((action) => action.target.endsWith(GROUP))).toMatchObject({ status: 'skipped', detail: expect.stringContaining(`shared with ${TARGET_2} (not affected)`) });
    expect(openTo(GROUP)).toContain('0.0.0.0/0');
  });

  it('names five other users and counts the rest, reading every page of interfaces', async () => {
    const others = Array.from({ length: 1003 }, (_, index) => ({ networkInterfaceId: `eni-0b${index.toString(16).padStart(15, '0')}` }));
    const deps = await start({ group: [{ instanceId: TARGET_1 }, ...others] });
    const { actions } = await restrictInternetIngress(deps, request());
    const detail = actions.find((action) => action.target.endsWith(GROUP))?.detail;
    expect(detail).toBe(`guardrail: ${GROUP} is shared with ${others.slice(0, 5).map((eni) => eni.networkInterfaceId).join(', ')} and 998 more (not affected); not changed. Give the affected instances their own group or restrict it by hand`);
    const pages = simulator().requests.filter((r) => r.operation === 'DescribeNetworkInterfaces' && new URLSearchParams(r.body ?? '').get('Filter.1.Value.1') === GROUP);
    expect(pages).toHaveLength(2);
    expect(new URLSearchParams(pages[1]?.body ?? '').get('NextToken')).toBeTruthy();
    expect(openTo(GROUP)).toContain('0.0.0.0/0');
  });

  it('in dry-run reports the guardrail and changes nothing', async () => {
    const deps = await start({ group: [{ instanceId: TARGET_1 }, { instanceId: UNAFFECTED }], shared: [{ instanceId: TARGET_1 }, { instanceId: TARGET_2 }] });
    const { actions } = await restrictInternetIngress(deps, request({ dryRun: true }));
    expect(actions.find((action) => action.target.endsWith(GROUP))).toMatchObject({
      status: 'skipped',
      dryRun: true,
      detail: `dry-run: would change nothing on ${GROUP}: guardrail: ${GROUP} is shared with ${UNAFFECTED} (not affected); not changed. Give the affected instances their own group or restrict it by hand`,
    });
    expect(actions.find((action) => action.target.endsWith(SHARED))).toMatchObject({ status: 'skipped', detail: expect.stringMatching(/^dry-run: would revoke 1 internet ingress rule\(s\) on sg-/) });
    expect(operations()).not.toContain('RevokeSecurityGroupIngress');
    expect(openTo(GROUP)).toHaveLength(2);
    expect(openTo(SHARED)).toEqual(['0.0.0.0/0']);
  });

  it('maps a throttled interface lookup to VendorRateLimited and records the failure without changing the group', async () => {
    await start({ group: [{ instanceId: TARGET_1 }] });
    const client = new EC2Client({ region: 'eu-west-1', endpoint: simulator().url, credentials, maxAttempts: 1 });
    simulator().throttle(1);
    const targets = [request().targets[0] as Ec2Request['targets'][number]];
    await expect(restrictInternetIngress({ actions: store.actions, ec2For: () => client }, request({ targets }))).rejects.toMatchObject({ name: 'VendorRateLimited' });
    expect(operations()).toEqual(['DescribeNetworkInterfaces']);
    expect(openTo(GROUP)).toContain('0.0.0.0/0');
    const id = actionId(request().execution, 'ec2-security-group', 'apply', `111122223333/eu-west-1/${GROUP}`);
    expect(await store.actions.get('default', id)).toMatchObject({ status: 'failed', detail: expect.stringContaining('VendorRateLimited') });
    client.destroy();
  });
});
