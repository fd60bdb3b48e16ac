import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOUD_FINDINGS_QUARANTINE_SOURCE,
  CloudFindingsEnvSchema,
  importCloudFindings,
  type CloudFindingsSettings,
  type ImportCloudFindingsDeps,
} from '../../../../functions/inventory/cloud/import-findings.ts';
import { importInventory } from '../../../../functions/inventory/import-inventory.ts';
import { readEnv } from '../../../../functions/config/env.ts';
import { DetailType, InventoryChangedSchema } from '../../../../functions/model/events.ts';
import { createFindingLedgerRepository } from '../../../../functions/store/finding-ledger-repository.ts';
import type { FindingLedgerRepository } from '../../../../functions/store/ports.ts';
import { INSTANCES } from '../../../fixtures/inventory/cloud/make-cloud-fixtures.ts';
import { startLocalTable, type LocalTable } from '../../store/local-table.ts';
import { cloudFixture } from './read-fixture.ts';

type Json = Record<string, any>;

const OWN = '999999999999';
/** The fixtures' account: a member account. */
const MEMBER = '111122223333';
/** Another tenant's member account. */
const OTHER = '444455556666';
const NOW = new Date('2026-12-01T07:00:00Z');
const NGINX = 'pkg:rpm/amzn/nginx@1.24.0-1.amzn2023.0.2?arch=x86_64&distro=amzn-2023&epoch=1';
const OPENSSL_LIBS = 'pkg:rpm/amzn/openssl-libs@3.0.8-1.amzn2023.0.14?arch=x86_64&distro=amzn-2023&epoch=1';
const OPENSSL = 'pkg:rpm/amzn/openssl@3.0.8-1.amzn2023.0.14?arch=x86_64&distro=amzn-2023&epoch=1';

let table: LocalTable;
let findingLedger: FindingLedgerRepository;
beforeAll(async () => {
  table = await startLocalTable();
  findingLedger = createFindingLedgerRepository(table.doc, table.tableName);
});
afterAll(async () => {
  await table?.close();
});

/** The member account's findings go to `tenant` (each test its own); OTHER's to tenant beta. */
const settingsFor = (tenant: string): CloudFindingsSettings => ({
  defaultTenant: 'default',
  ownAccount: OWN,
  memberAccounts: [MEMBER],
  accountTenants: { [MEMBER]: tenant, [OTHER]: 'beta' },
});

function bus() {
  const published: Array<{ detailType: string; detail: unknown }> = [];
  const deps: ImportCloudFindingsDeps = {
    repositories: table.repositories,
    findingLedger,
    now: () => NOW,
    publishEvents: async (entries) => void published.push(...entries),
  };
  return {
    published,
    deps,
    /** The announced assets, each event checked against the `Inventory Changed` schema. */
    announced: () => published.flatMap((entry) => (expect(entry.detailType).toBe(DetailType.InventoryChanged), InventoryChangedSchema.parse(entry.detail).assets)),
  };
}

const event = (name: string, change: (event: Json) => void = () => {}) => {
  const parsed = cloudFixture(name) as Json;
  change(parsed);
  return parsed;
};
const purls = (software: Array<{ purl: string } | { cpe: string }> | undefined) => (software ?? []).map((entry) => ('purl' in entry ? entry.purl : entry.cpe)).sort();

/** The inventory's own asset web-01, bound to the fixture's web instance, listing nginx. */
async function importWeb(tenant: string) {
  await importInventory(
    { repositories: table.repositories, now: () => NOW },
    {
      tenant,
      inventory: {
        assets: [
          {
            id: 'web-01',
            criticality: 'high',
            cloud: { provider: 'aws', account: MEMBER, region: 'eu-west-1', instanceId: INSTANCES.web },
            software: [{ purl: NGINX }],
          },
        ],
      },
    },
  );
}

describe('importCloudFindings refuses what it may not take', () => {
  it('refuses and quarantines an event from an account not allowed, naming the account, and writes nothing else', async () => {
    const b = bus();
    table.counter.reset();

    const summary = await importCloudFindings(b.deps, event('inspector2-finding-al2023.json', (e) => (e.account = '123456789012')), settingsFor('refuse-account'));

    expect(summary.refused).toMatch(/account 123456789012 is not allowed/);
    expect(summary.assetIds).toEqual([]);
    const quarantined = await table.repositories.quarantine.list('default', CLOUD_FINDINGS_QUARANTINE_SOURCE);
    expect(quarantined).toEqual([
      expect.objectContaining({ record: '00000000-0000-4000-8000-000000000001', reason: expect.stringContaining('account 123456789012 is not allowed'), quarantinedAt: NOW.toISOString() }),
    ]);
    expect(JSON.parse(quarantined[0]!.payload!)).toMatchObject({ account: '123456789012', source: 'aws.inspector2' });
    expect(table.counter.writes).toBe(1);
    expect(await table.repositories.assets.get('default', INSTANCES.web)).toBeUndefined();
    expect(b.published).toEqual([]);
  });

  it('refuses an event whose detail-type is not its source\'s finding event', async () => {
    const b = bus();
    const tenant = 'refuse-type';

    const summary = await importCloudFindings(b.deps, event('inspector2-finding-al2023.json', (e) => (e['detail-type'] = 'Inspector2 Coverage')), settingsFor(tenant));

    expect(summary.refused).toBe('cloud finding event 00000000-0000-4000-8000-000000000001: detail-type: expected "Inspector2 Finding" from aws.inspector2, got "Inspector2 Coverage"');
    expect((await table.repositories.quarantine.list(tenant, CLOUD_FINDINGS_QUARANTINE_SOURCE)).map((record) => record.reason)).toEqual([summary.refused]);
    expect(await table.repositories.assets.get(tenant, INSTANCES.web)).toBeUndefined();
  });

  it('refuses a source that is not a finding source', async () => {
    const summary = await importCloudFindings(bus().deps, event('inspector2-finding-al2023.json', (e) => (e.source = 'forestall')), settingsFor('refuse-source'));
    expect(summary.refused).toMatch(/not an Inspector2 or Security Hub finding event: source: /);
  });

  it("refuses an instance in another tenant's account, or in an account not allowed, and keeps the sender's own", async () => {
    const b = bus();
    const tenant = 'refuse-instance';
    const inAccount = (account: string) =>
      event('inspector2-finding-al2023.json', (e) => {
        e.detail.awsAccountId = account;
      });

    const crossTenant = await importCloudFindings(b.deps, inAccount(OTHER), settingsFor(tenant));
    const unknown = await importCloudFindings(b.deps, inAccount('123456789012'), settingsFor(tenant));

    expect(crossTenant.refused).toBeUndefined();
    expect(crossTenant.assetIds).toEqual([]);
    expect(crossTenant.quarantined).toEqual([{ record: INSTANCES.web, reason: expect.stringContaining(`account ${OTHER} belongs to tenant beta, not ${tenant} of sender ${MEMBER}; refused`) }]);
    expect(unknown.quarantined).toEqual([{ record: INSTANCES.web, reason: expect.stringContaining('account 123456789012 is not allowed; refused') }]);
    expect(await table.repositories.assets.get(tenant, INSTANCES.web)).toBeUndefined();
    expect(await table.repositories.assets.get('beta', INSTANCES.web)).toBeUndefined();
    expect(b.published).toEqual([]);
  });
});

describe('importCloudFindings merges findings into the inventory', () => {
  it('merges an Inspector finding into the inventory asset bound to the instance, announces it, and does nothing on re-delivery', async () => {
    // Arrange
    const tenant = 'merge-bound';
    await importWeb(tenant);
    const b = bus();

    // Act
    const summary = await importCloudFindings(b.deps, event('inspector2-finding-al2023.json'), settingsFor(tenant));

    // Assert: web-01 (bound by aws-instance:<id>) took the packages; no asset named after the instance.
    expect(summary).toMatchObject({ tenant, account: MEMBER, source: 'aws.inspector2', assetIds: ['web-01'], changedAssets: 1, quarantined: [] });
    const web = await table.repositories.assets.get(tenant, 'web-01');
    expect(purls(web?.software)).toEqual([NGINX, OPENSSL_LIBS, OPENSSL].sort());
    expect(web).toMatchObject({ criticality: 'high', tags: { Name: 'web-01', env: 'prod' }, ips: ['10.0.1.10', '203.0.113.10'] });
    expect(await table.repositories.assets.get(tenant, INSTANCES.web)).toBeUndefined();
    expect(b.announced()).toEqual([{ id: 'web-01', packageKeys: ['purl:rpm/amzn/openssl', 'purl:rpm/amzn/openssl-libs'] }]);
    expect((await table.repositories.assets.componentsByPackage(tenant, ['purl:rpm/amzn/openssl'])).map((row) => row.assetId)).toEqual(['web-01']);
    expect(await findingLedger.get(tenant, 'web-01')).toMatchObject({ introduced: [OPENSSL_LIBS, OPENSSL], version: 1 });

    // Re-delivered: nothing written, nothing announced.
    b.published.length = 0;
    table.counter.reset();
    const again = await importCloudFindings(b.deps, event('inspector2-finding-al2023.json'), settingsFor(tenant));
    expect(again).toMatchObject({ assetIds: ['web-01'], changedAssets: 0 });
    expect(table.counter.writes).toBe(0);
    expect(b.published).toEqual([]);
  });

  it('announces a finding whose announcement the bus refused when the event is delivered again', async () => {
    // Arrange
    const tenant = 'bus-refused';
    await importWeb(tenant);
    const refused = { ...bus().deps, publishEvents: async () => Promise.reject(new Error('EventBridge: ServiceUnavailable')) };
    await expect(importCloudFindings(refused, event('inspector2-finding-al2023.json'), settingsFor(tenant))).rejects.toThrow('ServiceUnavailable');

    // Act: EventBridge retries the same event; the asset already holds its packages.
    const b = bus();
    const again = await importCloudFindings(b.deps, event('inspector2-finding-al2023.json'), settingsFor(tenant));

    // Assert
    expect(again).toMatchObject({ changedAssets: 0 });
    expect(b.announced()).toEqual([{ id: 'web-01', packageKeys: ['purl:rpm/amzn/openssl', 'purl:rpm/amzn/openssl-libs'] }]);
    b.published.length = 0;
    await importCloudFindings(b.deps, event('inspector2-finding-al2023.json'), settingsFor(tenant));
    expect(b.published).toEqual([]);
  });

  it('creates an asset named by the instance id when no inventory asset is bound to it', async () => {
    const tenant = 'merge-new';
    const b = bus();

    const summary = await importCloudFindings(b.deps, event('inspector2-finding-al2023.json'), settingsFor(tenant));

    expect(summary.assetIds).toEqual([INSTANCES.web]);
    const created = await table.repositories.assets.get(tenant, INSTANCES.web);
    expect(created?.cloud).toEqual({ provider: 'aws', account: MEMBER, region: 'eu-west-1', instanceId: INSTANCES.web, securityGroups: [] });
    expect(purls(created?.software)).toEqual([OPENSSL_LIBS, OPENSSL].sort());
    expect((await table.repositories.assets.assetIdsByIdentity(tenant, [`aws-instance:${INSTANCES.web}`])).get(`aws-instance:${INSTANCES.web}`)).toEqual([INSTANCES.web]);
    expect(b.announced()).toEqual([{ id: INSTANCES.web, packageKeys: ['purl:rpm/amzn/openssl', 'purl:rpm/amzn/openssl-libs'] }]);
  });

  it('writes the findings of an account with no tenant of its own into the default tenant', async () => {
    const settings = { ...settingsFor('unused'), accountTenants: {} };
    const summary = await importCloudFindings(bus().deps, event('inspector2-finding-al2023.json'), settings);
    expect(summary).toMatchObject({ tenant: 'default', assetIds: [INSTANCES.web] });
    expect(await table.repositories.assets.get('default', INSTANCES.web)).toBeDefined();
  });

  it('merges a Security Hub (ASFF) event: active software added, the unreadable finding quarantined, the rest noted', async () => {
    const tenant = 'merge-asff';
    const b = bus();

    const summary = await importCloudFindings(b.deps, event('securityhub-findings-imported.json'), settingsFor(tenant));

    expect(summary).toMatchObject({ source: 'aws.securityhub', assetIds: [INSTANCES.app], changedAssets: 1 });
    expect(summary.quarantined).toEqual([{ record: 'broken-finding-1', reason: expect.stringContaining('detail.findings[3].Resources') }]);
    expect(summary.ignored).toEqual([expect.stringContaining('detail.findings[2] has no Vulnerabilities')]);
    const app = await table.repositories.assets.get(tenant, INSTANCES.app);
    // glibc and the jar from the active finding; curl (only in the archived one) never arrives.
    expect(purls(app?.software)).toEqual(['pkg:maven/com.example.databind/example-databind@2.9.10', 'pkg:rpm/amzn/glibc@2.26-64.amzn2.0.1?arch=x86_64&distro=amzn-2']);
    expect((await table.repositories.quarantine.list(tenant, CLOUD_FINDINGS_QUARANTINE_SOURCE)).map((record) => record.record)).toEqual(['broken-finding-1']);
    expect(b.announced().map((asset) => asset.id)).toEqual([INSTANCES.app]);
  });

  it('quarantines a malformed package naming its field and merges the finding\'s other packages', async () => {
    const tenant = 'merge-malformed';
    const b = bus();

    const summary = await importCloudFindings(b.deps, event('inspector2-finding-languages.json'), settingsFor(tenant));

    expect(summary.assetIds).toEqual([INSTANCES.admin]);
    expect(summary.quarantined.map((record) => record.reason)).toEqual([
      expect.stringContaining('detail.packageVulnerabilityDetails.vulnerablePackages[11].packageManager'),
      expect.stringContaining('detail.packageVulnerabilityDetails.vulnerablePackages[12]'),
    ]);
    expect((await table.repositories.quarantine.list(tenant, CLOUD_FINDINGS_QUARANTINE_SOURCE)).length).toBeGreaterThanOrEqual(1);
    const admin = await table.repositories.assets.get(tenant, INSTANCES.admin);
    expect(admin?.software).toHaveLength(11);
    expect(purls(admin?.software)).toContain('pkg:npm/lodash@4.17.20');
  });

  it('takes software a closed finding alone introduced off the asset, keeps the inventory\'s, and announces the removal once', async () => {
    const tenant = 'merge-closed';
    await importWeb(tenant);
    const b = bus();
    await importCloudFindings(b.deps, event('inspector2-finding-al2023.json'), settingsFor(tenant));
    b.published.length = 0;

    const closed = await importCloudFindings(b.deps, event('inspector2-finding-closed.json'), settingsFor(tenant));

    expect(closed).toMatchObject({ assetIds: ['web-01'], changedAssets: 1 });
    expect(purls((await table.repositories.assets.get(tenant, 'web-01'))?.software)).toEqual([NGINX]);
    expect(await table.repositories.assets.componentsByPackage(tenant, ['purl:rpm/amzn/openssl', 'purl:rpm/amzn/openssl-libs'])).toEqual([]);
    expect(b.announced()).toEqual([{ id: 'web-01', packageKeys: ['purl:rpm/amzn/openssl', 'purl:rpm/amzn/openssl-libs'] }]);
    expect(await findingLedger.get(tenant, 'web-01')).toMatchObject({ findings: {}, introduced: [] });

    // The closed finding re-delivered: nothing written, nothing announced.
    b.published.length = 0;
    table.counter.reset();
    expect(await importCloudFindings(b.deps, event('inspector2-finding-closed.json'), settingsFor(tenant))).toMatchObject({ changedAssets: 0 });
    expect(table.counter.writes).toBe(0);
    expect(b.published).toEqual([]);
  });

  it('still removes a closed finding\'s software when the first attempt stored the ledger but failed to store the asset', async () => {
    const tenant = 'merge-retry';
    await importWeb(tenant);
    const b = bus();
    await importCloudFindings(b.deps, event('inspector2-finding-al2023.json'), settingsFor(tenant));
    b.published.length = 0;
    const failing: ImportCloudFindingsDeps = {
      ...b.deps,
      repositories: {
        ...table.repositories,
        assets: {
          ...table.repositories.assets,
          put: async () => {
            throw Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' });
          },
        },
      },
    };

    // First attempt: the ledger is written, the asset write fails and the error reaches Lambda (which retries).
    await expect(importCloudFindings(failing, event('inspector2-finding-closed.json'), settingsFor(tenant))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(purls((await table.repositories.assets.get(tenant, 'web-01'))?.software)).toEqual([NGINX, OPENSSL_LIBS, OPENSSL].sort());
    expect(b.published).toEqual([]);

    // The retry.
    const retried = await importCloudFindings(b.deps, event('inspector2-finding-closed.json'), settingsFor(tenant));

    expect(retried.changedAssets).toBe(1);
    expect(purls((await table.repositories.assets.get(tenant, 'web-01'))?.software)).toEqual([NGINX]);
    expect(await findingLedger.get(tenant, 'web-01')).toMatchObject({ findings: {}, introduced: [] });
  });
});

describe('CloudFindingsEnvSchema', () => {
  it('reads the allow-list and the account tenants, and names a bad variable and entry', () => {
    expect(readEnv(CloudFindingsEnvSchema, { OWN_ACCOUNT_ID: OWN, MEMBER_ACCOUNT_IDS: ` ${MEMBER}, ${OTHER} `, ACCOUNT_TENANTS: JSON.stringify({ [OTHER]: 'beta' }) })).toEqual({
      defaultTenant: 'default',
      ownAccount: OWN,
      memberAccounts: [MEMBER, OTHER],
      accountTenants: { [OTHER]: 'beta' },
    });
    expect(() => readEnv(CloudFindingsEnvSchema, { OWN_ACCOUNT_ID: OWN, ACCOUNT_TENANTS: '{"1234": "beta"}' })).toThrow(/ACCOUNT_TENANTS\.1234: a 12-digit AWS account id/);
    expect(() => readEnv(CloudFindingsEnvSchema, { OWN_ACCOUNT_ID: OWN, ACCOUNT_TENANTS: '{not json' })).toThrow(/ACCOUNT_TENANTS: not valid JSON/);
    expect(() => readEnv(CloudFindingsEnvSchema, { OWN_ACCOUNT_ID: OWN, MEMBER_ACCOUNT_IDS: '11112222' })).toThrow(/MEMBER_ACCOUNT_IDS\.0: a 12-digit AWS account id/);
    expect(() => readEnv(CloudFindingsEnvSchema, {})).toThrow(/OWN_ACCOUNT_ID: /);
  });
});
