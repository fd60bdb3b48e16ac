import { readFile } from 'node:fs/promises';
import { importInventory } from '../inventory/import-inventory.ts';
import type { Repositories } from '../store/ports.ts';

/** Reads and parses a JSON file; a problem names the file. */
export async function readJsonFile(file: string): Promise<{ ok: true; json: unknown } | { ok: false; problem: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, problem: `${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch (error) {
    return { ok: false, problem: `${file}: not valid JSON: ${(error as Error).message}` };
  }
}

export interface InventoryFilesResult {
  imported: Array<{ source: string; assets: number }>;
  quarantined: Array<{ source: string; record: string; reason: string }>;
  /** One line per unreadable file, broken document or quarantined asset, naming the file and field. */
  problems: string[];
}

/**
 * Imports inventory files one by one: valid assets are stored, invalid ones quarantined with the
 * reason, and a file that cannot be read or is not an inventory is reported without stopping the rest.
 */
export async function importInventoryFiles(
  deps: { repositories: Pick<Repositories, 'assets' | 'quarantine'>; now: () => Date },
  tenant: string,
  files: readonly string[],
): Promise<InventoryFilesResult> {
  const result: InventoryFilesResult = { imported: [], quarantined: [], problems: [] };
  for (const file of files) {
    const read = await readJsonFile(file);
    if (!read.ok) {
      result.problems.push(read.problem);
      continue;
    }
    try {
      const summary = await importInventory(deps, { tenant, inventory: read.json, sourceName: file });
      result.imported.push({ source: file, assets: summary.imported });
      for (const { record, reason } of summary.quarantined) {
        result.quarantined.push({ source: file, record, reason });
        result.problems.push(reason.startsWith(`${file}:`) ? reason : `${file}: ${reason}`);
      }
    } catch (error) {
      result.problems.push((error as Error).message);
    }
  }
  return result;
}
