import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { readEnv } from '../config/env.ts';
import { createObservability, lambdaHandler } from '../config/lambda-handler.ts';
import { createDocumentClient } from '../store/document-client.ts';
import { createDynamoRepositories } from '../store/dynamo-repositories.ts';
import { parseStepInput } from './parse-step-input.ts';
import { RecordOutcomeInputSchema, recordOutcome, type OutcomeRecord } from './record-outcome.ts';
import { ReportStandingInputSchema, reportStanding, type StandingReport } from './report-standing.ts';

const observability = createObservability('forestall-report-standing');
const env = readEnv(z.object({ TABLE_NAME: z.string().min(1) }));
const repositories = createDynamoRepositories(createDocumentClient(observability.tracer.captureAWSv3Client(new DynamoDBClient({}))), env.TABLE_NAME);

/**
 * The playbook's record of what it did on the exposures, one function for three states:
 * - `RecordContained` (input `outcome: "contained"`): after the changes were applied, the exposures of the
 *   assets acted on become `contained`;
 * - `RecordVerified` (`outcome: "verified"`): the fix was found and the holds released; they become `verified`;
 * - `ReportStanding` (no `outcome`): the patch watch gave up; marks the exposures and counts
 *   `ContainmentStanding` (the stack alarms on it).
 */
async function handle(event: unknown): Promise<StandingReport | OutcomeRecord> {
  if ((event as { outcome?: unknown } | null)?.outcome !== undefined) {
    const input = parseStepInput(RecordOutcomeInputSchema, event, 'RecordOutcome');
    const record = await recordOutcome({ repositories, now: () => new Date() }, input);
    observability.logger.info('run recorded on the exposures', { tenant: input.tenant, execution: input.execution, vulnerability: input.vulnerability, outcome: record.outcome, changed: record.changed, refused: record.refusedCount, note: record.note });
    return record;
  }
  const input = parseStepInput(ReportStandingInputSchema, event, 'ReportStanding');
  const report = await reportStanding({ repositories, now: () => new Date() }, input);
  observability.metrics.addDimension('tenant', input.tenant);
  observability.metrics.addMetric('ContainmentStanding', MetricUnit.Count, Math.max(1, input.assetIds.length));
  observability.logger.warn('patch watch gave up; containment stands', { tenant: input.tenant, execution: input.execution, vulnerability: input.vulnerability, assets: input.assetIds.length, marked: report.marked });
  return report;
}

export const handler = lambdaHandler(observability, handle);
