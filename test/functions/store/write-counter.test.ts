import { BatchGetCommand, BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTable, type LocalTable } from './local-table.ts';

describe('countDynamoWrites', () => {
  let table: LocalTable;
  beforeAll(async () => {
    table = await startLocalTable();
  });
  afterAll(async () => table.close());

  it('counts every item of a batch write and every key of a batch read, as DynamoDB bills them', async () => {
    table.counter.reset();
    const items = Array.from({ length: 7 }, (_, i) => ({ pk: `counter#${i}`, sk: 'x' }));
    await table.doc.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: items.map((Item) => ({ PutRequest: { Item } })) } }));
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: { pk: 'counter#single', sk: 'x' } }));
    await table.doc.send(new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: items.slice(0, 3) } } }));

    expect(table.counter.writes).toBe(8);
    expect(table.counter.reads).toBe(3);
    expect(table.counter.requests).toMatchObject({ BatchWriteItem: 1, PutItem: 1, BatchGetItem: 1 });
  });
});
