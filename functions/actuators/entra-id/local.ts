import { createHash } from 'node:crypto';
import type { LocalActuator, LocalActuatorContext } from '../../local/local-actuator.ts';
import { startEntraSimulator, type EntraSimulatorOptions } from './graph-simulator.ts';

const CLIENT = { clientId: 'local-entra-client', clientSecret: 'local-entra-secret' };
const ADMINS_PER_GROUP = 2;

/** A stable object id for a simulated user, shaped as the GUIDs Entra ID issues. */
function objectId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Graph and the token endpoint on 127.0.0.1, knowing every directory and admin group the estate's Entra
 * bindings name, each group with two enabled admins.
 */
export async function startLocal({ assets }: LocalActuatorContext): Promise<LocalActuator> {
  const directories: EntraSimulatorOptions['directories'] = {};
  for (const asset of assets) {
    if (asset.idp?.vendor !== 'entra') continue;
    const { directoryId, adminGroupId } = asset.idp;
    const directory = (directories[directoryId] ??= { users: [], groups: {} });
    if (directory.groups[adminGroupId]) continue;
    const members: string[] = [];
    for (let n = 1; n <= ADMINS_PER_GROUP; n += 1) {
      const id = objectId(`${directoryId}/${adminGroupId}/${n}`);
      directory.users.push({ id, userPrincipalName: `admin${n}-${adminGroupId.slice(0, 8)}@directory-${directoryId.slice(0, 8)}.onmicrosoft.com` });
      members.push(id);
    }
    directory.groups[adminGroupId] = members;
  }
  const simulator = await startEntraSimulator({ ...CLIENT, directories });
  return {
    env: { GRAPH_BASE_URL: simulator.url, ENTRA_LOGIN_URL: simulator.url, ENTRA_CLIENT: JSON.stringify(CLIENT) },
    simulator,
    changeOperations: ['updateUser', 'revokeSignInSessions'],
    describe: () => {
      const users = [...simulator.state.directories.values()].flatMap((directory) => [...directory.users.values()]);
      return `${users.filter((user) => !user.accountEnabled).length} of ${users.length} Entra accounts disabled`;
    },
    close: () => simulator.close(),
  };
}
