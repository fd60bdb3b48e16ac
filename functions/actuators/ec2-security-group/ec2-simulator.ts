import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { startHttpSimulator } from '../../local/simulators/http-simulator.ts';
import type { CheckOutcome, RunningSimulator, SimulatorResponse } from '../../local/simulators/http-simulator.ts';
import type { HttpRequestShape } from '../../local/simulators/openapi-request-check.ts';

/**
 * EC2 Query API (version 2016-11-15) on 127.0.0.1 for the security-group and network-interface calls
 * the ec2-security-group actuator makes, good enough for @aws-sdk/client-ec2 pointed at it with
 * `endpoint`. AWS publishes no OpenAPI document for EC2 (its API is described only in the EC2 API
 * Reference and the SDK's Smithy model), and none is among the vendor documents in the reference data, so
 * requests are checked against the parameter shapes of the EC2 API Reference written out below as zod
 * schemas: unknown actions or parameters, missing required ones, a wrong version or a request without
 * a SigV4 signature are rejected. Fault injection is the shared `fault()` of the HTTP simulator; EC2's
 * own throttling answer for one operation is `throttleOperation()`.
 */

const EC2_VERSION = '2016-11-15';
const XMLNS = `http://ec2.amazonaws.com/doc/${EC2_VERSION}/`;

export interface SimulatedIngressRule {
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  description?: string;
}

export interface SimulatedSecurityGroup {
  groupId: string;
  groupName?: string;
  description?: string;
  vpcId?: string;
  ownerId?: string;
  ingress: SimulatedIngressRule[];
  tags?: Record<string, string>;
  /**
   * Who uses the group: an instance (its primary network interface, shared by every group naming the
   * instance), or a network interface without an instance (load balancer, NAT gateway, Lambda) by id.
   * Default: nothing is attached.
   */
  attachedTo?: Array<{ instanceId?: string; networkInterfaceId?: string }>;
}

export interface Ec2SimulatorOptions {
  securityGroups: SimulatedSecurityGroup[];
}

export interface Ec2RuleState extends SimulatedIngressRule {
  ruleId: string;
  groupId: string;
  tags: Record<string, string>;
}

export interface Ec2NetworkInterfaceState {
  networkInterfaceId: string;
  /** The instance the interface is attached to, if any. */
  instanceId?: string;
  groupIds: string[];
}

export interface Ec2SimulatorState {
  groups: Map<string, { groupId: string; groupName: string; description: string; vpcId: string; ownerId: string; tags: Record<string, string> }>;
  /** Ingress rules by rule id. */
  rules: Map<string, Ec2RuleState>;
  /** Network interfaces by id, in the order they were first named. */
  networkInterfaces: Map<string, Ec2NetworkInterfaceState>;
  /**
   * Every ingress change EC2 made, in order, with the rules it removed or added (also when a fault
   * injected after the change hid the answer): what fault-injection tests count.
   */
  changes: Array<{ action: 'revoke' | 'authorize'; groupId: string; rules: Ec2RuleState[] }>;
}

// ---- request shapes (EC2 API reference, query parameter names as sent on the wire) -------------

const count = z.coerce.number().int();
const ipRange = z.object({ CidrIp: z.string(), Description: z.string().optional() }).strict();
const ipv6Range = z.object({ CidrIpv6: z.string(), Description: z.string().optional() }).strict();
const ipPermission = z
  .object({
    IpProtocol: z.string(),
    FromPort: count.optional(),
    ToPort: count.optional(),
    IpRanges: z.array(ipRange).optional(),
    Ipv6Ranges: z.array(ipv6Range).optional(),
  })
  .strict();
const filter = z.object({ Name: z.string(), Value: z.array(z.string()).min(1) }).strict();
const tag = z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256).default('') }).strict();
const tagSpecification = z.object({ ResourceType: z.string(), Tag: z.array(tag) }).strict();
const common = { Action: z.string(), Version: z.literal(EC2_VERSION), DryRun: z.enum(['true', 'false']).optional() };

const ACTIONS = {
  DescribeSecurityGroups: z
    .object({ ...common, GroupId: z.array(z.string()).optional(), GroupName: z.array(z.string()).optional(), Filter: z.array(filter).optional(), MaxResults: count.min(5).max(1000).optional(), NextToken: z.string().optional() })
    .strict(),
  DescribeSecurityGroupRules: z
    .object({ ...common, SecurityGroupRuleId: z.array(z.string()).optional(), Filter: z.array(filter).optional(), MaxResults: count.min(5).max(1000).optional(), NextToken: z.string().optional() })
    .strict(),
  RevokeSecurityGroupIngress: z
    .object({ ...common, GroupId: z.string().optional(), GroupName: z.string().optional(), SecurityGroupRuleId: z.array(z.string()).optional(), IpPermissions: z.array(ipPermission).optional() })
    .strict()
    .refine((value) => value.GroupId !== undefined || value.GroupName !== undefined, { message: 'GroupId or GroupName is required', path: ['GroupId'] })
    .refine((value) => (value.SecurityGroupRuleId === undefined) !== (value.IpPermissions === undefined), {
      message: 'exactly one of SecurityGroupRuleId or IpPermissions is required',
      path: ['SecurityGroupRuleId'],
    }),
  AuthorizeSecurityGroupIngress: z
    .object({ ...common, GroupId: z.string(), IpPermissions: z.array(ipPermission).min(1), TagSpecification: z.array(tagSpecification).optional() })
    .strict(),
  CreateTags: z.object({ ...common, ResourceId: z.array(z.string()).min(1), Tag: z.array(tag).min(1) }).strict(),
  DescribeNetworkInterfaces: z
    .object({
      ...common,
      NetworkInterfaceId: z.array(z.string()).optional(),
      Filter: z.array(filter).optional(),
      MaxResults: count.min(5).max(1000).optional(),
      NextToken: z.string().optional(),
      IncludeManagedResources: z.enum(['true', 'false']).optional(),
    })
    .strict()
    .refine((value) => value.MaxResults === undefined || value.NetworkInterfaceId === undefined, {
      message: 'MaxResults cannot be combined with NetworkInterfaceId',
      path: ['MaxResults'],
    }),
} as const;
type ActionName = keyof typeof ACTIONS;

/** `IpPermissions.1.IpRanges.2.CidrIp=x` -> `{ IpPermissions: [ { IpRanges: [ , { CidrIp: 'x' } ] } ] }` (1-based lists). */
export function parseQueryParameters(params: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of params) {
    const segments = key.split('.');
    let node: Record<string, unknown> = root;
    segments.forEach((segment, index) => {
      const last = index === segments.length - 1;
      if (last) {
        node[segment] = value;
        return;
      }
      node[segment] ??= {};
      node = node[segment] as Record<string, unknown>;
    });
  }
  // Objects whose keys are all positive integers are lists.
  const listify = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > 0 && entries.every(([key]) => /^[1-9]\d*$/.test(key))) {
      return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, item]) => listify(item));
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, listify(item)]));
  };
  return listify(root) as Record<string, unknown>;
}

function checkEc2Request(request: HttpRequestShape): CheckOutcome {
  const violations: string[] = [];
  const url = new URL(request.url, 'http://simulator.invalid');
  if (request.method !== 'POST' || url.pathname !== '/') violations.push(`route: EC2 takes POST / (got ${request.method} ${url.pathname})`);
  const contentType = String(request.headers['content-type'] ?? '');
  if (!contentType.startsWith('application/x-www-form-urlencoded')) violations.push(`content-type: expected application/x-www-form-urlencoded (got ${contentType || 'none'})`);
  const authorization = String(request.headers.authorization ?? '');
  if (!/^AWS4-HMAC-SHA256 Credential=\S+, ?SignedHeaders=\S+, ?Signature=[0-9a-f]{64}$/.test(authorization) || !request.headers['x-amz-date']) {
    violations.push('authorization: a SigV4 signature (Authorization: AWS4-HMAC-SHA256 ... and X-Amz-Date) is required');
  }
  const params = parseQueryParameters(new URLSearchParams(request.body ?? ''));
  const action = typeof params.Action === 'string' ? params.Action : undefined;
  if (!action || !(action in ACTIONS)) {
    violations.push(`Action: ${action ?? '(missing)'} is not one of ${Object.keys(ACTIONS).join(', ')}`);
    return { ok: false, ...(action ? { operation: action } : {}), violations };
  }
  const parsed = ACTIONS[action as ActionName].safeParse(params);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) violations.push(`${issue.path.join('.') || action}: ${issue.message}`);
  }
  if (violations.length > 0 || !parsed.success) return { ok: false, operation: action, violations };
  return { ok: true, operation: action, detail: parsed.data };
}

// ---- XML --------------------------------------------------------------------------------------

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type XmlValue = string | number | boolean | undefined | XmlValue[] | { [key: string]: XmlValue };

function toXml(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((item) => toXml('item', item)).join('')}</${name}>`;
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([key, item]) => toXml(key, item)).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function xmlResponse(action: string, body: Record<string, XmlValue>): SimulatorResponse {
  const inner = Object.entries({ requestId: randomUUID(), ...body })
    .map(([key, value]) => toXml(key, value))
    .join('');
  return { status: 200, headers: { 'content-type': 'text/xml;charset=UTF-8' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}">${inner}</${action}Response>` };
}

function xmlError(status: number, code: string, message: string): SimulatorResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`,
  };
}

const tagSet = (tags: Record<string, string>): XmlValue => Object.entries(tags).map(([key, value]) => ({ key, value }));

// ---- simulator --------------------------------------------------------------------------------

/** The running EC2 endpoint: the shared simulator controls, and EC2's throttling of one operation. */
export interface RunningEc2Simulator extends RunningSimulator<Ec2SimulatorState> {
  /**
   * Answers the next `times` (default 1) well-formed requests of `operation` (e.g. `CreateTags`) with
   * EC2's own throttling error (503 `RequestLimitExceeded`) without acting; other operations go through.
   * `throttle()` throttles whatever comes next, and `fault()` answers with a bare status, not EC2's error.
   */
  throttleOperation(operation: string, times?: number): void;
}

/** Starts the EC2 endpoint. Rule ids are assigned in order (`sgr-00000000000000001`, ...). */
export async function startEc2Simulator(options: Ec2SimulatorOptions): Promise<RunningEc2Simulator> {
  let ruleSequence = 0;
  const nextRuleId = () => `sgr-${String(++ruleSequence).padStart(17, '0')}`;
  let interfaceSequence = 0;
  // Generated interface ids never take an id the options name explicitly.
  const namedInterfaces = new Set(options.securityGroups.flatMap((group) => (group.attachedTo ?? []).flatMap((user) => (user.networkInterfaceId ? [user.networkInterfaceId] : []))));
  const nextInterfaceId = (): string => {
    const id = `eni-${String(++interfaceSequence).padStart(17, '0')}`;
    return namedInterfaces.has(id) ? nextInterfaceId() : id;
  };
  const state: Ec2SimulatorState = { groups: new Map(), rules: new Map(), networkInterfaces: new Map(), changes: [] };
  // An instance named by several groups has one (primary) interface carrying all of them.
  const primaryInterfaces = new Map<string, string>();
  for (const group of options.securityGroups) {
    state.groups.set(group.groupId, {
      groupId: group.groupId,
      groupName: group.groupName ?? group.groupId,
      description: group.description ?? 'simulated security group',
      vpcId: group.vpcId ?? 'vpc-0a1b2c3d4e5f60718',
      ownerId: group.ownerId ?? '111122223333',
      tags: { ...(group.tags ?? {}) },
    });
    for (const rule of group.ingress) {
      const ruleId = nextRuleId();
      state.rules.set(ruleId, { ...rule, ruleId, groupId: group.groupId, tags: {} });
    }
    for (const user of group.attachedTo ?? []) {
      let networkInterfaceId = user.networkInterfaceId ?? (user.instanceId ? primaryInterfaces.get(user.instanceId) : undefined);
      if (!networkInterfaceId) {
        networkInterfaceId = nextInterfaceId();
        if (user.instanceId) primaryInterfaces.set(user.instanceId, networkInterfaceId);
      }
      const known = state.networkInterfaces.get(networkInterfaceId);
      if (known) {
        if (!known.groupIds.includes(group.groupId)) known.groupIds.push(group.groupId);
      } else {
        state.networkInterfaces.set(networkInterfaceId, { networkInterfaceId, ...(user.instanceId ? { instanceId: user.instanceId } : {}), groupIds: [group.groupId] });
      }
    }
  }

  const ruleXml = (rule: Ec2RuleState): XmlValue => {
    const owner = state.groups.get(rule.groupId)?.ownerId ?? '';
    return {
      securityGroupRuleId: rule.ruleId,
      groupId: rule.groupId,
      groupOwnerId: owner,
      isEgress: false,
      ipProtocol: rule.ipProtocol,
      fromPort: rule.fromPort ?? -1,
      toPort: rule.toPort ?? -1,
      cidrIpv4: rule.cidrIpv4,
      cidrIpv6: rule.cidrIpv6,
      description: rule.description,
      tagSet: tagSet(rule.tags),
      securityGroupRuleArn: `arn:aws:ec2:us-east-1:${owner}:security-group-rule/${rule.ruleId}`,
    };
  };

  const permissionsXml = (groupId: string): XmlValue => {
    const byPorts = new Map<string, Ec2RuleState[]>();
    for (const rule of state.rules.values()) {
      if (rule.groupId !== groupId) continue;
      const key = `${rule.ipProtocol}|${rule.fromPort ?? -1}|${rule.toPort ?? -1}`;
      byPorts.set(key, [...(byPorts.get(key) ?? []), rule]);
    }
    return [...byPorts.values()].map((rules) => {
      const first = rules[0] as Ec2RuleState;
      return {
        ipProtocol: first.ipProtocol,
        fromPort: first.fromPort,
        toPort: first.toPort,
        groups: [],
        ipRanges: rules.filter((r) => r.cidrIpv4).map((r) => ({ cidrIp: r.cidrIpv4, description: r.description })),
        ipv6Ranges: rules.filter((r) => r.cidrIpv6).map((r) => ({ cidrIpv6: r.cidrIpv6, description: r.description })),
        prefixListIds: [],
      };
    });
  };

  const permissionRules = (permissions: z.infer<typeof ipPermission>[]): SimulatedIngressRule[] =>
    permissions.flatMap((permission) => {
      const base = { ipProtocol: permission.IpProtocol, ...(permission.FromPort === undefined ? {} : { fromPort: permission.FromPort }), ...(permission.ToPort === undefined ? {} : { toPort: permission.ToPort }) };
      return [
        ...(permission.IpRanges ?? []).map((range) => ({ ...base, cidrIpv4: range.CidrIp, ...(range.Description === undefined ? {} : { description: range.Description }) })),
        ...(permission.Ipv6Ranges ?? []).map((range) => ({ ...base, cidrIpv6: range.CidrIpv6, ...(range.Description === undefined ? {} : { description: range.Description }) })),
      ];
    });

  const sameRule = (a: SimulatedIngressRule, b: SimulatedIngressRule) =>
    a.ipProtocol === b.ipProtocol && (a.fromPort ?? -1) === (b.fromPort ?? -1) && (a.toPort ?? -1) === (b.toPort ?? -1) && a.cidrIpv4 === b.cidrIpv4 && a.cidrIpv6 === b.cidrIpv6;

  const filterGroups = (filters: z.infer<typeof filter>[] | undefined): SimulatorResponse | ((rule: Ec2RuleState) => boolean) => {
    const tests: Array<(rule: Ec2RuleState) => boolean> = [];
    for (const { Name, Value } of filters ?? []) {
      if (Name === 'group-id') tests.push((rule) => Value.includes(rule.groupId));
      else if (Name === 'security-group-rule-id') tests.push((rule) => Value.includes(rule.ruleId));
      else if (Name.startsWith('tag:')) tests.push((rule) => Value.includes(rule.tags[Name.slice(4)] ?? '\u0000'));
      else return xmlError(400, 'InvalidParameterValue', `The filter '${Name}' is invalid`);
    }
    return (rule) => tests.every((test) => test(rule));
  };

  const filterInterfaces = (filters: z.infer<typeof filter>[] | undefined): SimulatorResponse | ((eni: Ec2NetworkInterfaceState) => boolean) => {
    const tests: Array<(eni: Ec2NetworkInterfaceState) => boolean> = [];
    for (const { Name, Value } of filters ?? []) {
      if (Name === 'group-id') tests.push((eni) => eni.groupIds.some((groupId) => Value.includes(groupId)));
      else if (Name === 'network-interface-id') tests.push((eni) => Value.includes(eni.networkInterfaceId));
      else if (Name === 'attachment.instance-id') tests.push((eni) => eni.instanceId !== undefined && Value.includes(eni.instanceId));
      else return xmlError(400, 'InvalidParameterValue', `The filter '${Name}' is invalid`);
    }
    return (eni) => tests.every((test) => test(eni));
  };

  const interfaceXml = (eni: Ec2NetworkInterfaceState): XmlValue => {
    const firstGroup = state.groups.get(eni.groupIds[0] ?? '');
    return {
      networkInterfaceId: eni.networkInterfaceId,
      description: eni.instanceId ? 'Primary network interface' : 'simulated network interface',
      ownerId: firstGroup?.ownerId ?? '111122223333',
      vpcId: firstGroup?.vpcId ?? 'vpc-0a1b2c3d4e5f60718',
      interfaceType: 'interface',
      status: eni.instanceId ? 'in-use' : 'available',
      requesterManaged: false,
      sourceDestCheck: true,
      groupSet: eni.groupIds.map((groupId) => ({ groupId, groupName: state.groups.get(groupId)?.groupName ?? groupId })),
      attachment: eni.instanceId
        ? {
            attachmentId: `eni-attach-${eni.networkInterfaceId.slice(4)}`,
            instanceId: eni.instanceId,
            instanceOwnerId: firstGroup?.ownerId ?? '111122223333',
            deviceIndex: 0,
            status: 'attached',
            deleteOnTermination: true,
          }
        : undefined,
      tagSet: [],
    };
  };

  const throttledOperations = new Map<string, number>();
  const throttled = () => xmlError(503, 'RequestLimitExceeded', 'Request limit exceeded.');

  const simulator = await startHttpSimulator<Ec2SimulatorState>({
    state,
    check: checkEc2Request,
    rejected: (violations) => {
      if (violations.some((v) => v.startsWith('authorization'))) return xmlError(401, 'AuthFailure', violations.join('; '));
      if (violations.some((v) => v.startsWith('Action:'))) return xmlError(400, 'InvalidAction', violations.join('; '));
      return xmlError(400, 'InvalidParameterValue', violations.join('; '));
    },
    throttled,
    handle(_request, detail, operation) {
      const remaining = throttledOperations.get(operation) ?? 0;
      if (remaining > 0) {
        throttledOperations.set(operation, remaining - 1);
        return throttled();
      }
      switch (operation) {
        case 'DescribeSecurityGroups': {
          const input = detail as z.infer<(typeof ACTIONS)['DescribeSecurityGroups']>;
          const ids = input.GroupId ?? [...state.groups.keys()];
          const missing = ids.find((id) => !state.groups.has(id));
          if (missing) return xmlError(400, 'InvalidGroup.NotFound', `The security group '${missing}' does not exist`);
          return xmlResponse(operation, {
            securityGroupInfo: ids.map((id) => {
              const group = state.groups.get(id);
              if (!group) return {};
              return {
                ownerId: group.ownerId,
                groupId: group.groupId,
                groupName: group.groupName,
                groupDescription: group.description,
                vpcId: group.vpcId,
                securityGroupArn: `arn:aws:ec2:us-east-1:${group.ownerId}:security-group/${group.groupId}`,
                ipPermissions: permissionsXml(group.groupId),
                ipPermissionsEgress: [],
                tagSet: tagSet(group.tags),
              };
            }),
          });
        }
        case 'DescribeSecurityGroupRules': {
          const input = detail as z.infer<(typeof ACTIONS)['DescribeSecurityGroupRules']>;
          const predicate = filterGroups(input.Filter);
          if (typeof predicate !== 'function') return predicate;
          const rules = [...state.rules.values()].filter((rule) => predicate(rule) && (!input.SecurityGroupRuleId || input.SecurityGroupRuleId.includes(rule.ruleId)));
          return xmlResponse(operation, { securityGroupRuleSet: rules.map(ruleXml) });
        }
        case 'RevokeSecurityGroupIngress': {
          const input = detail as z.infer<(typeof ACTIONS)['RevokeSecurityGroupIngress']>;
          const groupId = input.GroupId ?? [...state.groups.values()].find((g) => g.groupName === input.GroupName)?.groupId;
          if (!groupId || !state.groups.has(groupId)) return xmlError(400, 'InvalidGroup.NotFound', `The security group '${input.GroupId ?? input.GroupName}' does not exist`);
          const revoked: Ec2RuleState[] = [];
          const unknown: SimulatedIngressRule[] = [];
          if (input.SecurityGroupRuleId) {
            for (const ruleId of input.SecurityGroupRuleId) {
              const rule = state.rules.get(ruleId);
              if (!rule || rule.groupId !== groupId) return xmlError(400, 'InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${ruleId}' does not exist`);
            }
            for (const ruleId of input.SecurityGroupRuleId) {
              const rule = state.rules.get(ruleId);
              if (rule) revoked.push(rule);
              state.rules.delete(ruleId);
            }
          } else {
            for (const wanted of permissionRules(input.IpPermissions ?? [])) {
              const match = [...state.rules.values()].find((rule) => rule.groupId === groupId && sameRule(rule, wanted));
              if (match) {
                revoked.push(match);
                state.rules.delete(match.ruleId);
              } else {
                unknown.push(wanted);
              }
            }
          }
          if (revoked.length > 0) state.changes.push({ action: 'revoke', groupId, rules: revoked.map((rule) => ({ ...rule, tags: { ...rule.tags } })) });
          return xmlResponse(operation, {
            return: true,
            ...(unknown.length > 0 ? { unknownIpPermissionSet: unknown.map((rule) => ({ ipProtocol: rule.ipProtocol, fromPort: rule.fromPort, toPort: rule.toPort, ipRanges: rule.cidrIpv4 ? [{ cidrIp: rule.cidrIpv4 }] : [], ipv6Ranges: rule.cidrIpv6 ? [{ cidrIpv6: rule.cidrIpv6 }] : [] })) } : {}),
            revokedSecurityGroupRuleSet: revoked.map((rule) => ({ securityGroupRuleId: rule.ruleId, groupId: rule.groupId, isEgress: false, ipProtocol: rule.ipProtocol, fromPort: rule.fromPort, toPort: rule.toPort, cidrIpv4: rule.cidrIpv4, cidrIpv6: rule.cidrIpv6, description: rule.description })),
          });
        }
        case 'AuthorizeSecurityGroupIngress': {
          const input = detail as z.infer<(typeof ACTIONS)['AuthorizeSecurityGroupIngress']>;
          if (!state.groups.has(input.GroupId)) return xmlError(400, 'InvalidGroup.NotFound', `The security group '${input.GroupId}' does not exist`);
          const wanted = permissionRules(input.IpPermissions);
          for (const rule of wanted) {
            if ([...state.rules.values()].some((existing) => existing.groupId === input.GroupId && sameRule(existing, rule))) {
              return xmlError(400, 'InvalidPermission.Duplicate', `the specified rule "peer: ${rule.cidrIpv4 ?? rule.cidrIpv6}, ${rule.ipProtocol.toUpperCase()}, from port: ${rule.fromPort ?? -1}, to port: ${rule.toPort ?? -1}, ALLOW" already exists`);
            }
          }
          const ruleTags = Object.fromEntries((input.TagSpecification ?? []).filter((spec) => spec.ResourceType === 'security-group-rule').flatMap((spec) => spec.Tag.map((t) => [t.Key, t.Value])));
          const created = wanted.map((rule) => {
            const ruleId = nextRuleId();
            const stored: Ec2RuleState = { ...rule, ruleId, groupId: input.GroupId, tags: { ...ruleTags } };
            state.rules.set(ruleId, stored);
            return stored;
          });
          state.changes.push({ action: 'authorize', groupId: input.GroupId, rules: created.map((rule) => ({ ...rule, tags: { ...rule.tags } })) });
          return xmlResponse(operation, { return: true, securityGroupRuleSet: created.map(ruleXml) });
        }
        case 'CreateTags': {
          const input = detail as z.infer<(typeof ACTIONS)['CreateTags']>;
          for (const resource of input.ResourceId) {
            const target = state.groups.get(resource) ?? state.rules.get(resource);
            if (!target) return xmlError(400, resource.startsWith('sg-') ? 'InvalidGroup.NotFound' : 'InvalidID', `The ID '${resource}' is not valid`);
          }
          for (const resource of input.ResourceId) {
            const target = state.groups.get(resource) ?? state.rules.get(resource);
            for (const { Key, Value } of input.Tag) if (target) target.tags[Key] = Value;
          }
          return xmlResponse(operation, { return: true });
        }
        case 'DescribeNetworkInterfaces': {
          const input = detail as z.infer<(typeof ACTIONS)['DescribeNetworkInterfaces']>;
          const predicate = filterInterfaces(input.Filter);
          if (typeof predicate !== 'function') return predicate;
          const missing = input.NetworkInterfaceId?.find((id) => !state.networkInterfaces.has(id));
          if (missing) return xmlError(400, 'InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${missing}' does not exist`);
          const matching = [...state.networkInterfaces.values()].filter((eni) => predicate(eni) && (!input.NetworkInterfaceId || input.NetworkInterfaceId.includes(eni.networkInterfaceId)));
          // The token is the offset of the next page, opaque to callers.
          const start = input.NextToken === undefined ? 0 : Number.parseInt(Buffer.from(input.NextToken, 'base64url').toString('utf8'), 10);
          if (!Number.isInteger(start) || start < 0 || start > matching.length) return xmlError(400, 'InvalidPaginationToken', 'The specified pagination token is not valid or is expired.');
          const end = input.MaxResults === undefined ? matching.length : Math.min(matching.length, start + input.MaxResults);
          return xmlResponse(operation, {
            networkInterfaceSet: matching.slice(start, end).map(interfaceXml),
            nextToken: end < matching.length ? Buffer.from(String(end), 'utf8').toString('base64url') : undefined,
          });
        }
        default:
          return xmlError(400, 'InvalidAction', `The action ${operation} is not valid for this web service.`);
      }
    },
  });
  return {
    ...simulator,
    throttleOperation(operation, times = 1) {
      throttledOperations.set(operation, times);
    },
  };
}
