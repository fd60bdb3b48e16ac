import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { CheckPatchInputSchema, checkPatch, type PatchCheck } from './check-patch.ts';
import { parseStepInput } from './parse-step-input.ts';

const observability = createObservability('forestall-check-patch');

const env = readEnv(z.object({ TABLE_NAME: z.string().min(1) }));
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);
const { logger } = observability;

/**
 * Playbook state `CheckPatch`: input `{tenant, vulnerability, assetIds, attempt}`, output the patch check.
 * Exposures already remediated by an inventory change count as fixed without matching them again.
 */
async function handle(event: unknown): Promise<PatchCheck> {
  const input = parseStepInput(CheckPatchInputSchema, event, 'CheckPatch');
  const result = await checkPatch({ repositories }, input);
  logger.info('patch checked', {
    tenant: input.tenant,
    vulnerability: input.vulnerability,
    attempt: result.attempt,
    patched: result.patched,
    stillAffected: result.stillAffected.length,
    remediatedByInventory: result.remediatedByInventory?.length ?? 0,
  });
  return result;
}

export const handler = lambdaHandler(observability, handle);
