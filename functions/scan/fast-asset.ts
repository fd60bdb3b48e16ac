import { AssetSchema, type Asset } from '../model/asset.ts';
import { idProblem } from '../model/ids.ts';

/**
 * The inventory schema's verdict on a plain asset, faster. At estate scale zod's object and union
 * parsing costs more than reading and matching together, so the scan first tries this check of the
 * common shape (id, addresses, criticality, tags, software as CPE or purl). It accepts only what
 * `AssetSchema` accepts and returns what it returns (a property test holds the two together); anything
 * else (bindings, network facts, VEX, any problem) goes to `AssetSchema` itself, which also words the error.
 */

const PLAIN_KEYS = new Set(['id', 'hostname', 'ips', 'internetFacing', 'criticality', 'owner', 'tags', 'software']);
const CRITICALITIES = new Set(['low', 'medium', 'high']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

function plainSoftware(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const entry of value) {
    if (!isPlainObject(entry)) return false;
    let keys = 0;
    for (const key in entry) {
      keys += 1;
      const identifier = entry[key];
      if (typeof identifier !== 'string') return false;
      if (key === 'cpe' ? !identifier.startsWith('cpe:2.3:') : key !== 'purl' || !identifier.startsWith('pkg:')) return false;
    }
    if (keys !== 1) return false;
  }
  return true;
}

function plainStrings(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

function plainTags(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

/** The asset as `AssetSchema` gives it when `raw` has the common shape, else undefined. */
function fastAsset(raw: unknown): Asset | undefined {
  if (!isPlainObject(raw)) return undefined;
  for (const key in raw) if (!PLAIN_KEYS.has(key) || raw[key] === undefined) return undefined;
  const { id, hostname, ips, internetFacing, criticality, owner, tags, software } = raw;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200 || idProblem(id) !== undefined) return undefined;
  if (hostname !== undefined && typeof hostname !== 'string') return undefined;
  if (owner !== undefined && typeof owner !== 'string') return undefined;
  if (ips !== undefined && !plainStrings(ips)) return undefined;
  if (internetFacing !== undefined && typeof internetFacing !== 'boolean') return undefined;
  if (criticality !== undefined && !(typeof criticality === 'string' && CRITICALITIES.has(criticality))) return undefined;
  if (tags !== undefined && !plainTags(tags)) return undefined;
  if (software !== undefined && !plainSoftware(software)) return undefined;
  return {
    id,
    ...(hostname !== undefined ? { hostname } : {}),
    ips: (ips as string[] | undefined) ?? [],
    internetFacing: internetFacing ?? false,
    criticality: (criticality as Asset['criticality'] | undefined) ?? 'medium',
    ...(owner !== undefined ? { owner } : {}),
    tags: (tags as Record<string, string> | undefined) ?? {},
    software: (software as Asset['software'] | undefined) ?? [],
  };
}

/** `AssetSchema.safeParse`, taking the fast path when it can. */
export function parseAsset(raw: unknown): ReturnType<typeof AssetSchema.safeParse> {
  const fast = fastAsset(raw);
  return fast ? { success: true, data: fast } : AssetSchema.safeParse(raw);
}
