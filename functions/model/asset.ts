import { z } from 'zod';
import { EntityIdSchema } from './ids.ts';

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
