import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, startLocalDynamo, type LocalDynamo } from '../../../functions/local/dynalite.ts';
import { startLocalEventBridgeEndpoint, type ReceivedEvent } from '../../../functions/local/eventbridge-endpoint.ts';
import type { MatchExposuresSummary } from '../../../functions/match/match-exposures.ts';
import { AssetSchema } from '../../../functions/model/asset.ts';
import { ExposureDetectedSchema } from '../../../functions/model/events.ts';
import { createDocumentClient } from '../../../functions/store/document-client.ts';
import { createDynamoRepositories } from '../../../functions/store/dynamo-repositories.ts';
import type { Repositories } from '../../../functions/store/ports.ts';
import { vulnerabilityFrom } from './nvd-fixtures.ts';
import { localLambdaContext } from '../../../functions/local/lambda-context.ts';
import { intelChangedEvent } from '../../fixtures/sample-events.ts';

const TABLE = 'forestall-match-test';
const BUS = 'forestall-test-bus';

let dynamo: LocalDynamo;
let bus: { url: string; close(): Promise<void> };
let repositories: Repositories;
let handler: (event: unknown) => Promise<MatchExposuresSummary>;
const received: ReceivedEvent[] = [];
const savedEnv = { ...process.env };

const intelChanged = intelChangedEvent;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  bus = await startLocalEventBridgeEndpoint((events) => {
    received.push(...events);
  });
  const client = new DynamoDBClient(dynamo.client);
  await createTable(client, TABLE);
  repositories = createDynamoRepositories(createDocumentClient(client), TABLE);
  await repositories.vulnerabilities.put(vulnerabilityFrom('CVE-2023-4966.json'));
  const estate = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/estate/estate.json'), 'utf8')) as { assets: unknown[] };
  for (const asset of estate.assets) await repositories.assets.put('default', AssetSchema.parse(asset));

  // The handler reads its environment once, at import, as on a Lambda cold start.
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    EVENT_BUS_NAME: BUS,
    AWS_REGION: dynamo.client.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const imported = await import('../../../functions/match/exposure-match.handler.ts');
  handler = (event) => imported.handler(event, localLambdaContext('ExposureMatch'));
});

afterAll(async () => {
  process.env = savedEnv;
  await bus?.close();
  await dynamo?.close();
});

describe('exposure-match handler on DynamoDB (dynalite) and a loopback EventBridge', () => {
  it('matches the estate on Intel Changed, stores the exposures and publishes per decision', async () => {
    const summary = await handler(intelChanged('CVE-2023-4966'));

    expect(summary).toMatchObject({ affectedAssets: 47, componentRows: 61, candidateAssets: 47, changed: 47 });
    expect(received.map((e) => [e.source, e.detailType, e.busName])).toEqual([
      ['forestall', 'Exposure Detected', BUS],
      ['forestall', 'Exposure Detected', BUS],
    ]);
    const [act, attend] = received.map((e) => ExposureDetectedSchema.parse(e.detail));
    expect(act).toMatchObject({ decision: 'act', assetCount: 8 });
    expect(attend).toMatchObject({ decision: 'attend', assetCount: 39 });
    const stored = await repositories.exposures.listByStateAndDecision('default', 'open', 'act');
    expect(stored.map((e) => e.asset).sort()).toEqual(act?.assetIds);
  });

  it('publishes nothing when the same intel arrives again', async () => {
    received.length = 0;
    const summary = await handler(intelChanged('CVE-2023-4966'));
    expect(summary).toMatchObject({ affectedAssets: 47, changed: 0, events: [] });
    expect(received).toEqual([]);
  });

  it('rejects an event that is not Intel Changed, naming the field', async () => {
    const event = intelChanged('CVE-2023-4966');
    await expect(handler({ ...event, detail: { ...event.detail, tenant: 7 } })).rejects.toMatchObject({
      name: 'InvalidIntelChangedEvent',
      message: expect.stringContaining('detail.tenant'),
    });
  });

  it('fails with VulnerabilityNotFound for a CVE the store does not hold', async () => {
    await expect(handler(intelChanged('CVE-2099-0001'))).rejects.toMatchObject({ name: 'VulnerabilityNotFound' });
  });
});
