import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { ACTUATORS } from '../actuators/registry.ts';
import { readEnv } from '../config/env.ts';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { tenantPoliciesFromEnv } from '../config/tenant-policy.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { parseStepInput } from './parse-step-input.ts';
import { DEFAULT_PATCH_WATCH, PlanInputSchema, planResponse, type PlaybookPlan } from './plan.ts';

const observability = createObservability('forestall-plan');

const env = readEnv(
  z.object({
    TABLE_NAME: z.string().min(1),
    /** Function ARN per actuator name, from the stack. */
    ACTUATOR_FUNCTION_ARNS: z
      .string()
      .transform((text, ctx) => {
        try {
          return z.record(z.string(), z.string().min(1)).parse(JSON.parse(text));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'a JSON object of actuator name to function ARN' });
          return z.NEVER;
        }
      }),
    FORESTALL_ACCOUNT_ID: z.string().optional(),
    PATCH_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(DEFAULT_PATCH_WATCH.intervalSeconds),
    // Each check costs about ten history events; this keeps a run far below the 25,000-event limit.
    MAX_PATCH_CHECKS: z.coerce.number().int().min(1).max(1000).default(DEFAULT_PATCH_WATCH.maxChecks),
  }),
);
const policyFor = tenantPoliciesFromEnv();
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const { logger } = observability;

/** Playbook step 1 (state `Plan`): input `{detail: ExposureDetected, account, execution}`, output the plan. */
async function handle(event: unknown): Promise<PlaybookPlan> {
  const input = parseStepInput(PlanInputSchema, event, 'Plan');
  const plan = await planResponse(
    {
      repositories,
      policyFor,
      actuators: ACTUATORS,
      functionArns: env.ACTUATOR_FUNCTION_ARNS,
      ownAccount: env.FORESTALL_ACCOUNT_ID,
      now: () => new Date(),
      patchWatch: { intervalSeconds: env.PATCH_CHECK_INTERVAL_SECONDS, maxChecks: env.MAX_PATCH_CHECKS },
    },
    input,
  );
  logger.info('playbook planned', {
    tenant: plan.tenant,
    execution: plan.execution,
    vulnerability: plan.vulnerability.id,
    mode: plan.mode,
    targetCount: plan.targetCount,
    steps: plan.steps.map((step) => step.actuator),
    skipped: plan.skipped.length,
  });
  return plan;
}

export const handler = lambdaHandler(observability, handle);
