import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../../functions/store/document-client.ts';
import { createDynamoRepositories } from '../../../functions/store/dynamo-repositories.ts';
import { createTable, startLocalDynamo } from '../../../functions/local/dynalite.ts';
import type { ActionRecord } from '../../../functions/model/action.ts';
import type { ActionRepository, Repositories, TargetRepository } from '../../../functions/store/ports.ts';

/** The action audit trail and target states on dynalite (the real repositories, an in-process DynamoDB). */
export async function startActionStore(): Promise<{ actions: ActionRepository; targets: TargetRepository; repositories: Repositories; close(): Promise<void> }> {
  const dynamo = await startLocalDynamo();
  const client = new DynamoDBClient(dynamo.client);
  await createTable(client, 'forestall-test');
  const repositories = createDynamoRepositories(createDocumentClient(client), 'forestall-test');
  return {
    actions: repositories.actions,
    targets: repositories.targets,
    repositories,
    close: async () => {
      client.destroy();
      await dynamo.close();
    },
  };
}

/** A store outage at one step: the next `update` of an action matching `when` throws, once. */
export function failingActionUpdate(actions: ActionRepository, when: (record: ActionRecord) => boolean): ActionRepository & { failures: number } {
  let armed = true;
  const wrapped = {
    ...actions,
    failures: 0,
    update: async (record: ActionRecord) => {
      if (armed && when(record)) {
        armed = false;
        wrapped.failures += 1;
        const error = new Error('simulated DynamoDB outage');
        error.name = 'InternalServerError';
        throw error;
      }
      return actions.update(record);
    },
  };
  return wrapped;
}
