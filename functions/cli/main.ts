import '../local/promise-with-resolvers.ts';
import { parseArgs } from 'node:util';
import { readSecret, secretSourceFromEnv } from '../config/secrets.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { describeSources, ingestCommand } from './ingest-command.ts';
import { DEFAULT_STORE_DIR, openLocalStore } from './local-store.ts';
import { IMPORT_USAGE, importCommand } from './import-command.ts';
import { quarantineCommand } from './quarantine-command.ts';
import { EXPOSURE_USAGE, exposureCommand } from './exposure-command.ts';
import { scan, type ScanResult } from './scan.ts';
import { scanEstate, sortScanResult } from '../scan/scan-estate.ts';
import { EXPLAIN_USAGE, explainCommand } from './explain-command.ts';
import { WEBHOOK_SERVE_USAGE, webhookCommand } from './webhook-command.ts';
import { INDICATORS_USAGE, indicatorsCommand } from './indicators-command.ts';

export { DEFAULT_STORE_DIR };

const USAGE = `forestall: preemptive security operations, run locally

Usage:
  forestall demo [--report FILE] [--verbose]
      Plays the 2am CISA KEV scenario (CVE-2023-4966) on bundled real data: dynalite, a local
      EventBridge bus, the real playbook under local Step Functions and simulated vendor APIs.
  forestall demo --live
      Needs internet access: polls the real CISA KEV catalogue and looks its 5 newest entries up in
      NVD, into a fresh in-memory database, and prints what was stored and announced. Acts on nothing.
  forestall scan --intel FILE... --inventory FILE... [--tenant T] [--store DIR] [--online] [--json]
      Match only, no actions. Intel files: any format "forestall ingest" reads (told apart by content).
      Inventories: the forestall asset format, JSON lines of assets, or a CycloneDX/SPDX JSON SBOM (one
      application asset named after the file). Without --store the scan runs in memory and streams the
      inventories (any size); --store DIR keeps the local database in DIR between runs instead.
      Vulnerabilities that cannot be matched are listed with what they need; --online fetches the NVD
      records the intel lacks (NVD_API_KEY raises NVD's rate).
${EXPLAIN_USAGE}
${INDICATORS_USAGE}
${IMPORT_USAGE}
  forestall ingest <source> [--file F | --url U [--setting K=V...]] [--tenant T] [--store DIR] [--archive DIR] [--json]
      Stores one source's intel in the local database (default ${DEFAULT_STORE_DIR}). --file reads a
      file ("auto" for <source> tells its format by content); --url, or neither for a scheduled
      source, polls it (its public URL by default), conditionally and from where the last poll in
      this database stopped; --setting KEY=VALUE sets its other settings (TAXII's collectionId).
      Raw payloads are kept in --archive (default .forestall/archive). Prints what was added,
      updated, revoked, unchanged, quarantined and announced (--json: the summary). Secrets a source
      reads (NVD_API_KEY, TAXII_PASSWORD, ...) come from the environment or <NAME>_FILE. Sources:
${describeSources('        ')}
  forestall quarantine [<source>] [--tenant T] [--store DIR] [--json]
      Lists the records ingest refused (source, record, when, reason); every source when none is named.
  forestall webhook sign --secret-file FILE [--file BODY] [--url URL] [--content-type TYPE] [--delivery ID]
      Signs a body for the intel webhook and prints a curl command that sends it ("webhook sign --help").
${WEBHOOK_SERVE_USAGE}
${EXPOSURE_USAGE}
  forestall help

Exit codes: 0 success, 2 invalid input (valid records were still processed), 1 failure.`;

/** Runs the CLI and returns the process exit code. */
export async function main(
  argv: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  overrides: Partial<Omit<CliIo, 'out' | 'err'>> = {},
): Promise<number> {
  const [command, ...rest] = argv;
  const io: CliIo = { ...processIo(out, err), ...overrides };
  try {
    switch (command) {
      case 'scan':
        return await scanCommand(rest, io);
      case 'explain':
        return await explainCommand(rest, io);
      case 'indicators':
        return await indicatorsCommand(rest, io);
      case 'import':
        return await importCommand(rest, io);
      case 'ingest':
        return await ingestCommand(rest, io);
      case 'quarantine':
        return await quarantineCommand(rest, io);
      case 'webhook':
        return await webhookCommand(rest, io);
      case 'exposure':
        return await exposureCommand(rest, io);
      case 'demo': {
        const { values } = parseArgs({
          args: [...rest],
          options: { report: { type: 'string' }, verbose: { type: 'boolean', default: false }, live: { type: 'boolean', default: false } },
          strict: true,
        });
        if (values.live) {
          if (values.report !== undefined) {
            err.write('forestall demo: --report belongs to the offline demo, not --live\n');
            return 2;
          }
          const { runLiveDemo } = await import('./demo.ts');
          return (await runLiveDemo({ out, err, fetch: io.fetch, env: io.env })).ok ? 0 : 1;
        }
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

async function scanCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { out, err } = io;
  const { values } = parseArgs({
    args: [...args],
    options: {
      intel: { type: 'string', multiple: true, default: [] },
      inventory: { type: 'string', multiple: true, default: [] },
      tenant: { type: 'string', default: DEFAULT_TENANT },
      store: { type: 'string' },
      json: { type: 'boolean', default: false },
      online: { type: 'boolean', default: false },
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

  let result: ScanResult;
  if (values.store === undefined && !values.online) {
    // No local state asked for: match in memory, streaming the inventories. --json streams the
    // exposures out as they are found, so memory grows with neither the estate nor the findings.
    if (values.json) {
      let first = true;
      out.write('{"exposures":[');
      const streamed = await scanEstate({
        tenant: tenant.data,
        intelFiles: values.intel,
        inventoryFiles: values.inventory,
        sink: (exposure) => {
          out.write(`${first ? '' : ','}\n${JSON.stringify(exposure)}`);
          first = false;
        },
      });
      out.write(`\n],"unmatched":${JSON.stringify(streamed.unmatched)},"quarantined":${JSON.stringify(streamed.quarantined)}}\n`);
      for (const problem of streamed.problems) err.write(`forestall scan: ${problem}\n`);
      return streamed.problems.length > 0 ? 2 : 0;
    }
    // The table needs only a row per exposure: reasons and evidence are left out as they arrive.
    const rows: ScanResult['exposures'] = [];
    const scanned = await scanEstate({
      tenant: tenant.data,
      intelFiles: values.intel,
      inventoryFiles: values.inventory,
      sink: (exposure) => rows.push({ ...exposure, reasons: [], evidence: [] }),
    });
    result = sortScanResult({ ...scanned, exposures: rows });
  } else {
    const store = await openLocalStore(values.store);
    try {
      const nvdKey = secretSourceFromEnv('NVD_API_KEY', io.env);
      const online = values.online
        ? { fetch: io.fetch, sleep: io.sleep, ...(nvdKey ? { apiKey: await readSecret(nvdKey, io.env) } : {}), ...(io.env.NVD_API_URL ? { apiUrl: io.env.NVD_API_URL } : {}) }
        : undefined;
      result = await scan(
        { repositories: store.repositories, now: () => new Date() },
        { tenant: tenant.data, intelFiles: values.intel, inventoryFiles: values.inventory, ...(online ? { online } : {}) },
      );
    } finally {
      await store.close();
    }
  }

  for (const problem of result.problems) err.write(`forestall scan: ${problem}\n`);
  if (values.json) {
    out.write(`${JSON.stringify({ exposures: result.exposures, unmatched: result.unmatched, quarantined: result.quarantined })}\n`);
  } else {
    out.write(formatScanTable(result));
  }
  return result.problems.length > 0 ? 2 : 0;
}

function formatScanTable(result: ScanResult): string {
  return `${formatExposures(result)}${formatUnmatched(result)}`;
}

/** What could not be matched and why, so "no exposures" never hides intel the scan could not use. */
function formatUnmatched(result: ScanResult): string {
  if (result.unmatched.length === 0) return '';
  const shown = result.unmatched.slice(0, 20).map((u) => `  ${u.vulnerability}${u.kev ? ' (KEV)' : ''}: ${u.reason}`);
  const more = result.unmatched.length > shown.length ? [`  ... and ${result.unmatched.length - shown.length} more (--json lists them all)`] : [];
  return `\n${result.unmatched.length} vulnerability(ies) could not be matched:\n${[...shown, ...more].join('\n')}\n`;
}

function formatExposures(result: ScanResult): string {
  if (result.exposures.length === 0) {
    const checked = result.unmatched.length > 0 ? 'No exposures found among the vulnerabilities that could be matched.' : 'No exposures found.';
    return `${checked}${result.quarantined.length ? ` ${result.quarantined.length} record(s) quarantined.` : ''}\n`;
  }
  const rows = result.exposures.map((e) => [e.decision.toUpperCase(), e.vulnerability, e.asset, e.version, e.internetFacing ? 'internet' : 'internal', e.kev ? 'KEV' : '']);
  const header = ['DECISION', 'CVE', 'ASSET', 'VERSION', 'EXPOSURE', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const counts = new Map<string, number>();
  for (const e of result.exposures) counts.set(e.decision, (counts.get(e.decision) ?? 0) + 1);
  const summary = [...counts].map(([d, n]) => `${n} ${d}`).join(', ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${result.exposures.length} exposure(s): ${summary}.${result.quarantined.length ? ` ${result.quarantined.length} record(s) quarantined.` : ''}\n`;
}
