import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssetSchema, type Asset } from '../../../../functions/model/asset.ts';
import { InvalidInputError } from '../../../../functions/inventory/parse-inventory.ts';
import { InvalidSbom, VexStatementSchema } from '../../../../functions/inventory/sbom/sbom-model.ts';
import { detectSbom, sbomToAsset } from '../../../../functions/inventory/sbom/sbom-to-asset.ts';
import { cyclonedxBom, largeCyclonedxBom, npmSpec, spdxDocument } from './fixtures.ts';

const options = { assetId: 'example-shop', fileName: 'shop.cdx.json' };

describe('detectSbom', () => {
  it('tells CycloneDX from SPDX and from anything else', () => {
    expect(detectSbom(cyclonedxBom())).toBe('cyclonedx');
    expect(detectSbom(spdxDocument({ packages: [] }))).toBe('spdx');
    expect(detectSbom({ '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld' })).toBe('spdx');
    expect(detectSbom({ assets: [] })).toBeUndefined();
    expect(detectSbom([cyclonedxBom()])).toBeUndefined();
    expect(detectSbom(null)).toBeUndefined();
  });
});

describe('sbomToAsset', () => {
  it('adds the SBOM to an existing asset: its fields and software stay, the SBOM tags are refreshed', () => {
    // Prepare
    const existing: Asset = AssetSchema.parse({
      id: 'example-shop',
      hostname: 'shop-1.example.com',
      internetFacing: true,
      criticality: 'high',
      tags: { env: 'prod', 'application-version': '2.9.0' },
      software: [{ cpe: 'cpe:2.3:o:example:os:12:*:*:*:*:*:*:*' }, { purl: 'pkg:npm/example-lib-1@1.1.0' }],
    });
    const bom = cyclonedxBom({ application: { name: 'example-shop', version: '3.0.0' }, components: [npmSpec(1), npmSpec(2)] });

    // Act
    const { asset } = sbomToAsset(bom, { ...options, existing });

    // Assess
    expect(asset).toEqual({
      ...existing,
      tags: { env: 'prod', application: 'example-shop', 'application-version': '3.0.0', sbom: 'shop.cdx.json' },
      software: [{ cpe: 'cpe:2.3:o:example:os:12:*:*:*:*:*:*:*' }, { purl: 'pkg:npm/example-lib-1@1.1.0' }, { purl: 'pkg:npm/example-lib-2@1.2.0' }],
    });
  });

  it('refuses an asset id that cannot be one, or that is not the existing asset', () => {
    const existing = AssetSchema.parse({ id: 'other-asset' });
    expect(() => sbomToAsset(cyclonedxBom(), { ...options, assetId: 'shop#1' })).toThrow('shop.cdx.json: asset id "shop#1" must not contain "#" (a key delimiter)');
    expect(() => sbomToAsset(cyclonedxBom(), { ...options, existing })).toThrow(InvalidInputError);
  });

  it('refuses a document that is no SBOM, naming it', () => {
    const refuse = () => sbomToAsset({ assets: [] }, options);
    expect(refuse).toThrow(InvalidSbom);
    expect(refuse).toThrow('shop.cdx.json: (document): not an SBOM: expected CycloneDX JSON (bomFormat "CycloneDX") or SPDX JSON (spdxVersion "SPDX-2.3")');
  });

  it('converts a 2,000-component SBOM whole', () => {
    const { asset, quarantined } = sbomToAsset(largeCyclonedxBom(2000), options);
    expect(asset.software).toHaveLength(2001);
    expect(quarantined).toEqual([]);
  });

  it('returns a valid asset and VEX statements, or throws InvalidSbom naming the field, for any JSON', () => {
    // Values that look like SBOM fields often enough to get past the document check.
    const identifierish = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom('pkg:npm/example-lib@1.0.0', 'pkg:maven/example@1', 'pkg:golang/example@v1', 'pkg:', '', 'cpe:2.3:a:example:lib:1.0:*:*:*:*:*:*:*', 'cpe:2.3:a:example:lib:*:*:*:*:*:*:*:*'),
      fc.string().map((text) => `pkg:${text}`),
      fc.string().map((text) => `cpe:2.3:${text}`),
    );
    const component = fc.letrec((tie) => ({
      component: fc.record(
        {
          name: fc.oneof(fc.string(), fc.jsonValue()),
          version: fc.oneof(fc.string(), fc.constantFrom('1.0', 'NOASSERTION', '-', '*'), fc.jsonValue()),
          purl: identifierish,
          cpe: identifierish,
          'bom-ref': fc.oneof(fc.string(), fc.jsonValue()),
          components: fc.oneof({ depthSize: 'small' }, fc.array(tie('component'), { maxLength: 3 }), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
    })).component;
    const vulnerability = fc.record(
      {
        id: fc.oneof(fc.constant('CVE-2099-3001'), fc.string(), fc.jsonValue()),
        analysis: fc.oneof(fc.record({ state: fc.oneof(fc.constantFrom('exploitable', 'not_affected', 'fixed'), fc.jsonValue()), justification: fc.jsonValue() }, { requiredKeys: [] }), fc.jsonValue()),
        affects: fc.oneof(fc.array(fc.record({ ref: fc.oneof(identifierish, fc.string().map((text) => `urn:cdx:x/1#${text}`)) })), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    const cyclonedx = fc.record(
      {
        bomFormat: fc.oneof(fc.constant('CycloneDX'), fc.jsonValue()),
        specVersion: fc.oneof(fc.constantFrom('1.4', '1.5', '1.6', '2.0'), fc.jsonValue()),
        metadata: fc.oneof(fc.record({ component }, { requiredKeys: [] }), fc.jsonValue()),
        components: fc.oneof(fc.array(component, { maxLength: 6 }), fc.jsonValue()),
        vulnerabilities: fc.oneof(fc.array(vulnerability, { maxLength: 4 }), fc.jsonValue()),
      },
      { requiredKeys: ['bomFormat'] },
    );
    const externalRef = fc.record({ referenceCategory: fc.jsonValue(), referenceType: fc.oneof(fc.constantFrom('purl', 'cpe23Type'), fc.jsonValue()), referenceLocator: identifierish }, { requiredKeys: [] });
    const spdxPackage = fc.record(
      { SPDXID: fc.oneof(fc.constantFrom('SPDXRef-a', 'SPDXRef-b'), fc.jsonValue()), name: fc.jsonValue(), versionInfo: fc.oneof(fc.string(), fc.jsonValue()), externalRefs: fc.oneof(fc.array(externalRef, { maxLength: 3 }), fc.jsonValue()) },
      { requiredKeys: [] },
    );
    const spdx = fc.record(
      {
        spdxVersion: fc.oneof(fc.constantFrom('SPDX-2.2', 'SPDX-2.3', 'SPDX-2.1'), fc.jsonValue()),
        documentDescribes: fc.oneof(fc.constant(['SPDXRef-a']), fc.jsonValue()),
        packages: fc.oneof(fc.array(spdxPackage, { maxLength: 6 }), fc.jsonValue()),
        relationships: fc.oneof(fc.constant([{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-b' }]), fc.jsonValue()),
      },
      { requiredKeys: ['spdxVersion'] },
    );

    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), cyclonedx, spdx), (document) => {
        let result: ReturnType<typeof sbomToAsset>;
        try {
          result = sbomToAsset(document, options);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidSbom);
          expect((error as InvalidSbom).field).not.toBe('');
          return;
        }
        expect(AssetSchema.parse(result.asset)).toEqual(result.asset);
        for (const statement of result.vex) expect(VexStatementSchema.parse(statement)).toEqual(statement);
        for (const { reason } of result.quarantined) expect(reason.startsWith('shop.cdx.json: asset example-shop: ')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
