import { describe, expect, it } from 'vitest';
import { InvalidSbom } from '../../../../functions/inventory/sbom/sbom-model.ts';
import { sbomToAsset } from '../../../../functions/inventory/sbom/sbom-to-asset.ts';
import { spdxDocument, type SpdxPackageSpec } from './fixtures.ts';

const options = { assetId: 'example-service', fileName: 'service.spdx.json' };
const service: SpdxPackageSpec = { id: 'SPDXRef-Package-service', name: 'example-service', version: '5.2.0', purl: 'pkg:maven/com.example/service@5.2.0' };

describe('sbomToAsset with SPDX', () => {
  it('names the asset after the package the document DESCRIBES and reads purl and cpe23Type references', () => {
    // Prepare
    const document = spdxDocument({
      describes: ['SPDXRef-Package-service'],
      packages: [
        { id: 'SPDXRef-Package-lib', name: 'example-lib', version: '1.1.0', purl: 'pkg:maven/com.example/lib@1.1.0' },
        service,
        { id: 'SPDXRef-Package-gateway', name: 'example-gateway', version: '13.1', cpe: 'cpe:2.3:a:example:gateway:13.1:*:*:*:*:*:*:*', purl: 'pkg:generic/example-gateway@13.1' },
        {
          id: 'SPDXRef-Package-legacy',
          name: 'example-legacy',
          version: '2.0',
          category: 'PACKAGE_MANAGER',
          purl: 'pkg:pypi/example-legacy@2.0',
          extraRefs: [{ referenceCategory: 'OTHER', referenceType: 'swh', referenceLocator: 'swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2' }],
        },
      ],
    });

    // Act
    const { asset, vex, quarantined } = sbomToAsset(document, options);

    // Assess
    expect(asset.tags).toEqual({ application: 'example-service', 'application-version': '5.2.0', sbom: 'service.spdx.json' });
    expect(asset.software).toEqual([
      { purl: 'pkg:maven/com.example/service@5.2.0' },
      { purl: 'pkg:maven/com.example/lib@1.1.0' },
      { purl: 'pkg:generic/example-gateway@13.1' },
      { cpe: 'cpe:2.3:a:example:gateway:13.1:*:*:*:*:*:*:*' },
      { purl: 'pkg:pypi/example-legacy@2.0' },
    ]);
    expect(vex).toEqual([]);
    expect(quarantined).toEqual([]);
  });

  it.each([
    ['documentDescribes', { documentDescribes: ['SPDXRef-Package-service'] }],
    ['DESCRIBED_BY', { relationships: [{ spdxElementId: 'SPDXRef-Package-service', relationshipType: 'DESCRIBED_BY', relatedSpdxElement: 'SPDXRef-DOCUMENT' }] }],
  ])('finds the root through %s too', (_how, spec) => {
    const document = spdxDocument({ packages: [{ id: 'SPDXRef-Package-lib', name: 'example-lib', purl: 'pkg:npm/example-lib@1.0.0' }, service], ...spec });
    expect(sbomToAsset(document, options).asset.tags.application).toBe('example-service');
  });

  it('quarantines packages without identifiers or with bad ones, naming the external reference, but not the root', () => {
    // Prepare
    const document = spdxDocument({
      spdxVersion: 'SPDX-2.2',
      describes: ['SPDXRef-Package-app'],
      packages: [
        { id: 'SPDXRef-Package-app', name: 'example-app', version: '1.0' },
        { id: 'SPDXRef-Package-vendored', name: 'example-vendored', version: '0.9' },
        { id: 'SPDXRef-Package-bad-purl', name: 'example-bad', purl: 'pkg:maven/example-bad@1.0' },
        { id: 'SPDXRef-Package-bad-cpe', name: 'example-gateway', cpe: 'cpe:2.3:x:example:gateway:13.1:*:*:*:*:*:*:*', extraRefs: [{ referenceCategory: 'SECURITY', referenceType: 'advisory', referenceLocator: 'https://example.com/advisory' }] },
        { id: 'SPDXRef-Package-ok', name: 'example-ok', version: '3.0', purl: 'pkg:npm/example-ok@3.0' },
      ],
    });

    // Act
    const { asset, quarantined } = sbomToAsset(document, options);

    // Assess
    expect(asset.software).toEqual([{ purl: 'pkg:npm/example-ok@3.0' }]);
    expect(quarantined.map(({ record, reason }) => [record, reason])).toEqual([
      ['SPDXRef-Package-vendored', 'service.spdx.json: asset example-service: packages[1]: neither a purl nor a cpe'],
      ['SPDXRef-Package-bad-purl', 'service.spdx.json: asset example-service: packages[2].externalRefs[0].referenceLocator: not a valid package URL: pkg:maven/example-bad@1.0'],
      ['SPDXRef-Package-bad-cpe', 'service.spdx.json: asset example-service: packages[3].externalRefs[1].referenceLocator: CPE part must be a, o or h: cpe:2.3:x:example:gateway:13.1:*:*:*:*:*:*:*'],
    ]);
  });

  it('fills missing versions from versionInfo, except NOASSERTION', () => {
    const document = spdxDocument({
      packages: [
        { id: 'SPDXRef-a', name: 'example-a', version: '4.2', purl: 'pkg:npm/example-a' },
        { id: 'SPDXRef-b', name: 'example-b', version: 'NOASSERTION', purl: 'pkg:npm/example-b' },
        { id: 'SPDXRef-c', name: 'example-c', version: '1.0', cpe: 'cpe:2.3:a:example:c:*:*:*:*:*:*:*:*' },
      ],
    });
    expect(sbomToAsset(document, options).asset.software).toEqual([{ purl: 'pkg:npm/example-a@4.2' }, { purl: 'pkg:npm/example-b' }, { cpe: 'cpe:2.3:a:example:c:1.0:*:*:*:*:*:*:*' }]);
  });

  it('quarantines a package it cannot read and refuses other SPDX versions, naming the field', () => {
    const unreadable = { ...spdxDocument({ packages: [service] }), packages: [{ name: 'no-id' }, 'text'] };
    expect(sbomToAsset(unreadable, options).quarantined.map(({ record, reason }) => [record, reason])).toEqual([
      ['packages[0]', 'service.spdx.json: asset example-service: packages[0].SPDXID: required field missing (expected string)'],
      ['packages[1]', 'service.spdx.json: asset example-service: packages[1]: expected object, received string'],
    ]);
    const refused = () => sbomToAsset(spdxDocument({ spdxVersion: 'SPDX-2.1', packages: [] }), options);
    expect(refused).toThrow(InvalidSbom);
    expect(refused).toThrow('service.spdx.json: spdxVersion: expected one of SPDX-2.2|SPDX-2.3');
    expect(() => sbomToAsset({ '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': [] }, options)).toThrow(
      'service.spdx.json: @context: SPDX 3 JSON-LD is not read; export the SBOM as SPDX 2.3 JSON',
    );
  });
});
