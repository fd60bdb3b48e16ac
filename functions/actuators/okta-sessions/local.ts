import type { LocalActuator, LocalActuatorContext } from '../../local/local-actuator.ts';
import { startOktaSimulator } from './okta-simulator.ts';

const TOKEN = 'local-okta-token';
/** Every application of the estate has these users assigned... */
const APP_USERS = ['00u1alice0000000001', '00u1bob000000000002', '00u1carol00000000003', '00u1dave000000000004'];
/** ...of whom the first two are in its admin group. */
const ADMINS = APP_USERS.slice(0, 2);

/** An Okta org on 127.0.0.1 knowing every application of the estate with an Okta binding and its admin group. */
export async function startLocal({ assets }: LocalActuatorContext): Promise<LocalActuator> {
  const apps: Record<string, string[]> = {};
  const groups: Record<string, string[]> = {};
  for (const asset of assets) {
    if (asset.idp?.vendor !== 'okta') continue;
    apps[asset.idp.appId] = [...APP_USERS];
    if (asset.idp.adminGroupId) groups[asset.idp.adminGroupId] = [...ADMINS];
  }
  const simulator = await startOktaSimulator({ apps, groups, token: TOKEN });
  return {
    // The token is given directly, as local mode allows (`OKTA_API_TOKEN` instead of a secret's ARN).
    env: { OKTA_ORG_URL: simulator.url, OKTA_API_TOKEN: TOKEN },
    simulator,
    changeOperations: ['revokeUserSessions'],
    describe: () => {
      const cleared = simulator.state.revocations.length;
      return `${cleared} Okta session${cleared === 1 ? '' : 's'} cleared`;
    },
    close: () => simulator.close(),
  };
}
