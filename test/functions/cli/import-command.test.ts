import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importInventoryFiles } from '../../../functions/cli/inventory-files.ts';
import { openLocalStore } from '../../../functions/cli/local-store.ts';
import type { Asset } from '../../../functions/model/asset.ts';
import type { Exposure } from '../../../functions/model/exposure.ts';
import { INSTANCES } from '../../fixtures/inventory/cloud/make-cloud-fixtures.ts';
import { startLocalTable } from '../store/local-table.ts';
import { cyclonedxBom, npmSpec, spdxDocument } from '../inventory/sbom/fixtures.ts';
import { runCli, scratch } from './cli-harness.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');
const KEV = join(fixtures, 'intel/kev-catalogue.json');
const NVD_4966 = join(fixtures, 'intel/nvd/CVE-2023-4966.json');
const EC2_INSTANCES = join(fixtures, 'inventory/cloud/ec2-describe-instances.json');
const EC2_GROUPS = join(fixtures, 'inventory/cloud/ec2-describe-security-groups.json');

const netscaler = (version: string) => `cpe:2.3:a:citrix:netscaler_application_delivery_controller:${version}:*:*:*:-:*:*:*`;
const HOSTS_CSV = ['Hostname,IP Address,Tier,Exposed,Packages,Environment', `web-02,203.0.113.50,Tier 1,yes,${netscaler('14.1-8.6')},prod`, 'db-02,10.0.2.20,Tier 3,no,pkg:npm/example-lib-7@1.7.0,dev', ''].join('\n');
const HOSTS_MAP = {
  id: 'Hostname',
  ips: 'IP Address',
  criticality: 'Tier',
  internetFacing: 'Exposed',
  software: 'Packages',
  tags: { env: 'Environment' },
  values: { criticality: { 'Tier 1': 'high', 'Tier 3': 'low' } },
};

/** Files of every format in a fresh folder, plus the store beside them. */
function workspace() {
  const dir = scratch('forestall-import-');
  const write = (name: string, content: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  };
  return { dir, store: join(dir, 'store'), write };
}

async function storedAssets(store: string, ids: readonly string[], tenant = 'default'): Promise<Map<string, Asset>> {
  const local = await openLocalStore(store);
  try {
    return new Map((await local.repositories.assets.getMany(tenant, ids)).map((asset) => [asset.id, asset]));
  } finally {
    await local.close();
  }
}

const purls = (asset: Asset | undefined) => (asset?.software ?? []).map((software) => ('purl' in software ? software.purl : software.cpe)).sort();

describe('forestall import', () => {
  it('imports an inventory, a CycloneDX and an SPDX SBOM, a CSV by its mapping and EC2 metadata in one command', async () => {
    // Prepare
    const { store, write } = workspace();
    const assets = write('assets.json', { assets: [{ id: INSTANCES.web, criticality: 'high', software: [{ purl: 'pkg:npm/express@4.18.2' }] }] });
    const cdx = write('shop.cdx.json', cyclonedxBom({ application: { name: 'example-shop', version: '3.0.0' }, components: [npmSpec(1), npmSpec(2)] }));
    const spdx = write(
      'billing.spdx.json',
      spdxDocument({ packages: [{ id: 'SPDXRef-app', name: 'billing' }, { id: 'SPDXRef-lib', name: 'example-lib-9', version: '1.9.0', purl: 'pkg:npm/example-lib-9@1.9.0' }], describes: ['SPDXRef-app'] }),
    );
    const csv = write('hosts.csv', HOSTS_CSV);
    const map = write('hosts.map.json', HOSTS_MAP);
    const instances = write('instances.json', readFileSync(EC2_INSTANCES, 'utf8'));
    // The fixture's groups less the one range that is not a CIDR (quarantining is tested elsewhere).
    const groups = JSON.parse(readFileSync(EC2_GROUPS, 'utf8')) as { SecurityGroups: Array<{ IpPermissions: Array<{ IpRanges: Array<{ CidrIp: string }> }> }> };
    for (const group of groups.SecurityGroups) for (const permission of group.IpPermissions) permission.IpRanges = permission.IpRanges.filter((range) => range.CidrIp !== 'not-a-cidr');
    const groupsFile = write('groups.json', groups);

    // Act
    const run = await runCli(['import', assets, cdx, spdx, '--csv', csv, '--map', map, '--ec2', instances, '--security-groups', groupsFile, '--store', store]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      `${assets}: 1 asset(s) imported into ${store} (tenant default)`,
      `${cdx}: 1 asset(s) imported into ${store} (tenant default)`,
      `${spdx}: 1 asset(s) imported into ${store} (tenant default)`,
      `${csv}: 2 asset(s) imported into ${store} (tenant default)`,
      `${instances}: 4 asset(s) imported into ${store} (tenant default)`,
      // Nothing is stored as intel yet: no exposures, but the changed assets were looked up.
      expect.stringMatching(/^Re-matched \d+ changed asset\(s\) against the stored intel: 0 new exposure\(s\), 0 remediated$/),
    ]);
    expect(run.stderr).toContain(`forestall import: note: ${instances}: Reservations[1].Instances[2]: ${INSTANCES.gone} is terminated; left out`);
    expect(run.stderr).not.toMatch(/quarantined/);

    const stored = await storedAssets(store, ['shop', 'billing', 'web-02', 'db-02', INSTANCES.web, INSTANCES.admin, INSTANCES.gone]);
    expect(purls(stored.get('shop'))).toEqual(['pkg:npm/example-lib-1@1.1.0', 'pkg:npm/example-lib-2@1.2.0']);
    expect(purls(stored.get('billing'))).toEqual(['pkg:npm/example-lib-9@1.9.0']);
    expect(stored.get('web-02')).toMatchObject({ criticality: 'high', internetFacing: true, ips: ['203.0.113.50'], tags: { env: 'prod' }, software: [{ cpe: netscaler('14.1-8.6') }] });
    expect(stored.get('db-02')).toMatchObject({ criticality: 'low', internetFacing: false });
    // EC2 metadata merged into the inventory's asset: its software and criticality stay, the cloud view is added.
    expect(stored.get(INSTANCES.web)).toMatchObject({
      criticality: 'high',
      software: [{ purl: 'pkg:npm/express@4.18.2' }],
      hostname: 'ip-10-0-1-10.eu-west-1.compute.internal',
      tags: { Name: 'web-01', env: 'prod' },
      cloud: { account: '111122223333', region: 'eu-west-1', instanceId: INSTANCES.web },
      network: { publicIps: ['203.0.113.10'], ingress: expect.arrayContaining([expect.objectContaining({ fromPort: 443, cidr: '0.0.0.0/0' })]) },
    });
    expect(stored.get(INSTANCES.admin)?.cloud?.instanceId).toBe(INSTANCES.admin);
    expect(stored.has(INSTANCES.gone)).toBe(false);
  });

  it('names an SBOM\'s asset with --asset-id', async () => {
    const { store, write } = workspace();
    const sbom = write('sbom.cdx.json', cyclonedxBom({ components: [npmSpec(3)] }));

    const run = await runCli(['import', sbom, '--asset-id', 'shop', '--store', store]);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(purls((await storedAssets(store, ['shop', 'sbom'])).get('shop'))).toEqual(['pkg:npm/example-lib-3@1.3.0']);
    expect((await storedAssets(store, ['sbom'])).size).toBe(0);
  });

  it('quarantines a malformed component naming file, asset and field, imports the rest, and exits 2', async () => {
    // Prepare
    const { store, write } = workspace();
    const cdx = write('shop.cdx.json', cyclonedxBom({ components: [npmSpec(1), npmSpec(2, { purl: 'npm/example-lib-2@1.2.0' }), npmSpec(4)] }));
    const csv = write('hosts.csv', HOSTS_CSV.replace('Tier 3', 'Tier 9'));
    const map = write('hosts.map.json', HOSTS_MAP);

    // Act
    const run = await runCli(['import', cdx, '--csv', csv, '--map', map, '--store', store]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`forestall import: ${cdx}: asset shop: components[1].purl: a package URL starting pkg:`);
    expect(run.stderr).toContain(`forestall import: ${csv}: line 3, column "Tier" (3): criticality: expected one of low|medium|high`);
    expect(run.stderr).toContain('2 record(s) quarantined; "forestall quarantine inventory --store');
    expect(run.stdout).toContain(`${cdx}: 1 asset(s) imported into ${store} (tenant default), 1 record(s) quarantined`);
    expect(run.stdout).toContain(`${csv}: 1 asset(s) imported into ${store} (tenant default), 1 record(s) quarantined`);
    const stored = await storedAssets(store, ['shop', 'web-02', 'db-02']);
    expect(purls(stored.get('shop'))).toEqual(['pkg:npm/example-lib-1@1.1.0', 'pkg:npm/example-lib-4@1.4.0']);
    expect([...stored.keys()].sort()).toEqual(['shop', 'web-02']);

    const listed = await runCli(['quarantine', 'inventory', '--store', store, '--json']);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ record: string }>).map((entry) => entry.record).sort()).toEqual(['db-02', 'npm/example-lib-2@1.2.0']);
  });

  it('reports an unreadable file and goes on with the others', async () => {
    const { dir, store, write } = workspace();
    const assets = write('assets.json', `${JSON.stringify({ id: 'app-01', software: [{ purl: 'pkg:npm/example-lib-5@1.5.0' }] })}\n`);
    const missing = join(dir, 'nowhere.json');
    const missingCsv = join(dir, 'nowhere.csv');
    const notInventory = write('notes.txt', 'hello');
    const map = write('hosts.map.json', HOSTS_MAP);

    const run = await runCli(['import', missing, notInventory, '--inventory', assets, '--csv', missingCsv, '--map', map, '--store', store]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`forestall import: ${missing}: cannot read: ENOENT`);
    expect(run.stderr).toContain(`forestall import: ${notInventory}: not an inventory`);
    expect(run.stderr).toContain(`forestall import: ${missingCsv}: cannot read: ENOENT`);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([`${assets}: 1 asset(s) imported into ${store} (tenant default)`, expect.stringMatching(/^Re-matched 1 changed asset/)]);
    expect((await storedAssets(store, ['app-01'])).get('app-01')?.software).toEqual([{ purl: 'pkg:npm/example-lib-5@1.5.0' }]);
  });

  it('refuses bad flags before importing anything, naming the flag', async () => {
    const { dir, store, write } = workspace();
    const csv = write('hosts.csv', HOSTS_CSV);
    const map = write('hosts.map.json', HOSTS_MAP);
    const badMap = write('bad.map.json', { id: 'Hostname', cpu: 'Cores' });
    const notJson = write('broken.map.json', '{"id": ');
    const cli = (...args: string[]) => runCli(['import', ...args, '--store', store]);

    expect(await cli()).toMatchObject({ code: 2, stderr: expect.stringContaining('give at least one inventory') });
    expect(await cli('--csv', csv)).toMatchObject({ code: 2, stderr: expect.stringContaining(`--csv ${csv}: give its header mapping with --map MAPPING.json`) });
    expect(await cli('a.json', '--map', map)).toMatchObject({ code: 2, stderr: expect.stringContaining('--map is the header mapping of a --csv file') });
    expect(await cli('--csv', csv, '--csv', csv, '--csv', csv, '--map', map, '--map', map)).toMatchObject({ code: 2, stderr: expect.stringContaining('--map: give one mapping for every --csv (3), or one for all; got 2') });
    expect(await cli('--csv', csv, '--map', join(dir, 'none.json'))).toMatchObject({ code: 2, stderr: expect.stringContaining(`--map ${join(dir, 'none.json')}: cannot read: ENOENT`) });
    expect(await cli('--csv', csv, '--map', notJson)).toMatchObject({ code: 2, stderr: expect.stringContaining(`--map ${notJson}: not valid JSON`) });
    expect(await cli('--csv', csv, '--map', badMap)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--map .*bad\.map\.json: not a header mapping: .*cpu/) });
    expect(await cli('a.json', '--security-groups', 'groups.json')).toMatchObject({ code: 2, stderr: expect.stringContaining('--security-groups holds the ingress rules of --ec2 instances') });
    expect(await cli('--ec2', 'a.json', '--ec2', 'b.json')).toMatchObject({ code: 2, stderr: expect.stringContaining('--ec2: give one DescribeInstances output') });
    expect(await cli('a.json', '--asset-id', 'shop#1')).toMatchObject({ code: 2, stderr: expect.stringContaining('--asset-id "shop#1": must not contain "#" (a key delimiter)') });
    expect(await cli('a.json', '--tenant', 'Not A Tenant')).toMatchObject({ code: 2, stderr: expect.stringContaining('--tenant') });
    expect(await cli('a.json', '--colour', 'blue')).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--colour'") });
    // Nothing was imported, not even the valid CSV of the refused commands.
    expect((await storedAssets(store, ['web-02'])).size).toBe(0);
  });

  it('documents the flags in help', async () => {
    const help = await runCli(['help']);
    expect(help.stdout).toContain('forestall import [FILE...] [--csv FILE --map MAPPING.json]... [--ec2 FILE [--security-groups FILE]] [--asset-id ID]');
  });
});

describe('forestall import re-matches against the stored intel', () => {
  it('opens an exposure for an asset imported after the CVE\'s intel, and remediates it when a later import shows the fix', async () => {
    // Prepare: the intel first, as a scheduled ingest would have stored it.
    const { dir, store, write } = workspace();
    const archive = join(dir, 'archive');
    for (const file of [KEV, NVD_4966]) expect((await runCli(['ingest', 'auto', '--file', file, '--store', store, '--archive', archive])).code).toBe(0);
    const csv = write('hosts.csv', HOSTS_CSV);
    const map = write('hosts.map.json', HOSTS_MAP);

    // Act
    const imported = await runCli(['import', '--csv', csv, '--map', map, '--store', store]);

    // Assess
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('Re-matched 2 changed asset(s) against the stored intel: 1 new exposure(s), 0 remediated ("forestall exposure list" shows them)');
    const listed = await runCli(['exposure', 'list', '--store', store, '--json']);
    const exposures = JSON.parse(listed.stdout) as Exposure[];
    expect(exposures.map(({ vulnerability, asset, version, state, decision }) => ({ vulnerability, asset, version, state, decision }))).toEqual([
      { vulnerability: 'CVE-2023-4966', asset: 'web-02', version: '14.1-8.6', state: 'open', decision: 'act' },
    ]);

    // Act: the host patched to the fixed build.
    const patched = write('hosts-patched.csv', HOSTS_CSV.replace('14.1-8.6', '14.1-8.50'));
    const again = await runCli(['import', '--csv', patched, '--map', map, '--store', store]);

    // Assess
    expect(again.stdout).toContain('Re-matched 1 changed asset(s) against the stored intel: 0 new exposure(s), 1 remediated');
    const after = JSON.parse((await runCli(['exposure', 'list', '--store', store, '--json'])).stdout) as Exposure[];
    expect(after.map(({ asset, state }) => ({ asset, state }))).toEqual([{ asset: 'web-02', state: 'remediated' }]);
  });
});

describe('importInventoryFiles', () => {
  it('writes a progress line every progressEvery records with the share of the file read', async () => {
    const table = await startLocalTable();
    try {
      const { write } = workspace();
      const file = write('estate.jsonl', Array.from({ length: 10 }, (_, n) => JSON.stringify({ id: `host-${n}`, software: [{ purl: `pkg:npm/example-lib-${n}@1.${n}.0` }] })).join('\n'));
      const lines: string[] = [];

      const result = await importInventoryFiles({ repositories: table.repositories, now: () => new Date(), progress: (line) => lines.push(line) }, 'acme', [file], { batchSize: 2, progressEvery: 4 });

      expect(result).toMatchObject({ imported: [{ source: file, assets: 10 }], problems: [] });
      expect(lines).toEqual([
        expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 4 record\\(s\\) read \\(\\d+%\\): 4 imported, 0 quarantined$`)),
        expect.stringMatching(/: 8 record\(s\) read \(\d+%\): 8 imported, 0 quarantined$/),
      ]);
    } finally {
      await table.close();
    }
  });
});
