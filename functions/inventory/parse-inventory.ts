import { AssetSchema, InventorySchema, type Asset } from '../model/asset.ts';
import type { QuarantineRecord } from '../model/quarantine.ts';
import { DEFAULT_TENANT } from '../model/tenant.ts';
import { describeIssues, formatPath } from '../ingest/describe-issues.ts';
import { describeSoftware } from '../store/keys.ts';

/** Quarantine source name of inventory records. */
export const INVENTORY_SOURCE = 'inventory';

/** Input whose overall shape is wrong; the message names the source and the field. */
export class InvalidInputError extends Error {
  readonly source: string;
  readonly field: string;
  constructor(source: string, field: string, message: string) {
    super(`${source}: ${message}`);
    this.name = 'InvalidInputError';
    this.source = source;
    this.field = field;
  }
}

export interface ParsedInventory {
  assets: Asset[];
  quarantined: QuarantineRecord[];
}

/**
 * Checks an inventory document (`{"assets": [...]}`) asset by asset. Valid assets come back parsed
 * (defaults applied); an invalid one becomes a quarantine record whose reason names the file and the
 * field, e.g. `inventory.json: assets[3].criticality: expected one of low|medium|high` or
 * `inventory.json: assets[2]: unknown field "foo"`. Software identifiers must be usable as index keys
 * (a well-formed CPE 2.3 string or purl), and an asset id may appear once. A document that is not an
 * inventory at all throws InvalidInputError.
 */
export function parseInventory(
  json: unknown,
  sourceName: string,
  options: { tenant?: string; now?: string } = {},
): ParsedInventory {
  const tenant = options.tenant ?? DEFAULT_TENANT;
  const now = options.now ?? new Date().toISOString();
  const top = InventorySchema.safeParse(json);
  if (!top.success) {
    const first = top.error.issues[0];
    throw new InvalidInputError(sourceName, first ? formatPath(first.path) || '(document)' : '(document)', describeIssues(top.error.issues).join('; ') || 'expected an object with an "assets" array');
  }

  const assets: Asset[] = [];
  const quarantined: QuarantineRecord[] = [];
  const seen = new Set<string>();
  top.data.assets.forEach((raw, index) => {
    const base = `assets[${index}]`;
    const rawId = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).id : undefined;
    const record = typeof rawId === 'string' && rawId ? rawId : base;
    const reject = (problems: string[]) =>
      quarantined.push({
        tenant,
        source: INVENTORY_SOURCE,
        record,
        reason: problems.map((problem) => `${sourceName}: ${problem}`).join('; '),
        payload: (JSON.stringify(raw) ?? String(raw)).slice(0, 16_000),
        quarantinedAt: now,
      });

    const parsed = AssetSchema.safeParse(raw);
    if (!parsed.success) return reject(describeIssues(parsed.error.issues, base));
    const softwareProblems = parsed.data.software.flatMap((software, j) => {
      try {
        describeSoftware(software);
        return [];
      } catch (error) {
        return [`${base}.software[${j}].${'cpe' in software ? 'cpe' : 'purl'}: ${(error as Error).message}`];
      }
    });
    if (softwareProblems.length > 0) return reject(softwareProblems);
    if (seen.has(parsed.data.id)) return reject([`${base}.id: "${parsed.data.id}" appears more than once; the first asset was kept`]);
    seen.add(parsed.data.id);
    assets.push(parsed.data);
  });
  return { assets, quarantined };
}
