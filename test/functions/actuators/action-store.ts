import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../../functions/store/document-client.ts';
import { createDynamoRepositories } from '../../../functions/store/dynamo-repositories.ts';
import { createTable, startLocalDynamo } from '../../../functions/local/dynalite.ts';
import type { ActionRepository } from '../../../functions/store/ports.ts';

/** The action audit trail on dynalite (the real repository, an in-process DynamoDB). */
export async function startActionStore(): Promise<{ actions: ActionRepository; close(): Promise<void> }> {
  const dynamo = await startLocalDynamo();
  const client = new DynamoDBClient(dynamo.client);
  await createTable(client, 'forestall-test');
  const repositories = createDynamoRepositories(createDocumentClient(client), 'forestall-test');
  return {
    actions: repositories.actions,
    close: async () => {
      client.destroy();
      await dynamo.close();
    },
  };
}
