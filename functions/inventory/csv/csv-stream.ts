import { once } from 'node:events';
import { CsvError, parse, type Info } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { InventoryItem, InventorySource, ReadPosition } from '../../scan/inventory-stream.ts';
import { checkCsvMapping, csvLayout, csvParseOptions, csvRowToAsset, type CsvLayout, type CsvMapping } from './csv-inventory.ts';

export interface CsvReadOptions {
  mapping: CsvMapping;
  /** Resume at this position: `bytes` is the offset after the last record read, `records` the line number there. */
  from?: ReadPosition;
  /** Give each item the position after it (`after`), for checkpoints. */
  positions?: boolean;
  /** @default ',' */
  delimiter?: string;
}

/**
 * Line numbers of records as a person counts them in an editor (a line ends at LF, CRLF or a lone CR,
 * quoted line breaks included), from the bytes fed to the parser: csv-parse's own count takes a quoted
 * CRLF for two lines.
 */
class LineCounter {
  // Bytes fed and not yet taken by a record: joined once per chunk fed, sliced (not copied) per record.
  private window: Buffer = Buffer.alloc(0);
  private consumed = 0;
  constructor(private line: number) {}

  feed(bytes: Buffer): void {
    this.window = this.window.length === 0 ? bytes : Buffer.concat([this.window, bytes]);
  }

  /** The record ending at stream offset `end`: the line it starts on (after blank lines) and the line after it. */
  record(end: number): { line: number; next: number } {
    const length = end - this.consumed;
    const segment = this.window.subarray(0, length);
    let at = 0;
    let line = this.line;
    // Blank lines csv-parse skipped before the record.
    while (at < segment.length && (segment[at] === 0x0a || segment[at] === 0x0d)) {
      if (segment[at] === 0x0a || segment[at + 1] !== 0x0a) line += 1;
      at += 1;
    }
    let next = line;
    for (let i = at; i < segment.length; i += 1) {
      if (segment[i] === 0x0a || (segment[i] === 0x0d && segment[i + 1] !== 0x0a)) next += 1;
    }
    this.window = this.window.subarray(length);
    this.consumed = end;
    this.line = next;
    return { line, next };
  }
}

/** The header row, from the first bytes of the source (a resumed read starts after it). */
async function headerOf(source: InventorySource, delimiter: string | undefined): Promise<string[] | undefined> {
  const rows = parseSync(await source.head(), { ...csvParseOptions(delimiter), to: 1 }) as unknown as Array<{ record: string[] }>;
  return rows[0]?.record;
}

/**
 * A CSV inventory read as a stream, row by row, as `parseCsvInventory` reads a whole file: the same
 * mapping, the same reasons naming the file, line and column. Memory holds a row, not the file, and
 * with `from` the read resumes after a checkpoint (the header is read again from the head).
 * Problems with the file as a whole (the mapping, a mapped column missing from the header, an unclosed
 * quote) throw an Error whose message names the file and the line.
 */
export async function* readCsvInventory(source: InventorySource, seen: Set<string>, options: CsvReadOptions): AsyncGenerator<InventoryItem> {
  const file = source.name;
  const mapping = checkCsvMapping(options.mapping, file);
  const from = options.from && options.from.bytes > 0 ? options.from : undefined;
  let layout: CsvLayout | undefined;
  if (from) {
    const header = await headerOf(source, options.delimiter);
    if (!header) throw new Error(`${file}: no header row: the file is empty`);
    layout = csvLayout(header, mapping, file);
  }

  const startByte = from?.bytes ?? 0;
  const parser = parse(csvParseOptions(options.delimiter));
  // Bytes go in (csv-parse counts `info.bytes` in them); the text stream is re-encoded chunk by chunk.
  const lines = new LineCounter(from?.records ?? 1);
  const pump = (async () => {
    try {
      for await (const chunk of source.text(startByte)) {
        if (parser.destroyed) break;
        const bytes = Buffer.from(chunk, 'utf8');
        lines.feed(bytes);
        // Wait for the parser to take more; `close` ends the wait when the reader stopped early.
        if (!parser.write(bytes)) await Promise.race([once(parser, 'drain'), once(parser, 'close')]);
      }
      if (!parser.destroyed) parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();

  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const { line, next } = lines.record(info.bytes);
      if (!layout) {
        layout = csvLayout(record, mapping, file);
        continue;
      }
      const row = csvRowToAsset(layout, record, `line ${line}`, seen);
      const item: InventoryItem = 'asset' in row ? { kind: 'asset', asset: row.asset, file, position: `line ${line}` } : { kind: 'quarantined', file, record: row.record, reason: row.reason };
      if (options.positions) item.after = { records: next, bytes: startByte + info.bytes };
      yield item;
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const lines = (error as CsvError & { lines?: number }).lines;
      throw new Error(`${file}: ${lines ? `line ${(from ? from.records - 1 : 0) + lines}: ` : ''}${error.message}`, { cause: error });
    }
    throw error;
  } finally {
    // A reader that stopped early (a Lambda short of time) leaves the rest unread.
    parser.destroy();
    await pump;
  }
  if (!layout) throw new Error(`${file}: no header row: the file is empty`);
}
