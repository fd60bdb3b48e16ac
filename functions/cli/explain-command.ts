import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { explainExposure } from '../match/explain.ts';
import type { Exposure } from '../model/exposure.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import { scanEstate } from '../scan/scan-estate.ts';
import type { CliIo } from './cli-io.ts';
import { DEFAULT_STORE_DIR, openLocalStore } from './local-store.ts';

export const EXPLAIN_USAGE = `  forestall explain <vulnerability> <asset> [--intel FILE... --inventory FILE...] [--tenant T] [--store DIR] [--json]
      Why an exposure's decision is what it is: what matched, each SSVC input with its sources, what
      would change the decision, reachability, VEX and the timeline. With --intel and --inventory it
      matches them in memory first; otherwise it reads the exposure from the local database. Also
      accepts the exposure id (<vulnerability>|<asset>) as one argument.`;

/** `forestall explain`: prints the explanation of one exposure (exit 1 when there is no such exposure). */
export async function explainCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      intel: { type: 'string', multiple: true, default: [] },
      inventory: { type: 'string', multiple: true, default: [] },
      tenant: { type: 'string', default: DEFAULT_TENANT },
      store: { type: 'string', default: DEFAULT_STORE_DIR },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const refuse = (message: string) => {
    io.err.write(`forestall explain: ${message}\n`);
    return 2;
  };
  const [vulnerability, asset] = positionals.length === 1 ? (positionals[0] ?? '').split('|') : positionals;
  if (!vulnerability || !asset || positionals.length > 2) return refuse('name one exposure: <vulnerability> <asset>, e.g. CVE-2023-4966 nsgw-edge-01');
  const tenant = TenantIdSchema.safeParse(values.tenant);
  if (!tenant.success) return refuse(`--tenant: ${tenant.error.issues[0]?.message}`);
  if ((values.intel.length === 0) !== (values.inventory.length === 0)) return refuse('give both --intel and --inventory to match in memory, or neither to read the local database');

  let exposure: Exposure | undefined;
  if (values.intel.length > 0) {
    const result = await scanEstate({
      tenant: tenant.data,
      intelFiles: values.intel,
      inventoryFiles: values.inventory,
      keep: (v, a) => v === vulnerability && a === asset,
    });
    for (const problem of result.problems) io.err.write(`forestall explain: ${problem}\n`);
    exposure = result.kept[0];
  } else {
    if (!existsSync(values.store)) return refuse(`no local database at ${values.store} ("forestall scan --store" creates it), or give --intel and --inventory`);
    const store = await openLocalStore(values.store);
    try {
      [exposure] = await store.repositories.exposures.getMany(tenant.data, [{ vulnerability, asset }]);
    } finally {
      await store.close();
    }
  }
  if (!exposure) {
    io.err.write(`forestall explain: no exposure of ${asset} to ${vulnerability}${values.intel.length > 0 ? ' in these files' : ` in ${values.store}`}\n`);
    return 1;
  }
  io.out.write(values.json ? `${JSON.stringify(exposure, null, 2)}\n` : explainExposure(exposure));
  return 0;
}
