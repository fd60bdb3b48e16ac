import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
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

/** Where reading stopped: the byte offset of the next record, and how many records (array elements, lines) came before it. */
export interface ReadPosition {
  records: number;
  bytes: number;
}

export type InventoryItem = (
  | { kind: 'asset'; asset: Asset; file: string; position: string }
  | { kind: 'quarantined'; file: string; record: string; reason: string }
) & {
  /** Where a read resumed after this item starts (forestall JSON and JSON lines, with `positions`). */
  after?: ReadPosition;
};

/** An inventory to read: a local file, or an object in S3 read with ranged GETs. */
export interface InventorySource {
  /** Named in every message: the file name or object key. */
  name: string;
  /** The first bytes as text (at least 64 KB when the source is that long), to tell the format. */
  head(): Promise<string>;
  /** The text from byte `from` to the end, in chunks of whole characters. */
  text(from: number): AsyncIterable<string>;
}

export interface ReadInventoryOptions {
  /** Resume here: the records before it are not read again (forestall JSON and JSON lines). */
  from?: ReadPosition;
  /** Give each item the position after it (`after`), for checkpoints. */
  positions?: boolean;
  /** Asset id of an SBOM; the source's name without its extensions by default. */
  sbomAssetId?: string;
}

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

/** A local file as an inventory source. */
export function fileSource(file: string): InventorySource {
  return {
    name: file,
    head: () => sniff(file),
    text: (from) => createReadStream(file, { encoding: 'utf8', highWaterMark: READ_CHUNK, start: from }) as AsyncIterable<string>,
  };
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
 * Byte offsets of character offsets in a stream of text chunks, asked in increasing order: each chunk's
 * UTF-8 length is counted once, so the cost grows with the text, not with the number of questions.
 */
class ByteOffsets {
  private chunk = '';
  private chunkChar = 0;
  private chunkByte: number;
  private lastChar = 0;
  private lastByte: number;
  constructor(startByte: number, prefixChars = 0) {
    // A prefix put before the real text (a resumed array's `{"assets":[`) takes no bytes of the source.
    this.chunkByte = startByte - prefixChars;
    this.lastByte = this.chunkByte;
  }
  async *track(chunks: AsyncIterable<string>): AsyncGenerator<string> {
    for await (const chunk of chunks) {
      this.chunkChar += this.chunk.length;
      this.chunkByte += Buffer.byteLength(this.chunk, 'utf8');
      this.chunk = chunk;
      this.lastChar = this.chunkChar;
      this.lastByte = this.chunkByte;
      yield chunk;
    }
  }
  /** The byte offset of character `char`, which lies in the chunk read last. */
  at(char: number): number {
    this.lastByte += Buffer.byteLength(this.chunk.slice(this.lastChar - this.chunkChar, char - this.chunkChar), 'utf8');
    this.lastChar = char;
    return this.lastByte;
  }
}

async function* prefixed(prefix: string, chunks: AsyncIterable<string>): AsyncGenerator<string> {
  yield prefix;
  yield* chunks;
}

/** Lines of a text stream with the character offset after each line's end of line. */
async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<[string, number]> {
  let pending = '';
  let base = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let at = chunk.indexOf('\n'); at !== -1; at = chunk.indexOf('\n', start)) {
      yield [pending + chunk.slice(start, at), base + at + 1];
      pending = '';
      start = at + 1;
    }
    pending += chunk.slice(start);
    base += chunk.length;
  }
  if (pending !== '') yield [pending, base];
}

const NOT_AN_INVENTORY = 'not an inventory: expected {"assets": [...]}, JSON lines of assets, or a CycloneDX/SPDX SBOM';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `{"assets": [...]}`, with "assets" first or after other keys (`{"version": 1, "assets": [...]}`), as
 * against JSON lines (a whole asset object on each line) and SBOMs, told from the first bytes.
 */
function isAssetsDocument(start: string): boolean {
  if (/^\{\s*"assets"\s*:/.test(start)) return true;
  if (!start.startsWith('{') || /"(bomFormat|spdxVersion|@context)"/.test(start)) return false;
  const newline = start.indexOf('\n');
  try {
    // A first line that is a whole object: a one-line document, or the first of JSON lines.
    const first = JSON.parse(newline === -1 ? start : start.slice(0, newline)) as unknown;
    return isObject(first) && Array.isArray(first.assets);
  } catch {
    // A document spread over lines (or a first line longer than the head).
    return /"assets"\s*:\s*\[/.test(start);
  }
}

/**
 * The assets of one inventory file. Problems with the file as a whole (unreadable, not an inventory)
 * throw an Error whose message names the file.
 * @param seen asset ids already read in this scan (duplicates are quarantined)
 */
export async function* readInventoryFile(file: string, seen: Set<string>, options: ReadInventoryOptions = {}): AsyncGenerator<InventoryItem> {
  yield* readInventory(fileSource(file), seen, options);
}

/**
 * The assets of one inventory source, as `readInventoryFile`. With `options.from` a forestall JSON
 * document or JSON lines is read from that byte offset on (a ranged read), numbering records on from
 * where it left off; an SBOM is one record and is read whole again.
 */
export async function* readInventory(source: InventorySource, seen: Set<string>, options: ReadInventoryOptions = {}): AsyncGenerator<InventoryItem> {
  const file = source.name;
  let head: string;
  try {
    head = await source.head();
  } catch (error) {
    throw new Error(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  const start = head.replace(/^\uFEFF/, '').trimStart();
  const from = options.from && options.from.bytes > 0 ? options.from : undefined;

  if (isAssetsDocument(start)) {
    // Resumed mid-array: the rest of the document after an opening that puts it back into the array.
    const opening = from ? '{"assets":[' : '';
    const offsets = options.positions ? new ByteOffsets(from?.bytes ?? 0, opening.length) : undefined;
    let chunks: AsyncIterable<string> = source.text(from?.bytes ?? 0);
    if (from) chunks = prefixed(opening, chunks);
    if (offsets) chunks = offsets.track(chunks);
    const skipped = from?.records ?? 0;
    try {
      for await (const [index, text, end] of jsonArrayElements(chunks, 'assets')) {
        const item = parseElement(text, file, `assets[${index + skipped}]`, seen);
        if (offsets) item.after = { records: index + skipped + 1, bytes: offsets.at(end) };
        yield item;
      }
    } catch (error) {
      if (error instanceof NotAnArrayDocument) throw new Error(`${file}: ${error.message}`);
      throw error;
    }
    return;
  }

  if (/"(bomFormat|spdxVersion|@context)"/.test(head) && start.startsWith('{')) {
    let document: unknown;
    try {
      const parts: string[] = [];
      for await (const chunk of source.text(0)) parts.push(chunk);
      document = JSON.parse(parts.join(''));
    } catch (error) {
      throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
    }
    if (detectSbom(document)) {
      const conversion = sbomToAsset(document, { assetId: options.sbomAssetId ?? sbomAssetId(file), fileName: file });
      for (const { record, reason } of conversion.quarantined) yield { kind: 'quarantined', file, record, reason };
      const asset = conversion.vex.length > 0 ? { ...conversion.asset, vex: conversion.vex } : conversion.asset;
      yield checkAsset(asset, file, 'sbom', seen);
      return;
    }
    throw new Error(`${file}: ${NOT_AN_INVENTORY}`);
  }

  if (start.startsWith('{')) {
    // JSON lines: one asset object per line.
    const offsets = options.positions ? new ByteOffsets(from?.bytes ?? 0) : undefined;
    let chunks: AsyncIterable<string> = source.text(from?.bytes ?? 0);
    if (offsets) chunks = offsets.track(chunks);
    let line = from?.records ?? 0;
    for await (const [raw, end] of lines(chunks)) {
      line += 1;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.trim() === '') continue;
      const item = parseElement(text, file, `line ${line}`, seen);
      if (offsets) item.after = { records: line, bytes: offsets.at(end) };
      yield item;
    }
    return;
  }
  throw new Error(`${file}: ${NOT_AN_INVENTORY}`);
}
