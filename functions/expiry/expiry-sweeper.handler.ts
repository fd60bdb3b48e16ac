import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { ActuatorResponseSchema } from '../action-kernel/actuator-request.ts';
import { ACTUATORS } from '../actuators/registry.ts';
import { ConfigurationError, readEnv } from '../config/env.ts';
import { functionInvoker } from '../config/invoke-function.ts';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { tenantPoliciesFromEnv } from '../config/tenant-policy.ts';
import { TenantIdSchema } from '../model/tenant.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { sweepExpiredActions, type SweepOutcome } from './sweep-expired-actions.ts';

const observability = createObservability('forestall-expiry-sweeper');
const jsonRecord = z.string().transform((text, ctx) => {
  try {
    return z.record(z.string(), z.string().min(1)).parse(JSON.parse(text));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'a JSON object of actuator name to function ARN' });
    return z.NEVER;
  }
});
const env = readEnv(
  z.object({
    TABLE_NAME: z.string().min(1),
    /** Tenants whose expired actions are swept, comma-separated. */
    TENANTS: z.string().default('default').transform((text) => text.split(',').map((t) => t.trim()).filter(Boolean)).pipe(z.array(TenantIdSchema).min(1)),
    ACTUATOR_FUNCTION_ARNS: jsonRecord,
    SLACK_NOTIFY_FUNCTION_ARN: z.string().min(1).optional(),
  }),
);
const policyFor = tenantPoliciesFromEnv();
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const invoke = functionInvoker(observability.tracer.captureAWSv3Client(new LambdaClient({})));

/** The scheduled event EventBridge delivers; its `time` is the tick the sweep runs as of. */
const ScheduledEventSchema = z.looseObject({ time: z.iso.datetime().optional() });

/**
 * Every five minutes: releases, renews or reports actions whose expiry has passed, as of the schedule
 * tick's time (only the schedule invokes this function).
 */
async function handle(event: unknown): Promise<{ outcomes: SweepOutcome[] }> {
  const parsed = ScheduledEventSchema.safeParse(event ?? {});
  const asOf = parsed.success && parsed.data.time ? new Date(parsed.data.time) : new Date();
  const outcomes = await sweepExpiredActions(
    {
      repositories,
      actuators: ACTUATORS,
      policyFor,
      now: () => asOf,
      async invokeActuator(actuator, request) {
        const arn = env.ACTUATOR_FUNCTION_ARNS[actuator];
        if (!arn) throw new ConfigurationError(`no function is deployed for actuator ${actuator}`);
        return ActuatorResponseSchema.parse(await invoke(arn, request));
      },
      async notify(tenant, sweep, actionIds) {
        if (env.SLACK_NOTIFY_FUNCTION_ARN) await invoke(env.SLACK_NOTIFY_FUNCTION_ARN, { tenant, execution: sweep, kind: 'expired', actionIds });
      },
    },
    env.TENANTS,
  );
  for (const did of ['released', 'renewed', 'notified', 'failed'] as const) {
    const count = outcomes.filter((outcome) => outcome.did === did).length;
    if (count > 0) observability.metrics.addMetric(did === 'failed' ? 'ExpirySweepFailures' : `ExpiredActions${did[0]?.toUpperCase()}${did.slice(1)}`, MetricUnit.Count, count);
  }
  for (const outcome of outcomes.filter((o) => o.did === 'failed')) observability.logger.error('expired action not handled', { ...outcome });
  return { outcomes };
}

export const handler = lambdaHandler(observability, handle);
