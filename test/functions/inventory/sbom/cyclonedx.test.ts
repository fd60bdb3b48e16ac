import { describe, expect, it } from 'vitest';
import { readCycloneDx } from '../../../../functions/inventory/sbom/cyclonedx.ts';
import { InvalidSbom } from '../../../../functions/inventory/sbom/sbom-model.ts';
import { sbomToAsset } from '../../../../functions/inventory/sbom/sbom-to-asset.ts';
import { cyclonedxBom, npmSpec } from './fixtures.ts';

const options = { assetId: 'example-shop', fileName: 'shop.cdx.json' };

describe('readCycloneDx', () => {
  it('flattens nested components in document order, each keeping its path', () => {
    // Prepare
    const bom = cyclonedxBom({
      application: { ...npmSpec(0, { name: 'example-shop' }), children: [npmSpec(1)] },
      components: [npmSpec(2, { children: [npmSpec(3, { children: [npmSpec(4)] }), npmSpec(5)] }), npmSpec(6)],
    });

    // Act
    const reading = readCycloneDx(bom, 'shop.cdx.json');

    // Assess
    const named = (entry: object) => ['path' in entry ? entry.path : undefined, 'name' in entry ? entry.name : undefined];
    expect(reading.roots.map(named)).toEqual([['metadata.component', 'example-shop']]);
    expect(reading.components.map(named)).toEqual([
      ['metadata.component.components[0]', 'example-lib-1'],
      ['components[0]', 'example-lib-2'],
      ['components[0].components[0]', 'example-lib-3'],
      ['components[0].components[0].components[0]', 'example-lib-4'],
      ['components[0].components[1]', 'example-lib-5'],
      ['components[1]', 'example-lib-6'],
    ]);
    expect(reading.components[3]).toMatchObject({ purl: 'pkg:npm/example-lib-4@1.4.0', purlPath: 'components[0].components[0].components[0].purl', ref: 'pkg:npm/example-lib-4@1.4.0' });
  });

  it.each(['1.2', '1.3', '1.4', '1.5', '1.6'])('reads specVersion %s', (specVersion) => {
    const reading = readCycloneDx(cyclonedxBom({ specVersion, components: [npmSpec(1)] }), 'shop.cdx.json');
    expect(reading.components).toHaveLength(1);
  });

  it('refuses documents that are not CycloneDX JSON, naming the field', () => {
    const attempt = (json: unknown) => {
      try {
        readCycloneDx(json, 'shop.cdx.json');
        return undefined;
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidSbom);
        return [(error as InvalidSbom).field, (error as InvalidSbom).message];
      }
    };
    expect(attempt(cyclonedxBom({ specVersion: '2.0' }))).toEqual(['specVersion', 'shop.cdx.json: specVersion: expected one of 1.2|1.3|1.4|1.5|1.6']);
    expect(attempt({ ...cyclonedxBom(), components: { 'example-lib-1': {} } })).toEqual(['components', 'shop.cdx.json: components: expected array, received object']);
    expect(attempt([cyclonedxBom()])?.[0]).toBe('(document)');
  });
});

describe('sbomToAsset with CycloneDX', () => {
  it('makes an application asset named by metadata.component, with the software of every component', () => {
    // Prepare
    const bom = cyclonedxBom({
      application: { name: 'example-shop', version: '3.0.0', purl: 'pkg:npm/example-shop@3.0.0' },
      components: [npmSpec(1, { children: [npmSpec(2)] }), { name: 'example-gateway', version: '13.1', cpe: 'cpe:2.3:a:example:gateway:13.1:*:*:*:*:*:*:*', purl: 'pkg:generic/example-gateway@13.1' }],
    });

    // Act
    const { asset, vex, quarantined } = sbomToAsset(bom, options);

    // Assess
    expect(asset).toEqual({
      id: 'example-shop',
      ips: [],
      internetFacing: false,
      criticality: 'medium',
      tags: { application: 'example-shop', 'application-version': '3.0.0', sbom: 'shop.cdx.json' },
      software: [
        { purl: 'pkg:npm/example-shop@3.0.0' },
        { purl: 'pkg:npm/example-lib-1@1.1.0' },
        { purl: 'pkg:npm/example-lib-2@1.2.0' },
        { purl: 'pkg:generic/example-gateway@13.1' },
        { cpe: 'cpe:2.3:a:example:gateway:13.1:*:*:*:*:*:*:*' },
      ],
    });
    expect(vex).toEqual([]);
    expect(quarantined).toEqual([]);
  });

  it('quarantines components with a bad purl or CPE, or neither, naming file, asset and field, and keeps the rest', () => {
    // Prepare
    const bom = cyclonedxBom({
      components: [
        npmSpec(1),
        npmSpec(2, { purl: 'npm/example-lib-2@1.2.0' }),
        npmSpec(3, { children: [{ name: 'example-maven', version: '1.0', purl: 'pkg:maven/example-maven@1.0' }] }),
        { name: 'example-gateway', version: '13.1', cpe: 'cpe:2.3:a:example' },
        { name: 'example-vendored', version: '0.9' },
        { name: 'example-both', version: '2.0', purl: 'pkg:npm/example-both@2.0', cpe: 'cpe:/a:example:both:2.0' },
        { name: 'example-typed', purl: 42 },
        npmSpec(4),
      ],
    });

    // Act
    const { asset, quarantined } = sbomToAsset(bom, options);

    // Assess
    expect(asset.software).toEqual([{ purl: 'pkg:npm/example-lib-1@1.1.0' }, { purl: 'pkg:npm/example-lib-3@1.3.0' }, { purl: 'pkg:npm/example-lib-4@1.4.0' }]);
    expect(quarantined.map(({ record, reason }) => [record, reason])).toEqual([
      ['npm/example-lib-2@1.2.0', 'shop.cdx.json: asset example-shop: components[1].purl: a package URL starting pkg:'],
      ['pkg:maven/example-maven@1.0', 'shop.cdx.json: asset example-shop: components[2].components[0].purl: not a valid package URL: pkg:maven/example-maven@1.0'],
      ['example-gateway@13.1', 'shop.cdx.json: asset example-shop: components[3].cpe: not a CPE 2.3 formatted string (cpe:2.3: and 11 attributes): cpe:2.3:a:example'],
      ['example-vendored@0.9', 'shop.cdx.json: asset example-shop: components[4]: neither a purl nor a cpe'],
      ['pkg:npm/example-both@2.0', 'shop.cdx.json: asset example-shop: components[5].cpe: a CPE 2.3 formatted string starting cpe:2.3:'],
      ['example-typed', 'shop.cdx.json: asset example-shop: components[6].purl: expected string, received number'],
    ]);
    expect(JSON.parse(quarantined[3]?.payload ?? '')).toMatchObject({ name: 'example-vendored', version: '0.9' });
  });

  it('keeps the same package once, however its purl is spelled', () => {
    const bom = cyclonedxBom({
      application: { name: 'example-shop', version: '3.0.0', purl: 'pkg:npm/example-lib-1@1.1.0' },
      components: [npmSpec(1), npmSpec(1, { purl: 'pkg:NPM/example-lib-1@1.1.0', ref: 'second' }), npmSpec(2), npmSpec(2, { ref: 'again', children: [npmSpec(1, { ref: 'nested' })] })],
    });
    const { asset, quarantined } = sbomToAsset(bom, options);
    expect(asset.software).toEqual([{ purl: 'pkg:npm/example-lib-1@1.1.0' }, { purl: 'pkg:npm/example-lib-2@1.2.0' }]);
    expect(quarantined).toEqual([]);
  });

  it("fills a missing purl or CPE version from the component's version, and leaves it open when there is none", () => {
    const bom = cyclonedxBom({
      components: [
        { name: 'example-lib', version: '2.4.1', purl: 'pkg:npm/%40example/lib?arch=x64' },
        { name: 'example-gateway', version: '13.1-49.15', cpe: 'cpe:2.3:a:example:gateway:*:*:*:*:*:*:*:*' },
        { name: 'example-agent', version: '7.0+build:3', cpe: 'cpe:2.3:a:example:agent:*:*:*:*:*:*:*:*' },
        { name: 'example-pinned', version: '9.9', cpe: 'cpe:2.3:a:example:pinned:1.0:*:*:*:*:*:*:*' },
        { name: 'example-unversioned', purl: 'pkg:pypi/example-unversioned' },
      ],
    });
    const { asset, quarantined } = sbomToAsset(bom, options);
    expect(quarantined).toEqual([]);
    expect(asset.software).toEqual([
      { purl: 'pkg:npm/%40example/lib@2.4.1?arch=x64' },
      { cpe: 'cpe:2.3:a:example:gateway:13.1-49.15:*:*:*:*:*:*:*' },
      { cpe: 'cpe:2.3:a:example:agent:7.0\\+build\\:3:*:*:*:*:*:*:*' },
      { cpe: 'cpe:2.3:a:example:pinned:1.0:*:*:*:*:*:*:*' },
      { purl: 'pkg:pypi/example-unversioned' },
    ]);
  });
});

describe('CycloneDX VEX', () => {
  const components = [npmSpec(1), npmSpec(2, { ref: 'lib-2' }), { name: 'example-gateway', version: '13.1', cpe: 'cpe:2.3:a:example:gateway:13.1:*:*:*:*:*:*:*', ref: 'gw' }];

  it.each([
    ['resolved', undefined],
    ['resolved_with_pedigree', undefined],
    ['exploitable', ['workaround_available']],
    ['in_triage', undefined],
    ['false_positive', undefined],
    ['not_affected', ['will_not_fix', 'update']],
  ] as const)('turns analysis.state %s into a statement on each component it affects', (state, response) => {
    // Prepare
    const bom = cyclonedxBom({
      components,
      vulnerabilities: [{ id: 'CVE-2099-3001', source: 'NVD', state, response: response ? [...response] : undefined, refs: ['pkg:npm/example-lib-1@1.1.0', 'gw'] }],
    });

    // Act
    const { vex, quarantined } = sbomToAsset(bom, options);

    // Assess
    const extra = response ? { response } : {};
    expect(vex).toEqual([
      { vulnerability: 'CVE-2099-3001', source: 'NVD', component: { purl: 'pkg:npm/example-lib-1@1.1.0' }, state, ...extra },
      { vulnerability: 'CVE-2099-3001', source: 'NVD', component: { cpe: 'cpe:2.3:a:example:gateway:13.1:*:*:*:*:*:*:*' }, state, ...extra },
    ]);
    expect(quarantined).toEqual([]);
  });

  it('keeps justification and detail, and reads ids other than CVEs', () => {
    const bom = cyclonedxBom({
      components,
      vulnerabilities: [{ id: 'GHSA-xxxx-yyyy-zzzz', state: 'not_affected', justification: 'code_not_reachable', detail: 'The parser is never called.', refs: ['lib-2'] }],
    });
    expect(sbomToAsset(bom, options).vex).toEqual([
      { vulnerability: 'GHSA-xxxx-yyyy-zzzz', component: { purl: 'pkg:npm/example-lib-2@1.2.0' }, state: 'not_affected', justification: 'code_not_reachable', detail: 'The parser is never called.' },
    ]);
  });

  it('resolves BOM-Links to bom-refs, and to the purl they name when the BOM is another document', () => {
    const link = (ref: string) => `urn:cdx:00000000-0000-4000-8000-000000000099/1#${ref}`;
    const bom = cyclonedxBom({
      components: [...components, { name: '@example/scoped', version: '1.0.0', purl: 'pkg:npm/%40example/scoped@1.0.0' }],
      vulnerabilities: [{ id: 'CVE-2099-3002', state: 'in_triage', refs: [link('lib-2'), link('pkg:npm/example-other@4.0.0?type=tgz'), link('pkg:npm/%2540example/scoped@1.0.0')] }],
    });
    expect(sbomToAsset(bom, options).vex.map((statement) => statement.component)).toEqual([
      { purl: 'pkg:npm/example-lib-2@1.2.0' },
      { purl: 'pkg:npm/example-other@4.0.0?type=tgz' },
      { purl: 'pkg:npm/%40example/scoped@1.0.0' },
    ]);
  });

  it('quarantines analyses it cannot tie to a usable component or read, and ignores vulnerabilities without analysis', () => {
    // Prepare
    const bom = cyclonedxBom({
      components: [...components, { name: 'example-vendored', version: '0.9', ref: 'vendored' }],
      vulnerabilities: [
        { id: 'CVE-2099-3003', state: 'exploitable', refs: ['gw', 'missing-ref', 'vendored'] },
        { id: 'CVE-2099-3004', state: 'fixed', refs: ['gw'] },
        { id: 'CVE-2099-3005', state: 'not_affected', justification: 'not_my_problem', refs: ['gw'] },
        { id: 'CVE-2099-3006', state: 'resolved', refs: [] },
        { id: 'CVE-2099#3007', state: 'resolved', refs: ['gw'] },
        { id: 'CVE-2099-3008', refs: ['gw'] },
      ],
    });

    // Act
    const { vex, quarantined } = sbomToAsset(bom, options);

    // Assess
    expect(vex.map((statement) => [statement.vulnerability, statement.state])).toEqual([['CVE-2099-3003', 'exploitable']]);
    expect(quarantined.map(({ record, reason }) => [record, reason])).toEqual([
      ['vendored', 'shop.cdx.json: asset example-shop: components[3]: neither a purl nor a cpe'],
      [
        'CVE-2099-3003',
        'shop.cdx.json: asset example-shop: vulnerabilities[0].affects[1].ref: "missing-ref" names no component of this SBOM with a usable purl or cpe; ' +
          'shop.cdx.json: asset example-shop: vulnerabilities[0].affects[2].ref: "vendored" names no component of this SBOM with a usable purl or cpe',
      ],
      ['CVE-2099-3004', 'shop.cdx.json: asset example-shop: vulnerabilities[1].analysis.state: expected one of resolved|resolved_with_pedigree|exploitable|in_triage|false_positive|not_affected'],
      [
        'CVE-2099-3005',
        'shop.cdx.json: asset example-shop: vulnerabilities[2].analysis.justification: expected one of code_not_present|code_not_reachable|requires_configuration|requires_dependency|requires_environment|protected_by_compiler|protected_at_runtime|protected_at_perimeter|protected_by_mitigating_control',
      ],
      ['CVE-2099-3006', 'shop.cdx.json: asset example-shop: vulnerabilities[3].affects: names no component'],
      ['CVE-2099#3007', 'shop.cdx.json: asset example-shop: vulnerabilities[4].id: must not contain "#" (a key delimiter)'],
    ]);
  });
});
