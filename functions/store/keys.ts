import { createHash } from 'node:crypto';
import { PackageURL } from 'packageurl-js';
import type { Software } from '../model/asset.ts';
import { CpeParseError, parseCpe } from '../match/cpe.ts';
import { idProblem } from '../model/ids.ts';
import { TenantIdSchema } from '../model/tenant.ts';

/**
 * Key builders for the single table (layout and reasons: docs/data-model.md). Every partition key
 * starts with the tenant, so one tenant's queries can never reach another tenant's items.
 */

/** A tenant or id that cannot be part of a key: it would make the key ambiguous. */
export class InvalidKeyPart extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyPart';
  }
}

function tenantPrefix(tenant: string): string {
  if (!TenantIdSchema.safeParse(tenant).success) throw new InvalidKeyPart(`tenant "${tenant}" is not a tenant id (lower-case letters, digits and dashes)`);
  return `T#${tenant}`;
}

/**
 * An id used as a key segment. With the tenant validated and every segment free of `#`, each key has
 * one reading: `T#a#ASSET#b#ASSET#c` can no longer be tenant `a#ASSET#b`'s asset `c`.
 */
function segment(kind: string, value: string): string {
  const problem = value.length === 0 ? 'must not be empty' : idProblem(value);
  if (problem) throw new InvalidKeyPart(`${kind} "${value}" ${problem}`);
  return value;
}

export const vulnerabilityKey = (tenant: string, id: string) => ({ pk: `${tenantPrefix(tenant)}#VULN#${segment('vulnerability id', id)}`, sk: 'VULN' });

/** One source's facts about an intel record: a row in the record's item collection. */
export const SOURCE_FACTS_SK_PREFIX = 'SRC#';
export const sourceFactsSortKey = (source: string) => `${SOURCE_FACTS_SK_PREFIX}${segment('source', source)}`;
export const indicatorKey = (tenant: string, id: string) => `${tenantPrefix(tenant)}#IOC#${segment('indicator id', id)}`;
/** Sparse index of one source's rows, for sources that deliver their whole list (removals). */
export const sourceIndexPartition = (tenant: string, kind: string, source: string) =>
  `${tenantPrefix(tenant)}#SRC#${segment('intel kind', kind)}#${segment('source', source)}`;
/** Sparse index of indicators with an end of validity, sorted by it. */
export const indicatorExpiryPartition = (tenant: string) => `${tenantPrefix(tenant)}#IOC-EXPIRY`;
/** Sparse index of NVD lookups due, sorted by when they are due. */
export const nvdDuePartition = (tenant: string) => `${tenantPrefix(tenant)}#NVD-DUE`;
/** Changes stored but not yet announced, oldest first. */
export const outboxPartition = (tenant: string) => `${tenantPrefix(tenant)}#OUTBOX`;
export const outboxKey = (tenant: string, batchId: string, part: number) => ({
  pk: outboxPartition(tenant),
  sk: `${batchId}#${String(part).padStart(4, '0')}`,
});

/** Inventory changes stored but not yet announced (`Inventory Changed`), oldest first. */
export const inventoryOutboxPartition = (tenant: string) => `${tenantPrefix(tenant)}#INVENTORY-OUTBOX`;
export const inventoryOutboxKey = (tenant: string, batchId: string, part: number) => ({
  pk: inventoryOutboxPartition(tenant),
  sk: `${batchId}#${String(part).padStart(4, '0')}`,
});

export const assetKey = (tenant: string, id: string) => ({ pk: `${tenantPrefix(tenant)}#ASSET#${segment('asset id', id)}`, sk: 'ASSET' });
/**
 * Every asset item of a tenant (gsi2, sorted by asset id): the estate listing indicator matching pages
 * through. Only asset items carry it, so the index partition holds one entry per asset.
 */
export const assetListPartition = (tenant: string) => `${tenantPrefix(tenant)}#ASSETS`;
export const COMPONENT_SK_PREFIX = 'COMP#';
/**
 * A component row's sort key is derived from the identifier, not its position in the list, so writing
 * a new software list never overwrites a row that still describes the old one (see AssetRepository.put).
 */
export const componentSortKey = (identifier: string) =>
  `${COMPONENT_SK_PREFIX}${createHash('sha256').update(identifier).digest('hex').slice(0, 32)}`;
export const packagePartition = (tenant: string, packageKey: string) => `${tenantPrefix(tenant)}#PKG#${packageKey}`;

export const exposureKey = (tenant: string, vulnerability: string, asset: string) => ({
  pk: vulnerabilityKey(tenant, vulnerability).pk,
  sk: `${EXPOSURE_SK_PREFIX}${segment('asset id', asset)}`,
});
export const EXPOSURE_SK_PREFIX = 'EXP#';
export const exposureStatePartition = (tenant: string, state: string, decision: string) =>
  `${tenantPrefix(tenant)}#EXP#${state}#${decision}`;

export const actionKey = (tenant: string, id: string) => ({ pk: `${tenantPrefix(tenant)}#ACTION#${segment('action id', id)}`, sk: 'ACTION' });
export const executionPartition = (tenant: string, execution: string) => `${tenantPrefix(tenant)}#EXEC#${segment('execution', execution)}`;
export const actionExpiryPartition = (tenant: string) => `${tenantPrefix(tenant)}#ACTION-EXPIRY`;

/** A target's state (holds, lease): one item per actuator and target, keyed by a digest of the target text. */
export const targetKey = (tenant: string, actuator: string, target: string) => ({
  pk: `${tenantPrefix(tenant)}#TARGET#${segment('actuator', actuator)}#${createHash('sha256').update(target).digest('hex').slice(0, 32)}`,
  sk: 'TARGET',
});

/** The tenant's record of assets acted on recently, for the blast-radius cap over a time window. */
export const guardrailWindowKey = (tenant: string) => ({ pk: `${tenantPrefix(tenant)}#GUARDRAIL-WINDOW`, sk: 'WINDOW' });

/** An asset's vendor identity rows (instance, device, security group, IdP app) live in its item collection. */
export const IDENTITY_SK_PREFIX = 'IDENT#';
export const identitySortKey = (identity: string) => `${IDENTITY_SK_PREFIX}${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
export const identityPartition = (tenant: string, identity: string) => `${tenantPrefix(tenant)}#IDENT#${identity}`;

/** An inventory upload's checkpoint: object keys may hold any character, so the sort key carries a hash of key and ETag. */
export const uploadCheckpointKey = (tenant: string, objectKey: string, etag: string) => ({
  pk: `${tenantPrefix(tenant)}#UPLOAD`,
  sk: `UPLOAD#${createHash('sha256').update(`${objectKey}\n${etag}`).digest('hex').slice(0, 40)}`,
});
export const sourceCursorKey = (tenant: string, source: string) => ({ pk: `${tenantPrefix(tenant)}#SOURCE#${source}`, sk: 'CURSOR' });
export const quarantinePartition = (tenant: string, source: string) => `${tenantPrefix(tenant)}#QUARANTINE#${source}`;
export const quarantineSortKey = (quarantinedAt: string, record: string) => `${quarantinedAt}#${record}`;

/** Thrown when a software identifier cannot be turned into a package key. */
export class InvalidPackageIdentifier extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidPackageIdentifier';
  }
}

/** The attributes of a CPE 2.3 formatted string, unescaped (`\:` becomes `:`); `*` stays `*`. */
export interface Cpe23 {
  part: string;
  vendor: string;
  product: string;
  version: string;
  update: string;
  edition: string;
  language: string;
  swEdition: string;
  targetSw: string;
  targetHw: string;
  other: string;
}

/**
 * Parses a CPE 2.3 formatted string (NISTIR 7695 section 6.2). Colons inside values are escaped with a
 * backslash (`cpe:2.3:a:vendor:pro\:duct:...`), so the string is split on unescaped colons only.
 */
export function parseCpe23(cpe: string): Cpe23 {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < cpe.length; i += 1) {
    const char = cpe[i] as string;
    if (char === '\\') {
      const next = cpe[i + 1];
      if (next === undefined) throw new InvalidPackageIdentifier(`CPE ends with a lone backslash: ${cpe}`);
      current += next;
      i += 1;
    } else if (char === ':') {
      fields.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  fields.push(current);
  if (fields.length !== 13 || fields[0] !== 'cpe' || fields[1] !== '2.3') {
    throw new InvalidPackageIdentifier(`not a CPE 2.3 formatted string (cpe:2.3: and 11 attributes): ${cpe}`);
  }
  const [, , part, vendor, product, version, update, edition, language, swEdition, targetSw, targetHw, other] =
    fields as [string, string, string, string, string, string, string, string, string, string, string, string, string];
  if (!/^[aho*-]$/.test(part)) throw new InvalidPackageIdentifier(`CPE part must be a, o or h: ${cpe}`);
  if (!vendor || !product) throw new InvalidPackageIdentifier(`CPE without vendor or product: ${cpe}`);
  // The matcher's parser decides what a valid CPE is, so nothing is stored that matching would refuse.
  try {
    parseCpe(cpe);
  } catch (error) {
    if (error instanceof CpeParseError) throw new InvalidPackageIdentifier(error.message, { cause: error });
    throw error;
  }
  return { part, vendor, product, version, update, edition, language, swEdition, targetSw, targetHw, other };
}

// Re-escape the separator and the escape character so `cpe:<vendor>:<product>` stays unambiguous.
const escapeKeyPart = (value: string) => value.replace(/[\\:]/g, (char) => `\\${char}`);

/**
 * `cpe:<vendor>:<product>` for a CPE 2.3 string. CPE values compare case-insensitively and may be
 * escaped in more than one way, so the key uses the unescaped, lower-cased values: the NVD criterion
 * `cpe:2.3:a:citrix:netscaler_gateway:*:...` and an inventory's `...:Citrix:NetScaler_Gateway:13.1...`
 * meet on the same key.
 */
export function cpePackageKey(cpe: string): string {
  const { vendor, product } = parseCpe23(cpe);
  return `cpe:${escapeKeyPart(vendor.toLowerCase())}:${escapeKeyPart(product.toLowerCase())}`;
}

/** `purl:<type>/<namespace>/<name>` (namespace segment omitted when the purl has none), type-normalised by packageurl-js. */
export function purlPackageKey(purl: string): string {
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(purl);
  } catch (error) {
    throw new InvalidPackageIdentifier(`not a valid package URL: ${purl}`, { cause: error });
  }
  // NuGet package ids are case-insensitive (`Newtonsoft.Json` is `newtonsoft.json`), packageurl-js keeps the case.
  const name = parsed.type === 'nuget' ? parsed.name.toLowerCase() : parsed.name;
  return `purl:${parsed.type}/${parsed.namespace ? `${parsed.namespace}/` : ''}${name}`;
}

/** Package key and version of one software entry of an asset. */
export function describeSoftware(software: Software): { packageKey: string; identifier: string; version: string } {
  if ('cpe' in software) {
    const cpe = parseCpe23(software.cpe);
    return { packageKey: cpePackageKey(software.cpe), identifier: software.cpe, version: cpe.version };
  }
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(software.purl);
  } catch (error) {
    throw new InvalidPackageIdentifier(`not a valid package URL: ${software.purl}`, { cause: error });
  }
  return { packageKey: purlPackageKey(software.purl), identifier: software.purl, version: parsed.version ?? '' };
}

/** The package key of a CPE 2.3 string or a purl (`pkg:...`). */
export function packageKeyOf(identifier: string): string {
  return identifier.startsWith('pkg:') ? purlPackageKey(identifier) : cpePackageKey(identifier);
}
