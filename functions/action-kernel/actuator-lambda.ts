import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { ConfigurationError, readEnv } from '../config/env.ts';
import { createObservability, lambdaHandler, type Observability } from '../config/lambda-handler.ts';
import { secretSourceFromEnv } from '../config/secrets.ts';
import { tenantPoliciesFromEnv } from '../config/tenant-policy.ts';
import { createEventBridgePublisher } from '../routing/event-publisher.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { secretCredential, type SecretCredential } from '../vendor/secret-credential.ts';
import type { ActuatorDefinition } from './actuator-definition.ts';
import type { ActuatorPlugin } from './actuator-plugin.ts';
import { actuatorRequestSchema, parseActuatorInput, type ActuatorRequest, type ActuatorResponse } from './actuator-request.ts';
import { runActuator } from './run-actuator.ts';

/** What an actuator's plugin factory gets at init: its settings and secrets, as the definition declares them. */
export interface ActuatorEnvironment {
  /** By setting key (`crowdStrikeBaseUrl`); undefined only for optional settings left unset. */
  settings: Readonly<Record<string, string | undefined>>;
  /** A declared setting's value (ConfigurationError if an optional one is unset). */
  setting(key: string): string;
  /** A declared secret by prefix (`CROWDSTRIKE_CLIENT`). */
  secret(prefix: string): SecretCredential;
  /** The AWS account the stack (and this function) runs in, `FORESTALL_ACCOUNT_ID`; every actuator gets it. */
  account: string | undefined;
  observability: Observability;
}

/** https, or plain http only to this machine (local mode's simulated vendors). */
function isServiceUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
  } catch {
    return false;
  }
}

/** Reads a definition's settings and secrets from the environment; a missing or malformed one stops init. */
export function actuatorEnvironment(definition: ActuatorDefinition, observability: Observability, env: NodeJS.ProcessEnv = process.env): ActuatorEnvironment {
  const settings: Record<string, string | undefined> = {};
  const missing: string[] = [];
  for (const setting of definition.deployment.settings) {
    const value = env[setting.variable] || setting.default;
    if (value === undefined && !setting.optional) missing.push(`${setting.variable} (context forestall:${setting.key})`);
    if (value !== undefined && setting.kind === 'https-url' && !isServiceUrl(value)) missing.push(`${setting.variable}: "${value}" is not an https URL`);
    settings[setting.key] = value;
  }
  const secrets: Record<string, SecretCredential> = {};
  for (const secret of definition.deployment.secrets) {
    const source = secretSourceFromEnv(secret.prefix, env);
    if (!source) missing.push(`${secret.prefix}_SECRET_ARN (or ${secret.prefix} / ${secret.prefix}_FILE locally)`);
    else secrets[secret.prefix] = secretCredential(source, env);
  }
  if (missing.length > 0) throw new ConfigurationError(`${definition.name}: not configured correctly: ${missing.join(', ')}`);
  return {
    settings,
    setting(key) {
      const value = settings[key];
      if (value === undefined) throw new ConfigurationError(`${definition.name}: setting ${key} is not configured`);
      return value;
    },
    secret(prefix) {
      const credential = secrets[prefix];
      if (!credential) throw new ConfigurationError(`${definition.name}: secret ${prefix} is not declared`);
      return credential;
    },
    account: env.FORESTALL_ACCOUNT_ID || undefined,
    observability,
  };
}

/**
 * The Lambda handler of an actuator: environment checked at init, the table, the bus and the tenant
 * policies wired once, and each invocation parsed against the definition's target schema and run
 * through the kernel. An actuator's handler file is one call to this.
 */
export function actuatorLambda<T, U, B, C>(definition: ActuatorDefinition<T>, createPlugin: (environment: ActuatorEnvironment) => ActuatorPlugin<T, U, B, C>) {
  const observability = createObservability(`forestall-${definition.name}`);
  const env = readEnv(z.object({ TABLE_NAME: z.string().min(1), EVENT_BUS_NAME: z.string().min(1) }));
  const policyFor = tenantPoliciesFromEnv();
  const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
  // Real changes are announced on the bus (Action Taken / Action Reverted) for rules in other accounts.
  const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
  const log = (level: 'warn', message: string, detail?: Record<string, unknown>) => observability.logger[level](message, { ...detail });
  const plugin = createPlugin(actuatorEnvironment(definition as ActuatorDefinition<unknown>, observability));
  const schema = actuatorRequestSchema(definition.targetSchema);

  async function handle(event: unknown): Promise<ActuatorResponse> {
    const request = parseActuatorInput(schema, event, `${definition.name} actuator request`);
    const response = await runActuator({ actions: repositories.actions, targets: repositories.targets, policyFor, publishEvents, log }, plugin, request as ActuatorRequest<T>);
    observability.logger.info('actuator finished', { tenant: request.tenant, operation: request.operation, hold: request.hold.id, summary: response.summary });
    return response;
  }
  return lambdaHandler(observability, handle);
}
