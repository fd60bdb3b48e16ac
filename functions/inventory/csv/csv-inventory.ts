import { CsvError, parse } from 'csv-parse/sync';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { describeIssues, formatPath } from '../../ingest/describe-issues.ts';
import { AssetSchema, type Asset } from '../../model/asset.ts';
import type { QuarantineRecord } from '../../model/quarantine.ts';
import { DEFAULT_TENANT } from '../../model/tenant.ts';
import { describeSoftware } from '../../store/keys.ts';
import { INVENTORY_SOURCE, InvalidInputError, type ParsedInventory } from '../parse-inventory.ts';

/** Asset fields a CSV column can fill (one column each); `tags` maps tag keys to columns. */
const COLUMN_FIELDS = ['id', 'hostname', 'ips', 'internetFacing', 'criticality', 'owner', 'software'] as const;
export type ColumnField = (typeof COLUMN_FIELDS)[number];
const MAPPABLE_VALUES = ['hostname', 'internetFacing', 'criticality', 'owner'] as const;

const ColumnSchema = z.string().trim().min(1, 'a column name');

/**
 * Which column holds which asset field, e.g. `{ id: 'Hostname', ips: 'IP Address', criticality: 'Tier',
 * software: 'Packages', values: { criticality: { 'Tier 1': 'high', 'Tier 2': 'medium' } } }`.
 * List fields (ips, software) are split on `;` or whitespace (ips on `,` too).
 */
export const CsvMappingSchema = z.strictObject({
  id: ColumnSchema,
  hostname: ColumnSchema.optional(),
  ips: ColumnSchema.optional(),
  internetFacing: ColumnSchema.optional(),
  criticality: ColumnSchema.optional(),
  owner: ColumnSchema.optional(),
  software: ColumnSchema.optional(),
  /** Tag key -> column. */
  tags: z.record(z.string().min(1), ColumnSchema).optional(),
  /** Per field, cell value -> model value; cells compare trimmed and case-insensitively. Unlisted cells pass as written. */
  values: z.partialRecord(z.enum(MAPPABLE_VALUES), z.record(z.string(), z.union([z.string(), z.boolean()]))).optional(),
});
export type CsvMapping = z.infer<typeof CsvMappingSchema>;

export interface CsvInventoryOptions {
  /** Named in every error and quarantine reason. */
  fileName: string;
  mapping: CsvMapping;
  delimiter?: string;
  tenant?: string;
  now?: string;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0']);

/** 1-based line of each byte offset: lines end at LF, CRLF or a lone CR. */
function lineIndex(bytes: Buffer): (offset: number) => number {
  const breaks: number[] = [];
  for (let i = 0; i < bytes.length; i += 1) {
    if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) breaks.push(i);
  }
  return (offset) => {
    let low = 0;
    let high = breaks.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((breaks[mid] as number) < offset) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  };
}

/** Where a record starts: after the previous one and the blank lines csv-parse skipped. */
function skipBlank(bytes: Buffer, offset: number): number {
  let at = offset;
  while (at < bytes.length && (bytes[at] === 0x0a || bytes[at] === 0x0d)) at += 1;
  return at;
}

const lookup = (map: Record<string, string | boolean> | undefined, cell: string) => {
  if (!map) return undefined;
  if (cell in map) return map[cell];
  const wanted = cell.trim().toLowerCase();
  const key = Object.keys(map).find((candidate) => candidate.trim().toLowerCase() === wanted);
  return key === undefined ? undefined : map[key];
};

/** The mapping, checked: an error names the file and the mapping field. */
export function checkCsvMapping(mapping: unknown, fileName: string): CsvMapping {
  const mappingRead = CsvMappingSchema.safeParse(mapping);
  if (!mappingRead.success) {
    const first = mappingRead.error.issues[0];
    throw new InvalidInputError(fileName, formatPath(first?.path ?? [], 'mapping'), `mapping: ${describeIssues(mappingRead.error.issues, 'mapping').join('; ')}`);
  }
  return mappingRead.data;
}

/** Which column holds which field, from the header row. */
export interface CsvLayout {
  fileName: string;
  mapping: CsvMapping;
  columns: string[];
  fieldColumns: Map<ColumnField, number>;
  tagColumns: ReadonlyArray<readonly [string, number]>;
}

/**
 * The layout of a CSV by its header row and `mapping` (checked).
 * @throws InvalidInputError when a mapped column is not in the header (the mapping's error, not a row's).
 */
export function csvLayout(header: readonly string[], mapping: CsvMapping, fileName: string): CsvLayout {
  const columns = header.map((name) => name.trim());
  const indexOf = (column: string, field: string) => {
    const at = columns.indexOf(column.trim());
    if (at === -1) throw new InvalidInputError(fileName, column, `column "${column}" (mapped to ${field}) is not in the header: ${columns.map((name) => `"${name}"`).join(', ')}`);
    return at;
  };
  const fieldColumns = new Map<ColumnField, number>();
  for (const field of COLUMN_FIELDS) {
    const column = mapping[field];
    if (column !== undefined) fieldColumns.set(field, indexOf(column, field));
  }
  const tagColumns = Object.entries(mapping.tags ?? {}).map(([key, column]) => [key, indexOf(column, `tag ${key}`)] as const);
  return { fileName, mapping, columns, fieldColumns, tagColumns };
}

/** One data row: an asset, or why not (the reason names the file, `where` and the column). */
export type CsvRow = { asset: Asset } | { record: string; reason: string; payload: string };

/**
 * One data row of a CSV as an asset, by the layout. `seen` holds the ids of the rows before it (a repeated
 * id is refused: the first row was kept).
 */
export function csvRowToAsset(layout: CsvLayout, cells: readonly string[], where: string, seen: Set<string>): CsvRow {
  const { fileName, mapping, columns, fieldColumns, tagColumns } = layout;
  const describeColumn = (index: number) => `column "${columns[index]}" (${index + 1})`;
  const idCell = cells[fieldColumns.get('id') as number]?.trim();
  const reject = (problems: string[]): CsvRow => ({
    record: idCell || where,
    reason: problems.map((problem) => `${fileName}: ${where}, ${problem}`).join('; '),
    payload: JSON.stringify(Object.fromEntries(columns.map((name, i) => [name, cells[i] ?? null]))).slice(0, 16_000),
  });
  if (cells.length !== columns.length) return reject([`has ${cells.length} fields; the header has ${columns.length}`]);

  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const cellOf = (field: ColumnField) => {
    const at = fieldColumns.get(field);
    return at === undefined ? undefined : (cells[at] ?? '').trim();
  };
  for (const field of COLUMN_FIELDS) {
    const cell = cellOf(field);
    if (cell === undefined || cell === '') continue;
    const column = describeColumn(fieldColumns.get(field) as number);
    if (field === 'ips') {
      const ips = cell.split(/[;,\s]+/).filter(Boolean);
      const bad = ips.filter((ip) => !(ipaddr.IPv4.isValidFourPartDecimal(ip) || ipaddr.IPv6.isValid(ip)));
      if (bad.length > 0) problems.push(`${column}: ips: not an IP address: ${bad.map((ip) => `"${ip}"`).join(', ')}`);
      raw.ips = ips;
    } else if (field === 'software') {
      raw.software = cell
        .split(/[;\s]+/)
        .filter(Boolean)
        .map((identifier) => (identifier.startsWith('cpe:') ? { cpe: identifier } : { purl: identifier }));
    } else if (field === 'internetFacing') {
      const mapped = lookup(mapping.values?.internetFacing, cell) ?? cell;
      const word = String(mapped).toLowerCase();
      if (mapped === true || TRUE_WORDS.has(word)) raw.internetFacing = true;
      else if (mapped === false || FALSE_WORDS.has(word)) raw.internetFacing = false;
      else problems.push(`${column}: internetFacing: expected yes/no, true/false or 1/0 (cell "${cell}")`);
    } else if (field === 'id') {
      raw.id = cell;
    } else {
      raw[field] = lookup(mapping.values?.[field], cell) ?? cell;
    }
  }
  if (raw.id === undefined) problems.push(`${describeColumn(fieldColumns.get('id') as number)}: id: empty; every asset needs an id`);
  const tags = Object.fromEntries(tagColumns.map(([key, at]) => [key, (cells[at] ?? '').trim()] as const).filter(([, value]) => value !== ''));
  if (Object.keys(tags).length > 0) raw.tags = tags;
  if (problems.length > 0) return reject(problems);

  const parsed = AssetSchema.safeParse(raw);
  if (!parsed.success) {
    return reject(
      parsed.error.issues.flatMap((issue) => {
        const field = issue.path[0] as ColumnField | 'tags';
        const at = field === 'tags' ? tagColumns.find(([key]) => key === issue.path[1])?.[1] : fieldColumns.get(field);
        const cell = at === undefined ? undefined : (cells[at] ?? '').trim();
        return describeIssues([issue]).map((message) => `${at === undefined ? '' : `${describeColumn(at)}: `}${message}${cell === undefined ? '' : ` (cell "${cell}")`}`);
      }),
    );
  }
  const softwareProblems = parsed.data.software.flatMap((software, j) => {
    try {
      describeSoftware(software);
      return [];
    } catch (error) {
      return [`${describeColumn(fieldColumns.get('software') as number)}: software[${j}]: ${(error as Error).message}`];
    }
  });
  if (softwareProblems.length > 0) return reject(softwareProblems);
  if (seen.has(parsed.data.id)) return reject([`${describeColumn(fieldColumns.get('id') as number)}: id "${parsed.data.id}" appears more than once; the first row was kept`]);
  seen.add(parsed.data.id);
  return { asset: parsed.data };
}

/** The csv-parse options every reader uses: BOM dropped, ragged rows kept (and refused by count), blank lines skipped. */
export const csvParseOptions = (delimiter = ',') => ({ info: true, bom: true, relax_column_count: true, skip_empty_lines: true, delimiter }) as const;

/**
 * Reads a CSV asset inventory with a header row, by `mapping`. Each row becomes an asset (defaults
 * applied, as `parseInventory`), or a quarantine record whose reason names the file, the line and
 * the column, e.g. `hosts.csv: line 4, column "Tier" (3): criticality: expected one of low|medium|high (cell "Tier 9")`.
 * Rows with another field count than the header, software the asset store would refuse, an IP that
 * is not one, and a repeated id are quarantined too; blank lines are skipped. (`csv-stream.ts` reads
 * the same way from a stream, for files of any size.)
 * @throws InvalidInputError when the mapping is invalid, names a column the header lacks, or the CSV
 *   cannot be parsed (an unclosed quote): the file and the column or line are named.
 */
export function parseCsvInventory(input: string | Buffer, options: CsvInventoryOptions): ParsedInventory {
  const { fileName } = options;
  const tenant = options.tenant ?? DEFAULT_TENANT;
  const now = options.now ?? new Date().toISOString();
  const mapping = checkCsvMapping(options.mapping, fileName);
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;

  let rows: Array<{ record: string[]; info: { bytes: number } }>;
  try {
    rows = parse(bytes, csvParseOptions(options.delimiter)) as unknown as typeof rows;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new InvalidInputError(fileName, line ? `line ${line}` : '(document)', `${line ? `line ${line}: ` : ''}${error.message}`);
    }
    throw error;
  }
  const [header, ...records] = rows;
  if (!header) throw new InvalidInputError(fileName, '(document)', 'no header row: the file is empty');
  const layout = csvLayout(header.record, mapping, fileName);

  const lineOf = lineIndex(bytes);
  const assets: Asset[] = [];
  const quarantined: QuarantineRecord[] = [];
  const seen = new Set<string>();
  let previousEnd = header.info.bytes;
  for (const { record: cells, info } of records) {
    const line = lineOf(skipBlank(bytes, previousEnd));
    previousEnd = info.bytes;
    const row = csvRowToAsset(layout, cells, `line ${line}`, seen);
    if ('asset' in row) assets.push(row.asset);
    else quarantined.push({ tenant, source: INVENTORY_SOURCE, record: row.record, reason: row.reason, payload: row.payload, quarantinedAt: now });
  }
  return { assets, quarantined };
}
