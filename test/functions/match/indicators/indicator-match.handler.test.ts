import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, startLocalDynamo, type LocalDynamo } from '../../../../functions/local/dynalite.ts';
import { startLocalEventBridgeEndpoint, type ReceivedEvent } from '../../../../functions/local/eventbridge-endpoint.ts';
import { localLambdaContext } from '../../../../functions/local/lambda-context.ts';
import type { MatchIndicatorsSummary } from '../../../../functions/match/indicators/match-indicators.ts';
import { AssetSchema } from '../../../../functions/model/asset.ts';
import { DetailType, IndicatorRelevantSchema } from '../../../../functions/model/events.ts';
import { IndicatorFactsSchema, indicatorId, type IndicatorType } from '../../../../functions/model/indicator.ts';
import { createDocumentClient } from '../../../../functions/store/document-client.ts';
import { createDynamoRepositories } from '../../../../functions/store/dynamo-repositories.ts';
import { sourceFactsHash } from '../../../../functions/store/intel-repository.ts';
import type { Repositories } from '../../../../functions/store/ports.ts';

const TABLE = 'forestall-indicator-match-test';
const BUS = 'forestall-test-bus';

let dynamo: LocalDynamo;
let bus: { url: string; close(): Promise<void> };
let repositories: Repositories;
let handler: (event: unknown) => Promise<MatchIndicatorsSummary>;
const received: ReceivedEvent[] = [];
const savedEnv = { ...process.env };

/** An `Indicators Changed` event as EventBridge delivers it to indicator matching. */
function indicatorsChanged(ids: string[], tenant = 'default') {
  return {
    version: '0',
    id: '0d1c5e0e-8f7a-4b7e-9a59-0f1f3c6b2a11',
    'detail-type': DetailType.IndicatorsChanged,
    source: 'forestall',
    account: '111122223333',
    time: new Date().toISOString(),
    region: 'eu-west-1',
    resources: [] as string[],
    detail: { version: '1', tenant, source: 'threatfox', change: 'added', ids },
  };
}

async function storeIndicator(type: IndicatorType, value: string, extra: Record<string, unknown> = {}): Promise<string> {
  const id = indicatorId(type, value);
  const facts = IndicatorFactsSchema.parse({ type, value, confidence: 90, lastSeen: new Date().toISOString(), ...extra });
  const row = { tenant: 'default', kind: 'indicator' as const, id, source: 'threatfox', facts, aliases: [], observedAt: new Date().toISOString() };
  await repositories.intel.putFacts([{ row, hash: sourceFactsHash(row) }]);
  return id;
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  bus = await startLocalEventBridgeEndpoint((events) => {
    received.push(...events);
  });
  const client = new DynamoDBClient(dynamo.client);
  await createTable(client, TABLE);
  repositories = createDynamoRepositories(createDocumentClient(client), TABLE);
  await repositories.assets.put('default', AssetSchema.parse({ id: 'nsgw-edge-01', hostname: 'gw.shop.example.net', ips: ['10.0.0.5'], network: { publicIps: ['198.51.100.7'] } }));
  await repositories.assets.put('default', AssetSchema.parse({ id: 'db-2', ips: ['10.0.0.6'] }));
  ids.c2 = await storeIndicator('ipv4', '198.51.100.7', { malwareFamily: 'Cobalt Strike', threatType: 'botnet_cc' });
  ids.phish = await storeIndicator('domain', 'login.acme-bank.example', {});
  ids.elsewhere = await storeIndicator('ipv4', '203.0.113.99', {});
  ids.hash = await storeIndicator('sha256', 'a'.repeat(64), {});

  // The handler reads its environment once, at import, as on a Lambda cold start.
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    EVENT_BUS_NAME: BUS,
    GUARDRAILS: JSON.stringify({ profile: { sectors: ['banking'], domains: ['acme-bank.example'] } }),
    TENANT_POLICIES: JSON.stringify({}),
    AWS_REGION: dynamo.client.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const imported = await import('../../../../functions/match/indicator-match.handler.ts');
  handler = (event) => imported.handler(event, localLambdaContext('IndicatorMatch'));
});

afterAll(async () => {
  process.env = savedEnv;
  await bus?.close();
  await dynamo?.close();
});

describe('indicator-match handler on DynamoDB (dynalite) and a loopback EventBridge', () => {
  it('publishes Indicator Relevant for indicators naming our address or our own domain, and nothing for the rest', async () => {
    const summary = await handler(indicatorsChanged([ids.c2!, ids.phish!, ids.elsewhere!, ids.hash!, 'ipv4--missing']));

    expect(summary).toMatchObject({ tenant: 'default', requested: 5, missing: ['ipv4--missing'], assetsRead: 2 });
    expect(received.map((e) => [e.source, e.detailType, e.busName])).toEqual([
      ['forestall', 'Indicator Relevant', BUS],
      ['forestall', 'Indicator Relevant', BUS],
    ]);
    const events = received.map((e) => IndicatorRelevantSchema.parse(e.detail));
    const byId = new Map(events.map((event) => [event.indicator.id, event]));
    expect(byId.get(ids.c2!)).toMatchObject({
      tenant: 'default',
      kind: 'targets-our-address',
      assetIds: ['nsgw-edge-01'],
      assetCount: 1,
      indicator: { type: 'ipv4', value: '198.51.100.7', malwareFamily: 'Cobalt Strike', sources: ['threatfox'] },
    });
    expect(byId.get(ids.c2!)?.reasons.join('\n')).toContain('nsgw-edge-01');
    expect(byId.get(ids.phish!)).toMatchObject({ kind: 'targets-our-domain', assetCount: 0 });
    expect(byId.get(ids.phish!)?.reasons.join('\n')).toContain('acme-bank.example');
  });

  it('rejects an event that is not Indicators Changed, naming the field', async () => {
    const event = indicatorsChanged([ids.c2!]);
    await expect(handler({ ...event, detail: { ...event.detail, ids: [] } })).rejects.toMatchObject({
      name: 'InvalidIndicatorsChangedEvent',
      message: expect.stringContaining('detail.ids'),
    });
  });
});
