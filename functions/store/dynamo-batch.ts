import {
  BatchGetCommand,
  BatchWriteCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';

/** DynamoDB kept returning unprocessed keys or items after every retry. */
export class StoreBatchIncomplete extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreBatchIncomplete';
  }
}

export type Key = { pk: string; sk: string };
export type Item = Record<string, unknown>;
type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;
const MAX_ATTEMPTS = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Unprocessed keys/items mean throttling: back off before asking again (50 ms, 100 ms, ... 3.2 s).
const backoff = (attempt: number) => sleep(Math.min(50 * 2 ** attempt, 3200));

function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

const keyString = (key: Key) => `${key.pk}\u0000${key.sk}`;

/** Reads items by key, 100 per BatchGetItem, retrying unprocessed keys. Missing items are absent. */
export async function batchGetItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Key[],
  projection?: readonly string[],
): Promise<Item[]> {
  const unique = [...new Map(keys.map((key) => [keyString(key), key])).values()];
  const projectionParams = projection
    ? {
        ProjectionExpression: projection.map((_, i) => `#p${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(projection.map((name, i) => [`#p${i}`, name])),
      }
    : {};
  const items: Item[] = [];
  for (const chunk of chunks(unique, BATCH_GET_LIMIT)) {
    let pending: Key[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= MAX_ATTEMPTS) throw new StoreBatchIncomplete(`${pending.length} keys still unprocessed after ${MAX_ATTEMPTS} BatchGetItem attempts`);
      if (attempt > 0) await backoff(attempt);
      const result = await doc.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true, ...projectionParams } } }),
      );
      items.push(...(result.Responses?.[tableName] ?? []));
      pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
    }
  }
  return items;
}

/** Writes and deletes, 25 per BatchWriteItem, retrying unprocessed items. Not atomic across items. */
export async function batchWriteItems(doc: DynamoDBDocumentClient, tableName: string, requests: readonly WriteRequest[]): Promise<void> {
  for (const chunk of chunks(requests, BATCH_WRITE_LIMIT)) {
    let pending: WriteRequest[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= MAX_ATTEMPTS) throw new StoreBatchIncomplete(`${pending.length} writes still unprocessed after ${MAX_ATTEMPTS} BatchWriteItem attempts`);
      if (attempt > 0) await backoff(attempt);
      const result = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  }
}

/** Runs a query to the end (or until `limit` items), following LastEvaluatedKey. */
export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput, limit?: number): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const remaining = limit === undefined ? undefined : limit - items.length;
    const result = await doc.send(
      new QueryCommand({ ...input, ...(remaining !== undefined ? { Limit: remaining } : {}), ExclusiveStartKey: startKey }),
    );
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey && (limit === undefined || items.length < limit));
  return items;
}

/** Runs a query page by page, following LastEvaluatedKey: callers hold one page at a time. */
export async function* queryPages(doc: DynamoDBDocumentClient, input: QueryCommandInput): AsyncGenerator<Item[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    yield result.Items ?? [];
    startKey = result.LastEvaluatedKey;
  } while (startKey);
}
