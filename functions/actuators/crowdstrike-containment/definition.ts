import { z } from 'zod';
import type { ActuatorDefinition } from '../../action-kernel/actuator-definition.ts';
import { EntityIdSchema } from '../../model/ids.ts';

/** A host to network-contain: the asset and its Falcon agent id (AID). */
export const CrowdStrikeTargetSchema = z.object({ assetId: EntityIdSchema, deviceId: z.string().min(1) }).strict();
export type CrowdStrikeTarget = z.infer<typeof CrowdStrikeTargetSchema>;

/** CrowdStrike Falcon's US-1 API; other clouds (us-2, eu-1, gov) have their own base URL. */
export const DEFAULT_CROWDSTRIKE_BASE_URL = 'https://api.crowdstrike.com';

export const crowdStrikeContainmentDefinition: ActuatorDefinition<CrowdStrikeTarget> = {
  name: 'crowdstrike-containment',
  title: 'CrowdStrike host containment',
  surface: 'endpoint',
  reversible: true,
  targetSchema: CrowdStrikeTargetSchema,
  targetsFor: (assets) => assets.flatMap((asset) => (asset.edr?.vendor === 'crowdstrike' ? [{ assetId: asset.id, deviceId: asset.edr.deviceId }] : [])),
  assetIdsOf: (target) => [target.assetId],
  identitiesOf: (target) => [`crowdstrike-device:${target.deviceId}`],
  // A failed run leaves hosts contained (isolation is the safe side) until the expiry, which renews only
  // while the host is still exposed.
  policy: { expiresAfterHours: 72, onExpiry: 'renew', onFailure: 'keep' },
  deployment: {
    handler: 'functions/actuators/crowdstrike-containment/crowdstrike-containment.handler.ts',
    description: 'Network-contains hosts in CrowdStrike Falcon and lifts containment',
    timeoutSeconds: 60,
    settings: [
      {
        key: 'crowdStrikeBaseUrl',
        variable: 'CROWDSTRIKE_BASE_URL',
        kind: 'https-url',
        default: DEFAULT_CROWDSTRIKE_BASE_URL,
        description: 'Falcon API base URL of your CrowdStrike cloud (US-1 by default; EU-1 is https://api.eu-1.crowdstrike.com)',
      },
    ],
    secrets: [
      {
        prefix: 'CROWDSTRIKE_CLIENT',
        key: 'crowdStrikeClientSecretName',
        defaultName: 'forestall/crowdstrike/api-credentials',
        description: 'Secrets Manager secret holding {"clientId","clientSecret"} of a Falcon API client with Hosts read and write',
      },
    ],
    local: 'functions/actuators/crowdstrike-containment/local.ts',
  },
};
