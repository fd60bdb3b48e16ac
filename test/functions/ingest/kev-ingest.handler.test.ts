import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEventBridgeEndpoint, type ReceivedEvent } from '../../../functions/local/eventbridge-endpoint.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';
import { kevCatalogue, nvdRecords } from './fixtures.ts';
import { startKevServer, startNvdServer } from './loopback-server.ts';
import { localLambdaContext } from '../../../functions/local/lambda-context.ts';

let table: LocalTable;
let kev: Awaited<ReturnType<typeof startKevServer>>;
let nvd: Awaited<ReturnType<typeof startNvdServer>>;
let bus: Awaited<ReturnType<typeof startLocalEventBridgeEndpoint>>;
const received: ReceivedEvent[] = [];

beforeAll(async () => {
  [table, kev, nvd, bus] = await Promise.all([
    startLocalTable(),
    startKevServer(),
    startNvdServer(nvdRecords()),
    startLocalEventBridgeEndpoint((events) => {
      received.push(...events);
    }),
  ]);
  const catalogue = kevCatalogue();
  catalogue.vulnerabilities = catalogue.vulnerabilities.filter((entry) => ['CVE-2023-4966', 'CVE-2021-34527'].includes(String(entry.cveID)));
  catalogue.count = 2;
  kev.publish(catalogue);
  Object.assign(process.env, {
    TABLE_NAME: table.tableName,
    EVENT_BUS_NAME: 'forestall-test',
    TENANT_ID: 'handler',
    KEV_URL: kev.kevUrl,
    NVD_API_URL: nvd.apiUrl,
    NVD_LOOKUPS_PER_RUN: '1',
    NVD_API_KEY: 'local-nvd-key',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: table.dynamo.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
});
afterAll(async () => {
  await Promise.all([table.close(), kev.close(), nvd.close(), bus.close()]);
});

describe('kev-ingest handler', () => {
  it('polls, stores, enriches with the API key and publishes to the bus; the next poll is a 304', async () => {
    const { handler } = await import('../../../functions/ingest/kev-ingest.handler.ts');
    const first = await handler({ 'detail-type': 'Scheduled Event', source: 'aws.scheduler', detail: {} }, localLambdaContext('KevIngest'));
    expect(first).toMatchObject({ written: 2, lookedUp: 1, emitted: 2 });
    expect(nvd.requests.map((request) => request.headers.apikey)).toEqual(['local-nvd-key']);
    expect(received.map((event) => [event.source, event.detailType, event.busName, (event.detail as { id: string }).id]).sort()).toEqual([
      ['forestall', 'Intel Changed', 'forestall-test', 'CVE-2021-34527'],
      ['forestall', 'Intel Changed', 'forestall-test', 'CVE-2023-4966'],
    ]);
    expect((await table.repositories.vulnerabilities.get('handler', 'CVE-2023-4966'))?.enrichment).toBe('done');

    const second = await handler({}, localLambdaContext('KevIngest'));
    expect(second).toMatchObject({ unchanged: true, written: 0, emitted: 1, lookedUp: 1 }); // the backlog entry
    expect(kev.requests.at(-1)?.status).toBe(304);
  });
});
