import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { parseGuardrailPolicy } from './guardrail-config.ts';
import { parseStepInput } from './parse-step-input.ts';
import { DEFAULT_PATCH_WATCH, PlanInputSchema, planResponse, type PlaybookPlan } from './plan.ts';

const observability = createObservability('forestall-plan');

const env = readEnv(
  z.object({
    TABLE_NAME: z.string().min(1),
    GUARDRAILS: z.string().optional(),
    PATCH_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(DEFAULT_PATCH_WATCH.intervalSeconds),
    // Each check costs about ten history events; this keeps a run far below the 25,000-event limit.
    MAX_PATCH_CHECKS: z.coerce.number().int().min(1).max(1000).default(DEFAULT_PATCH_WATCH.maxChecks),
  }),
);
const guardrails = parseGuardrailPolicy(env.GUARDRAILS);
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const { logger } = observability;

/** Playbook step 1 (state `Plan`): input `{detail: ExposureDetected, execution}`, output the plan. */
async function handle(event: unknown): Promise<PlaybookPlan> {
  const input = parseStepInput(PlanInputSchema, event, 'Plan');
  const plan = await planResponse(
    {
      repositories,
      guardrails,
      now: () => new Date(),
      patchWatch: { intervalSeconds: env.PATCH_CHECK_INTERVAL_SECONDS, maxChecks: env.MAX_PATCH_CHECKS },
    },
    input,
  );
  logger.info('playbook planned', {
    tenant: plan.tenant,
    execution: plan.execution,
    vulnerability: plan.vulnerability.id,
    dryRun: plan.dryRun,
    targetCount: plan.targetCount,
    skipped: plan.skipped.length,
  });
  return plan;
}

export const handler = lambdaHandler(observability, handle);
