import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTable } from '../../../functions/local/dynalite.ts';
import type { ActionRecord } from '../../../functions/model/action.ts';
import { AssetSchema, type Asset } from '../../../functions/model/asset.ts';
import type { Exposure } from '../../../functions/model/exposure.ts';
import type { Vulnerability } from '../../../functions/model/vulnerability.ts';
import { RecordNotFound } from '../../../functions/store/dynamo-repositories.ts';
import { startLocalTable, type LocalTable } from './local-table.ts';

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
});
afterAll(async () => {
  await table.close();
});
beforeEach(() => table.counter.reset());

const kev = (dateAdded: string) => ({
  vendorProject: 'Citrix',
  product: 'NetScaler ADC and NetScaler Gateway',
  vulnerabilityName: 'Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability',
  dateAdded,
  dueDate: '2023-11-08',
  requiredAction: 'Apply mitigations per vendor instructions.',
  knownRansomwareCampaignUse: 'Known',
  shortDescription: 'Buffer overflow allowing sensitive information disclosure.',
  cwes: ['CWE-119'],
});

const vulnerability = (tenant: string, id: string, dateAdded: string, enrichment: Vulnerability['enrichment'] = 'pending'): Vulnerability => ({
  tenant,
  id,
  kev: kev(dateAdded),
  enrichment,
  sources: ['cisa-kev'],
  updatedAt: '2025-08-25T00:00:00.000Z',
});

describe('createTable', () => {
  it('builds the table with both GSIs projecting all attributes, and tolerates an existing table', async () => {
    await createTable(table.client, table.tableName);
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.Projection?.ProjectionType]).sort()).toEqual([
      ['gsi1', 'ALL'],
      ['gsi2', 'ALL'],
    ]);
  });
});

describe('vulnerabilities', () => {
  it('round-trips a record through its sources\' rows', async () => {
    const record = vulnerability('acme', 'CVE-2023-4966', '2023-10-18');
    expect(await table.repositories.vulnerabilities.put(record)).toBe(true);
    expect(await table.repositories.vulnerabilities.get('acme', 'CVE-2023-4966')).toEqual({ ...record, aliases: [], facts: {}, revoked: {}, sources: ['cisa-kev'] });
    expect(await table.repositories.vulnerabilities.get('other-tenant', 'CVE-2023-4966')).toBeUndefined();
  });
});

describe('assets', () => {
  const asset = (id: string, software: Asset['software']): Asset =>
    AssetSchema.parse({ id, hostname: `${id}.corp.example.com`, internetFacing: true, criticality: 'high', software });

  it('stores an asset and indexes its components by package identity', async () => {
    await table.repositories.assets.put(
      'estate',
      asset('nsgw-01', [
        { cpe: 'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*' },
        { purl: 'pkg:npm/%40angular/core@16.0.0' },
      ]),
    );
    await table.repositories.assets.put('estate', asset('nsgw-02', [{ cpe: 'cpe:2.3:a:Citrix:NetScaler_Gateway:14.1-8.50:*:*:*:*:*:*:*' }]));
    await table.repositories.assets.put('elsewhere', asset('nsgw-03', [{ cpe: 'cpe:2.3:a:citrix:netscaler_gateway:13.0:*:*:*:*:*:*:*' }]));

    expect((await table.repositories.assets.get('estate', 'nsgw-01'))?.software).toHaveLength(2);
    const rows = await table.repositories.assets.componentsByPackage('estate', ['cpe:citrix:netscaler_gateway', 'purl:npm/@angular/core', 'cpe:nobody:nothing']);
    expect(rows.map((row) => [row.assetId, row.packageKey, row.version]).sort()).toEqual([
      ['nsgw-01', 'cpe:citrix:netscaler_gateway', '13.1-48.47'],
      ['nsgw-01', 'purl:npm/@angular/core', '16.0.0'],
      ['nsgw-02', 'cpe:citrix:netscaler_gateway', '14.1-8.50'],
    ]);
    expect(rows.every((row) => row.tenant === 'estate')).toBe(true);
  });

  it('replaces the software list: removed software leaves the index, re-putting an unchanged asset writes nothing', async () => {
    const repo = table.repositories.assets;
    await repo.put('replace', asset('web-01', [{ purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' }, { purl: 'pkg:pypi/Django@4.2' }]));
    await repo.put('replace', asset('web-01', [{ purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1' }, { purl: 'pkg:pypi/Django@4.2' }]));

    const log4j = await repo.componentsByPackage('replace', ['purl:maven/org.apache.logging.log4j/log4j-core']);
    expect(log4j.map((row) => row.version)).toEqual(['2.17.1']);
    expect((await repo.componentsByPackage('replace', ['purl:pypi/django'])).map((row) => row.identifier)).toEqual(['pkg:pypi/Django@4.2']);

    table.counter.reset();
    await repo.put('replace', asset('web-01', [{ purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1' }, { purl: 'pkg:pypi/Django@4.2' }]));
    expect(table.counter.writes).toBe(0);

    await repo.put('replace', asset('web-01', []));
    expect(await repo.componentsByPackage('replace', ['purl:maven/org.apache.logging.log4j/log4j-core', 'purl:pypi/django'])).toEqual([]);
    expect((await repo.get('replace', 'web-01'))?.software).toEqual([]);
  });

  it('reads many assets in request order, skipping unknown ids', async () => {
    await table.repositories.assets.put('many', asset('a-1', []));
    await table.repositories.assets.put('many', asset('a-2', []));
    const assets = await table.repositories.assets.getMany('many', ['a-2', 'missing', 'a-1', 'a-2']);
    expect(assets.map((a) => a.id)).toEqual(['a-2', 'a-1']);
  });
});

describe('exposures', () => {
  const exposure = (asset: string, decision: Exposure['decision'], detectedAt: string, state: Exposure['state'] = 'open'): Exposure => ({
    tenant: 'exp',
    id: `CVE-2023-4966|${asset}`,
    vulnerability: 'CVE-2023-4966',
    asset,
    component: 'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*',
    version: '13.1-48.47',
    internetFacing: true,
    criticality: 'high',
    kev: true,
    decision,
    ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'high' },
    reasons: ['in KEV'],
    evidence: [],
    state,
    timeline: {},
    detectedAt,
    updatedAt: detectedAt,
  });

  it('returns only new exposures and those whose decision or state changed, keeping the first detection time', async () => {
    const repo = table.repositories.exposures;
    const first = await repo.putMany([exposure('nsgw-01', 'act', '2025-08-25T02:00:00.000Z'), exposure('nsgw-02', 'attend', '2025-08-25T02:00:00.000Z')]);
    expect(first.map((e) => e.asset)).toEqual(['nsgw-01', 'nsgw-02']);

    table.counter.reset();
    const again = await repo.putMany([exposure('nsgw-01', 'act', '2025-08-25T03:00:00.000Z'), exposure('nsgw-02', 'attend', '2025-08-25T03:00:00.000Z')]);
    expect(again).toEqual([]);
    expect(table.counter.writes).toBe(0);

    const changed = await repo.putMany([exposure('nsgw-01', 'act', '2025-08-25T04:00:00.000Z', 'remediated'), exposure('nsgw-02', 'attend', '2025-08-25T04:00:00.000Z')]);
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ asset: 'nsgw-01', state: 'remediated', detectedAt: '2025-08-25T02:00:00.000Z' });

    expect((await repo.listByVulnerability('exp', 'CVE-2023-4966')).map((e) => [e.asset, e.state])).toEqual([
      ['nsgw-01', 'remediated'],
      ['nsgw-02', 'open'],
    ]);
    expect(await repo.listByStateAndDecision('exp', 'open', 'act')).toEqual([]);
    expect((await repo.listByStateAndDecision('exp', 'remediated', 'act')).map((e) => e.asset)).toEqual(['nsgw-01']);
    expect((await repo.listByStateAndDecision('exp', 'open', 'attend')).map((e) => e.asset)).toEqual(['nsgw-02']);
    // The vulnerability record shares the partition but is not an exposure.
    await table.repositories.vulnerabilities.put(vulnerability('exp', 'CVE-2023-4966', '2023-10-18'));
    expect(await repo.listByVulnerability('exp', 'CVE-2023-4966')).toHaveLength(2);
  });

  it('transitions stored exposures with the time stamped, moves them in the state index, and refuses what the lifecycle does not allow', async () => {
    const repo = table.repositories.exposures;
    const at = '2025-08-25T02:00:00.000Z';
    await repo.putMany([exposure('tr-01', 'act', at), exposure('tr-02', 'act', at), exposure('tr-03', 'act', at, 'remediated')]);

    const contained = await repo.transition('tr', 'CVE-2023-4966', [], { to: 'contained', at, by: 'nobody' });
    expect(contained).toEqual({ changed: [], refused: [] });

    const result = await repo.transition('exp', 'CVE-2023-4966', ['tr-01', 'tr-02', 'tr-03', 'tr-04', 'tr-01'], { to: 'contained', at: '2025-08-25T02:05:00.000Z', by: 'playbook run-1' });

    expect(result.changed.map((e) => [e.asset, e.state, e.timeline.containedAt])).toEqual([
      ['tr-01', 'contained', '2025-08-25T02:05:00.000Z'],
      ['tr-02', 'contained', '2025-08-25T02:05:00.000Z'],
    ]);
    expect(result.refused).toEqual([
      { asset: 'tr-03', reason: expect.stringContaining('is remediated: it cannot become contained') },
      { asset: 'tr-04', reason: 'no stored exposure of CVE-2023-4966 on asset tr-04' },
    ]);
    const stored = await repo.getMany('exp', [{ vulnerability: 'CVE-2023-4966', asset: 'tr-01' }]);
    expect(stored[0]).toMatchObject({ state: 'contained', updatedAt: '2025-08-25T02:05:00.000Z', timeline: { containedAt: '2025-08-25T02:05:00.000Z' } });
    expect((await repo.listByStateAndDecision('exp', 'contained', 'act')).map((e) => e.asset)).toEqual(['tr-01', 'tr-02']);

    const verified = await repo.transition('exp', 'CVE-2023-4966', ['tr-01', 'tr-03'], { to: 'verified', at: '2025-08-25T09:00:00.000Z', by: 'patch check' });
    expect(verified.changed.map((e) => [e.asset, e.timeline.remediatedAt, e.timeline.verifiedAt])).toEqual([
      ['tr-01', '2025-08-25T09:00:00.000Z', '2025-08-25T09:00:00.000Z'],
      ['tr-03', '2025-08-25T09:00:00.000Z', '2025-08-25T09:00:00.000Z'],
    ]);
    expect(verified.refused).toEqual([]);
  });

  it('re-reads when a matcher wrote the exposure in between: its write is kept and the transition decided on it', async () => {
    const repo = table.repositories.exposures;
    const at = '2025-08-26T02:00:00.000Z';
    await repo.putMany([exposure('race-01', 'act', at), exposure('race-02', 'act', at)]);
    // Before each transition write, the matcher rewrites the exposure: race-01 with a new version (still
    // open), race-02 as remediated (the inventory shows the fix).
    const matcherWrites = new Map<string, Exposure>([
      ['race-01', { ...exposure('race-01', 'act', at), version: '13.1-49.13', updatedAt: '2025-08-26T02:01:00.000Z' }],
      ['race-02', { ...exposure('race-02', 'act', at, 'remediated'), timeline: { remediatedAt: '2025-08-26T02:01:00.000Z' }, updatedAt: '2025-08-26T02:01:00.000Z' }],
    ]);
    const puts: string[] = [];
    table.doc.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { ConditionExpression?: string; Item?: { asset?: string } };
        const asset = input.Item?.asset;
        if (input.ConditionExpression?.includes('#state = :state') && asset) {
          puts.push(asset);
          const write = matcherWrites.get(asset);
          matcherWrites.delete(asset);
          if (write) await repo.putMany([write]);
        }
        return next(args);
      },
      { step: 'initialize', name: 'matcherRace' },
    );
    try {
      const result = await repo.transition('exp', 'CVE-2023-4966', ['race-01', 'race-02'], { to: 'contained', at: '2025-08-26T02:02:00.000Z', by: 'playbook run-2' });

      expect(puts).toEqual(['race-01', 'race-01', 'race-02']);
      expect(result.changed.map((e) => [e.asset, e.state, e.version])).toEqual([['race-01', 'contained', '13.1-49.13']]);
      expect(result.refused).toEqual([{ asset: 'race-02', reason: expect.stringContaining('is remediated') }]);
      const stored = await repo.getMany('exp', [{ vulnerability: 'CVE-2023-4966', asset: 'race-02' }]);
      expect(stored[0]).toMatchObject({ state: 'remediated', timeline: { remediatedAt: '2025-08-26T02:01:00.000Z' } });
    } finally {
      table.doc.middlewareStack.remove('matcherRace');
    }
  });
});

describe('actions', () => {
  const action = (id: string, overrides: Partial<ActionRecord> = {}): ActionRecord => ({
    tenant: 'act',
    id,
    actuator: 'ec2-security-group',
    operation: 'restrict-ingress',
    target: 'sg-0abc1234',
    status: 'applying',
    dryRun: false,
    requestedBy: 'arn:aws:states:us-east-1:123456789012:execution:cve-exposure-response:run-1',
    reason: 'CVE-2023-4966 act',
    exposureIds: ['CVE-2023-4966|nsgw-01'],
    createdAt: '2025-08-25T02:01:00.000Z',
    updatedAt: '2025-08-25T02:01:00.000Z',
    ...overrides,
  });

  it('creates once: a retried create returns the first record unchanged', async () => {
    const repo = table.repositories.actions;
    const first = await repo.createIfAbsent(action('act-1', { expiresAt: '2025-08-26T02:00:00.000Z' }));
    expect(first.created).toBe(true);
    await repo.update({ ...first.record, status: 'done', vendorObjectId: 'sgr-0123', updatedAt: '2025-08-25T02:02:00.000Z' });

    const retry = await repo.createIfAbsent(action('act-1', { reason: 'second attempt' }));
    expect(retry.created).toBe(false);
    expect(retry.record).toMatchObject({ status: 'done', vendorObjectId: 'sgr-0123', reason: 'CVE-2023-4966 act' });
    await expect(repo.update(action('never-created'))).rejects.toBeInstanceOf(RecordNotFound);
  });

  it('lists actions by execution and by expiry, leaving out released, reverted, notified and later ones', async () => {
    const repo = table.repositories.actions;
    const execution = 'arn:aws:states:us-east-1:123456789012:execution:cve-exposure-response:run-2';
    await repo.createIfAbsent(action('x-1', { requestedBy: execution, createdAt: '2025-08-25T02:03:00.000Z', expiresAt: '2025-08-25T10:00:00.000Z' }));
    await repo.createIfAbsent(action('x-2', { requestedBy: execution, createdAt: '2025-08-25T02:02:00.000Z', expiresAt: '2025-08-25T12:00:00.000Z' }));
    await repo.createIfAbsent(action('x-3', { requestedBy: execution, createdAt: '2025-08-25T02:04:00.000Z', expiresAt: '2025-08-25T09:00:00.000Z' }));
    await repo.createIfAbsent(action('x-4', { requestedBy: execution, createdAt: '2025-08-25T02:05:00.000Z' }));
    const reverted = await repo.get('act', 'x-3');
    await repo.update({ ...reverted!, status: 'reverted' });
    await repo.createIfAbsent(action('x-5', { requestedBy: execution, createdAt: '2025-08-25T02:06:00.000Z', status: 'held', expiresAt: '2025-08-25T08:00:00.000Z' }));
    await repo.createIfAbsent(action('x-6', { requestedBy: execution, createdAt: '2025-08-25T02:07:00.000Z', status: 'released', expiresAt: '2025-08-25T08:00:00.000Z' }));
    await repo.createIfAbsent(action('x-7', { requestedBy: execution, createdAt: '2025-08-25T02:08:00.000Z', status: 'done', expiresAt: '2025-08-25T08:00:00.000Z', expiryNotifiedAt: '2025-08-25T08:05:00.000Z' }));

    expect((await repo.listByExecution('act', execution)).map((a) => a.id)).toEqual(['x-2', 'x-1', 'x-3', 'x-4', 'x-5', 'x-6', 'x-7']);
    expect((await repo.listExpiringBefore('act', '2025-08-25T11:00:00.000Z')).map((a) => a.id)).toEqual(['x-5', 'x-1']);
    expect((await repo.listExpiringBefore('act', '2025-08-25T12:00:00.001Z', 2)).map((a) => a.id)).toEqual(['x-5', 'x-1']);
    expect((await repo.listExpiringBefore('act', '2025-08-25T12:00:00.001Z')).map((a) => a.id)).toEqual(['x-5', 'x-1', 'x-2']);
  });
});

describe('cursors and quarantine', () => {
  it('round-trips a source cursor per tenant', async () => {
    const cursor = { tenant: 'cur', source: 'cisa-kev', etag: '"abc"', lastModified: 'Mon, 25 Aug 2025 17:04:19 GMT', lastPolledAt: '2025-08-25T17:05:00.000Z' };
    await table.repositories.cursors.put(cursor);
    expect(await table.repositories.cursors.get('cur', 'cisa-kev')).toEqual(cursor);
    expect(await table.repositories.cursors.get('other', 'cisa-kev')).toBeUndefined();
  });

  it('keeps every quarantined record of a source in time order', async () => {
    await table.repositories.quarantine.put({ tenant: 'q', source: 'cisa-kev', record: 'CVE-2099-0002', reason: 'b', quarantinedAt: '2025-08-25T02:00:00.000Z' });
    await table.repositories.quarantine.put({ tenant: 'q', source: 'cisa-kev', record: 'CVE-2099-0001', reason: 'a', quarantinedAt: '2025-08-24T02:00:00.000Z', payload: '{}' });
    expect((await table.repositories.quarantine.list('q', 'cisa-kev')).map((r) => r.record)).toEqual(['CVE-2099-0001', 'CVE-2099-0002']);
    expect(await table.repositories.quarantine.list('q', 'inventory')).toEqual([]);
  });
});
