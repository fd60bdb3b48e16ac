import type { LocalActuator, LocalActuatorContext } from '../../local/local-actuator.ts';
import { startEc2Simulator, type SimulatedSecurityGroup } from './ec2-simulator.ts';

const INTERNET = new Set(['0.0.0.0/0', '::/0']);

/**
 * EC2 on 127.0.0.1 with one security group per group id the estate names, attached to the instances
 * naming it, each open to the internet on 443 (IPv4 and IPv6) with SSH from the corporate network.
 */
export async function startLocal({ assets }: LocalActuatorContext): Promise<LocalActuator> {
  const groupIds = [...new Set(assets.flatMap((asset) => asset.cloud?.securityGroups ?? []))];
  const securityGroups: SimulatedSecurityGroup[] = groupIds.map((groupId) => ({
    groupId,
    groupName: `${groupId}-edge`,
    attachedTo: assets.flatMap((asset) => (asset.cloud?.securityGroups.includes(groupId) ? [{ instanceId: asset.cloud.instanceId }] : [])),
    ingress: [
      { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0', description: 'public HTTPS' },
      { ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '::/0', description: 'public HTTPS (IPv6)' },
      { ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8', description: 'admin SSH from the corporate network' },
    ],
  }));
  const simulator = await startEc2Simulator({ securityGroups });
  return {
    // FORESTALL_ACCOUNT_ID comes from local mode, which plays the demo estate's account.
    env: { EC2_ENDPOINT: simulator.url },
    simulator,
    changeOperations: ['RevokeSecurityGroupIngress', 'AuthorizeSecurityGroupIngress'],
    describe: () => {
      const open = [...simulator.state.rules.values()].filter((rule) => INTERNET.has(rule.cidrIpv4 ?? rule.cidrIpv6 ?? '')).length;
      return `${open} internet-open ingress rules on ${simulator.state.groups.size} groups`;
    },
    close: () => simulator.close(),
  };
}
