import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  type DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { GLOBAL_SECONDARY_INDEXES, TABLE_GLOBAL_SECONDARY_INDEXES, TABLE_KEY_SCHEMA, TABLE_KEYS } from '../store/table-definition.ts';

export interface LocalDynamoOptions {
  /** LevelDB directory to keep data between runs; in-memory when omitted. */
  path?: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
}

export interface LocalDynamo {
  /** e.g. http://127.0.0.1:41234 */
  endpoint: string;
  /** Configuration for `new DynamoDBClient(...)`: the endpoint plus fake static credentials and region. */
  client: DynamoDBClientConfig;
  close(): Promise<void>;
}

/** Region and credentials for local use only: dynalite accepts any signature. */
export const LOCAL_REGION = 'us-east-1';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Starts dynalite in-process on 127.0.0.1. Table state transitions are instant (createTableMs 0 etc.),
 * so a table is ACTIVE as soon as CreateTable returns.
 */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    client: { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets from SDK clients would otherwise hold close() open.
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * Creates forestall's single table as the CDK stack defines it (functions/store/table-definition.ts):
 * string keys pk/sk, on-demand billing, GSIs gsi1 and gsi2 projecting all attributes.
 * An existing table of that name is left as it is.
 */
export async function createTable(dynamoClient: DynamoDBClient, tableName: string): Promise<void> {
  const attributeNames = [
    TABLE_KEYS.partitionKey,
    TABLE_KEYS.sortKey,
    ...GLOBAL_SECONDARY_INDEXES.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  try {
    await dynamoClient.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeNames.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [...TABLE_KEY_SCHEMA],
        GlobalSecondaryIndexes: TABLE_GLOBAL_SECONDARY_INDEXES,
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // dynalite with createTableMs 0 is ACTIVE at once; a real endpoint may need a moment.
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const { Table } = await dynamoClient.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
