import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionId } from '../../../../functions/actuators/actuator-request.ts';
import type { Ec2Request } from '../../../../functions/actuators/actuator-request.ts';
import { ec2ClientCache } from '../../../../functions/actuators/ec2/ec2-clients.ts';
import { restrictInternetIngress } from '../../../../functions/actuators/ec2/security-group.ts';
import { startEc2Simulator } from '../../../../functions/local/simulators/ec2-simulator.ts';
import { startActionStore } from '../action-store.ts';

const GROUP = 'sg-0a1b2c3d4e5f60718';
const SHARED = 'sg-0fedcba9876543210';

function request(overrides: Partial<Ec2Request> = {}): Ec2Request {
  return {
    tenant: 'default',
    execution: 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:run-1',
    operation: 'apply',
    dryRun: false,
    reason: 'CVE-2023-4966 in KEV; internet-facing NetScaler',
    exposureIds: ['CVE-2023-4966|netscaler-1'],
    targets: [
      { assetId: 'netscaler-1', account: '111122223333', region: 'eu-west-1', instanceId: 'i-0abc12345def67890', securityGroups: [GROUP, SHARED] },
      { assetId: 'netscaler-2', account: '111122223333', region: 'eu-west-1', instanceId: 'i-0abc12345def67891', securityGroups: [SHARED] },
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
