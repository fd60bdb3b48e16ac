import { actuatorLambda } from '../../action-kernel/actuator-lambda.ts';
import { crowdStrikeContainment } from './crowdstrike-containment.ts';
import { crowdStrikeContainmentDefinition } from './definition.ts';
import { createFalconClient } from './falcon-client.ts';

/** Network-contains (apply) or releases (release) the targets' hosts in CrowdStrike Falcon. */
export const handler = actuatorLambda(crowdStrikeContainmentDefinition, ({ setting, secret }) =>
  crowdStrikeContainment(createFalconClient({ baseUrl: setting('crowdStrikeBaseUrl'), credentials: secret('CROWDSTRIKE_CLIENT') })),
);
