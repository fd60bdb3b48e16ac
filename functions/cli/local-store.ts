import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdirSync } from 'node:fs';
import { createTable, startLocalDynamo, type LocalDynamo } from '../local/dynalite.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import type { Repositories } from '../store/ports.ts';
import { DEFAULT_TABLE_NAME } from '../store/table-definition.ts';

/** The local database `import`, `ingest`, `quarantine` and `webhook serve` use unless `--store` names another. */
export const DEFAULT_STORE_DIR = '.forestall/store';
/** Where `ingest` and `webhook serve` keep raw payloads unless `--archive` names another folder. */
export const DEFAULT_ARCHIVE_DIR = '.forestall/archive';

export interface LocalStore {
  dynamo: LocalDynamo;
  client: DynamoDBClient;
  repositories: Repositories;
  tableName: string;
  close(): Promise<void>;
}

/**
 * dynalite with forestall's table, in memory or kept in `directory` between runs (what
 * `forestall scan --store DIR` uses so that an estate imported once stays imported).
 */
export async function openLocalStore(directory?: string): Promise<LocalStore> {
  if (directory) mkdirSync(directory, { recursive: true });
  const dynamo = await startLocalDynamo(directory ? { path: directory } : {});
  const client = new DynamoDBClient(dynamo.client);
  await createTable(client, DEFAULT_TABLE_NAME);
  return {
    dynamo,
    client,
    repositories: createDynamoRepositories(createDocumentClient(client), DEFAULT_TABLE_NAME),
    tableName: DEFAULT_TABLE_NAME,
    close: async () => {
      client.destroy();
      await dynamo.close();
    },
  };
}
