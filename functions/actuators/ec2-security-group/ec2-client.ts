import {
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { EC2ClientConfig, IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { AccountNotEnrolled, VendorRequestFailed, VendorAuthFailed, VendorRateLimited, vendorFailure } from '../../vendor/vendor-errors.ts';

/** A security group where it lives. */
export interface GroupRef {
  account: string;
  region: string;
  groupId: string;
}

/** An ingress rule with everything needed to authorize it again. */
export interface IngressRule {
  ruleId: string;
  ipProtocol: string;
  fromPort?: number | undefined;
  toPort?: number | undefined;
  cidrIpv4?: string | undefined;
  cidrIpv6?: string | undefined;
  description?: string | undefined;
}

/** A rule to authorize: an ingress rule without its id (EC2 assigns a new one). */
export type IngressRuleSpec = Omit<IngressRule, 'ruleId'>;

/** The EC2 calls the security-group actuator makes (the simulator answers the same calls locally). */
export interface Ec2Api {
  /** Ingress rules of the group open to the whole internet (0.0.0.0/0 or ::/0), every page. */
  internetIngressRules(group: GroupRef): Promise<IngressRule[]>;
  /**
   * Everything using the group (DescribeNetworkInterfaces): instances by id, interfaces without an
   * instance (load balancers, NAT gateways, Lambda functions) by interface id.
   */
  groupUsers(group: GroupRef): Promise<string[]>;
  /** RevokeSecurityGroupIngress by rule id. */
  revokeIngressRules(group: GroupRef, ruleIds: readonly string[]): Promise<void>;
  /** AuthorizeSecurityGroupIngress, each rule with `description`, the new rules tagged with `tags`; returns the new rule ids. */
  authorizeIngressRules(group: GroupRef, rules: readonly IngressRuleSpec[], description: string, tags: Readonly<Record<string, string>>): Promise<string[]>;
  /** CreateTags on the group (idempotent: the same key and value again changes nothing). */
  tagGroup(group: GroupRef, tags: Readonly<Record<string, string>>): Promise<void>;
}

export interface Ec2ApiOptions {
  /** Loopback endpoint (local mode): every account and region is served there with static credentials. */
  endpoint?: string | undefined;
  /** The account the function runs in (`FORESTALL_ACCOUNT_ID`): its groups are changed with the function's own role. */
  ownAccount?: string | undefined;
  /** The role assumed in every other account (`forestall:ec2MemberRoleName`); without it other accounts are refused. */
  memberRoleName?: string | undefined;
  /** Per-request timeouts; a request without an answer surfaces as VendorUnavailable. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

const VENDOR = 'ec2';
const INTERNET = new Set(['0.0.0.0/0', '::/0']);
const LOCAL_CREDENTIALS = { accessKeyId: 'forestall-local', secretAccessKey: 'forestall-local' };

/** The partition of a region, for ARNs built at run time. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The role forestall assumes in a member account. */
export function memberRoleArn(account: string, region: string, roleName: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:role/${roleName}`;
}

/**
 * EC2 over @aws-sdk/client-ec2, one client per account and region, kept across invocations. The own
 * account uses the function's role; any other account the member role (STS AssumeRole, credentials
 * refreshed by the provider), and without a member role name it is refused as AccountNotEnrolled before
 * any call. Requests time out, and are not retried by the SDK (`maxAttempts: 1`) so throttling reaches the
 * playbook's Retry instead of stretching one invocation. Errors become the named vendor errors.
 */
export function createEc2Api(options: Ec2ApiOptions = {}): Ec2Api & { destroy(): void } {
  const clients = new Map<string, EC2Client>();

  /** A different account, when the own account is known; when it is not, any account when a member role is set. */
  const isMemberAccount = (account: string) => (options.ownAccount === undefined ? options.memberRoleName !== undefined : account !== options.ownAccount);

  function clientFor(account: string, region: string): EC2Client {
    const key = `${account}/${region}`;
    const cached = clients.get(key);
    if (cached) return cached;
    const member = isMemberAccount(account);
    if (member && !options.memberRoleName) throw new AccountNotEnrolled(account, 'set forestall:ec2MemberRoleName and deploy the member-account role there');
    const config: EC2ClientConfig = {
      region,
      maxAttempts: 1,
      requestHandler: {
        requestTimeout: options.requestTimeoutMs ?? 10_000,
        connectionTimeout: options.connectionTimeoutMs ?? 3_000,
        // Without it this SDK only logs a warning when requestTimeout passes and keeps waiting.
        throwOnRequestTimeout: true,
      },
    };
    if (options.endpoint) {
      // The loopback endpoint checks that requests are signed, not who signed them.
      config.endpoint = options.endpoint;
      config.credentials = LOCAL_CREDENTIALS;
    } else if (member && options.memberRoleName) {
      config.credentials = fromTemporaryCredentials({
        params: { RoleArn: memberRoleArn(account, region, options.memberRoleName), RoleSessionName: 'forestall-ec2-security-group' },
        clientConfig: { region, maxAttempts: 1, requestHandler: config.requestHandler },
      });
    }
    const client = new EC2Client(config);
    clients.set(key, client);
    return client;
  }

  /** Runs one call for a group's account, with its errors as vendor errors. */
  async function call<R>(group: GroupRef, send: (client: EC2Client) => Promise<R>): Promise<R> {
    const client = clientFor(group.account, group.region);
    try {
      return await send(client);
    } catch (error) {
      throw ec2VendorError(error, isMemberAccount(group.account) ? group.account : undefined);
    }
  }

  return {
    async internetIngressRules(group) {
      const rules: SecurityGroupRule[] = [];
      let nextToken: string | undefined;
      do {
        const page = await call(group, (client) =>
          client.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [group.groupId] }], MaxResults: 1000, ...(nextToken ? { NextToken: nextToken } : {}) })),
        );
        rules.push(...(page.SecurityGroupRules ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
      return rules.filter((rule) => !rule.IsEgress && rule.SecurityGroupRuleId && INTERNET.has(rule.CidrIpv4 ?? rule.CidrIpv6 ?? '')).map(toIngressRule);
    },

    async groupUsers(group) {
      const users = new Set<string>();
      let nextToken: string | undefined;
      do {
        const page = await call(group, (client) =>
          client.send(
            new DescribeNetworkInterfacesCommand({
              Filters: [{ Name: 'group-id', Values: [group.groupId] }],
              MaxResults: 1000,
              // A service-owned interface (hidden by default) is a user too.
              IncludeManagedResources: true,
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
          ),
        );
        for (const eni of page.NetworkInterfaces ?? []) {
          const user = eni.Attachment?.InstanceId ?? eni.NetworkInterfaceId;
          if (user) users.add(user);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return [...users];
    },

    async revokeIngressRules(group, ruleIds) {
      await call(group, (client) => client.send(new RevokeSecurityGroupIngressCommand({ GroupId: group.groupId, SecurityGroupRuleIds: [...ruleIds] })));
    },

    async authorizeIngressRules(group, rules, description, tags) {
      const permissions: IpPermission[] = rules.map((rule) => ({
        IpProtocol: rule.ipProtocol,
        ...(rule.fromPort === undefined ? {} : { FromPort: rule.fromPort }),
        ...(rule.toPort === undefined ? {} : { ToPort: rule.toPort }),
        ...(rule.cidrIpv4 ? { IpRanges: [{ CidrIp: rule.cidrIpv4, Description: description }] } : {}),
        ...(rule.cidrIpv6 ? { Ipv6Ranges: [{ CidrIpv6: rule.cidrIpv6, Description: description }] } : {}),
      }));
      const result = await call(group, (client) =>
        client.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: group.groupId,
            IpPermissions: permissions,
            TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
          }),
        ),
      );
      return (result.SecurityGroupRules ?? []).flatMap((rule) => (rule.SecurityGroupRuleId ? [rule.SecurityGroupRuleId] : []));
    },

    async tagGroup(group, tags) {
      await call(group, (client) => client.send(new CreateTagsCommand({ Resources: [group.groupId], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) })));
    },

    destroy() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}

function toIngressRule(rule: SecurityGroupRule): IngressRule {
  return {
    ruleId: rule.SecurityGroupRuleId ?? '',
    ipProtocol: rule.IpProtocol ?? '-1',
    // EC2 reports -1 for "all ports"; a rule without ports is stored without them.
    ...(rule.FromPort === undefined || rule.FromPort === -1 ? {} : { fromPort: rule.FromPort }),
    ...(rule.ToPort === undefined || rule.ToPort === -1 ? {} : { toPort: rule.ToPort }),
    ...(rule.CidrIpv4 ? { cidrIpv4: rule.CidrIpv4 } : {}),
    ...(rule.CidrIpv6 ? { cidrIpv6: rule.CidrIpv6 } : {}),
    ...(rule.Description ? { description: rule.Description } : {}),
  };
}

const THROTTLING = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException']);
const AUTH = new Set(['AuthFailure', 'InvalidClientTokenId', 'ExpiredToken', 'SignatureDoesNotMatch']);

/**
 * Maps an EC2 SDK error to the named errors the playbooks retry or catch. In a member account, STS
 * refusing the member role (`AccessDenied`: the role is not deployed there, or does not trust forestall)
 * means the account is not enrolled: that unit fails, the rest of the request goes on.
 */
export function ec2VendorError(error: unknown, memberAccount?: string): Error {
  const name = (error as { name?: string }).name ?? 'Error';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const message = (error as Error).message ?? String(error);
  if (THROTTLING.has(name)) return new VendorRateLimited(VENDOR, 5, { cause: error });
  if (memberAccount !== undefined && name === 'AccessDenied') return new AccountNotEnrolled(memberAccount, `the member role could not be assumed (${message})`);
  if (AUTH.has(name)) return new VendorAuthFailed(VENDOR, status ?? 403, `${name}: ${message}`, { cause: error });
  // Valid credentials, but this group may not be changed (the tag condition or the allowed regions in
  // the function's policy): a refusal of that one unit, not of the request.
  if (name === 'UnauthorizedOperation') return new VendorRequestFailed(VENDOR, 403, `not allowed to change this security group (tag condition or region): ${message}`, { cause: error });
  // No HTTP status means the request never got an answer (network, timeout): transient.
  return vendorFailure(VENDOR, status, `${name}: ${message}`, { cause: error });
}
