import { z } from 'zod';
import { ConfigurationError } from '../config/env.ts';
import { readSecret, type SecretSource } from '../config/secrets.ts';

/**
 * A vendor credential read from its secret, with a way to read it again. Clients call `refresh()` once
 * when the vendor answers 401: a secret rotated since the function started is then picked up without a
 * redeploy, and only a second 401 is VendorAuthFailed.
 */
export interface SecretCredential {
  get(): Promise<string>;
  refresh(): Promise<string>;
}

export function secretCredential(source: SecretSource, env: NodeJS.ProcessEnv = process.env): SecretCredential {
  let current: Promise<string> | undefined;
  const load = (fresh: boolean) => {
    const loading = readSecret(source, env, { fresh });
    current = loading;
    // A failed read is not cached: the next call tries again.
    loading.catch(() => {
      if (current === loading) current = undefined;
    });
    return loading;
  };
  return {
    get: () => current ?? load(false),
    refresh: () => load(true),
  };
}

/** A fixed credential (tests, and the local simulators' tokens given directly). */
export function staticCredential(value: string): SecretCredential {
  return { get: async () => value, refresh: async () => value };
}

const ClientCredentialsSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) });
export type ClientCredentials = z.infer<typeof ClientCredentialsSchema>;

/**
 * An OAuth2 client-credentials secret, stored as JSON `{"clientId","clientSecret"}`; the error says which
 * vendor's secret is malformed and never repeats its value.
 */
export function parseClientCredentials(text: string, vendor: string): ClientCredentials {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`the ${vendor} secret is not JSON {"clientId","clientSecret"}`);
  }
  const parsed = ClientCredentialsSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigurationError(`the ${vendor} secret must be JSON {"clientId","clientSecret"} with both set`);
  return parsed.data;
}
