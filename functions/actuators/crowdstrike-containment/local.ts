import type { LocalActuator, LocalActuatorContext } from '../../local/local-actuator.ts';
import { startCrowdStrikeSimulator } from './falcon-simulator.ts';

const CLIENT = { clientId: 'local-falcon-client', clientSecret: 'local-falcon-secret' };

/** Falcon on 127.0.0.1 knowing every host of the estate with a CrowdStrike binding, all `normal`. */
export async function startLocal({ assets }: LocalActuatorContext): Promise<LocalActuator> {
  const simulator = await startCrowdStrikeSimulator({ ...CLIENT, devices: [...new Set(assets.flatMap((asset) => (asset.edr ? [asset.edr.deviceId] : [])))] });
  return {
    env: { CROWDSTRIKE_BASE_URL: simulator.url, CROWDSTRIKE_CLIENT: JSON.stringify(CLIENT) },
    simulator,
    changeOperations: ['PerformActionV2'],
    describe: () => {
      const devices = [...simulator.state.devices.values()];
      const contained = devices.filter((device) => device.status === 'contained' || device.status === 'containment_pending').length;
      return `${contained} of ${devices.length} hosts contained`;
    },
    close: () => simulator.close(),
  };
}
