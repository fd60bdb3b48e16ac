import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Running totals of what a client sent to DynamoDB, for benchmarks and "no writes" assertions. */
export interface DynamoRequestCounter {
  /** Items written or deleted: PutItem/UpdateItem/DeleteItem count 1, BatchWriteItem counts each request in it. */
  readonly writes: number;
  /** Items read: GetItem 1, BatchGetItem per key; Query counts 1 per page. */
  readonly reads: number;
  /** Requests per DynamoDB operation name, e.g. { PutItem: 3, Query: 1 }. */
  readonly requests: Readonly<Record<string, number>>;
  reset(): void;
}

interface BuildArgs {
  request: { headers?: Record<string, string>; body?: unknown };
}
type BuildHandler = (args: BuildArgs) => Promise<unknown>;
interface StackLike {
  add(middleware: (next: BuildHandler) => BuildHandler, options: { step: 'build'; name: string; override?: boolean }): void;
}

let counterSequence = 0;

function requestCount(body: unknown, field: 'RequestItems', itemField: 'Keys' | null): number {
  // The SDK serialises JSON bodies to bytes in recent versions, to a string in older ones.
  const text = body instanceof Uint8Array ? new TextDecoder().decode(body) : body;
  if (typeof text !== 'string') return 1;
  try {
    const parsed = JSON.parse(text) as Record<string, Record<string, unknown>>;
    const tables = Object.values(parsed[field] ?? {});
    return tables.reduce<number>((sum, table) => {
      const entries = itemField ? (table as Record<string, unknown>)[itemField] : table;
      return sum + (Array.isArray(entries) ? entries.length : 0);
    }, 0);
  } catch {
    return 1;
  }
}

/**
 * Counts DynamoDB requests sent through `client` (a DynamoDBClient or a document client built on it:
 * they share one middleware stack). Counting happens on the wire request, after marshalling, so it
 * sees exactly what DynamoDB would bill as write and read requests (before SDK-level retries).
 */
export function countDynamoWrites(client: DynamoDBClient | DynamoDBDocumentClient): DynamoRequestCounter {
  const requests: Record<string, number> = {};
  let writes = 0;
  let reads = 0;
  counterSequence += 1;
  (client.middlewareStack as unknown as StackLike).add(
    (next) => async (args) => {
      const target = args.request.headers?.['x-amz-target'] ?? '';
      const operation = target.split('.').pop() ?? 'Unknown';
      requests[operation] = (requests[operation] ?? 0) + 1;
      switch (operation) {
        case 'PutItem':
        case 'UpdateItem':
        case 'DeleteItem':
          writes += 1;
          break;
        case 'BatchWriteItem':
          writes += requestCount(args.request.body, 'RequestItems', null);
          break;
        case 'GetItem':
        case 'Query':
          reads += 1;
          break;
        case 'BatchGetItem':
          reads += requestCount(args.request.body, 'RequestItems', 'Keys');
          break;
        default:
          break;
      }
      return next(args);
    },
    { step: 'build', name: `forestallRequestCounter${counterSequence}` },
  );
  return {
    get writes() {
      return writes;
    },
    get reads() {
      return reads;
    },
    get requests() {
      return { ...requests };
    },
    reset() {
      writes = 0;
      reads = 0;
      for (const key of Object.keys(requests)) delete requests[key];
    },
  };
}
