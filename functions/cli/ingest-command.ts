import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { readSecret, secretSourceFromEnv } from '../config/secrets.ts';
import { FeedFetchFailed } from '../ingest/http-fetch.ts';
import { describeIssues } from '../ingest/describe-issues.ts';
import { ingestPayload, runSource, type IngestDeps, type IngestSummary } from '../ingest/ingest-runner.ts';
import { InvalidFeedDocument } from '../ingest/invalid-feed-document.ts';
import { folderPayloadArchive } from '../ingest/payload-archive.ts';
import type { IntelSource, PollContext } from '../ingest/source-plugin.ts';
import { detectSource, INTEL_SOURCES } from '../ingest/sources/registry.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import type { CliIo } from './cli-io.ts';
import { DEFAULT_ARCHIVE_DIR, DEFAULT_STORE_DIR, openLocalStore } from './local-store.ts';

/** `auto` in place of a source name: the file's format is told by its content. */
export const AUTO_SOURCE = 'auto';

/** Every registered source, one a line (name, title, modes), for the usage text and error messages. */
export function describeSources(indent: string): string {
  const rows = [
    ...INTEL_SOURCES.map((source) => [source.name, `${source.title} (${source.modes.join(', ')})`] as const),
    [AUTO_SOURCE, 'with --file: the format told by the content'] as const,
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => `${indent}${name.padEnd(width)}  ${text}`).join('\n');
}

/** The setting that says where a scheduled source polls: `url` for downloads, the API's or feed's base otherwise. */
const URL_SETTINGS = ['url', 'apiUrl', 'apiRoot', 'feedUrl'] as const;

function urlSettingOf(source: IntelSource): string | undefined {
  const schema = source.settingsSchema;
  if (!(schema instanceof z.ZodObject)) return undefined;
  return URL_SETTINGS.find((key) => key in schema.shape);
}

/** One line per run: what was stored, refused and announced. */
export function summaryLine(summary: IngestSummary): string {
  const notModified = summary.pages > 0 && summary.unchangedPages === summary.pages ? ' (not modified since the last poll)' : '';
  const lookups = summary.lookedUp > 0 ? `, ${summary.lookedUp} looked up in NVD` : '';
  return (
    `${summary.source}: ${summary.added} added, ${summary.updated} updated, ${summary.revoked} revoked, ${summary.unchanged} unchanged, ` +
    `${summary.quarantined + summary.trimmed} quarantined, ${summary.announced} announced${lookups}${notModified}`
  );
}

/** The innermost cause's code (`ENOTFOUND`, `ECONNREFUSED`): undici says only "fetch failed" on top. */
export function rootCause(error: unknown): string | undefined {
  let current: unknown = error;
  let code: string | undefined;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    code = (current as NodeJS.ErrnoException).code ?? code;
    current = current.cause;
  }
  return code;
}

/** The poll context of a CLI run: real fetch and clock, secrets from the environment or `<NAME>_FILE`. */
export function cliPollContext(io: Pick<CliIo, 'err' | 'env' | 'fetch'>, source: IntelSource, tenant: string, settings: Record<string, unknown>): Omit<PollContext, 'cursor'> {
  const secrets = new Map<string, Promise<string | undefined>>();
  return {
    tenant,
    settings,
    secret: (name) => {
      if (!source.secrets?.includes(name)) return Promise.resolve(undefined);
      if (!secrets.has(name)) {
        const from = secretSourceFromEnv(name, io.env);
        secrets.set(name, from ? readSecret(from, io.env) : Promise.resolve(undefined));
      }
      return secrets.get(name) as Promise<string | undefined>;
    },
    fetch: io.fetch,
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
    shouldStop: () => false,
    log: warningsTo(io.err, source.name),
  };
}

/** Warnings (a rate limit waited out, lookups stopped) on stderr; progress notes are left out. */
export function warningsTo(err: NodeJS.WritableStream, sourceName: string): NonNullable<IngestDeps['log']> {
  return (level, message, detail) => {
    if (level === 'warn') err.write(`forestall: ${sourceName}: ${message}${detail ? ` ${JSON.stringify(detail)}` : ''}\n`);
  };
}

/**
 * `forestall ingest <source> [--file F | --url U] ...`: a file stored as the named source says (or as its
 * content says, with `auto`), or a scheduled source polled from where its last poll in this store stopped.
 * Exit 2 when records were quarantined or the payload refused, 1 when it could not be fetched.
 */
export async function ingestCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      file: { type: 'string' },
      url: { type: 'string' },
      tenant: { type: 'string', default: DEFAULT_TENANT },
      store: { type: 'string', default: DEFAULT_STORE_DIR },
      archive: { type: 'string', default: DEFAULT_ARCHIVE_DIR },
      setting: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const refuse = (message: string) => {
    io.err.write(`forestall ingest: ${message}\n`);
    return 2;
  };
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0) return refuse(`name one source:\n${describeSources('  ')}`);
  const tenant = TenantIdSchema.safeParse(values.tenant);
  if (!tenant.success) return refuse(`--tenant: ${tenant.error.issues[0]?.message}`);
  if (values.file !== undefined && values.url !== undefined) return refuse('give --file or --url, not both');
  const named = INTEL_SOURCES.find((source) => source.name === name);
  if (name !== AUTO_SOURCE && !named) return refuse(`no intel source "${name}"; sources:\n${describeSources('  ')}`);
  if (name === AUTO_SOURCE && values.file === undefined) return refuse(`${AUTO_SOURCE} tells a file's format by its content: give --file FILE`);

  let text: string | undefined;
  let source = named;
  if (values.file !== undefined) {
    try {
      text = (await io.readFile(values.file)).toString('utf8');
    } catch (error) {
      return refuse(`${values.file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    source ??= detectSource(text);
    if (!source) return refuse(`${values.file}: not an intel format forestall reads (${INTEL_SOURCES.map((candidate) => candidate.title).join('; ')})`);
    if (!source.modes.includes('file')) return refuse(`${source.name} reads no files (${source.modes.join(', ')}): leave out --file to poll it`);
  } else if (!source?.poll) {
    return refuse(`${name} is not polled (${named?.modes.join(', ')}): give --file FILE, or push it to "forestall webhook serve"`);
  }
  const chosen = source as IntelSource;

  let settings: Record<string, unknown> = {};
  let location = values.file ?? '';
  if (values.file === undefined) {
    const urlSetting = urlSettingOf(chosen);
    if (values.url !== undefined && !urlSetting) return refuse(`${chosen.name} takes no --url`);
    const given: Record<string, string> = {};
    for (const pair of values.setting) {
      const separator = pair.indexOf('=');
      if (separator <= 0) return refuse(`--setting ${pair}: give KEY=VALUE`);
      given[pair.slice(0, separator)] = pair.slice(separator + 1);
    }
    if (values.url !== undefined && urlSetting) given[urlSetting] = values.url;
    const parsed = (chosen.settingsSchema ?? z.record(z.string(), z.unknown())).safeParse(given);
    if (!parsed.success) return refuse(`${chosen.name} settings: ${describeIssues(parsed.error.issues).join('; ')} (--url${urlSetting ? ` sets ${urlSetting}` : ''}; --setting KEY=VALUE the others)`);
    settings = parsed.data;
    location = urlSetting ? String(settings[urlSetting]) : chosen.name;
  } else if (values.setting.length > 0) {
    return refuse('--setting is for polled sources, not --file');
  }

  const store = await openLocalStore(values.store);
  let summary: IngestSummary;
  try {
    const deps: IngestDeps = {
      intel: store.repositories.intel,
      quarantine: store.repositories.quarantine,
      cursors: store.repositories.cursors,
      // No bus locally: the changes are announced to nobody, and the outbox is emptied as deployed.
      publishEvents: async () => {},
      archive: folderPayloadArchive(values.archive),
      now: () => new Date(),
      log: warningsTo(io.err, chosen.name),
    };
    summary =
      text !== undefined
        ? (await ingestPayload(chosen, deps, { tenant: tenant.data, payload: text, label: basename(location) })).summary
        : await runSource(chosen, deps, cliPollContext(io, chosen, tenant.data, settings));
  } catch (error) {
    if (error instanceof InvalidFeedDocument) return refuse(`${location}: ${error.message}`);
    if (error instanceof FeedFetchFailed) {
      const code = rootCause(error.cause);
      io.err.write(`forestall ingest: ${chosen.name}: ${error.message}${code && !error.message.includes(code) ? ` (${code})` : ''}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }

  io.out.write(values.json ? `${JSON.stringify(summary)}\n` : `${summaryLine(summary)} (tenant ${tenant.data}, store ${values.store})\n`);
  if (summary.announceError) io.err.write(`forestall ingest: ${chosen.name}: announcing failed, the changes stay in the outbox: ${summary.announceError}\n`);
  const quarantined = summary.quarantined + summary.trimmed;
  if (quarantined === 0) return 0;
  const where = [tenant.data === DEFAULT_TENANT ? '' : ` --tenant ${tenant.data}`, values.store === DEFAULT_STORE_DIR ? '' : ` --store ${values.store}`].join('');
  return refuse(`${quarantined} record(s) quarantined; "forestall quarantine ${chosen.name}${where}" lists them with the reason`);
}
