import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OSV_SOURCE, parseOsvRecords } from '../../../functions/ingest/sources/osv/osv-parser.ts';
import type { VulnerabilityIntelDraft } from '../../../functions/ingest/intel-draft.ts';
import { vulnerablePackageKeys } from '../../../functions/match/match-vulnerability.ts';
import { importInventory } from '../../../functions/inventory/import-inventory.ts';
import { rematchInventory } from '../../../functions/match/rematch-inventory.ts';
import { DetailType, InventoryChangedSchema } from '../../../functions/model/events.ts';
import type { SourceFacts } from '../../../functions/model/intel-record.ts';
import { assembleVulnerability, NVD_FACTS_SOURCE, rowPackageKeys, sourceFactsHash } from '../../../functions/store/intel-repository.ts';
import { startLocalTable, type LocalTable } from '../store/local-table.ts';
import { vulnerabilityFrom } from './nvd-fixtures.ts';
import { ADVISORIES, osvRecordOf } from './package-cases.ts';

let table: LocalTable;
beforeAll(async () => {
  table = await startLocalTable();
});
afterAll(async () => {
  await table?.close();
});

const osvRow = (tenant: string, id: string, name: string, fixed: string): SourceFacts => ({
  tenant,
  kind: 'vulnerability',
  id,
  source: OSV_SOURCE,
  aliases: [],
  observedAt: '2025-08-25T00:00:00.000Z',
  facts: {
    advisories: {
      [`GHSA-${id.slice(-4)}-aaaa-bbbb`]: {
        osvId: `GHSA-${id.slice(-4)}-aaaa-bbbb`,
        modified: '2025-01-01T00:00:00Z',
        aliases: [id],
        related: [],
        severity: [],
        affected: [
          {
            package: { ecosystem: 'npm', name, purl: `pkg:npm/${name}` },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }],
            versions: [],
          },
        ],
      },
    },
  },
});

describe('intel package index', () => {
  it('names exactly the package keys the matcher looks up, for every NVD fixture and OSV advisory case', () => {
    const observedAt = '2025-08-25T00:00:00.000Z';
    const nvdFiles = readdirSync(join(import.meta.dirname, '../../fixtures/intel/nvd')).filter((file) => /^CVE-.*\.json$/.test(file));
    expect(nvdFiles.length).toBeGreaterThan(3);
    let indexed = 0;
    for (const file of nvdFiles) {
      const vulnerability = vulnerabilityFrom(file, { kev: false });
      const row: SourceFacts = { tenant: 'default', kind: 'vulnerability', id: vulnerability.id, source: NVD_FACTS_SOURCE, aliases: [], observedAt, facts: JSON.parse(JSON.stringify(vulnerability.nvd)) };
      expect(rowPackageKeys(row), file).toEqual([...vulnerablePackageKeys(vulnerability)].sort());
      indexed += rowPackageKeys(row).length;
    }
    expect(indexed).toBeGreaterThan(3);
    let osvIndexed = 0;
    for (const advisory of ADVISORIES) {
      const [draft] = parseOsvRecords(JSON.stringify([osvRecordOf(advisory)]), { source: OSV_SOURCE, now: observedAt }).drafts as VulnerabilityIntelDraft[];
      const row: SourceFacts = { tenant: 'default', kind: 'vulnerability', id: draft!.id, source: OSV_SOURCE, aliases: draft!.aliases ?? [], observedAt, facts: draft!.facts };
      const view = assembleVulnerability('default', draft!.id, [row])!;
      expect(rowPackageKeys(row), advisory.id).toEqual([...vulnerablePackageKeys(view)].sort());
      osvIndexed += rowPackageKeys(row).length;
    }
    expect(osvIndexed).toBeGreaterThan(ADVISORIES.length / 2);
  });

  it('indexes NVD vulnerable criteria and OSV packages under the keys the component index uses', async () => {
    const tenant = 'index';
    const { intel, vulnerabilities } = table.repositories;
    await vulnerabilities.put(vulnerabilityFrom('CVE-2023-4966.json', { tenant }));
    const row = osvRow(tenant, 'CVE-2021-23337', 'lodash', '4.17.21');
    expect(rowPackageKeys(row)).toEqual(['purl:npm/lodash']);
    await intel.putFacts([{ row, hash: sourceFactsHash(row) }]);

    const found = await intel.vulnerabilitiesByPackage(tenant, ['cpe:citrix:netscaler_gateway', 'cpe:citrix:netscaler_application_delivery_controller', 'purl:npm/lodash', 'purl:npm/unknown']);
    expect(Object.fromEntries(found)).toEqual({
      'cpe:citrix:netscaler_gateway': ['CVE-2023-4966'],
      'cpe:citrix:netscaler_application_delivery_controller': ['CVE-2023-4966'],
      'purl:npm/lodash': ['CVE-2021-23337'],
      'purl:npm/unknown': [],
    });
    // Other tenants see nothing.
    expect((await intel.vulnerabilitiesByPackage('other', ['purl:npm/lodash'])).get('purl:npm/lodash')).toEqual([]);
  });

  it('writes index entries idempotently, only when a row is written; KEV rows name no package', async () => {
    const tenant = 'idempotent';
    const { intel } = table.repositories;
    const row = osvRow(tenant, 'CVE-2021-44906', 'minimist', '1.2.6');
    table.counter.reset();
    await intel.putFacts([{ row, hash: sourceFactsHash(row) }]);
    expect(table.counter.writes).toBe(2); // the row and one index entry
    await intel.putFacts([{ row, hash: sourceFactsHash(row) }]);
    expect((await intel.vulnerabilitiesByPackage(tenant, ['purl:npm/minimist'])).get('purl:npm/minimist')).toEqual(['CVE-2021-44906']);
    const kev: SourceFacts = { tenant, kind: 'vulnerability', id: 'CVE-2021-44906', source: 'cisa-kev', aliases: [], observedAt: '2025-08-25T00:00:00.000Z', facts: { cveID: 'CVE-2021-44906' } };
    expect(rowPackageKeys(kev)).toEqual([]);
  });

  it('re-matches an asset against an OSV advisory stored before it arrived', async () => {
    const tenant = 'osv';
    const { intel } = table.repositories;
    const row = osvRow(tenant, 'CVE-2021-23337', 'lodash', '4.17.21');
    await intel.putFacts([{ row, hash: sourceFactsHash(row) }]);
    const published: Array<{ detailType: string; detail: unknown }> = [];
    const deps = { repositories: table.repositories, publishEvents: async (entries: typeof published) => void published.push(...entries), now: () => new Date('2025-08-26T00:00:00Z') };
    await importInventory(deps, { tenant, inventory: { assets: [{ id: 'web-1', software: [{ purl: 'pkg:npm/lodash@4.17.20' }] }] } });
    const [change] = published.filter((e) => e.detailType === DetailType.InventoryChanged).map((e) => InventoryChangedSchema.parse(e.detail));
    const summary = await rematchInventory(deps, { tenant, assets: change!.assets });
    expect(summary).toMatchObject({ vulnerabilities: 1, assetsMatched: 1, affected: 1, new: 1 });
    const [exposure] = await table.repositories.exposures.getMany(tenant, [{ vulnerability: 'CVE-2021-23337', asset: 'web-1' }]);
    expect(exposure).toMatchObject({ state: 'open', component: expect.stringContaining('lodash'), version: '4.17.20' });
  });

  it('skips an index entry whose vulnerability is not stored (an extra lookup, never an error)', async () => {
    const tenant = 'stale';
    // An index entry without its rows: what a failed row write after the index write leaves.
    await table.doc.send(
      new (await import('@aws-sdk/lib-dynamodb')).PutCommand({
        TableName: table.tableName,
        Item: { pk: `T#${tenant}#VPKG#purl:npm/lodash`, sk: 'VULN#CVE-2099-0001', entity: 'vulnerability-package', tenant, packageKey: 'purl:npm/lodash', id: 'CVE-2099-0001' },
      }),
    );
    await table.repositories.assets.put(tenant, { id: 'web-1', ips: [], internetFacing: false, criticality: 'low', tags: {}, software: [{ purl: 'pkg:npm/lodash@4.17.20' }] });
    const summary = await rematchInventory(
      { repositories: table.repositories, publishEvents: async () => {}, now: () => new Date('2025-08-26T00:00:00Z') },
      { tenant, assets: [{ id: 'web-1', packageKeys: ['purl:npm/lodash'] }] },
    );
    expect(summary).toMatchObject({ vulnerabilities: 0, missingVulnerabilities: 1, new: 0 });
  });
});
