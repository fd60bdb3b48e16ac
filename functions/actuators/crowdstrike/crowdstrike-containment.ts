import type { ActionRecord } from '../../model/action.ts';
import { actionId, findApplyRecord, markReverted, runAction } from '../actuator-request.ts';
import type { ActionFlowDeps, CrowdStrikeRequest } from '../actuator-request.ts';
import { VendorRequestFailed } from '../vendor-errors.ts';
import type { FalconClient } from './falcon-client.ts';

const ACTUATOR = 'crowdstrike-containment';
const CONTAINED = new Set(['contained', 'containment_pending']);

export interface ContainmentDeps extends ActionFlowDeps {
  falcon: FalconClient;
}

function deviceTarget(deviceId: string): string {
  return `crowdstrike-device:${deviceId}`;
}

/**
 * Network-contains (apply) or releases (revert) the targets' hosts in CrowdStrike Falcon. A host that is
 * already contained is left alone and recorded as skipped without an inverse: forestall did not contain
 * it, so forestall will not release it. Revert lifts only what the matching apply contained.
 */
export async function setContainment(deps: ContainmentDeps, request: CrowdStrikeRequest): Promise<{ actions: ActionRecord[] }> {
  const actions: ActionRecord[] = [];
  const devices = [...new Map(request.targets.map((target) => [target.deviceId, target])).values()];
  for (const { deviceId, assetId } of devices) {
    const target = deviceTarget(deviceId);
    if (request.operation === 'apply') {
      const id = actionId(request.execution, ACTUATOR, 'apply', target);
      const inverse = {
        operation: 'lift_containment',
        parameters: { deviceId },
        description: `lift network containment of host ${deviceId} (asset ${assetId}) in CrowdStrike Falcon (action ${id})`,
      };
      actions.push(
        await runAction(
          deps,
          request,
          { actuator: ACTUATOR, operation: 'apply', target, request: { action_name: 'contain', ids: [deviceId] }, wouldDo: `network-contain host ${deviceId} (asset ${assetId})`, inverse },
          async () => {
            const status = (await deps.falcon.getDeviceStatus([deviceId])).get(deviceId);
            if (status === undefined) throw new VendorRequestFailed('crowdstrike', 404, `host ${deviceId} (asset ${assetId}) is not known to Falcon`);
            if (CONTAINED.has(status)) return { status: 'skipped', detail: `host ${deviceId} was already ${status}; left as it is (not released by forestall)` };
            await deps.falcon.performDeviceAction('contain', [deviceId]);
            return { vendorObjectId: deviceId, detail: `containment requested for host ${deviceId} (was ${status})`, inverse };
          },
        ),
      );
    } else {
      const apply = await findApplyRecord(deps.actions, request, ACTUATOR, 'apply', target);
      const revertId = actionId(request.execution, ACTUATOR, 'revert', target);
      const undoable = apply?.status === 'done' && apply.inverse?.operation === 'lift_containment';
      actions.push(
        await runAction(
          deps,
          request,
          {
            actuator: ACTUATOR,
            operation: 'revert',
            target,
            request: { action_name: 'lift_containment', ids: [deviceId], applyActionId: apply?.id },
            wouldDo: undoable ? `lift containment of host ${deviceId} (asset ${assetId})` : `do nothing for host ${deviceId}: forestall did not contain it`,
          },
          async () => {
            if (!apply || !undoable) {
              return { status: 'skipped', detail: apply ? `apply action ${apply.id} is ${apply.status}${apply.dryRun ? ' (dry-run)' : ''}; nothing to lift` : `no apply action recorded for host ${deviceId}; nothing to lift` };
            }
            await deps.falcon.performDeviceAction('lift_containment', [deviceId]);
            const reverted = await markReverted(deps.actions, apply, revertId, (deps.now ?? (() => new Date()))());
            return { vendorObjectId: deviceId, detail: `containment lift requested for host ${deviceId}`, reverted };
          },
        ),
      );
    }
  }
  return { actions };
}
