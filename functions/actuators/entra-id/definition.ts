import { z } from 'zod';
import type { ActuatorDefinition } from '../../action-kernel/actuator-definition.ts';
import type { Asset } from '../../model/asset.ts';
import { EntityIdSchema } from '../../model/ids.ts';

/**
 * One admin group in one Entra ID directory, however many exposed assets name it: its member users are
 * the accounts disabled (the ones an attacker most wants).
 */
export const EntraTargetSchema = z
  .object({
    /** The directory (tenant) id: tokens are issued per directory. */
    directoryId: z.uuid('an Entra directory (tenant) id, a GUID'),
    /** Object id of the group whose member users are acted on. */
    adminGroupId: z.uuid('an Entra group object id, a GUID'),
    assetIds: z.array(EntityIdSchema),
  })
  .strict();
export type EntraTarget = z.infer<typeof EntraTargetSchema>;

/** Microsoft Graph in the global cloud; national clouds have their own (e.g. https://graph.microsoft.us). */
export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com';
/** The Microsoft identity platform's token endpoint host in the global cloud. */
export const DEFAULT_ENTRA_LOGIN_URL = 'https://login.microsoftonline.com';

/** Targets for the assets Plan selected: one per directory and admin group, naming every asset behind it. */
function targetsFor(assets: readonly Asset[]): EntraTarget[] {
  const byGroup = new Map<string, EntraTarget>();
  for (const asset of assets) {
    if (asset.idp?.vendor !== 'entra') continue;
    const key = `${asset.idp.directoryId}/${asset.idp.adminGroupId}`;
    const target = byGroup.get(key) ?? { directoryId: asset.idp.directoryId, adminGroupId: asset.idp.adminGroupId, assetIds: [] };
    if (!target.assetIds.includes(asset.id)) target.assetIds.push(asset.id);
    byGroup.set(key, target);
  }
  return [...byGroup.values()];
}

/**
 * Disables the Entra ID accounts of an application's admin group and revokes their sign-in sessions;
 * the accounts are enabled again when the last run holding the change releases it.
 */
export const entraIdDefinition: ActuatorDefinition<EntraTarget> = {
  name: 'entra-id',
  title: 'Microsoft Entra ID (admin accounts)',
  surface: 'identity',
  reversible: true,
  targetSchema: EntraTargetSchema,
  targetsFor,
  assetIdsOf: (target) => [...target.assetIds],
  identitiesOf: (target) => [`entra-group:${target.adminGroupId}`],
  // Disabled admins cannot do their work: a failed run gives the accounts back, and so does a day
  // without a renewal.
  policy: { expiresAfterHours: 24, onExpiry: 'revert', onFailure: 'revert' },
  deployment: {
    handler: 'functions/actuators/entra-id/entra-id.handler.ts',
    description: "Disables the Entra ID accounts of an application's admins, revokes their sign-in sessions, and enables them again",
    timeoutSeconds: 60,
    settings: [
      {
        key: 'graphBaseUrl',
        variable: 'GRAPH_BASE_URL',
        kind: 'https-url',
        default: DEFAULT_GRAPH_BASE_URL,
        description: 'Microsoft Graph endpoint of your cloud (global by default; US Government is https://graph.microsoft.us)',
      },
      {
        key: 'entraLoginUrl',
        variable: 'ENTRA_LOGIN_URL',
        kind: 'https-url',
        default: DEFAULT_ENTRA_LOGIN_URL,
        description: 'Microsoft identity platform endpoint that issues the tokens (global by default; US Government is https://login.microsoftonline.us)',
      },
    ],
    secrets: [
      {
        prefix: 'ENTRA_CLIENT',
        key: 'entraClientSecretName',
        defaultName: 'forestall/entra/app-credentials',
        description:
          '{"clientId","clientSecret"} of an app registration with the Microsoft Graph application permissions GroupMember.Read.All, User.Read.All, ' +
          'User.EnableDisableAccount.All and User.RevokeSessions.All consented in each directory; disabling users who hold privileged admin roles ' +
          'also needs a higher privileged directory role assigned to the app (Graph "Update user": who can perform sensitive actions)',
      },
    ],
    local: 'functions/actuators/entra-id/local.ts',
  },
};
