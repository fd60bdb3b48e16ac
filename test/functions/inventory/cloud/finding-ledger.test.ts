import { describe, expect, it } from 'vitest';
import type { FindingAsset } from '../../../../functions/inventory/cloud/cloud-finding.ts';
import { emptyLedger, planFindingMerge, settleLedger, type LedgerPlan } from '../../../../functions/inventory/cloud/finding-ledger.ts';
import { inspectorFindingToAssets } from '../../../../functions/inventory/cloud/inspector-finding.ts';
import { assetOfPartial, mergeAssetPartial } from '../../../../functions/inventory/merge-asset.ts';
import type { Asset } from '../../../../functions/model/asset.ts';
import type { FindingLedger } from '../../../../functions/model/finding-ledger.ts';
import { INSTANCES } from '../../../fixtures/inventory/cloud/make-cloud-fixtures.ts';
import { cloudFixture } from './read-fixture.ts';

type Json = Record<string, any>;

const ASSET = 'web-01';
const TENANT = 'acme';
const NGINX = 'pkg:rpm/amzn/nginx@1.24.0-1.amzn2023.0.2?arch=x86_64&distro=amzn-2023&epoch=1';
// What the readers make of the fixture's two packages (canonical purls).
const OPENSSL_LIBS = 'pkg:rpm/amzn/openssl-libs@3.0.8-1.amzn2023.0.14?arch=x86_64&distro=amzn-2023&epoch=1';
const OPENSSL = 'pkg:rpm/amzn/openssl@3.0.8-1.amzn2023.0.14?arch=x86_64&distro=amzn-2023&epoch=1';
const OPENSSL_LIBS_16 = 'pkg:rpm/amzn/openssl-libs@3.0.8-1.amzn2023.0.16?arch=x86_64&distro=amzn-2023&epoch=1';
const F1_ARN = 'arn:aws:inspector2:eu-west-1:111122223333:finding/00000000000000000000000000000001';
const F2_ARN = 'arn:aws:inspector2:eu-west-1:111122223333:finding/00000000000000000000000000000f02';
/** The findings' keys in the ledger (source and id). */
const F1 = `inspector2:${F1_ARN}`;
const F2 = `inspector2:${F2_ARN}`;

/** The inventory's asset bound to the fixture's instance, with the software the inventory lists. */
const inventoryAsset = (software: string[]): Asset =>
  assetOfPartial({
    id: ASSET,
    cloud: { provider: 'aws', account: '111122223333', region: 'eu-west-1', instanceId: INSTANCES.web, securityGroups: [] },
    software: software.map((purl) => ({ purl })),
  });

/** The fixture's Inspector finding, changed as a later delivery would be. */
function finding(change: { arn?: string; status?: string; packages?: (packages: Json[]) => Json[] } = {}): unknown {
  const event = cloudFixture(change.status === 'CLOSED' ? 'inspector2-finding-closed.json' : 'inspector2-finding-al2023.json') as Json;
  if (change.arn) event.detail.findingArn = change.arn;
  if (change.status) event.detail.status = change.status;
  if (change.packages) event.detail.packageVulnerabilityDetails.vulnerablePackages = change.packages(event.detail.packageVulnerabilityDetails.vulnerablePackages);
  return event;
}

/** The reading of one event for the inventory asset (the id is the stored asset's, as the import sets it). */
function reading(event: unknown): FindingAsset {
  const { assets } = inspectorFindingToAssets(event, { sourceName: 'eventbridge:test' });
  expect(assets).toHaveLength(1);
  const [found] = assets as [FindingAsset];
  return { ...found, partial: { ...found.partial, id: ASSET } };
}

const purls = (asset: Asset) => asset.software.map((software) => ('purl' in software ? software.purl : software.cpe)).sort();

/** One event applied as the import applies it: plan, merge, ledger written, asset written, ledger settled. */
function apply(stored: Asset, ledger: FindingLedger, event: unknown): { plan: LedgerPlan; asset: Asset; ledger: FindingLedger } {
  const plan = planFindingMerge(stored, ledger, reading(event));
  const asset = mergeAssetPartial(stored, plan.partial);
  const written = plan.ledgerChanged ? { ...plan.ledger, version: ledger.version + 1 } : ledger;
  const settled = settleLedger(written, plan.removed);
  return { plan, asset, ledger: settled ? { ...settled, version: written.version + 1 } : written };
}

describe('planFindingMerge', () => {
  it('records an open finding and marks the software the asset did not list as introduced by findings', () => {
    // Arrange
    const stored = inventoryAsset([NGINX]);

    // Act
    const { plan, asset } = apply(stored, emptyLedger(TENANT, ASSET), finding());

    // Assert
    expect(plan.ledgerChanged).toBe(true);
    expect(plan.ledger.findings).toEqual({ [F1]: [OPENSSL_LIBS, OPENSSL] });
    expect(plan.ledger.introduced).toEqual([OPENSSL_LIBS, OPENSSL]);
    expect(plan.partial.absentSoftware).toBeUndefined();
    expect(plan.removed).toEqual([]);
    expect(purls(asset)).toEqual([NGINX, OPENSSL, OPENSSL_LIBS].sort());
  });

  it('takes the software a finding introduced off the asset when the finding closes', () => {
    const opened = apply(inventoryAsset([NGINX]), emptyLedger(TENANT, ASSET), finding());

    const closed = apply(opened.asset, opened.ledger, finding({ status: 'CLOSED' }));

    expect(closed.plan.removed).toEqual([OPENSSL_LIBS, OPENSSL]);
    expect(closed.plan.partial.absentSoftware).toEqual([{ purl: OPENSSL_LIBS }, { purl: OPENSSL }]);
    expect(purls(closed.asset)).toEqual([NGINX]);
    expect(closed.ledger.findings).toEqual({});
    expect(closed.ledger.introduced).toEqual([]);
  });

  it('never takes off software the inventory import listed, even when the finding that reported it closes', () => {
    // The inventory lists openssl-libs; the finding adds openssl.
    const opened = apply(inventoryAsset([NGINX, OPENSSL_LIBS]), emptyLedger(TENANT, ASSET), finding());
    expect(opened.ledger.introduced).toEqual([OPENSSL]);

    const closed = apply(opened.asset, opened.ledger, finding({ status: 'CLOSED' }));

    expect(closed.plan.removed).toEqual([OPENSSL]);
    expect(purls(closed.asset)).toEqual([NGINX, OPENSSL_LIBS].sort());
  });

  it('keeps a package while another open finding still reports it', () => {
    // F1 reports both packages; F2 (another CVE) reports openssl alone.
    const opened = apply(inventoryAsset([NGINX]), emptyLedger(TENANT, ASSET), finding());
    const onlyOpenssl = (packages: Json[]) => packages.filter((pkg) => pkg.name === 'openssl');
    const second = apply(opened.asset, opened.ledger, finding({ arn: F2_ARN, packages: onlyOpenssl }));
    expect(second.ledger.findings).toEqual({ [F1]: [OPENSSL_LIBS, OPENSSL], [F2]: [OPENSSL] });

    // F1 closes: openssl-libs goes, openssl stays because F2 is open.
    const firstClosed = apply(second.asset, second.ledger, finding({ status: 'CLOSED' }));
    expect(firstClosed.plan.removed).toEqual([OPENSSL_LIBS]);
    expect(purls(firstClosed.asset)).toEqual([NGINX, OPENSSL].sort());

    // F2 closes too: now openssl goes.
    const bothClosed = apply(firstClosed.asset, firstClosed.ledger, finding({ arn: F2_ARN, status: 'CLOSED', packages: onlyOpenssl }));
    expect(bothClosed.plan.removed).toEqual([OPENSSL]);
    expect(purls(bothClosed.asset)).toEqual([NGINX]);
    expect(bothClosed.ledger).toMatchObject({ findings: {}, introduced: [] });
  });

  it('drops the old identity when an open finding reports its package at a new version', () => {
    const opened = apply(inventoryAsset([NGINX]), emptyLedger(TENANT, ASSET), finding());
    const bumped = (packages: Json[]) => packages.map((pkg) => (pkg.name === 'openssl-libs' ? { ...pkg, release: '1.amzn2023.0.16' } : pkg));

    const moved = apply(opened.asset, opened.ledger, finding({ packages: bumped }));

    expect(moved.plan.removed).toEqual([OPENSSL_LIBS]);
    expect(purls(moved.asset)).toEqual([NGINX, OPENSSL, OPENSSL_LIBS_16].sort());
    expect(moved.ledger.findings).toEqual({ [F1]: [OPENSSL_LIBS_16, OPENSSL] });
    expect(moved.ledger.introduced).toEqual([OPENSSL_LIBS_16, OPENSSL]);
  });

  it('changes nothing for a re-delivered identical finding, open or closed', () => {
    const opened = apply(inventoryAsset([NGINX]), emptyLedger(TENANT, ASSET), finding());

    const again = apply(opened.asset, opened.ledger, finding());
    expect(again.plan.ledgerChanged).toBe(false);
    expect(again.plan.removed).toEqual([]);
    expect(again.asset).toEqual(opened.asset);

    const closed = apply(opened.asset, opened.ledger, finding({ status: 'CLOSED' }));
    const closedAgain = apply(closed.asset, closed.ledger, finding({ status: 'CLOSED' }));
    expect(closedAgain.plan.ledgerChanged).toBe(false);
    expect(closedAgain.plan.removed).toEqual([]);
    expect(closedAgain.asset).toEqual(closed.asset);
  });

  it('decides the same on a retry after the ledger was written and the asset write was lost', () => {
    const stored = inventoryAsset([NGINX]);
    const opened = apply(stored, emptyLedger(TENANT, ASSET), finding());

    // Introduced: the retry sees the new ledger but the old asset, and still adds the software as the finding's.
    const retriedOpen = planFindingMerge(stored, { ...opened.plan.ledger, version: 1 }, reading(finding()));
    expect(purls(mergeAssetPartial(stored, retriedOpen.partial))).toEqual([NGINX, OPENSSL, OPENSSL_LIBS].sort());
    expect(retriedOpen.ledger.introduced).toEqual([OPENSSL_LIBS, OPENSSL]);

    // Closed: the first attempt's ledger (written before the asset) still lets the retry remove.
    const firstTry = planFindingMerge(opened.asset, opened.ledger, reading(finding({ status: 'CLOSED' })));
    const retry = planFindingMerge(opened.asset, { ...firstTry.ledger, version: opened.ledger.version + 1 }, reading(finding({ status: 'CLOSED' })));
    expect(retry.removed).toEqual([OPENSSL_LIBS, OPENSSL]);
    expect(purls(mergeAssetPartial(opened.asset, retry.partial))).toEqual([NGINX]);

    // Moved to a new version: the old identity is still removed on the retry.
    const bumped = (packages: Json[]) => packages.map((pkg) => (pkg.name === 'openssl-libs' ? { ...pkg, release: '1.amzn2023.0.16' } : pkg));
    const bumpTry = planFindingMerge(opened.asset, opened.ledger, reading(finding({ packages: bumped })));
    const bumpRetry = planFindingMerge(opened.asset, { ...bumpTry.ledger, version: opened.ledger.version + 1 }, reading(finding({ packages: bumped })));
    expect(bumpRetry.removed).toEqual([OPENSSL_LIBS]);
    expect(purls(mergeAssetPartial(opened.asset, bumpRetry.partial))).toEqual([NGINX, OPENSSL, OPENSSL_LIBS_16].sort());
  });

  it('ends the findings\' claim on software an inventory import has since dropped', () => {
    const opened = apply(inventoryAsset([NGINX]), emptyLedger(TENANT, ASSET), finding());
    // The import replaces the asset's software: openssl is gone, and later comes back as the inventory's own.
    const reimported = inventoryAsset([NGINX]);

    const closed = apply(reimported, opened.ledger, finding({ status: 'CLOSED' }));
    expect(closed.plan.removed).toEqual([]);
    expect(closed.ledger).toMatchObject({ findings: {}, introduced: [] });

    const listedAgain = apply(inventoryAsset([NGINX, OPENSSL]), closed.ledger, finding({ arn: F2_ARN }));
    expect(listedAgain.ledger.introduced).toEqual([OPENSSL_LIBS]);
    const closedAgain = apply(listedAgain.asset, listedAgain.ledger, finding({ arn: F2_ARN, status: 'CLOSED' }));
    expect(purls(closedAgain.asset)).toEqual([NGINX, OPENSSL].sort());
  });

  it('keeps Inspector\'s and Security Hub\'s view of the same finding apart, so neither takes off what the other reports', () => {
    // Security Hub imports the Inspector finding under the same id, here reading only openssl (ASFF names no platform).
    const inspector = reading(finding());
    const [evidence] = inspector.evidence as [FindingAsset['evidence'][number]];
    const opensslOnly = evidence.packages.filter((pkg) => pkg.purl.startsWith('pkg:rpm/amzn/openssl@'));
    const securityHub: FindingAsset = {
      partial: { ...inspector.partial, software: opensslOnly.map(({ purl }) => ({ purl })) },
      evidence: [{ ...evidence, source: 'securityhub', packages: opensslOnly }],
    };
    const opened = apply(inventoryAsset([NGINX]), emptyLedger(TENANT, ASSET), finding());

    const viaSecurityHub = planFindingMerge(opened.asset, opened.ledger, securityHub);
    expect(viaSecurityHub.removed).toEqual([]);
    expect(viaSecurityHub.ledger.findings).toEqual({ [F1]: [OPENSSL_LIBS, OPENSSL], [`securityhub:${F1_ARN}`]: [OPENSSL] });

    // Inspector closes it, Security Hub has not archived it yet: only what Security Hub does not report goes.
    const inspectorClosed = apply(opened.asset, viaSecurityHub.ledger, finding({ status: 'CLOSED' }));
    expect(inspectorClosed.plan.removed).toEqual([OPENSSL_LIBS]);
    expect(purls(inspectorClosed.asset)).toEqual([NGINX, OPENSSL].sort());
  });

  it('keeps what an open finding reported when none of its packages can be read this time', () => {
    const opened = apply(inventoryAsset([NGINX]), emptyLedger(TENANT, ASSET), finding());
    const unreadable = (packages: Json[]) => packages.map((pkg) => ({ ...pkg, packageManager: 'CONDA' }));

    const plan = planFindingMerge(opened.asset, opened.ledger, reading(finding({ packages: unreadable })));

    expect(plan.removed).toEqual([]);
    expect(plan.ledgerChanged).toBe(false);
  });
});
