import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEc2Simulator } from '../../../../functions/local/simulators/ec2-simulator.ts';

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
