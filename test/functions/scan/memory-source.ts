import { StringDecoder } from 'node:string_decoder';
import type { InventorySource } from '../../../functions/scan/inventory-stream.ts';

/** An inventory held in memory, handed out from a byte offset in chunks of `chunkBytes` (whole characters, as a file stream does). */
export function memorySource(name: string, text: string, chunkBytes = 7): InventorySource {
  const bytes = Buffer.from(text, 'utf8');
  return {
    name,
    head: async () => bytes.subarray(0, 64 * 1024).toString('utf8'),
    async *text(from) {
      const decoder = new StringDecoder('utf8');
      for (let at = from; at < bytes.length; at += chunkBytes) {
        const part = decoder.write(bytes.subarray(at, at + chunkBytes));
        if (part) yield part;
      }
      const rest = decoder.end();
      if (rest) yield rest;
    },
  };
}
