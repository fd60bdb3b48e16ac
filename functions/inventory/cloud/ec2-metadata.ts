import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { describeIssues } from '../../ingest/describe-issues.ts';
import type { IngressRule, NetworkFacts } from '../../model/asset.ts';
import type { AssetPartial } from '../merge-asset.ts';
import { bindInstance, documentError, payloadOf, type CloudQuarantined, type CloudReaderOptions } from './cloud-finding.ts';

// Only the fields read from DescribeInstances / DescribeSecurityGroups (JSON as the CLI and SDK return it).
const GroupRefSchema = z.looseObject({ GroupId: z.string() });
const AssociationSchema = z.looseObject({ PublicIp: z.string().optional() });

const InstanceSchema = z.looseObject({
  InstanceId: z.string(),
  PublicIpAddress: z.string().optional(),
  PrivateIpAddress: z.string().optional(),
  PrivateDnsName: z.string().optional(),
  Placement: z.looseObject({ AvailabilityZone: z.string().optional() }).optional(),
  State: z.looseObject({ Name: z.string().optional() }).optional(),
  SecurityGroups: z.array(GroupRefSchema).default([]),
  NetworkInterfaces: z
    .array(
      z.looseObject({
        Association: AssociationSchema.optional(),
        Groups: z.array(GroupRefSchema).default([]),
        PrivateIpAddresses: z.array(z.looseObject({ PrivateIpAddress: z.string().optional(), Association: AssociationSchema.optional() })).default([]),
        Ipv6Addresses: z.array(z.looseObject({ Ipv6Address: z.string() })).default([]),
      }),
    )
    .default([]),
  Tags: z.array(z.looseObject({ Key: z.string(), Value: z.string() })).default([]),
});

const DescribeInstancesSchema = z.looseObject({
  Reservations: z.array(z.looseObject({ OwnerId: z.string().optional(), Instances: z.array(z.unknown()).default([]) })),
});

const PermissionSchema = z.looseObject({
  IpProtocol: z.string().min(1),
  FromPort: z.number().int().optional(),
  ToPort: z.number().int().optional(),
  IpRanges: z.array(z.looseObject({ CidrIp: z.string() })).default([]),
  Ipv6Ranges: z.array(z.looseObject({ CidrIpv6: z.string() })).default([]),
});

const SecurityGroupSchema = z.looseObject({ GroupId: z.string().min(1), IpPermissions: z.array(z.unknown()).default([]) });
const DescribeSecurityGroupsSchema = z.looseObject({ SecurityGroups: z.array(z.unknown()) });

export interface Ec2MetadataInput {
  /** DescribeInstances output, or its pages. */
  instances: unknown;
  /** DescribeSecurityGroups output (or pages) holding at least the instances' groups. */
  securityGroups: unknown;
}

export interface Ec2MetadataOptions extends CloudReaderOptions {
  /** Region the outputs were read in; taken from each instance's availability zone when absent. */
  region?: string;
  /** Load balancers forwarding to each instance (by instance id), from ELB target health, when known. */
  loadBalancers?: Readonly<Record<string, NetworkFacts['loadBalancers']>>;
}

export interface Ec2MetadataReading {
  /** One per instance: cloud binding (with its security groups), IPs, tags, hostname, network facts. */
  assets: AssetPartial[];
  quarantined: CloudQuarantined[];
  /** Instances left out (terminated) and groups an instance names that the output did not hold. */
  notes: string[];
}

// EC2 writes protocols by name or by IANA number; the model names them.
const PROTOCOL_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

const pages = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** The region of an availability zone (`eu-west-1a`, local zone `us-west-2-lax-1a`) or undefined. */
export const regionOfZone = (zone: string | undefined) => (zone ? /^[a-z]{2}(?:-[a-z]+)+-\d/.exec(zone)?.[0] : undefined);

/** The inbound rules of each group, one CIDR each; a range that is not a CIDR is quarantined. */
function readGroups(input: unknown, sourceName: string, quarantine: (record: string, message: string, raw: unknown) => void): Map<string, IngressRule[]> {
  const groups = new Map<string, IngressRule[]>();
  pages(input).forEach((page, p) => {
    const base = Array.isArray(input) ? `securityGroups[${p}].SecurityGroups` : 'SecurityGroups';
    const parsed = DescribeSecurityGroupsSchema.safeParse(page);
    if (!parsed.success) throw documentError(sourceName, parsed.error.issues, Array.isArray(input) ? `securityGroups[${p}]` : '', 'DescribeSecurityGroups output');
    parsed.data.SecurityGroups.forEach((rawGroup, g) => {
      const path = `${base}[${g}]`;
      const group = SecurityGroupSchema.safeParse(rawGroup);
      if (!group.success) return quarantine(path, describeIssues(group.error.issues, path).join('; '), rawGroup);
      const { GroupId: groupId } = group.data;
      const rules: IngressRule[] = [];
      group.data.IpPermissions.forEach((rawPermission, i) => {
        const permissionPath = `${path}.IpPermissions[${i}]`;
        const permission = PermissionSchema.safeParse(rawPermission);
        if (!permission.success) return quarantine(groupId, describeIssues(permission.error.issues, permissionPath).join('; '), rawPermission);
        const { IpProtocol, FromPort, ToPort, IpRanges, Ipv6Ranges } = permission.data;
        const protocol = PROTOCOL_NAMES[IpProtocol.toLowerCase()] ?? IpProtocol.toLowerCase();
        // Ports mean ports for TCP and UDP only; ICMP's are type and code, and -1 spans everything.
        const ported = protocol === 'tcp' || protocol === 'udp';
        const ports = ported && FromPort !== undefined && ToPort !== undefined && FromPort >= 0 && ToPort <= 65535 ? { fromPort: FromPort, toPort: ToPort } : {};
        const ranges = [
          ...IpRanges.map((range, r) => ({ cidr: range.CidrIp, path: `${permissionPath}.IpRanges[${r}].CidrIp` })),
          ...Ipv6Ranges.map((range, r) => ({ cidr: range.CidrIpv6, path: `${permissionPath}.Ipv6Ranges[${r}].CidrIpv6` })),
        ];
        for (const { cidr, path: cidrPath } of ranges) {
          if (!isCidr(cidr)) {
            quarantine(groupId, `${cidrPath}: not a CIDR: "${cidr}"`, rawPermission);
            continue;
          }
          rules.push({ groupId, protocol, ...ports, cidr });
        }
      });
      groups.set(groupId, [...(groups.get(groupId) ?? []), ...rules]);
    });
  });
  return groups;
}

/** A dotted-quad IPv4 or an IPv6 address; ipaddr.js's `isValid` also takes legacy forms like `1.2.3`. */
const isIp = (text: string) => ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);

function isCidr(text: string): boolean {
  const [address = '', bits] = text.split('/');
  if (bits === undefined || !isIp(address)) return false;
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Per EC2 instance, what DescribeInstances and DescribeSecurityGroups say of it: an asset partial with
 * the cloud binding (account = reservation owner, region, instance id, its groups), hostname
 * (private DNS name), IPs, tags and `network` facts:
 * - `publicIps`: `PublicIpAddress`, the public IPs associated with its network interfaces (primary
 *   and secondary), and its IPv6 addresses (EC2 hands out global ones; whether the subnet routes them
 *   is not in these outputs, so they count: an over-report, never a miss);
 * - `ingress`: the inbound rules of the instance's groups (instance and interface groups), one CIDR
 *   each, protocol numbers named (`6` -> `tcp`), ports only for TCP and UDP;
 * - `loadBalancers` from `options.loadBalancers`; `servicePorts` are unknown here and left out.
 * Terminated instances are left out with a note; so are the rules of a group the security-group
 * output does not hold. An instance or range that cannot be read is quarantined with its path.
 * @throws InvalidInputError when either output is not the API's shape; the field is named.
 */
export function ec2MetadataToAssets(input: Ec2MetadataInput, options: Ec2MetadataOptions): Ec2MetadataReading {
  const { sourceName } = options;
  const quarantined: CloudQuarantined[] = [];
  const quarantine = (record: string, message: string, raw: unknown) => quarantined.push({ record, reason: `${sourceName}: ${message}`, payload: payloadOf(raw) });
  const notes: string[] = [];
  const groups = readGroups(input.securityGroups, sourceName, quarantine);
  const assets: AssetPartial[] = [];

  pages(input.instances).forEach((page, p) => {
    const pageBase = Array.isArray(input.instances) ? `instances[${p}]` : '';
    const parsed = DescribeInstancesSchema.safeParse(page);
    if (!parsed.success) throw documentError(sourceName, parsed.error.issues, pageBase, 'DescribeInstances output');
    parsed.data.Reservations.forEach((reservation, r) => {
      reservation.Instances.forEach((rawInstance, i) => {
        const path = `${pageBase ? `${pageBase}.` : ''}Reservations[${r}].Instances[${i}]`;
        const read = InstanceSchema.safeParse(rawInstance);
        if (!read.success) return quarantine(path, describeIssues(read.error.issues, path).join('; '), rawInstance);
        const instance = read.data;
        const record = instance.InstanceId;
        if (instance.State?.Name === 'terminated') return notes.push(`${sourceName}: ${path}: ${record} is terminated; left out`);
        const region = options.region ?? regionOfZone(instance.Placement?.AvailabilityZone);
        if (!region) return quarantine(record, `${path}.Placement.AvailabilityZone: no region (give options.region), got "${instance.Placement?.AvailabilityZone ?? ''}"`, rawInstance);
        if (!reservation.OwnerId) return quarantine(record, `${path}: its reservation has no OwnerId (the account)`, rawInstance);
        const bound = bindInstance({ account: reservation.OwnerId, region, instanceId: instance.InstanceId }, options);
        if ('problem' in bound) return quarantine(record, `${path}: ${bound.problem}`, rawInstance);

        const publicIps: Array<{ ip: string; path: string }> = [];
        const privateIps: Array<{ ip: string; path: string }> = [];
        if (instance.PublicIpAddress) publicIps.push({ ip: instance.PublicIpAddress, path: `${path}.PublicIpAddress` });
        if (instance.PrivateIpAddress) privateIps.push({ ip: instance.PrivateIpAddress, path: `${path}.PrivateIpAddress` });
        const groupIds = instance.SecurityGroups.map((group) => group.GroupId);
        instance.NetworkInterfaces.forEach((eni, n) => {
          const eniPath = `${path}.NetworkInterfaces[${n}]`;
          if (eni.Association?.PublicIp) publicIps.push({ ip: eni.Association.PublicIp, path: `${eniPath}.Association.PublicIp` });
          eni.PrivateIpAddresses.forEach((address, a) => {
            if (address.PrivateIpAddress) privateIps.push({ ip: address.PrivateIpAddress, path: `${eniPath}.PrivateIpAddresses[${a}].PrivateIpAddress` });
            if (address.Association?.PublicIp) publicIps.push({ ip: address.Association.PublicIp, path: `${eniPath}.PrivateIpAddresses[${a}].Association.PublicIp` });
          });
          eni.Ipv6Addresses.forEach((address, a) => publicIps.push({ ip: address.Ipv6Address, path: `${eniPath}.Ipv6Addresses[${a}].Ipv6Address` }));
          groupIds.push(...eni.Groups.map((group) => group.GroupId));
        });
        const badIp = [...publicIps, ...privateIps].find(({ ip }) => !isIp(ip));
        if (badIp) return quarantine(record, `${badIp.path}: not an IP address: "${badIp.ip}"`, rawInstance);

        const securityGroups = [...new Set(groupIds)];
        const ingress: IngressRule[] = [];
        for (const groupId of securityGroups) {
          const rules = groups.get(groupId);
          if (rules) ingress.push(...rules);
          else notes.push(`${sourceName}: ${record}: ${groupId} is not in the DescribeSecurityGroups output; its rules are not known`);
        }
        const boundGroups = securityGroups.filter((group) => /^sg-[0-9a-f]{8,17}$/.test(group));
        for (const group of securityGroups.filter((id) => !boundGroups.includes(id))) notes.push(`${sourceName}: ${record}: "${group}" is not a security group id the binding takes; left out of it`);
        const publicList = [...new Set(publicIps.map(({ ip }) => ip))];
        const partial: AssetPartial = {
          id: bound.id,
          cloud: { ...bound.cloud, securityGroups: boundGroups },
          ips: [...new Set([...privateIps.map(({ ip }) => ip), ...publicList])],
          network: { publicIps: publicList, ingress, loadBalancers: options.loadBalancers?.[instance.InstanceId] ?? [] },
        };
        if (instance.PrivateDnsName) partial.hostname = instance.PrivateDnsName;
        if (instance.Tags.length > 0) partial.tags = Object.fromEntries(instance.Tags.map((tag) => [tag.Key, tag.Value]));
        assets.push(partial);
      });
    });
  });
  return { assets, quarantined, notes };
}
