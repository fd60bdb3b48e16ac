import { parseArgs } from 'node:util';
import { folderPayloadArchive } from '../ingest/payload-archive.ts';
import { readTenantSecretFiles, startLocalWebhook } from '../local/local-webhook.ts';
import { webhookSignCommand, WEBHOOK_SIGN_USAGE } from '../webhook/sign-command.ts';
import { untilInterrupted, type CliIo } from './cli-io.ts';
import { DEFAULT_ARCHIVE_DIR, DEFAULT_STORE_DIR, openLocalStore } from './local-store.ts';

export const WEBHOOK_SERVE_USAGE = `  forestall webhook serve --tenant-secret-file TENANT=FILE... [--port P] [--store DIR] [--archive DIR]
      Serves the intel webhook on 127.0.0.1 (POST /intel/<tenant>, signed with the tenant's secret from
      FILE, as "webhook sign" signs) into the local database (default ${DEFAULT_STORE_DIR}), keeping raw bodies
      in --archive (default ${DEFAULT_ARCHIVE_DIR}), until interrupted. --port 0 (the default) picks a free port.`;

const WEBHOOK_USAGE = `${WEBHOOK_SIGN_USAGE}\n${WEBHOOK_SERVE_USAGE}`;

/** `forestall webhook sign|serve ...` (argv after `webhook`). */
export async function webhookCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = args;
  switch (subcommand) {
    case 'sign':
      return webhookSignCommand(rest, { out: io.out, err: io.err, readFile: io.readFile, readStdin: io.readStdin, nowSeconds: io.nowSeconds });
    case 'serve':
      return serveCommand(rest, io);
    case 'help':
    case '--help':
    case '-h':
      io.out.write(`${WEBHOOK_USAGE}\n`);
      return 0;
    default:
      io.err.write(`forestall webhook: ${subcommand === undefined ? 'say sign or serve' : `unknown subcommand "${subcommand}"`}\n\n${WEBHOOK_USAGE}\n`);
      return 2;
  }
}

async function serveCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: 'string', default: '0' },
      'tenant-secret-file': { type: 'string', multiple: true, default: [] },
      store: { type: 'string', default: DEFAULT_STORE_DIR },
      archive: { type: 'string', default: DEFAULT_ARCHIVE_DIR },
    },
    strict: true,
  });
  const refuse = (message: string) => {
    io.err.write(`forestall webhook serve: ${message}\n`);
    return 2;
  };
  if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65_535) return refuse(`--port must be 0 to 65535, got ${values.port}`);
  // Without a tenant every request would be refused: say so now instead of answering 401 to everything.
  if (values['tenant-secret-file'].length === 0) return refuse('give at least one --tenant-secret-file TENANT=FILE');
  let tenantSecrets: Map<string, string[]>;
  try {
    tenantSecrets = await readTenantSecretFiles(values['tenant-secret-file'], io.readFile);
  } catch (error) {
    if ((error as Error).name === 'ConfigurationError') return refuse((error as Error).message);
    throw error;
  }

  const store = await openLocalStore(values.store);
  try {
    const server = await startLocalWebhook({
      repositories: store.repositories,
      // No bus locally: stored changes are announced to nobody, as `forestall ingest` does.
      publishEvents: async () => {},
      tenantSecrets,
      archive: folderPayloadArchive(values.archive),
      port: Number(values.port),
      log: (level, message, detail) => {
        const { tenant, deliveryId, accepted, rejected, unchanged, reason, error } = detail as Record<string, unknown>;
        if (level === 'info') {
          io.out.write(`${String(tenant)}: push${deliveryId ? ` ${String(deliveryId)}` : ''}: ${String(accepted)} accepted, ${String(rejected)} rejected, ${String(unchanged)} unchanged\n`);
        } else {
          const why = reason ?? (error instanceof Error ? `${error.name}: ${error.message}` : error);
          io.err.write(`forestall webhook serve: ${String(tenant)}: ${message}${why ? ` (${String(why)})` : ''}\n`);
        }
      },
    });
    try {
      io.out.write(`forestall webhook: listening on ${server.url}; POST intel to ${server.url}/intel/<tenant> (tenants: ${[...tenantSecrets.keys()].join(', ')}); Ctrl-C stops\n`);
      await untilInterrupted(io.signal);
    } finally {
      await server.close();
    }
  } finally {
    await store.close();
  }
  io.out.write('forestall webhook: stopped\n');
  return 0;
}
