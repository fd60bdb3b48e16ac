import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { describeIssues } from '../ingest/describe-issues.ts';
import { detectSbom, sbomToAsset } from '../inventory/sbom/sbom-to-asset.ts';
import type { Asset } from '../model/asset.ts';
import { parseAsset } from './fast-asset.ts';
import { jsonArrayElements, NotAnArrayDocument } from './json-elements.ts';

/**
 * Reads inventory files as a stream of assets, whatever their format, told apart by content:
 * - the forestall inventory (`{"assets": [...]}`), element by element, so its size does not matter;
 * - JSON lines, one asset per line;
 * - a CycloneDX or SPDX JSON SBOM: one application asset whose id is the file's name without its
 *   extensions (`shop.cdx.json` -> `shop`), carrying the SBOM's VEX statements.
 * Each asset is checked with the inventory schema; a bad one is quarantined naming file and field,
 * and reading goes on.
 */

export type InventoryItem =
  | { kind: 'asset'; asset: Asset; file: string; position: string }
  | { kind: 'quarantined'; file: string; record: string; reason: string };

const READ_CHUNK = 1 << 20;
const SNIFF_BYTES = 64 * 1024;

async function sniff(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** `shop.cdx.json` -> `shop`: the asset an SBOM file describes, unless the inventory already names it. */
export function sbomAssetId(file: string): string {
  const name = basename(file).replace(/(\.(cdx|spdx|bom|sbom|json|jsonld))+$/i, '');
  return name.replace(/[^A-Za-z0-9._:-]/g, '-') || 'sbom';
}

function checkAsset(raw: unknown, file: string, position: string, seen: Set<string>): InventoryItem {
  const rawId = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).id : undefined;
  const record = typeof rawId === 'string' && rawId ? rawId : position;
  const parsed = parseAsset(raw);
  if (!parsed.success) return { kind: 'quarantined', file, record, reason: describeIssues(parsed.error.issues, position).map((p) => `${file}: ${p}`).join('; ') };
  if (seen.has(parsed.data.id)) return { kind: 'quarantined', file, record, reason: `${file}: ${position}.id: "${parsed.data.id}" appears more than once; the first asset was kept` };
  seen.add(parsed.data.id);
  return { kind: 'asset', asset: parsed.data, file, position };
}

function parseElement(text: string, file: string, position: string, seen: Set<string>): InventoryItem {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { kind: 'quarantined', file, record: position, reason: `${file}: ${position}: not valid JSON: ${(error as Error).message}` };
  }
  return checkAsset(raw, file, position, seen);
}

/**
 * The assets of one inventory file. Problems with the file as a whole (unreadable, not an inventory)
 * throw an Error whose message names the file.
 * @param seen asset ids already read in this scan (duplicates are quarantined)
 */
export async function* readInventoryFile(file: string, seen: Set<string>): AsyncGenerator<InventoryItem> {
  let head: string;
  try {
    head = await sniff(file);
  } catch (error) {
    throw new Error(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const start = head.replace(/^\uFEFF/, '').trimStart();

  if (/^\{\s*"assets"\s*:/.test(start)) {
    const chunks = createReadStream(file, { encoding: 'utf8', highWaterMark: READ_CHUNK });
    try {
      for await (const [index, text] of jsonArrayElements(chunks, 'assets')) yield parseElement(text, file, `assets[${index}]`, seen);
    } catch (error) {
      if (error instanceof NotAnArrayDocument) throw new Error(`${file}: ${error.message}`);
      throw error;
    }
    return;
  }

  if (/"(bomFormat|spdxVersion|@context)"/.test(head) && start.startsWith('{')) {
    let document: unknown;
    try {
      document = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
    }
    if (detectSbom(document)) {
      const conversion = sbomToAsset(document, { assetId: sbomAssetId(file), fileName: file });
      for (const { record, reason } of conversion.quarantined) yield { kind: 'quarantined', file, record, reason };
      const asset = conversion.vex.length > 0 ? { ...conversion.asset, vex: conversion.vex } : conversion.asset;
      yield checkAsset(asset, file, 'sbom', seen);
      return;
    }
    throw new Error(`${file}: not an inventory: expected {"assets": [...]}, JSON lines of assets, or a CycloneDX/SPDX SBOM`);
  }

  if (start.startsWith('{')) {
    // JSON lines: one asset object per line.
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: READ_CHUNK }), crlfDelay: Infinity });
    let line = 0;
    for await (const text of lines) {
      line += 1;
      if (text.trim() === '') continue;
      yield parseElement(text, file, `line ${line}`, seen);
    }
    return;
  }
  throw new Error(`${file}: not an inventory: expected {"assets": [...]}, JSON lines of assets, or a CycloneDX/SPDX SBOM`);
}
