import type { ActionRecord } from '../../../functions/model/action.ts';
import type { ActionRepository, Repositories, TargetRepository } from '../../../functions/store/ports.ts';
import { startLocalTable } from '../store/local-table.ts';

/** The action audit trail and target states on dynalite (the real repositories, an in-process DynamoDB). */
export async function startActionStore(): Promise<{ actions: ActionRepository; targets: TargetRepository; repositories: Repositories; close(): Promise<void> }> {
  const table = await startLocalTable();
  return { actions: table.repositories.actions, targets: table.repositories.targets, repositories: table.repositories, close: table.close };
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
