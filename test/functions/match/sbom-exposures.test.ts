import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { VulnerabilityIntelDraft } from '../../../functions/ingest/intel-draft.ts';
import { OSV_SOURCE, parseOsvRecords } from '../../../functions/ingest/sources/osv/osv-parser.ts';
import { detectSbom, sbomToAsset } from '../../../functions/inventory/sbom/sbom-to-asset.ts';
import { compiledPackagesOf, matchPackages, packageComponent, type PackageComponent } from '../../../functions/match/package-match.ts';
import type { Vulnerability } from '../../../functions/model/vulnerability.ts';
import { benchSbomOsv, describeSbomOsvBench, referenceOsvFiles, referenceOsvVulnerabilities } from '../../bench/sbom-osv.bench.ts';
import { referenceFile } from '../../reference-data.ts';
import { ADVISORIES, osvRecordOf, vulnerabilityOf } from './package-cases.ts';

/**
 * The real SBOMs of the reference data (/work/shared/data/sbom/) through sbomToAsset, matched against
 * the real OSV records (/work/shared/data/intel/osv/) with matchPackages. The exposures below were
 * checked by hand against each advisory's ranges; the matcher must find exactly these, and must not
 * report the components written down as negatives (at or after a fix, or a different package).
 *
 * NVD: the reference NVD records (libwebp, xz, MOVEit, Citrix, PAN-OS, Print Spooler, FortiOS) name no
 * product these SBOMs contain, and the SBOMs carry purls, not CPEs, so CPE matching has nothing to check.
 */

const WHY = 'matching the reference SBOMs against the reference OSV records';
const osvFiles = referenceOsvFiles(WHY);
const sbomPath = (name: string) => referenceFile(`sbom/${name}`, WHY);

interface Exposure {
  /** The component's purl as sbomToAsset gives it. */
  component: string;
  advisory: string;
  why: string;
}

interface SbomExpectations {
  file: string;
  /** Exposures to the real OSV records, checked by hand. */
  exposures: Exposure[];
  /** Components that must not match the advisory named. */
  negatives: Exposure[];
}

const SPRING4SHELL = 'GHSA-36p3-wjmg-h94x';
const jar = (coordinates: string) => `pkg:maven/${coordinates}?type=jar`;

const EXPECTATIONS: SbomExpectations[] = [
  {
    file: 'cdx-juice-shop-11.1.2.json',
    exposures: [
      { component: 'pkg:npm/lodash@4.17.19', advisory: 'GHSA-35jh-r3h4-6jhm', why: 'lodash fixed in 4.17.21 (introduced 0)' },
      { component: 'pkg:npm/lodash@2.4.2', advisory: 'GHSA-35jh-r3h4-6jhm', why: 'lodash fixed in 4.17.21 (introduced 0)' },
    ],
    negatives: [
      { component: 'pkg:npm/lodash.set@4.3.2', advisory: 'GHSA-35jh-r3h4-6jhm', why: 'lodash.set is another package than lodash' },
      { component: 'pkg:npm/lodash.camelcase@4.3.0', advisory: 'GHSA-35jh-r3h4-6jhm', why: 'another package' },
    ],
  },
  {
    file: 'cdx-keycloak-10.0.2.json',
    exposures: [
      ...['3.2.13', '4.3.18', '4.3.19', '4.3.23', '5.0.5', '5.0.9'].map((version) => ({
        component: jar(`org.springframework/spring-beans@${version}.RELEASE`),
        advisory: SPRING4SHELL,
        why: 'spring-beans below 5.2.20.RELEASE (introduced 0)',
      })),
      ...['4.3.19', '4.3.23', '5.0.9'].map((version) => ({
        component: jar(`org.springframework/spring-webmvc@${version}.RELEASE`),
        advisory: SPRING4SHELL,
        why: 'spring-webmvc below 5.2.20.RELEASE',
      })),
      ...['1.5.16', '1.5.20', '2.0.5'].map((version) => ({
        component: jar(`org.springframework.boot/spring-boot-starter-web@${version}.RELEASE`),
        advisory: SPRING4SHELL,
        why: 'spring-boot-starter-web below 2.5.12 (introduced 0)',
      })),
    ],
    negatives: [
      ...['1.5.14', '1.5.16', '1.5.20', '2.0.3', '2.0.5'].map((version) => ({
        component: jar(`org.springframework.boot/spring-boot@${version}.RELEASE`),
        advisory: 'GHSA-xx65-cc7g-9pfp',
        why: 'spring-boot at or after fixed 1.5.10',
      })),
      { component: jar('org.apache.logging.log4j/log4j-api@2.10.0'), advisory: 'GHSA-jfh8-c2jp-5v3q', why: 'Log4Shell names log4j-core, not log4j-api' },
      { component: jar('log4j/log4j@1.2.17'), advisory: 'GHSA-jfh8-c2jp-5v3q', why: 'log4j 1.x is another package (log4j:log4j)' },
      { component: jar('org.springframework/spring-core@5.0.7.RELEASE'), advisory: SPRING4SHELL, why: 'spring-core is not among the advisory\'s packages' },
      { component: jar('org.springframework.boot/spring-boot-starter@2.0.5.RELEASE'), advisory: SPRING4SHELL, why: 'spring-boot-starter is not spring-boot-starter-web' },
    ],
  },
  {
    file: 'cdx-dropwizard-1.3.15.json',
    exposures: [],
    negatives: [{ component: jar('org.slf4j/log4j-over-slf4j@1.7.26'), advisory: 'GHSA-jfh8-c2jp-5v3q', why: 'an slf4j bridge, not log4j-core' }],
  },
  { file: 'cdx-laravel-7.12.0-spec1.4.json', exposures: [], negatives: [] },
  { file: 'cdx-vex-example-bom.json', exposures: [], negatives: [] },
  { file: 'spdx23-official-example.spdx.json', exposures: [], negatives: [] },
];

/**
 * Exposures to the advisories package-cases.ts states by hand that the reference OSV data does not
 * hold (so these run on restated facts, not on real records), checked by hand the same way.
 */
const HAND_STATED: Record<string, { exposures: Exposure[]; negatives: Exposure[] }> = {
  'cdx-juice-shop-11.1.2.json': {
    exposures: [
      { component: 'pkg:npm/minimist@1.2.5', advisory: 'GHSA-xvch-5gv4-984h', why: 'below fixed 1.2.6 in [1.0.0, 1.2.6)' },
      { component: 'pkg:npm/minimist@0.2.1', advisory: 'GHSA-xvch-5gv4-984h', why: 'below fixed 0.2.4 in [0, 0.2.4)' },
      { component: 'pkg:npm/semver@5.7.1', advisory: 'GHSA-c2qf-rxjj-qqgw', why: 'below fixed 5.7.2' },
      { component: 'pkg:npm/semver@6.3.0', advisory: 'GHSA-c2qf-rxjj-qqgw', why: 'below fixed 6.3.1 in [6.0.0, 6.3.1)' },
      { component: 'pkg:npm/semver@7.3.2', advisory: 'GHSA-c2qf-rxjj-qqgw', why: 'below fixed 7.5.2 in [7.0.0, 7.5.2)' },
    ],
    negatives: [
      { component: 'pkg:npm/minimist@1.2.5', advisory: 'GHSA-vh95-rmgr-6w4m', why: 'at or after fixed 1.2.3' },
      { component: 'pkg:npm/minimist@0.2.1', advisory: 'GHSA-vh95-rmgr-6w4m', why: 'the fixed version 0.2.1 itself' },
      { component: 'pkg:npm/lodash@4.17.19', advisory: 'GHSA-p6mc-m468-83gw', why: 'the fixed version 4.17.19 itself' },
      { component: 'pkg:npm/lodash@2.4.2', advisory: 'GHSA-p6mc-m468-83gw', why: 'before introduced 3.7.0' },
    ],
  },
  'cdx-keycloak-10.0.2.json': {
    exposures: [{ component: jar('com.fasterxml.jackson.core/jackson-databind@2.10.1'), advisory: 'GHSA-57j2-w4cx-62h2', why: 'below fixed 2.12.6.1' }],
    negatives: [],
  },
  'cdx-dropwizard-1.3.15.json': {
    exposures: [{ component: jar('com.fasterxml.jackson.core/jackson-databind@2.9.10'), advisory: 'GHSA-57j2-w4cx-62h2', why: 'below fixed 2.12.6.1' }],
    negatives: [],
  },
  'cdx-laravel-7.12.0-spec1.4.json': {
    exposures: [{ component: 'pkg:composer/guzzlehttp/psr7@1.9.0', advisory: 'GHSA-wxmh-65f7-jcvw', why: 'just below fixed 1.9.1' }],
    negatives: [{ component: 'pkg:composer/guzzlehttp/guzzle@6.5.8', advisory: 'GHSA-w248-ffj2-4v5q', why: 'the fixed version 6.5.8 itself' }],
  },
  'cdx-vex-example-bom.json': {
    exposures: [{ component: jar('com.fasterxml.jackson.core/jackson-databind@2.10.0'), advisory: 'GHSA-57j2-w4cx-62h2', why: 'below fixed 2.12.6.1' }],
    negatives: [],
  },
};

function componentsOf(file: string): PackageComponent[] {
  const document = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  expect(detectSbom(document)).toBeDefined();
  const { asset } = sbomToAsset(document, { assetId: 'sbom-under-test', fileName: file });
  return asset.software.flatMap((software) => {
    if (!('purl' in software)) return [];
    const component = packageComponent(software.purl);
    return component ? [component] : [];
  });
}

/** Every (component, advisory) the matcher reports, and anything it could not decide. */
function exposuresOf(components: readonly PackageComponent[], vulnerabilities: readonly Vulnerability[]) {
  const pairs = new Set<string>();
  const undecided: string[] = [];
  for (const vulnerability of vulnerabilities) {
    const result = matchPackages(compiledPackagesOf(vulnerability), components);
    for (const match of result.matches) pairs.add(`${match.component} ${match.advisory}`);
    for (const item of result.undecided) undecided.push(`${item.component} ${item.advisory}: ${item.reason}`);
  }
  return { pairs, undecided };
}

const pairOf = (exposure: Exposure) => `${exposure.component} ${exposure.advisory}`;

const handStatedVulnerabilities = (): Vulnerability[] => {
  const now = '2026-01-15T00:00:00Z';
  return ADVISORIES.filter((advisory) => advisory.reference === undefined).map((advisory) => {
    const parsed = parseOsvRecords(JSON.stringify([osvRecordOf(advisory)]), { source: OSV_SOURCE, now });
    return vulnerabilityOf(parsed.drafts[0] as VulnerabilityIntelDraft, now);
  });
};

describe.skipIf(osvFiles === undefined)('reference SBOMs x reference OSV records', () => {
  const real = osvFiles ? referenceOsvVulnerabilities(osvFiles) : [];
  const handStated = handStatedVulnerabilities();

  it('reads every OSV record of the reference data (9 GHSA, 10 PyPI)', () => {
    expect(osvFiles).toHaveLength(19);
    expect(real).toHaveLength(19);
  });

  describe.each(EXPECTATIONS.map((expectation) => [expectation.file, expectation] as const))('%s', (name, expectation) => {
    const file = sbomPath(name);

    it.skipIf(file === undefined)('exposures to the real records are exactly the ones checked by hand', () => {
      const components = componentsOf(file as string);
      const { pairs, undecided } = exposuresOf(components, real);
      expect(undecided).toEqual([]);
      expect([...pairs].sort()).toEqual(expectation.exposures.map(pairOf).sort());
      // Each negative is a component of the SBOM indeed, so its absence from the matches means something.
      const present = new Set(components.map((component) => component.purl));
      for (const negative of expectation.negatives) {
        expect(present.has(negative.component), `${negative.component} is in ${name}`).toBe(true);
        expect(pairs.has(pairOf(negative)), `${pairOf(negative)}: ${negative.why}`).toBe(false);
      }
    });

    it.skipIf(file === undefined)('exposures to the hand-stated advisories (package-cases.ts) are the ones checked by hand', () => {
      const components = componentsOf(file as string);
      const expected = HAND_STATED[name] ?? { exposures: [], negatives: [] };
      const { pairs, undecided } = exposuresOf(components, handStated);
      expect(undecided).toEqual([]);
      expect([...pairs].sort()).toEqual(expected.exposures.map(pairOf).sort());
      const present = new Set(components.map((component) => component.purl));
      for (const negative of expected.negatives) {
        expect(present.has(negative.component), `${negative.component} is in ${name}`).toBe(true);
        expect(pairs.has(pairOf(negative)), `${pairOf(negative)}: ${negative.why}`).toBe(false);
      }
    });
  });

  it('measures a 2,000-component SBOM against all OSV records (printed, not asserted on time)', async () => {
    const result = await benchSbomOsv();
    expect(result).toBeDefined();
    expect(result?.components).toBe(2_000);
    expect(result?.undecided).toBe(0);
    console.log(`sbom x osv: ${describeSbomOsvBench(result!)}`);
  });
});
