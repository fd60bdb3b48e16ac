import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTable, startLocalDynamo, type LocalDynamo } from '../../../functions/local/dynalite.ts';
import { createDocumentClient } from '../../../functions/store/document-client.ts';
import { createDynamoRepositories } from '../../../functions/store/dynamo-repositories.ts';
import type { Repositories } from '../../../functions/store/ports.ts';
import { countDynamoWrites, type DynamoRequestCounter } from '../../../functions/store/write-counter.ts';

export interface LocalTable {
  dynamo: LocalDynamo;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  tableName: string;
  repositories: Repositories;
  counter: DynamoRequestCounter;
  close(): Promise<void>;
}

let tableSequence = 0;

/** dynalite on 127.0.0.1 with forestall's table, repositories over it and a request counter. */
export async function startLocalTable(): Promise<LocalTable> {
  const dynamo = await startLocalDynamo();
  const client = new DynamoDBClient(dynamo.client);
  tableSequence += 1;
  const tableName = `forestall-test-${tableSequence}`;
  await createTable(client, tableName);
  const doc = createDocumentClient(client);
  const counter = countDynamoWrites(doc);
  return {
    dynamo,
    client,
    doc,
    tableName,
    repositories: createDynamoRepositories(doc, tableName),
    counter,
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}

/**
 * One dynalite server for many fresh tables: `next()` gives repositories over a new, empty table, so
 * tests that each need a clean table do not pay for a server each.
 */
export async function startLocalTables(): Promise<{ next(): Promise<Repositories>; close(): Promise<void> }> {
  const dynamo = await startLocalDynamo();
  const client = new DynamoDBClient(dynamo.client);
  return {
    async next() {
      tableSequence += 1;
      const tableName = `forestall-test-${tableSequence}`;
      await createTable(client, tableName);
      return createDynamoRepositories(createDocumentClient(client), tableName);
    },
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}
