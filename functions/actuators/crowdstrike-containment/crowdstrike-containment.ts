import { z } from 'zod';
import type { ActuatorPlugin, Unit } from '../../action-kernel/actuator-plugin.ts';
import { VendorRequestFailed } from '../../vendor/vendor-errors.ts';
import { CrowdStrikeTargetSchema, type CrowdStrikeTarget } from './definition.ts';
import type { FalconClient } from './falcon-client.ts';

const CONTAINED = new Set(['contained', 'containment_pending']);

const UnitSchema = z.object({ deviceId: z.string().min(1), assetIds: z.array(z.string()) });
type DeviceUnit = z.infer<typeof UnitSchema>;
const BeforeSchema = z.object({ status: z.string() });
type DeviceState = z.infer<typeof BeforeSchema>;
const ChangeSchema = z.object({ action: z.literal('contain') });
type Containment = z.infer<typeof ChangeSchema>;

const deviceKey = (deviceId: string) => `crowdstrike-device:${deviceId}`;
const describeHost = (unit: DeviceUnit) => `host ${unit.deviceId} (asset ${unit.assetIds.join(', ')})`;

/**
 * Network containment in CrowdStrike Falcon as a kernel plugin. A unit is one host (AID), however many
 * inventory records name it. A host already contained is left alone and never released by forestall;
 * a revert lifts containment and confirms the host reports `normal` (or `lift_containment_pending`,
 * which Falcon settles shortly).
 */
export function crowdStrikeContainment(falcon: FalconClient): ActuatorPlugin<CrowdStrikeTarget, DeviceUnit, DeviceState, Containment> {
  return {
    name: 'crowdstrike-containment',
    reversible: true,
    targetSchema: CrowdStrikeTargetSchema,
    unitSchema: UnitSchema,
    beforeSchema: BeforeSchema,
    changeSchema: ChangeSchema,

    async units(targets, { policy }) {
      const byDevice = new Map<string, DeviceUnit>();
      for (const target of targets) {
        const unit = byDevice.get(target.deviceId) ?? { deviceId: target.deviceId, assetIds: [] };
        if (!unit.assetIds.includes(target.assetId)) unit.assetIds.push(target.assetId);
        byDevice.set(target.deviceId, unit);
      }
      const units: Array<Unit<DeviceUnit>> = [];
      const skipped: Array<{ key: string; reason: string }> = [];
      for (const unit of byDevice.values()) {
        const key = deviceKey(unit.deviceId);
        if (policy.protectedIdentities.includes(key)) skipped.push({ key, reason: `guardrail: ${key} is a protected identity; not contained` });
        else units.push({ key, unit, label: describeHost(unit), assetIds: unit.assetIds });
      }
      return { units, skipped };
    },

    async read(unit) {
      const status = (await falcon.getDeviceStatus([unit.deviceId])).get(unit.deviceId);
      if (status === undefined) throw new VendorRequestFailed('crowdstrike', 404, `${describeHost(unit)} is not known to Falcon`);
      return { status };
    },

    plan(unit, before) {
      if (CONTAINED.has(before.status)) {
        return { nothing: `${describeHost(unit)} was already ${before.status}, not by forestall; left as it is and never released by forestall` };
      }
      return { change: { action: 'contain' }, describe: `network-contain ${describeHost(unit)} (was ${before.status})` };
    },

    async apply(unit, _change, before) {
      await falcon.performDeviceAction('contain', [unit.deviceId]);
      return { vendorObjectId: unit.deviceId, detail: `containment requested for ${describeHost(unit)} (was ${before.status})` };
    },

    isApplied(_unit, _change, current) {
      return CONTAINED.has(current.status);
    },

    inverse(unit, before) {
      return {
        operation: 'lift_containment',
        parameters: { deviceId: unit.deviceId },
        description: `lift network containment of ${describeHost(unit)} in CrowdStrike Falcon (back to ${before.status})`,
      };
    },

    async revert(unit) {
      await falcon.performDeviceAction('lift_containment', [unit.deviceId]);
      return { detail: `containment lift requested for ${describeHost(unit)}` };
    },

    confirm(_unit, before, _change, current) {
      if (current.status === before.status) return { verdict: 'restored', observed: `host status ${current.status}` };
      if (current.status === 'lift_containment_pending') return { verdict: 'pending', observed: 'host status lift_containment_pending (Falcon settles it to normal)' };
      return { verdict: 'differs', observed: `host status ${current.status}, was ${before.status}` };
    },
  };
}
