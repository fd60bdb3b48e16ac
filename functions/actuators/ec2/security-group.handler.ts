import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createObservability, lambdaHandler } from '../../config/lambda-handler.ts';
import { z } from 'zod';
import { readEnv } from '../../config/env.ts';
import { createDocumentClient } from '../../store/document-client.ts';
import { createDynamoRepositories } from '../../store/dynamo-repositories.ts';
import { createEventBridgePublisher } from '../../routing/event-publisher.ts';
import { Ec2RequestSchema, parseActuatorInput } from '../actuator-request.ts';
import type { ActuatorResponse } from '../actuator-request.ts';
import { ec2ClientCache } from './ec2-clients.ts';
import { restrictInternetIngress } from './security-group.ts';

const observability = createObservability('forestall-security-group');

const env = readEnv(
  z.object({
    TABLE_NAME: z.string().min(1),
    EVENT_BUS_NAME: z.string().min(1),
    /** Loopback EC2 endpoint for local mode only. */
    EC2_ENDPOINT: z.url().optional(),
  }),
);
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
// Real changes are announced on the bus (Action Taken / Action Reverted) for rules in other accounts.
const publishEvents = createEventBridgePublisher(observability.tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME);
const log = (level: 'warn', message: string, detail?: Record<string, unknown>) => observability.logger[level](message, { ...detail });
// The loopback endpoint checks that requests are signed, not who signed them.
const ec2For = ec2ClientCache(env.EC2_ENDPOINT ? { endpoint: env.EC2_ENDPOINT, credentials: { accessKeyId: 'forestall-local', secretAccessKey: 'forestall-local' } } : {});

/** Restricts (apply) or restores (revert) internet ingress on the targets' security groups. */
async function handle(event: unknown): Promise<ActuatorResponse> {
  const request = parseActuatorInput(Ec2RequestSchema, event, 'ec2-security-group actuator request');
  return restrictInternetIngress({ actions: repositories.actions, publishEvents, log, ec2For }, request);
}

export const handler = lambdaHandler(observability, handle);
