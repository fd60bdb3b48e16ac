import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { INTEL_SOURCES } from '../ingest/sources/registry.ts';
import type { QuarantineRecord } from '../model/quarantine.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import type { CliIo } from './cli-io.ts';
import { DEFAULT_STORE_DIR, openLocalStore } from './local-store.ts';

/** One row of `forestall quarantine --json`. */
export interface QuarantineListing {
  source: string;
  record: string;
  reason: string;
  quarantinedAt: string;
}

/**
 * A record refused again on every re-ingest of the same file is one problem: it is listed once, with the
 * latest time it was refused.
 */
export function latestPerRecord(records: readonly QuarantineRecord[]): QuarantineListing[] {
  const latest = new Map<string, QuarantineListing>();
  for (const { source, record, reason, quarantinedAt } of records) {
    const key = JSON.stringify([source, record, reason]);
    const seen = latest.get(key);
    if (!seen || seen.quarantinedAt < quarantinedAt) latest.set(key, { source, record, reason, quarantinedAt });
  }
  return [...latest.values()].sort(
    (a, b) => a.quarantinedAt.localeCompare(b.quarantinedAt) || a.source.localeCompare(b.source) || a.record.localeCompare(b.record),
  );
}

/** `forestall quarantine [<source>] ...`: the records ingest refused, from the local database. */
export async function quarantineCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      tenant: { type: 'string', default: DEFAULT_TENANT },
      store: { type: 'string', default: DEFAULT_STORE_DIR },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const refuse = (message: string) => {
    io.err.write(`forestall quarantine: ${message}\n`);
    return 2;
  };
  if (positionals.length > 1) return refuse('name at most one source');
  const tenant = TenantIdSchema.safeParse(values.tenant);
  if (!tenant.success) return refuse(`--tenant: ${tenant.error.issues[0]?.message}`);
  // Listing must not create an empty database where a mistyped path points.
  if (!existsSync(values.store)) return refuse(`no local database at ${values.store} ("forestall ingest" and "forestall import" create it)`);

  // Any name is looked up, so an inventory file's refused assets can be listed by its path too.
  const sources = positionals[0] !== undefined ? [positionals[0]] : INTEL_SOURCES.map((source) => source.name);
  const store = await openLocalStore(values.store);
  let listing: QuarantineListing[];
  try {
    listing = latestPerRecord((await Promise.all(sources.map((source) => store.repositories.quarantine.list(tenant.data, source)))).flat());
  } finally {
    await store.close();
  }

  if (values.json) {
    io.out.write(`${JSON.stringify(listing)}\n`);
  } else if (listing.length === 0) {
    io.out.write(`No quarantined records${positionals[0] ? ` from ${positionals[0]}` : ''} for tenant ${tenant.data} in ${values.store}.\n`);
  } else {
    io.out.write(formatListing(listing));
  }
  return 0;
}

function formatListing(listing: readonly QuarantineListing[]): string {
  const rows = listing.map((entry) => [entry.source, entry.record, entry.quarantinedAt, entry.reason]);
  const header = ['SOURCE', 'RECORD', 'WHEN', 'REASON'];
  // The reason is last and unpadded: it is the long column.
  const widths = header.slice(0, 3).map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${listing.length} quarantined record(s).\n`;
}
