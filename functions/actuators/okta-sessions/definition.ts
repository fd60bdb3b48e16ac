import { z } from 'zod';
import type { ActuatorDefinition } from '../../action-kernel/actuator-definition.ts';
import type { Asset } from '../../model/asset.ts';
import { EntityIdSchema } from '../../model/ids.ts';

/**
 * One Okta application to sign users out of, however many exposed assets sit behind it: the members of
 * its admin group (the accounts an attacker most wants) or, only where the tenant allows it, every
 * assigned user.
 */
export const OktaSessionsTargetSchema = z
  .object({
    appId: z.string().min(1),
    /** The group holding the application's administrators; their sessions are the ones cleared. */
    adminGroupId: z.string().min(1).optional(),
    assetIds: z.array(EntityIdSchema),
  })
  .strict();
export type OktaSessionsTarget = z.infer<typeof OktaSessionsTargetSchema>;

/** Targets for the assets Plan selected: one per Okta application, the first admin group named wins. */
function targetsFor(assets: readonly Asset[]): OktaSessionsTarget[] {
  const byApp = new Map<string, OktaSessionsTarget>();
  for (const asset of assets) {
    if (asset.idp?.vendor !== 'okta') continue;
    const target = byApp.get(asset.idp.appId) ?? { appId: asset.idp.appId, assetIds: [] };
    if (!target.adminGroupId && asset.idp.adminGroupId) target.adminGroupId = asset.idp.adminGroupId;
    if (!target.assetIds.includes(asset.id)) target.assetIds.push(asset.id);
    byApp.set(asset.idp.appId, target);
  }
  return [...byApp.values()];
}

/** Clears the Okta sessions (and OAuth tokens) of an application's admins: a one-shot change. */
export const oktaSessionsDefinition: ActuatorDefinition<OktaSessionsTarget> = {
  name: 'okta-sessions',
  title: 'Okta sessions',
  surface: 'identity',
  reversible: false,
  targetSchema: OktaSessionsTargetSchema,
  targetsFor,
  assetIdsOf: (target) => [...target.assetIds],
  identitiesOf: (target) => [`okta-app:${target.appId}`],
  // Cleared sessions are never held, expired or reverted; the kernel ignores this for one-shot changes.
  policy: { expiresAfterHours: 72, onExpiry: 'notify', onFailure: 'keep' },
  deployment: {
    handler: 'functions/actuators/okta-sessions/okta-sessions.handler.ts',
    description: "Clears the Okta sessions and OAuth tokens of an application's admins",
    timeoutSeconds: 60,
    settings: [
      {
        key: 'oktaOrgUrl',
        variable: 'OKTA_ORG_URL',
        kind: 'https-url',
        description: 'Okta org URL, e.g. https://example.okta.com (the API token is only ever sent there)',
      },
    ],
    secrets: [
      {
        prefix: 'OKTA_API_TOKEN',
        key: 'oktaApiTokenSecretName',
        defaultName: 'forestall/okta/api-token',
        description: 'Secrets Manager secret holding an Okta API token (SSWS) of an admin allowed to read apps, groups, users and the System Log and to clear user sessions',
      },
    ],
    local: 'functions/actuators/okta-sessions/local.ts',
  },
};
