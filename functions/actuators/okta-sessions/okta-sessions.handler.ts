import { actuatorLambda } from '../../action-kernel/actuator-lambda.ts';
import { oktaSessionsDefinition } from './definition.ts';
import { createOktaClient } from './okta-client.ts';
import { oktaSessions } from './okta-sessions.ts';

/** Clears the Okta sessions and OAuth tokens of the targets' application admins (apply); release has nothing to undo. */
export const handler = actuatorLambda(oktaSessionsDefinition, ({ setting, secret }) =>
  oktaSessions(createOktaClient({ orgUrl: setting('oktaOrgUrl'), apiToken: secret('OKTA_API_TOKEN') })),
);
