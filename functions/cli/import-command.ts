import { parseArgs } from 'node:util';
import { describeIssues } from '../ingest/describe-issues.ts';
import { CsvMappingSchema, type CsvMapping } from '../inventory/csv/csv-inventory.ts';
import { EntityIdSchema } from '../model/ids.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import type { CliIo } from './cli-io.ts';
import { importInventoryFiles, readJsonFile, type InventoryFilesOptions } from './inventory-files.ts';
import { DEFAULT_STORE_DIR, openLocalStore } from './local-store.ts';
import { localRematch } from './local-rematch.ts';

export const IMPORT_USAGE = `  forestall import [FILE...] [--csv FILE --map MAPPING.json]... [--ec2 FILE [--security-groups FILE]] [--asset-id ID] [--tenant T] [--store DIR]
      Imports asset inventories into the local database (default ${DEFAULT_STORE_DIR}), streamed and stored
      in batches (any size), and re-matches the assets whose software changed against the intel stored
      there. FILEs (or --inventory FILE) are told apart by content: the forestall asset format
      {"assets": [...]}, JSON lines of assets, or a CycloneDX/SPDX JSON SBOM (one application asset named
      after the file, or --asset-id ID, which names every SBOM of the command: give one SBOM with it). --csv reads a CSV with a header row by a JSON header mapping,
      --map: one per --csv in the same order, or one for all. It names the column of id (required),
      hostname, ips, internetFacing, criticality, owner and software (lists split on ";" or spaces),
      "tags" {key: column} and "values" {field: {cell: value}}, e.g. {"id": "Hostname", "ips": "IP",
      "criticality": "Tier", "software": "Packages", "values": {"criticality": {"Tier 1": "high"}}}.
      --ec2 takes "aws ec2 describe-instances" output, merged into the stored assets (cloud binding, IPs,
      tags); --security-groups the matching "aws ec2 describe-security-groups" output, for ingress rules.
      Invalid records are quarantined with file, record and field ("forestall quarantine inventory" lists
      them); the rest is stored. Progress and notes go to stderr.`;

type Refusal = { problem: string };

/** The header mappings of the --csv files: one per file in order, or one for all; each file's JSON checked. */
async function csvInputs(csv: readonly string[], maps: readonly string[]): Promise<NonNullable<InventoryFilesOptions['csv']> | Refusal> {
  if (csv.length === 0) return maps.length > 0 ? { problem: '--map is the header mapping of a --csv file: give --csv FILE too' } : [];
  if (maps.length === 0) return { problem: `--csv ${csv[0]}: give its header mapping with --map MAPPING.json` };
  if (maps.length !== 1 && maps.length !== csv.length) return { problem: `--map: give one mapping for every --csv (${csv.length}), or one for all; got ${maps.length}` };
  const mappings = new Map<string, CsvMapping>();
  for (const file of new Set(maps)) {
    const read = await readJsonFile(file);
    if (!read.ok) return { problem: `--map ${read.problem}` };
    const parsed = CsvMappingSchema.safeParse(read.json);
    if (!parsed.success) return { problem: `--map ${file}: not a header mapping: ${describeIssues(parsed.error.issues, 'mapping').join('; ')}` };
    mappings.set(file, parsed.data);
  }
  return csv.map((file, i) => ({ file, mapping: mappings.get(maps.length === 1 ? (maps[0] as string) : (maps[i] as string)) as CsvMapping }));
}

/**
 * `forestall import [FILE...] [--csv F --map M]... [--ec2 F [--security-groups F]] ...`: every inventory
 * format into the local database, with the changed assets re-matched against the stored intel.
 * Exit 2 on a bad flag, or when a file could not be read or records were quarantined (the valid rest is
 * stored); 1 when the import failed.
 */
export async function importCommand(args: readonly string[], io: Pick<CliIo, 'out' | 'err'>): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      inventory: { type: 'string', multiple: true, default: [] },
      csv: { type: 'string', multiple: true, default: [] },
      map: { type: 'string', multiple: true, default: [] },
      ec2: { type: 'string', multiple: true, default: [] },
      'security-groups': { type: 'string', multiple: true, default: [] },
      'asset-id': { type: 'string' },
      tenant: { type: 'string', default: DEFAULT_TENANT },
      store: { type: 'string', default: DEFAULT_STORE_DIR },
    },
    allowPositionals: true,
    strict: true,
  });
  const refuse = (message: string) => {
    io.err.write(`forestall import: ${message}\n`);
    return 2;
  };
  const tenant = TenantIdSchema.safeParse(values.tenant);
  if (!tenant.success) return refuse(`--tenant: ${tenant.error.issues[0]?.message}`);
  const files = [...positionals, ...values.inventory];
  if (files.length === 0 && values.csv.length === 0 && values.ec2.length === 0) return refuse('give at least one inventory: FILE (or --inventory FILE), --csv FILE --map MAPPING.json, or --ec2 FILE');
  const csv = await csvInputs(values.csv, values.map);
  if ('problem' in csv) return refuse(csv.problem);
  if (values.ec2.length > 1) return refuse('--ec2: give one DescribeInstances output (import again for another account or region)');
  if (values['security-groups'].length > 1) return refuse('--security-groups: give one DescribeSecurityGroups output');
  const [instances] = values.ec2;
  const [securityGroups] = values['security-groups'];
  if (securityGroups !== undefined && instances === undefined) return refuse('--security-groups holds the ingress rules of --ec2 instances: give --ec2 FILE too');
  const assetId = values['asset-id'];
  if (assetId !== undefined) {
    const parsed = EntityIdSchema.safeParse(assetId);
    if (!parsed.success) return refuse(`--asset-id "${assetId}": ${parsed.error.issues[0]?.message}`);
  }

  const store = await openLocalStore(values.store);
  try {
    const deps = { repositories: store.repositories, now: () => new Date() };
    const rematch = localRematch(deps, tenant.data);
    const result = await importInventoryFiles(
      { ...deps, onChanges: rematch.onChanges, progress: (line) => io.err.write(`forestall import: ${line}\n`) },
      tenant.data,
      files,
      { ...(csv.length > 0 ? { csv } : {}), ...(instances ? { ec2: { instances, ...(securityGroups ? { securityGroups } : {}) } } : {}), ...(assetId ? { sbomAssetId: assetId } : {}) },
    );
    for (const { source, assets } of result.imported) {
      const quarantined = result.quarantined.filter((record) => record.source === source).length;
      io.out.write(`${source}: ${assets} asset(s) imported into ${values.store} (tenant ${tenant.data})${quarantined ? `, ${quarantined} record(s) quarantined` : ''}\n`);
    }
    if (rematch.totals.changedAssets > 0) {
      const { changedAssets, new: opened, remediated } = rematch.totals;
      io.out.write(`Re-matched ${changedAssets} changed asset(s) against the stored intel: ${opened} new exposure(s), ${remediated} remediated${opened + remediated > 0 ? ' ("forestall exposure list" shows them)' : ''}\n`);
    }
    for (const problem of rematch.totals.problems) io.err.write(`forestall import: re-match: ${problem}\n`);
    for (const note of result.notes) io.err.write(`forestall import: note: ${note}\n`);
    for (const problem of result.problems) io.err.write(`forestall import: ${problem}\n`);
    if (result.quarantined.length > 0) {
      const where = [tenant.data === DEFAULT_TENANT ? '' : ` --tenant ${tenant.data}`, values.store === DEFAULT_STORE_DIR ? '' : ` --store ${values.store}`].join('');
      io.err.write(`forestall import: ${result.quarantined.length} record(s) quarantined; "forestall quarantine inventory${where}" lists them with the reason\n`);
    }
    return result.problems.length > 0 ? 2 : 0;
  } finally {
    await store.close();
  }
}
