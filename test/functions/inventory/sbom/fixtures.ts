/**
 * Builders of SYNTHETIC SBOMs in the CycloneDX and SPDX JSON layouts: made-up packages under
 * `example` names, only the fields the readers look at plus a few they must ignore.
 */

export interface CdxComponentSpec {
  name: string;
  version?: string;
  purl?: unknown;
  cpe?: unknown;
  /** bom-ref; defaults to the purl when that is a string, as most generators do. */
  ref?: string;
  children?: CdxComponentSpec[];
}

/** A CycloneDX component, with the hashes and licenses real ones carry (ignored by the reader). */
export function cdxComponent(spec: CdxComponentSpec): Record<string, unknown> {
  const component: Record<string, unknown> = {
    type: 'library',
    name: spec.name,
    licenses: [{ license: { id: 'Apache-2.0' } }],
    hashes: [{ alg: 'SHA-256', content: '0'.repeat(64) }],
  };
  if (spec.version !== undefined) component.version = spec.version;
  if (spec.purl !== undefined) component.purl = spec.purl;
  if (spec.cpe !== undefined) component.cpe = spec.cpe;
  const ref = spec.ref ?? (typeof spec.purl === 'string' ? spec.purl : undefined);
  if (ref !== undefined) component['bom-ref'] = ref;
  if (spec.children) component.components = spec.children.map(cdxComponent);
  return component;
}

/** `example-lib-<n>` at 1.<n>.0 as an npm purl. */
export const npmSpec = (n: number, extra: Partial<CdxComponentSpec> = {}): CdxComponentSpec => ({
  name: `example-lib-${n}`,
  version: `1.${n}.0`,
  purl: `pkg:npm/example-lib-${n}@1.${n}.0`,
  ...extra,
});

export interface CdxVulnerabilitySpec {
  id: unknown;
  state?: unknown;
  justification?: unknown;
  response?: unknown;
  detail?: string;
  refs?: string[];
  source?: string;
}

export function cdxVulnerability(spec: CdxVulnerabilitySpec): Record<string, unknown> {
  const vulnerability: Record<string, unknown> = { id: spec.id, ratings: [{ severity: 'high', method: 'CVSSv31' }] };
  if (spec.source !== undefined) vulnerability.source = { name: spec.source };
  if (spec.state !== undefined || spec.justification !== undefined || spec.response !== undefined || spec.detail !== undefined) {
    const analysis: Record<string, unknown> = {};
    if (spec.state !== undefined) analysis.state = spec.state;
    if (spec.justification !== undefined) analysis.justification = spec.justification;
    if (spec.response !== undefined) analysis.response = spec.response;
    if (spec.detail !== undefined) analysis.detail = spec.detail;
    vulnerability.analysis = analysis;
  }
  if (spec.refs !== undefined) vulnerability.affects = spec.refs.map((ref) => ({ ref }));
  return vulnerability;
}

export interface CdxBomSpec {
  specVersion?: string;
  serialNumber?: string;
  application?: CdxComponentSpec;
  components?: CdxComponentSpec[];
  vulnerabilities?: CdxVulnerabilitySpec[];
}

export function cyclonedxBom(spec: CdxBomSpec = {}): Record<string, unknown> {
  const bom: Record<string, unknown> = {
    bomFormat: 'CycloneDX',
    specVersion: spec.specVersion ?? '1.6',
    serialNumber: spec.serialNumber ?? 'urn:uuid:00000000-0000-4000-8000-000000000001',
    version: 1,
    metadata: {
      timestamp: '2025-08-25T02:00:00Z',
      tools: { components: [{ type: 'application', name: 'example-sbom-tool', version: '0.0.1' }] },
      ...(spec.application ? { component: { ...cdxComponent(spec.application), type: 'application' } } : {}),
    },
    components: (spec.components ?? []).map(cdxComponent),
  };
  if (spec.vulnerabilities) bom.vulnerabilities = spec.vulnerabilities.map(cdxVulnerability);
  return bom;
}

/** `count` flat npm components, the shape of a large JavaScript application's SBOM. */
export const largeCyclonedxBom = (count: number) =>
  cyclonedxBom({
    application: { name: 'example-shop', version: '3.0.0', purl: 'pkg:npm/example-shop@3.0.0' },
    components: Array.from({ length: count }, (_, n) => npmSpec(n)),
  });

export interface SpdxPackageSpec {
  id: string;
  name: string;
  version?: string;
  purl?: string;
  cpe?: string;
  /** SPDX 2.2 generators spell it with an underscore. */
  category?: 'PACKAGE-MANAGER' | 'PACKAGE_MANAGER';
  extraRefs?: Array<Record<string, unknown>>;
}

export function spdxPackage(spec: SpdxPackageSpec): Record<string, unknown> {
  const externalRefs: Array<Record<string, unknown>> = [...(spec.extraRefs ?? [])];
  if (spec.cpe !== undefined) externalRefs.push({ referenceCategory: 'SECURITY', referenceType: 'cpe23Type', referenceLocator: spec.cpe });
  if (spec.purl !== undefined) externalRefs.push({ referenceCategory: spec.category ?? 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: spec.purl });
  const pkg: Record<string, unknown> = { SPDXID: spec.id, name: spec.name, downloadLocation: 'NOASSERTION', filesAnalyzed: false };
  if (spec.version !== undefined) pkg.versionInfo = spec.version;
  if (externalRefs.length > 0) pkg.externalRefs = externalRefs;
  return pkg;
}

export interface SpdxDocumentSpec {
  spdxVersion?: string;
  packages: SpdxPackageSpec[];
  /** Ids the document DESCRIBES, by relationship. */
  describes?: string[];
  documentDescribes?: string[];
  relationships?: unknown[];
}

export function spdxDocument(spec: SpdxDocumentSpec): Record<string, unknown> {
  const document: Record<string, unknown> = {
    spdxVersion: spec.spdxVersion ?? 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'example-service',
    documentNamespace: 'https://example.com/spdx/example-service-1',
    creationInfo: { created: '2025-08-25T02:00:00Z', creators: ['Tool: example-sbom-tool-0.0.1'] },
    packages: spec.packages.map(spdxPackage),
    relationships: [
      ...(spec.describes ?? []).map((id) => ({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: id })),
      ...(spec.relationships ?? []),
    ],
  };
  if (spec.documentDescribes) document.documentDescribes = spec.documentDescribes;
  return document;
}
