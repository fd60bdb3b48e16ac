import type { Asset, IngressRule } from '../model/asset.ts';

export interface Reachability {
  internetFacing: boolean;
  /** Why, naming the group, rule, IP or load balancer; also why not, when the asset has a public IP. */
  evidence: string[];
}

const DECLARED = 'declared in the inventory';

/** `/0` admits every address of its family, however the address part is spelled (`0.0.0.0/0`, `::/0`, `0::0/0`). */
const admitsEveryone = (cidr: string) => cidr.endsWith('/0');
const isIpv6 = (text: string) => text.includes(':');

/** The ports a rule opens, as `[from, to]`; undefined when it opens none (ICMP and other protocols). */
function portRange(rule: IngressRule): [number, number] | undefined {
  if (rule.protocol === '-1') return [0, 65535];
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp') return undefined;
  return [rule.fromPort ?? 0, rule.toPort ?? 65535];
}

/** How a rule reads in evidence: `tcp/443`, `tcp/8000-8100`, `all traffic`. */
function describeOpening(rule: IngressRule, range: [number, number], servicePort: number | undefined): string {
  if (servicePort !== undefined) return rule.protocol === '-1' ? `all traffic (service port ${servicePort})` : `${rule.protocol}/${servicePort}`;
  if (rule.protocol === '-1') return 'all traffic';
  return range[0] === range[1] ? `${rule.protocol}/${range[0]}` : `${rule.protocol}/${range[0]}-${range[1]}`;
}

/**
 * Whether an asset can be reached from the internet, and the evidence.
 * - Declared (`internetFacing: true`): so, "declared in the inventory".
 * - Otherwise from `network` facts: a public IP and a rule admitting `0.0.0.0/0` (for an IPv4 public
 *   IP) or `::/0` (for an IPv6 one) on a port a service listens on; protocol `-1` opens every port,
 *   and without `servicePorts` any TCP or UDP port counts. Or an internet-facing load balancer
 *   forwarding to it, public IP or not.
 * - A public IP that no rule opens is not internet-facing; the evidence says so.
 * Linear in the rules, no parsing beyond string tests: it runs per asset per match.
 */
export function reachabilityOf(asset: Asset): Reachability {
  if (asset.internetFacing === true) return { internetFacing: true, evidence: [DECLARED] };
  const network = asset.network;
  if (!network) return { internetFacing: false, evidence: [] };

  const evidence: string[] = [];
  const publicV4 = network.publicIps.find((ip) => !isIpv6(ip));
  const publicV6 = network.publicIps.find(isIpv6);
  const servicePorts = network.servicePorts;

  for (const rule of network.ingress) {
    if (!admitsEveryone(rule.cidr)) continue;
    const ip = isIpv6(rule.cidr) ? publicV6 : publicV4;
    if (ip === undefined) continue;
    const range = portRange(rule);
    if (!range) continue;
    let servicePort: number | undefined;
    if (servicePorts) {
      servicePort = servicePorts.find((port) => port >= range[0] && port <= range[1]);
      if (servicePort === undefined) continue;
    }
    evidence.push(`${rule.groupId} admits ${rule.cidr} on ${describeOpening(rule, range, servicePort)} and the instance has public IP ${ip}`);
  }

  for (const balancer of network.loadBalancers) {
    if (balancer.scheme !== 'internet-facing') continue;
    const ports = balancer.ports.length > 0 ? ` on port${balancer.ports.length > 1 ? 's' : ''} ${balancer.ports.join(', ')}` : '';
    evidence.push(`internet-facing load balancer ${balancer.name} forwards to it${ports}`);
  }

  if (evidence.length > 0) return { internetFacing: true, evidence: [...new Set(evidence)] };
  if (network.publicIps.length > 0) {
    const scope = servicePorts ? ` on a service port (${servicePorts.join(', ') || 'none listed'})` : '';
    evidence.push(`the instance has public IP ${network.publicIps.join(', ')} but no ingress rule admits 0.0.0.0/0 or ::/0${scope}`);
  }
  return { internetFacing: false, evidence };
}
