import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssetSchema, type Asset, type IngressRule } from '../../../functions/model/asset.ts';
import { reachabilityOf } from '../../../functions/match/reachability.ts';

const asset = (fields: Record<string, unknown>): Asset => AssetSchema.parse({ id: 'web-01', ...fields });
const rule = (fields: Partial<IngressRule>): IngressRule => ({ groupId: 'sg-0abc1234', protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0', ...fields });

describe('reachabilityOf', () => {
  it('takes a declaration at its word', () => {
    expect(reachabilityOf(asset({ internetFacing: true }))).toEqual({ internetFacing: true, evidence: ['declared in the inventory'] });
  });

  it('is not internet-facing without network facts', () => {
    expect(reachabilityOf(asset({}))).toEqual({ internetFacing: false, evidence: [] });
  });

  it('is internet-facing with a public IP and a rule open to everyone, naming group, rule and IP', () => {
    const result = reachabilityOf(asset({ network: { publicIps: ['203.0.113.10'], ingress: [rule({})] } }));
    expect(result).toEqual({ internetFacing: true, evidence: ['sg-0abc1234 admits 0.0.0.0/0 on tcp/443 and the instance has public IP 203.0.113.10'] });
  });

  it('says why not when a public IP meets no open rule', () => {
    const result = reachabilityOf(asset({ network: { publicIps: ['203.0.113.10'], ingress: [rule({ cidr: '198.51.100.0/24' })] } }));
    expect(result.internetFacing).toBe(false);
    expect(result.evidence).toEqual(['the instance has public IP 203.0.113.10 but no ingress rule admits 0.0.0.0/0 or ::/0']);
  });

  it('needs a public IP of the rule\'s family: ::/0 opens nothing to an IPv4-only instance', () => {
    expect(reachabilityOf(asset({ network: { publicIps: ['203.0.113.10'], ingress: [rule({ cidr: '::/0' })] } })).internetFacing).toBe(false);
    expect(reachabilityOf(asset({ network: { publicIps: ['2001:db8::10'], ingress: [rule({ cidr: '::/0' })] } })).evidence).toEqual([
      'sg-0abc1234 admits ::/0 on tcp/443 and the instance has public IP 2001:db8::10',
    ]);
    expect(reachabilityOf(asset({ network: { publicIps: [], ingress: [rule({})] } })).internetFacing).toBe(false);
  });

  it('counts a rule only on a service port when the ports are known; -1 opens them all', () => {
    const facts = (ingress: IngressRule[], servicePorts?: number[]) => asset({ network: { publicIps: ['203.0.113.10'], ingress, ...(servicePorts ? { servicePorts } : {}) } });
    expect(reachabilityOf(facts([rule({ fromPort: 22, toPort: 22 })], [443])).internetFacing).toBe(false);
    expect(reachabilityOf(facts([rule({ fromPort: 22, toPort: 22 })], [443])).evidence[0]).toContain('on a service port (443)');
    expect(reachabilityOf(facts([rule({ fromPort: 8000, toPort: 9000 })], [22, 8443])).evidence).toEqual([
      'sg-0abc1234 admits 0.0.0.0/0 on tcp/8443 and the instance has public IP 203.0.113.10',
    ]);
    expect(reachabilityOf(facts([rule({ protocol: '-1', fromPort: undefined, toPort: undefined })])).evidence).toEqual([
      'sg-0abc1234 admits 0.0.0.0/0 on all traffic and the instance has public IP 203.0.113.10',
    ]);
    expect(reachabilityOf(facts([rule({ protocol: '-1', fromPort: undefined, toPort: undefined })], [443])).evidence[0]).toContain('on all traffic (service port 443)');
    expect(reachabilityOf(facts([rule({ protocol: 'udp', fromPort: 500, toPort: 4500 })])).evidence[0]).toContain('on udp/500-4500');
    expect(reachabilityOf(facts([rule({ protocol: 'icmp', fromPort: undefined, toPort: undefined })])).internetFacing).toBe(false);
    expect(reachabilityOf(facts([rule({})], [])).internetFacing).toBe(false);
  });

  it('is internet-facing behind an internet-facing load balancer, public IP or not; an internal one does not count', () => {
    const behind = (scheme: 'internet-facing' | 'internal') => asset({ network: { loadBalancers: [{ name: 'shop-alb', scheme, ports: [80, 443] }] } });
    expect(reachabilityOf(behind('internet-facing'))).toEqual({ internetFacing: true, evidence: ['internet-facing load balancer shop-alb forwards to it on ports 80, 443'] });
    expect(reachabilityOf(behind('internal'))).toEqual({ internetFacing: false, evidence: [] });
  });

  const ruleArbitrary = fc.record({
    groupId: fc.constantFrom('sg-0a1', 'sg-0b2'),
    protocol: fc.constantFrom('tcp', 'udp', 'icmp', '-1'),
    fromPort: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    toPort: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    cidr: fc.constantFrom('0.0.0.0/0', '::/0', '10.0.0.0/8', '198.51.100.0/24', '2001:db8::/32'),
  });
  const networkArbitrary = fc.record({
    publicIps: fc.subarray(['203.0.113.10', '2001:db8::10']),
    ingress: fc.array(ruleArbitrary, { maxLength: 8 }),
    servicePorts: fc.option(fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 4 }), { nil: undefined }),
  });

  it('property: without a public IP or an internet-facing load balancer, no rule makes an undeclared asset internet-facing', () => {
    fc.assert(
      fc.property(networkArbitrary, (network) => {
        const result = reachabilityOf(asset({ network: { ...network, publicIps: [] } }));
        return result.internetFacing === false && result.evidence.length === 0;
      }),
    );
  });

  it('property: adding a rule never takes internet exposure away, and every positive verdict has evidence', () => {
    fc.assert(
      fc.property(networkArbitrary, ruleArbitrary, (network, extra) => {
        const before = reachabilityOf(asset({ network }));
        const after = reachabilityOf(asset({ network: { ...network, ingress: [...network.ingress, extra] } }));
        if (before.internetFacing && !after.internetFacing) return false;
        return !after.internetFacing || after.evidence.length > 0;
      }),
    );
  });
});
