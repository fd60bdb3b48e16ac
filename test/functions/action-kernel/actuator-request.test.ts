import { describe, expect, it } from 'vitest';
import { actionId, actuatorRequestSchema, parseActuatorInput } from '../../../functions/action-kernel/actuator-request.ts';
import { CrowdStrikeTargetSchema } from '../../../functions/actuators/crowdstrike-containment/definition.ts';
import { InvalidActuatorRequest } from '../../../functions/vendor/vendor-errors.ts';

const schema = actuatorRequestSchema(CrowdStrikeTargetSchema);
const apply = {
  operation: 'apply',
  tenant: 'default',
  execution: 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:run-1',
  mode: 'enforce',
  reason: 'CVE-2023-4966',
  hold: { id: 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:run-1', label: 'CVE-2023-4966' },
  exposureIds: [],
  targets: [{ assetId: 'nsgw-edge-01', deviceId: '03b7ea67e79b56347c86ca657ec76588' }],
};

describe('actuator requests', () => {
  it('validates the tenant and the targets at the actuator edge, naming the field and the source', () => {
    expect(parseActuatorInput(schema, apply, 'crowdstrike-containment actuator request')).toMatchObject({ tenant: 'default' });
    const bad = () => parseActuatorInput(schema, { ...apply, tenant: 'Acme#ASSET#x', targets: [{ assetId: 'gw#1', deviceId: 'x' }] }, 'crowdstrike-containment actuator request');
    expect(bad).toThrow(InvalidActuatorRequest);
    expect(bad).toThrow(/^invalid crowdstrike-containment actuator request: tenant: tenant id: .*; targets\.0\.assetId: must not contain "#"/);
  });

  it('refuses unknown fields and a release that names targets: a release acts only on what the run applied', () => {
    expect(() => parseActuatorInput(schema, { ...apply, dryRun: true }, 'request')).toThrow(/Unrecognized key/);
    const release = { operation: 'release', tenant: 'default', execution: apply.execution, reason: 'patched', hold: apply.hold };
    expect(parseActuatorInput(schema, release, 'request')).toMatchObject({ operation: 'release' });
    expect(() => parseActuatorInput(schema, { ...release, targets: apply.targets }, 'request')).toThrow(/Unrecognized key/);
  });

  it('derives one action id per tenant, hold, actuator, operation and target', () => {
    const id = actionId('default', 'run-1', 'crowdstrike-containment', 'apply', 'crowdstrike-device:a');
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(actionId('default', 'run-1', 'crowdstrike-containment', 'apply', 'crowdstrike-device:a')).toBe(id);
    expect(actionId('other', 'run-1', 'crowdstrike-containment', 'apply', 'crowdstrike-device:a')).not.toBe(id);
    expect(actionId('default', 'run-2', 'crowdstrike-containment', 'apply', 'crowdstrike-device:a')).not.toBe(id);
    expect(actionId('default', 'run-1', 'crowdstrike-containment', 'release', 'crowdstrike-device:a')).not.toBe(id);
  });
});
