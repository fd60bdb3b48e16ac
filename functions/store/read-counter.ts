import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Running totals of what a client read from DynamoDB, for benchmarks. */
export interface DynamoReadCounter {
  /** Read requests per operation, e.g. { Query: 20, BatchGetItem: 100 }. */
  readonly requests: Readonly<Record<string, number>>;
  /** Items returned: GetItem 0 or 1, Query/Scan the items of each page, BatchGetItem the items found. */
  readonly items: number;
  /** Keys asked for by GetItem and BatchGetItem (found or not). */
  readonly keys: number;
  /**
   * Read capacity units the server reported (the counter asks for `ReturnConsumedCapacity: TOTAL` on
   * every read that does not ask itself). DynamoDB bills each GetItem/BatchGetItem key by its item size
   * rounded up to 4 KB, each Query page by the summed size of its items rounded up to 4 KB, and halves
   * both for eventually consistent reads (every GSI query).
   */
  readonly capacityUnits: number;
  reset(): void;
}

type Output = { Count?: number; ScannedCount?: number; Item?: unknown; Items?: unknown[]; Responses?: Record<string, unknown[]>; ConsumedCapacity?: Capacity | Capacity[] };
type Capacity = { CapacityUnits?: number };
type Handler = (args: { input: Record<string, unknown> }) => Promise<{ output: Output }>;
interface StackLike {
  add(middleware: (next: Handler, context: { commandName?: string }) => Handler, options: { step: 'initialize'; name: string; override?: boolean }): void;
}

const READS: Record<string, string> = { GetItemCommand: 'GetItem', QueryCommand: 'Query', ScanCommand: 'Scan', BatchGetItemCommand: 'BatchGetItem' };

let counterSequence = 0;

/**
 * Counts the reads sent through `client` (a DynamoDBClient or a document client built on it: they share
 * one middleware stack) and the read units the server says they consumed. Writes are left alone
 * (write-counter.ts counts them).
 */
export function countDynamoReads(client: DynamoDBClient | DynamoDBDocumentClient): DynamoReadCounter {
  const requests: Record<string, number> = {};
  let items = 0;
  let keys = 0;
  let capacityUnits = 0;
  counterSequence += 1;
  (client.middlewareStack as unknown as StackLike).add(
    (next, context) => async (args) => {
      const operation = READS[context.commandName ?? ''];
      if (operation === undefined) return next(args);
      requests[operation] = (requests[operation] ?? 0) + 1;
      if (operation === 'GetItem') keys += 1;
      if (operation === 'BatchGetItem') {
        for (const table of Object.values((args.input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>)) keys += table.Keys?.length ?? 0;
      }
      const input = args.input.ReturnConsumedCapacity === undefined ? { ...args.input, ReturnConsumedCapacity: 'TOTAL' } : args.input;
      const result = await next({ ...args, input });
      const output = result.output;
      if (operation === 'GetItem') items += output.Item === undefined ? 0 : 1;
      else if (operation === 'BatchGetItem') items += Object.values(output.Responses ?? {}).reduce((sum, found) => sum + found.length, 0);
      else items += output.Count ?? output.Items?.length ?? 0;
      const consumed = Array.isArray(output.ConsumedCapacity) ? output.ConsumedCapacity : output.ConsumedCapacity ? [output.ConsumedCapacity] : [];
      for (const capacity of consumed) capacityUnits += capacity.CapacityUnits ?? 0;
      return result;
    },
    { step: 'initialize', name: `forestallReadCounter${counterSequence}` },
  );
  return {
    get requests() {
      return { ...requests };
    },
    get items() {
      return items;
    },
    get keys() {
      return keys;
    },
    get capacityUnits() {
      return capacityUnits;
    },
    reset() {
      items = 0;
      keys = 0;
      capacityUnits = 0;
      for (const key of Object.keys(requests)) delete requests[key];
    },
  };
}
