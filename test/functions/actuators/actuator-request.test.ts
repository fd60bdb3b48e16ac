import { describe, expect, it } from 'vitest';
import { actionId, Ec2RequestSchema, parseActuatorInput } from '../../../functions/actuators/actuator-request.ts';
import { InvalidActuatorRequest } from '../../../functions/actuators/vendor-errors.ts';

describe('actionId', () => {
  it('is the same for the same execution, actuator, operation and target, and differs otherwise', () => {
    const id = actionId('exec-1', 'crowdstrike-containment', 'apply', 'crowdstrike-device:abc');
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(actionId('exec-1', 'crowdstrike-containment', 'apply', 'crowdstrike-device:abc')).toBe(id);
    expect(actionId('exec-2', 'crowdstrike-containment', 'apply', 'crowdstrike-device:abc')).not.toBe(id);
    expect(actionId('exec-1', 'crowdstrike-containment', 'revert', 'crowdstrike-device:abc')).not.toBe(id);
  });
});

describe('parseActuatorInput', () => {
  it('names each bad field and the source', () => {
    const input = { tenant: 'default', execution: 'e', operation: 'apply', dryRun: 'no', reason: 'r', targets: [{ assetId: 'a', account: '12', region: 'eu-west-1', instanceId: 'i-1', securityGroups: [] }] };
    expect(() => parseActuatorInput(Ec2RequestSchema, input, 'ec2-security-group actuator request')).toThrow(InvalidActuatorRequest);
    expect(() => parseActuatorInput(Ec2RequestSchema, input, 'ec2-security-group actuator request')).toThrow(/invalid ec2-security-group actuator request: .*dryRun: .*targets\.0\.account: 12-digit AWS account id/);
  });
});
