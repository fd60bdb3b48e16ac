import { ConfigurationError } from '../config/env.ts';
import type { PayloadArchive } from '../ingest/ingest-runner.ts';
import { acceptPushedIntel } from '../ingest/push-intel.ts';
import { TenantIdSchema } from '../model/tenant.ts';
import type { PublishEvents } from '../routing/event-publisher.ts';
import type { Repositories } from '../store/ports.ts';
import { DEFAULT_MAX_BODY_BYTES, type WebhookLog } from '../webhook/receive-intel.ts';
import { parseTenantSecret } from '../webhook/tenant-secrets.ts';
import { startWebhookServer, type WebhookServer } from '../webhook/webhook-server.ts';

export interface LocalWebhookOptions {
  /** The store pushes are accepted into (a local store's repositories). */
  repositories: Pick<Repositories, 'intel' | 'quarantine' | 'cursors'>;
  /** Where the announcements of stored changes go (a local bus, or nowhere). */
  publishEvents: PublishEvents;
  /** Each tenant's current secrets (two while one is rotated); any other tenant is refused as a bad signature. */
  tenantSecrets: ReadonlyMap<string, readonly string[]>;
  /** Raw pushed bodies are kept here when set. */
  archive?: PayloadArchive;
  /** @default 0 (any free port) */
  port?: number;
  /** @default DEFAULT_MAX_BODY_BYTES, the deployed webhook's limit */
  maxBodyBytes?: number;
  /** @default the system clock (signatures are checked against it) */
  now?: () => Date;
  log?: WebhookLog;
}

/**
 * The intel webhook on 127.0.0.1 over a local store: the same request checks and the same
 * `acceptPushedIntel` as the deployed function, with tenant secrets held in memory instead of Secrets Manager.
 */
export function startLocalWebhook(options: LocalWebhookOptions): Promise<WebhookServer> {
  const now = options.now ?? (() => new Date());
  const { repositories, publishEvents, archive } = options;
  return startWebhookServer({
    ...(options.port === undefined ? {} : { port: options.port }),
    deps: {
      tenantSecrets: async (tenant) => options.tenantSecrets.get(tenant),
      accept: (push) => acceptPushedIntel({ repositories, publishEvents, ...(archive ? { archive } : {}), now }, push),
      nowSeconds: () => now().getTime() / 1000,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      ...(options.log ? { log: options.log } : {}),
    },
  });
}

/**
 * Tenant secrets from `TENANT=FILE` pairs, each file holding the secret itself or JSON `{"secrets": [...]}`.
 * Errors name the pair or the file, never a secret.
 */
export async function readTenantSecretFiles(pairs: readonly string[], readFile: (path: string) => Promise<Buffer>): Promise<Map<string, string[]>> {
  const secrets = new Map<string, string[]>();
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    const tenant = TenantIdSchema.safeParse(pair.slice(0, Math.max(separator, 0)));
    const file = pair.slice(separator + 1);
    if (separator <= 0 || !file) throw new ConfigurationError(`"${pair}" is not TENANT=FILE`);
    if (!tenant.success) throw new ConfigurationError(`"${pair}": ${tenant.error.issues[0]?.message}`);
    if (secrets.has(tenant.data)) throw new ConfigurationError(`tenant ${tenant.data} is given more than once`);
    let text: string;
    try {
      text = (await readFile(file)).toString('utf8');
    } catch (error) {
      throw new ConfigurationError(`cannot read webhook secret file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
    secrets.set(tenant.data, parseTenantSecret(text, file));
  }
  return secrets;
}
