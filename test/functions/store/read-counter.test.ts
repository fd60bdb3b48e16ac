import { BatchGetCommand, BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDynamoReads } from '../../../functions/store/read-counter.ts';
import { startLocalTable, type LocalTable } from './local-table.ts';

describe('countDynamoReads', () => {
  let table: LocalTable;
  beforeAll(async () => {
    table = await startLocalTable();
  });
  afterAll(async () => table.close());

  it('counts read requests, items and keys, and the read units the server reports, as DynamoDB bills them', async () => {
    const reads = countDynamoReads(table.doc);
    // About 5.9 KB items: 2 units each read strongly consistent; four of them 24 KB in a query page.
    const padding = 'x'.repeat(5_900);
    const items = Array.from({ length: 4 }, (_, i) => ({ pk: 'reads#1', sk: `item#${i}`, padding }));
    await table.doc.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: items.map((Item) => ({ PutRequest: { Item } })) } }));
    expect(reads.requests).toEqual({});

    await table.doc.send(new GetCommand({ TableName: table.tableName, Key: { pk: 'reads#1', sk: 'item#0' }, ConsistentRead: true }));
    const keys = [...items.slice(0, 3).map(({ pk, sk }) => ({ pk, sk })), { pk: 'reads#1', sk: 'missing' }];
    const batch = await table.doc.send(new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: keys, ConsistentRead: true } } }));
    const query = await table.doc.send(new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'reads#1' } }));

    expect(batch.Responses?.[table.tableName]).toHaveLength(3);
    expect(query.Items).toHaveLength(4);
    expect(reads.requests).toEqual({ GetItem: 1, BatchGetItem: 1, Query: 1 });
    expect(reads.keys).toBe(5);
    expect(reads.items).toBe(1 + 3 + 4);
    // GetItem 2 + BatchGetItem 3 x 2 + 1 for the missing key + Query ceil(4 x 5.9 KB / 4 KB) / 2 = 3.
    expect(reads.capacityUnits).toBe(2 + 7 + 3);

    reads.reset();
    expect(reads.capacityUnits).toBe(0);
    expect(reads.items).toBe(0);
    expect(reads.requests).toEqual({});
  });
});
