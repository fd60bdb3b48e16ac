import { z } from 'zod';
import { ConfigurationError } from '../config/env.ts';

/** A tenant's webhook secret: JSON `{"secrets": [...]}` (two while one is rotated) or the secret itself. */
const RotatingSecretSchema = z.object({ secrets: z.array(z.string().min(16)).min(1).max(4) }).strict();

/** Shortest secret forestall accepts: 16 characters, so a secret cannot be guessed from signatures. */
export const MIN_SECRET_LENGTH = 16;

/**
 * The secrets in a stored webhook secret. Errors name the tenant's secret and never repeat its value.
 */
export function parseTenantSecret(value: string, secretName: string): string[] {
  const text = value.trim();
  if (text.startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new ConfigurationError(`webhook secret ${secretName} starts like JSON but is not JSON {"secrets": ["..."]}`);
    }
    const parsed = RotatingSecretSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigurationError(`webhook secret ${secretName} must be JSON {"secrets": [...]} with 1 to 4 secrets of at least ${MIN_SECRET_LENGTH} characters`);
    }
    return parsed.data.secrets;
  }
  if (text.length < MIN_SECRET_LENGTH) throw new ConfigurationError(`webhook secret ${secretName} is shorter than ${MIN_SECRET_LENGTH} characters`);
  return [text];
}

export interface TenantSecretCacheOptions {
  /** The stored value of a named secret; undefined when no such secret exists. */
  readSecret(name: string): Promise<string | undefined>;
  /** Tenant secrets are named `<prefix><tenant>`. */
  prefix: string;
  nowMs(): number;
  /** @default 300_000 (5 minutes: a rotated or revoked secret takes effect within that) */
  maxAgeMs?: number;
  /** @default 1000 */
  maxEntries?: number;
}

/**
 * Tenant secrets looked up by name and kept for 5 minutes, unknown tenants included: requests for made-up
 * tenants are then answered from memory instead of each costing a Secrets Manager call. A failed read is
 * not kept, so the next request tries again.
 */
export function cachedTenantSecrets(options: TenantSecretCacheOptions): (tenant: string) => Promise<string[] | undefined> {
  const maxAgeMs = options.maxAgeMs ?? 300_000;
  const maxEntries = options.maxEntries ?? 1000;
  const entries = new Map<string, { loadedAt: number; secrets: Promise<string[] | undefined> }>();

  return (tenant) => {
    const now = options.nowMs();
    const cached = entries.get(tenant);
    if (cached && now - cached.loadedAt < maxAgeMs) return cached.secrets;
    entries.delete(tenant);
    // The oldest entry goes first (a Map keeps insertion order).
    while (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
    const name = `${options.prefix}${tenant}`;
    const secrets = options.readSecret(name).then((value) => (value === undefined ? undefined : parseTenantSecret(value, name)));
    const entry = { loadedAt: now, secrets };
    entries.set(tenant, entry);
    secrets.catch(() => {
      if (entries.get(tenant) === entry) entries.delete(tenant);
    });
    return secrets;
  };
}
