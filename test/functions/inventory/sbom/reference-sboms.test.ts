import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidSbom } from '../../../../functions/inventory/sbom/sbom-model.ts';
import { detectSbom, sbomToAsset } from '../../../../functions/inventory/sbom/sbom-to-asset.ts';
import { referenceFile } from '../../../reference-data.ts';

/**
 * Real, published SBOMs from the reference data, converted whole. The counts were taken from the files
 * independently of this code (components listed, with purl, with cpe, without either, distinct purls).
 */

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const what = 'converting the real SBOMs';

const count = (software: ReadonlyArray<{ purl: string } | { cpe: string }>) => ({
  purl: software.filter((entry) => 'purl' in entry).length,
  cpe: software.filter((entry) => 'cpe' in entry).length,
});

// [file, application, version, components (every one with a distinct, valid purl; none with a cpe)]
const CYCLONEDX: Array<[file: string, application: string, version: string, components: number]> = [
  ['cdx-dropwizard-1.3.15.json', 'dropwizard-parent', '1.3.15', 167],
  ['cdx-juice-shop-11.1.2.json', 'juice-shop', '11.1.2', 840],
  ['cdx-keycloak-10.0.2.json', 'keycloak-parent', '10.0.2', 903],
  ['cdx-laravel-7.12.0-spec1.4.json', 'cyclonedx-php-composer-demo', 'dev-master', 62],
  ['cdx-vex-example-bom.json', 'example-app', '1.0.0', 3],
];
const cyclonedxFiles = CYCLONEDX.map(([file]) => referenceFile(`sbom/${file}`, what));

describe.skipIf(cyclonedxFiles.includes(undefined))('real CycloneDX SBOMs', () => {
  it.each(CYCLONEDX.map((row, i) => [...row, cyclonedxFiles[i] as string] as const))('%s: %s %s, %i components', (file, application, version, components, path) => {
    const document = readJson(path);
    expect(detectSbom(document)).toBe('cyclonedx');
    const { asset, vex, quarantined } = sbomToAsset(document, { assetId: 'app-1', fileName: file });
    // The application's own purl comes first, then one per component.
    expect(count(asset.software)).toEqual({ purl: components + 1, cpe: 0 });
    expect(quarantined).toEqual([]);
    expect(vex).toEqual([]);
    expect(asset.tags).toEqual({ application, 'application-version': version, sbom: file });
  });
});

const vexBomFile = referenceFile('sbom/cdx-vex-example-bom.json', what);
const vexFile = referenceFile('sbom/cdx-vex-example-vex.json', what);
describe.skipIf(vexBomFile === undefined || vexFile === undefined)('the real CycloneDX VEX example', () => {
  it('states that CVE-2020-25649 does not affect the BOM\'s jackson-databind, through a BOM-Link', () => {
    const { asset: application } = sbomToAsset(readJson(vexBomFile as string), { assetId: 'example-app', fileName: 'cdx-vex-example-bom.json' });
    const { asset, vex, quarantined } = sbomToAsset(readJson(vexFile as string), { assetId: 'example-app', fileName: 'cdx-vex-example-vex.json', existing: application });

    expect(quarantined).toEqual([]);
    expect(vex).toHaveLength(1);
    expect(vex[0]).toMatchObject({
      vulnerability: 'CVE-2020-25649',
      source: 'NVD',
      component: { purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar' },
      state: 'not_affected',
      justification: 'code_not_reachable',
      response: ['will_not_fix', 'update'],
    });
    expect(asset.software).toContainEqual(vex[0]?.component);
    // The VEX document adds no software of its own.
    expect(asset.software).toEqual(application.software);
  });
});

const spdx23File = referenceFile('sbom/spdx23-official-example.spdx.json', what);
describe.skipIf(spdx23File === undefined)('the SPDX 2.3 official example', () => {
  it('describes glibc with a cpe23Type, has Jena\'s purl, and quarantines the two packages with no identifier', () => {
    const { asset, vex, quarantined } = sbomToAsset(readJson(spdx23File as string), { assetId: 'app-1', fileName: 'spdx23-official-example.spdx.json' });

    expect(asset.tags).toEqual({ application: 'glibc', 'application-version': '2.11.1', sbom: 'spdx23-official-example.spdx.json' });
    expect(asset.software).toEqual([{ cpe: 'cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*' }, { purl: 'pkg:maven/org.apache.jena/apache-jena@3.12.0' }]);
    expect(quarantined.map(({ record, reason }) => [record, reason])).toEqual([
      ['SPDXRef-fromDoap-1', 'spdx23-official-example.spdx.json: asset app-1: packages[1]: neither a purl nor a cpe'],
      ['SPDXRef-Saxon', 'spdx23-official-example.spdx.json: asset app-1: packages[3]: neither a purl nor a cpe'],
    ]);
    expect(vex).toEqual([]);
  });
});

const spdx30File = referenceFile('sbom/spdx30-official-example-package_sbom.jsonld.json', what);
describe.skipIf(spdx30File === undefined)('the SPDX 3.0 official example', () => {
  it('is refused as SPDX 3 JSON-LD', () => {
    const document = readJson(spdx30File as string);
    expect(detectSbom(document)).toBe('spdx');
    expect(() => sbomToAsset(document, { assetId: 'app-1', fileName: 'package_sbom.jsonld' })).toThrow(InvalidSbom);
  });
});
