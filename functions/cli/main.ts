import '../local/promise-with-resolvers.ts';
import { parseArgs } from 'node:util';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import { openLocalStore } from './local-store.ts';
import { importInventoryFiles } from './inventory-files.ts';
import { scan, type ScanResult } from './scan.ts';

const USAGE = `forestall: preemptive security operations, run locally

Usage:
  forestall demo [--report FILE] [--verbose]
      Plays the 2am CISA KEV scenario (CVE-2023-4966) on bundled real data: dynalite, a local
      EventBridge bus, the real playbook under local Step Functions and simulated vendor APIs.
  forestall scan --intel FILE... --inventory FILE... [--tenant T] [--store DIR] [--json]
      Ingest and match only, no actions. Intel files: CISA KEV catalogue JSON, NVD CVE API 2.0
      responses or single NVD cve records (told apart by content). --store keeps the local
      database in DIR between runs; without it the run starts empty.
  forestall import --inventory FILE... [--tenant T] [--store DIR]
      Imports asset inventories into the local database (default .forestall/store), where
      "scan --store" finds them. Invalid assets are quarantined with the reason; valid ones stored.
  forestall help

Exit codes: 0 success, 2 invalid input (valid records were still processed), 1 failure.`;

/** Runs the CLI and returns the process exit code. */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'scan':
        return await scanCommand(rest, out, err);
      case 'import':
        return await importCommand(rest, out, err);
      case 'demo': {
        const { values } = parseArgs({ args: [...rest], options: { report: { type: 'string' }, verbose: { type: 'boolean', default: false } }, strict: true });
        const { runDemo } = await import('./demo.ts');
        const outcome = await runDemo({ out, verbose: values.verbose ?? false, reportPath: values.report ?? '.forestall/demo-report.json' });
        return outcome.ok ? 0 : 1;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.write(`${USAGE}\n`);
        return 0;
      default:
        err.write(`forestall: unknown command "${command}"\n\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`forestall ${command}: ${(error as Error).message}\n`);
      return 2;
    }
    err.write(`forestall ${command}: ${(error as Error).name}: ${(error as Error).message}\n`);
    return 1;
  }
}

/** The local database `forestall import` writes to unless `--store` names another. */
export const DEFAULT_STORE_DIR = '.forestall/store';

async function importCommand(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      inventory: { type: 'string', multiple: true, default: [] },
      tenant: { type: 'string', default: DEFAULT_TENANT },
      store: { type: 'string', default: DEFAULT_STORE_DIR },
    },
    strict: true,
  });
  const tenant = TenantIdSchema.safeParse(values.tenant);
  if (!tenant.success) {
    err.write(`forestall import: --tenant: ${tenant.error.issues[0]?.message}\n`);
    return 2;
  }
  if (values.inventory.length === 0) {
    err.write('forestall import: give at least one --inventory FILE\n');
    return 2;
  }
  const store = await openLocalStore(values.store);
  try {
    const result = await importInventoryFiles({ repositories: store.repositories, now: () => new Date() }, tenant.data, values.inventory);
    for (const { source, assets } of result.imported) out.write(`${source}: ${assets} asset(s) imported into ${values.store} (tenant ${tenant.data})\n`);
    for (const problem of result.problems) err.write(`forestall import: ${problem}\n`);
    return result.problems.length > 0 ? 2 : 0;
  } finally {
    await store.close();
  }
}

async function scanCommand(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      intel: { type: 'string', multiple: true, default: [] },
      inventory: { type: 'string', multiple: true, default: [] },
      tenant: { type: 'string', default: DEFAULT_TENANT },
      store: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const tenant = TenantIdSchema.safeParse(values.tenant);
  if (!tenant.success) {
    err.write(`forestall scan: --tenant: ${tenant.error.issues[0]?.message}\n`);
    return 2;
  }
  if (values.intel.length === 0 || values.inventory.length === 0) {
    err.write('forestall scan: give at least one --intel FILE and one --inventory FILE\n');
    return 2;
  }

  const store = await openLocalStore(values.store);
  let result: ScanResult;
  try {
    result = await scan({ repositories: store.repositories, now: () => new Date() }, { tenant: tenant.data, intelFiles: values.intel, inventoryFiles: values.inventory });
  } finally {
    await store.close();
  }

  for (const problem of result.problems) err.write(`forestall scan: ${problem}\n`);
  if (values.json) {
    out.write(`${JSON.stringify({ exposures: result.exposures, quarantined: result.quarantined })}\n`);
  } else {
    out.write(formatScanTable(result));
  }
  return result.problems.length > 0 ? 2 : 0;
}

function formatScanTable(result: ScanResult): string {
  if (result.exposures.length === 0) return `No exposures found.${result.quarantined.length ? ` ${result.quarantined.length} record(s) quarantined.` : ''}\n`;
  const rows = result.exposures.map((e) => [e.decision.toUpperCase(), e.vulnerability, e.asset, e.version, e.internetFacing ? 'internet' : 'internal', e.kev ? 'KEV' : '']);
  const header = ['DECISION', 'CVE', 'ASSET', 'VERSION', 'EXPOSURE', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const counts = new Map<string, number>();
  for (const e of result.exposures) counts.set(e.decision, (counts.get(e.decision) ?? 0) + 1);
  const summary = [...counts].map(([d, n]) => `${n} ${d}`).join(', ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${result.exposures.length} exposure(s): ${summary}.${result.quarantined.length ? ` ${result.quarantined.length} record(s) quarantined.` : ''}\n`;
}
