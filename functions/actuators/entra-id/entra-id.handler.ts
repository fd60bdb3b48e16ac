import { actuatorLambda } from '../../action-kernel/actuator-lambda.ts';
import { entraIdDefinition } from './definition.ts';
import { entraId } from './entra-id.ts';
import { createGraphClient } from './graph-client.ts';

/** Disables (apply) or enables again (release) the Entra ID accounts of the targets' admin groups. */
export const handler = actuatorLambda(entraIdDefinition, ({ setting, secret }) =>
  entraId(createGraphClient({ graphBaseUrl: setting('graphBaseUrl'), loginUrl: setting('entraLoginUrl'), credentials: secret('ENTRA_CLIENT') })),
);
