import {
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  paginateDescribeNetworkInterfaces,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEc2Simulator } from '../../../../functions/actuators/ec2-security-group/ec2-simulator.ts';

describe('EC2 simulator', () => {
  let sim: Awaited<ReturnType<typeof startEc2Simulator>>;
  let ec2: EC2Client;
  beforeAll(async () => {
    sim = await startEc2Simulator({
      securityGroups: [{ groupId: 'sg-0123456789abcdef0', groupName: 'netscaler', ingress: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }] }],
    });
    ec2 = new EC2Client({ region: 'eu-west-1', endpoint: sim.url, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    ec2.destroy();
    await sim.close();
  });

  it('answers the AWS SDK in the EC2 Query protocol', async () => {
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0123456789abcdef0'] }));
    expect(groups.SecurityGroups?.[0]).toMatchObject({ GroupId: 'sg-0123456789abcdef0', GroupName: 'netscaler', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] });
    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: ['sg-0123456789abcdef0'] }] }));
    const ruleId = rules.SecurityGroupRules?.[0]?.SecurityGroupRuleId as string;
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0123456789abcdef0', SecurityGroupRuleIds: [ruleId] }));
    expect(sim.state.rules.size).toBe(0);
    const added = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-0123456789abcdef0', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }] }));
    expect(added.SecurityGroupRules?.[0]).toMatchObject({ CidrIpv6: '::/0', FromPort: 443 });
    expect(sim.requests.every((request) => request.status === 200 && request.violations === undefined)).toBe(true);
  });

  it('reports EC2 errors the SDK turns into named exceptions', async () => {
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0123456789abcdef0', SecurityGroupRuleIds: ['sgr-0000000000000dead'] }))).rejects.toMatchObject({
      name: 'InvalidSecurityGroupRuleId.NotFound',
    });
  });

  it('rejects unsigned requests and undocumented parameters, naming the violation', async () => {
    const unsigned = await fetch(sim.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeSecurityGroups&Version=2016-11-15' });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toContain('SigV4 signature');
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0123456789abcdef0' }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('exactly one of SecurityGroupRuleId or IpPermissions is required'),
    });
  });
});

describe('EC2 simulator network interfaces', () => {
  const EDGE = 'sg-0e0e0e0e0e0e0e0e0';
  const ADMIN = 'sg-0a0a0a0a0a0a0a0a0';
  const OTHER = 'sg-0c0c0c0c0c0c0c0c0';
  let sim: Awaited<ReturnType<typeof startEc2Simulator>>;
  let ec2: EC2Client;
  beforeAll(async () => {
    sim = await startEc2Simulator({
      securityGroups: [
        {
          groupId: EDGE,
          groupName: 'edge',
          ingress: [],
          attachedTo: [
            { instanceId: 'i-0abc12345def67890' },
            { instanceId: 'i-0abc12345def67891' },
            // A load balancer's interface: no instance.
            { networkInterfaceId: 'eni-00000000000000001' },
            ...Array.from({ length: 9 }, (_, index) => ({ instanceId: `i-0dd${String(index).padStart(14, '0')}` })),
          ],
        },
        { groupId: ADMIN, groupName: 'admin', ingress: [], attachedTo: [{ instanceId: 'i-0abc12345def67890' }] },
        { groupId: OTHER, ingress: [] },
      ],
    });
    ec2 = new EC2Client({ region: 'eu-west-1', endpoint: sim.url, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    ec2.destroy();
    await sim.close();
  });

  it('lists the interfaces of a group with their instance attachment and groups, as the SDK reads them', async () => {
    const result = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [ADMIN] }] }));
    expect(result.NextToken).toBeUndefined();
    expect(result.NetworkInterfaces).toHaveLength(1);
    // An instance in two groups has one primary interface carrying both.
    expect(result.NetworkInterfaces?.[0]).toMatchObject({
      Attachment: { InstanceId: 'i-0abc12345def67890', DeviceIndex: 0, Status: 'attached', DeleteOnTermination: true },
      Groups: [
        { GroupId: EDGE, GroupName: 'edge' },
        { GroupId: ADMIN, GroupName: 'admin' },
      ],
      Status: 'in-use',
    });
    const balancer = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-00000000000000001'] }));
    expect(balancer.NetworkInterfaces?.[0]).toMatchObject({ NetworkInterfaceId: 'eni-00000000000000001', Groups: [{ GroupId: EDGE }] });
    expect(balancer.NetworkInterfaces?.[0]?.Attachment).toBeUndefined();
    expect((await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [OTHER] }] }))).NetworkInterfaces).toEqual([]);
  });

  it('pages with MaxResults and NextToken, including through the SDK paginator', async () => {
    const first = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [EDGE] }], MaxResults: 5 }));
    expect(first.NetworkInterfaces).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const ids: string[] = [];
    for await (const page of paginateDescribeNetworkInterfaces({ client: ec2, pageSize: 5 }, { Filters: [{ Name: 'group-id', Values: [EDGE] }], IncludeManagedResources: true })) {
      expect(page.NetworkInterfaces?.length).toBeLessThanOrEqual(5);
      ids.push(...(page.NetworkInterfaces ?? []).map((eni) => eni.NetworkInterfaceId ?? ''));
    }
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect(ids).toContain('eni-00000000000000001');
    // Generated primary interfaces never reuse an id the options name.
    expect(ids.filter((id) => id === 'eni-00000000000000001')).toHaveLength(1);
  });

  it('rejects an unknown filter, a bad token and MaxResults with interface ids, as EC2 does', async () => {
    await expect(ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'mac-addr', Values: ['x'] }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new DescribeNetworkInterfacesCommand({ NextToken: 'not-a-token' }))).rejects.toMatchObject({ name: 'InvalidPaginationToken' });
    await expect(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-00000000000000001'], MaxResults: 5 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('MaxResults cannot be combined with NetworkInterfaceId'),
    });
    await expect(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0000000000000dead'] }))).rejects.toMatchObject({ name: 'InvalidNetworkInterfaceID.NotFound' });
  });
});

describe('EC2 simulator faults and change log', () => {
  const GROUP = 'sg-0123456789abcdef0';
  let sim: Awaited<ReturnType<typeof startEc2Simulator>>;
  let ec2: EC2Client;
  beforeAll(async () => {
    sim = await startEc2Simulator({
      securityGroups: [
        {
          groupId: GROUP,
          ingress: [
            { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' },
            { ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' },
          ],
        },
      ],
    });
    ec2 = new EC2Client({ region: 'eu-west-1', endpoint: sim.url, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    ec2.destroy();
    await sim.close();
  });

  it('throttles one operation with EC2\'s RequestLimitExceeded, leaving the others and the group as they are', async () => {
    sim.throttleOperation('CreateTags');
    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [GROUP] }] }));
    expect(rules.SecurityGroupRules).toHaveLength(2);
    await expect(ec2.send(new CreateTagsCommand({ Resources: [GROUP], Tags: [{ Key: 'forestall:action-id', Value: 'a1' }] }))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503 },
    });
    expect(sim.state.groups.get(GROUP)?.tags).toEqual({});
    await ec2.send(new CreateTagsCommand({ Resources: [GROUP], Tags: [{ Key: 'forestall:action-id', Value: 'a1' }] }));
    expect(sim.state.groups.get(GROUP)?.tags).toEqual({ 'forestall:action-id': 'a1' });
  });

  it('takes the shared fault injection: after-change the revoke is made and logged, the answer is the injected status', async () => {
    const internet = [...sim.state.rules.values()].find((rule) => rule.cidrIpv4 === '0.0.0.0/0')?.ruleId ?? '';
    sim.fault({ operation: 'RevokeSecurityGroupIngress', when: 'after-change', status: 502 });
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: GROUP, SecurityGroupRuleIds: [internet] }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 502 } });
    expect(sim.state.rules.has(internet)).toBe(false);
    expect(sim.state.changes).toEqual([{ action: 'revoke', groupId: GROUP, rules: [expect.objectContaining({ ruleId: internet, cidrIpv4: '0.0.0.0/0' })] }]);
    sim.fault({ operation: 'AuthorizeSecurityGroupIngress', when: 'before-change', status: 503 });
    const authorize = new AuthorizeSecurityGroupIngressCommand({
      GroupId: GROUP,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'restored by forestall r1' }] }],
      TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'forestall:action-id', Value: 'r1' }] }],
    });
    await expect(ec2.send(authorize)).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    expect(sim.state.changes).toHaveLength(1);
    const added = await ec2.send(authorize);
    expect(added.SecurityGroupRules?.[0]).toMatchObject({ CidrIpv4: '0.0.0.0/0', Description: 'restored by forestall r1', Tags: [{ Key: 'forestall:action-id', Value: 'r1' }] });
    expect(sim.state.changes.map((change) => change.action)).toEqual(['revoke', 'authorize']);
    expect(sim.requests.every((request) => request.violations === undefined)).toBe(true);
  });
});
