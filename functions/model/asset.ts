import { z } from 'zod';
import { EntityIdSchema } from './ids.ts';
import { VexStatementSchema } from './vex.ts';

export const CriticalitySchema = z.enum(['low', 'medium', 'high']);
export type Criticality = z.infer<typeof CriticalitySchema>;

/** A software component on an asset: a CPE 2.3 formatted string or a package URL. */
export const SoftwareSchema = z.union([
  z.object({ cpe: z.string().startsWith('cpe:2.3:', 'a CPE 2.3 formatted string starting cpe:2.3:') }).strict(),
  z.object({ purl: z.string().startsWith('pkg:', 'a package URL starting pkg:') }).strict(),
]);
export type Software = z.infer<typeof SoftwareSchema>;

export const EdrBindingSchema = z
  .object({ vendor: z.literal('crowdstrike'), deviceId: z.string().min(1) })
  .strict();

export const CloudBindingSchema = z
  .object({
    provider: z.literal('aws'),
    account: z.string().regex(/^\d{12}$/, '12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'AWS region such as eu-west-1'),
    instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, 'EC2 instance id such as i-0abc12345def67890'),
    securityGroups: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'security group id such as sg-0abc1234')).default([]),
  })
  .strict();

export const OktaBindingSchema = z
  .object({
    vendor: z.literal('okta'),
    appId: z.string().min(1),
    /** Okta group holding the application's administrators; their sessions are cleared first. */
    adminGroupId: z.string().min(1).optional(),
  })
  .strict();

export const EntraBindingSchema = z
  .object({
    vendor: z.literal('entra'),
    /** Entra ID (Azure AD) directory (tenant) id the application lives in. */
    directoryId: z.string().uuid('an Entra directory (tenant) id, a GUID'),
    /** Object id of the group holding the application's administrators; these are the users acted on. */
    adminGroupId: z.string().uuid('an Entra group object id, a GUID'),
  })
  .strict();

export const IdpBindingSchema = z.discriminatedUnion('vendor', [OktaBindingSchema, EntraBindingSchema]);

const PortSchema = z.number().int().min(0).max(65535);

/** One inbound rule of a security group attached to the asset (EC2 `IpPermissions`, one CIDR each). */
export const IngressRuleSchema = z
  .object({
    groupId: z.string().min(1),
    /** `tcp`, `udp`, `icmp` or `-1` (all traffic), as EC2 names it. */
    protocol: z.string().min(1),
    fromPort: PortSchema.optional(),
    toPort: PortSchema.optional(),
    /** IPv4 or IPv6 CIDR the rule admits, e.g. `0.0.0.0/0`, `::/0`, `10.0.0.0/8`. */
    cidr: z.string().min(1),
  })
  .strict();
export type IngressRule = z.infer<typeof IngressRuleSchema>;

/** A load balancer that forwards to the asset. */
export const LoadBalancerSchema = z
  .object({
    name: z.string().min(1),
    scheme: z.enum(['internet-facing', 'internal']),
    /** Listener ports the load balancer accepts traffic on. */
    ports: z.array(PortSchema).default([]),
  })
  .strict();

/**
 * What the inventory knows of the asset's network (EC2 metadata, security groups, load balancers):
 * the evidence `internetFacing` is derived from when the inventory did not declare it.
 */
export const NetworkFactsSchema = z
  .object({
    publicIps: z.array(z.string()).default([]),
    ingress: z.array(IngressRuleSchema).default([]),
    loadBalancers: z.array(LoadBalancerSchema).default([]),
    /** Ports the asset's services listen on; when absent, any admitted port counts. */
    servicePorts: z.array(PortSchema).optional(),
  })
  .strict();
export type NetworkFacts = z.infer<typeof NetworkFactsSchema>;

/** One asset of the inventory file format (README: "Asset inventory format"). Unknown fields are errors. */
export const AssetSchema = z
  .object({
    id: EntityIdSchema,
    hostname: z.string().optional(),
    ips: z.array(z.string()).default([]),
    internetFacing: z.boolean().default(false),
    criticality: CriticalitySchema.default('medium'),
    owner: z.string().optional(),
    tags: z.record(z.string(), z.string()).default({}),
    software: z.array(SoftwareSchema).default([]),
    edr: EdrBindingSchema.optional(),
    cloud: CloudBindingSchema.optional(),
    idp: IdpBindingSchema.optional(),
    /** Network facts from cloud inventory; reachability is derived from them (match/reachability.ts). */
    network: NetworkFactsSchema.optional(),
    /** The producers' VEX statements on this asset's components (from SBOMs). */
    vex: z.array(VexStatementSchema).optional(),
  })
  .strict();
export type Asset = z.infer<typeof AssetSchema>;

export const InventorySchema = z.object({ assets: z.array(z.unknown()) }).strict();

/**
 * The vendor identities an asset's bindings name (`<kind>:<id>`). Anything changed through one of them
 * reaches the asset, so protecting an asset protects all of them, whichever inventory record names them.
 */
export function assetIdentities(asset: Pick<Asset, 'cloud' | 'edr' | 'idp'>): string[] {
  const identities: string[] = [];
  if (asset.cloud) {
    identities.push(`aws-instance:${asset.cloud.instanceId}`);
    for (const group of asset.cloud.securityGroups) identities.push(`aws-security-group:${group}`);
  }
  if (asset.edr) identities.push(`crowdstrike-device:${asset.edr.deviceId}`);
  if (asset.idp?.vendor === 'okta') identities.push(`okta-app:${asset.idp.appId}`);
  if (asset.idp?.vendor === 'entra') identities.push(`entra-group:${asset.idp.adminGroupId}`);
  return identities;
}
