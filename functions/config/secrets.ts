import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { readFile } from 'node:fs/promises';
import { ConfigurationError } from './env.ts';

/**
 * Where a secret comes from: AWS Secrets Manager in a deployment (by ARN or name), or locally an
 * environment variable or a file. Secrets are never logged and never part of a config object's string.
 */
export type SecretSource =
  | { kind: 'secrets-manager'; secretId: string }
  | { kind: 'env'; variable: string }
  | { kind: 'file'; path: string };

/**
 * Reads a secret's value; Secrets Manager values are cached by Powertools for 5 minutes unless `fresh`
 * asks for the current value (after the vendor refused the cached one).
 */
export async function readSecret(source: SecretSource, env: NodeJS.ProcessEnv = process.env, options: { fresh?: boolean } = {}): Promise<string> {
  switch (source.kind) {
    case 'secrets-manager': {
      const value = await getSecret(source.secretId, { maxAge: 300, ...(options.fresh ? { forceFetch: true } : {}) });
      if (typeof value !== 'string' || value.length === 0) {
        throw new ConfigurationError(`secret ${source.secretId} is empty or not a string`);
      }
      return value;
    }
    case 'env': {
      const value = env[source.variable];
      if (!value) throw new ConfigurationError(`environment variable ${source.variable} is not set`);
      return value;
    }
    case 'file': {
      const value = (await readFile(source.path, 'utf8')).trim();
      if (!value) throw new ConfigurationError(`secret file ${source.path} is empty`);
      return value;
    }
  }
}

/**
 * Resolves the source for a named secret from the environment: `<NAME>_SECRET_ARN` (deployed),
 * else `<NAME>_FILE`, else `<NAME>` itself (local runs). Returns undefined when none is configured.
 */
export function secretSourceFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): SecretSource | undefined {
  const arn = env[`${name}_SECRET_ARN`];
  if (arn) return { kind: 'secrets-manager', secretId: arn };
  const file = env[`${name}_FILE`];
  if (file) return { kind: 'file', path: file };
  if (env[name]) return { kind: 'env', variable: name };
  return undefined;
}
