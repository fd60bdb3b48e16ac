import { z } from 'zod';
import { describeIssues } from '../../ingest/describe-issues.ts';
import { InvalidSbom, type SbomComponent, type SbomReading } from './sbom-model.ts';

/**
 * SPDX 2.2 / 2.3 JSON reader. Packages carry their identifiers as external references: `purl`
 * (category PACKAGE-MANAGER) and `cpe23Type` (category SECURITY). The category is not checked, since
 * generators disagree on its spelling (`PACKAGE_MANAGER` in SPDX 2.2 tools) and the type says enough.
 */

export const SPDX_VERSIONS = ['SPDX-2.2', 'SPDX-2.3'] as const;

const SpdxDocumentSchema = z.object({
  spdxVersion: z.enum(SPDX_VERSIONS),
  SPDXID: z.string().optional(),
  documentDescribes: z.array(z.string()).optional(),
  packages: z.array(z.unknown()).optional(),
  relationships: z.array(z.unknown()).optional(),
});

const ExternalRefSchema = z.object({
  referenceCategory: z.string().optional(),
  referenceType: z.string(),
  referenceLocator: z.string(),
});

const PackageSchema = z.object({
  SPDXID: z.string().min(1),
  name: z.string().optional(),
  versionInfo: z.string().optional(),
  externalRefs: z.array(ExternalRefSchema).optional(),
});

const RelationshipSchema = z.object({
  spdxElementId: z.string(),
  relationshipType: z.string(),
  relatedSpdxElement: z.string(),
});

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads an SPDX 2.2 or 2.3 JSON document. The packages the document DESCRIBES (by relationship, its
 * inverse DESCRIBED_BY, or `documentDescribes`) are the application; the other packages its software.
 * The first `purl` and the first `cpe23Type` reference of a package are its identifiers.
 * @throws InvalidSbom when the document is not SPDX 2.2/2.3 JSON (SPDX 3 JSON-LD is named as such).
 */
export function readSpdx(json: unknown, fileName: string): SbomReading {
  if (isRecord(json) && typeof json['@context'] === 'string' && json['@context'].includes('spdx.org/rdf/3')) {
    throw new InvalidSbom(fileName, '@context', 'SPDX 3 JSON-LD is not read; export the SBOM as SPDX 2.3 JSON');
  }
  const top = SpdxDocumentSchema.safeParse(json);
  if (!top.success) throw InvalidSbom.fromIssues(fileName, top.error.issues, 'an SPDX 2.2/2.3 JSON document');
  const document = top.data;
  const documentId = document.SPDXID ?? 'SPDXRef-DOCUMENT';

  const described = new Set(document.documentDescribes ?? []);
  for (const raw of document.relationships ?? []) {
    // Relationships only pick the root; one that cannot be read leaves the package among the software.
    const relationship = RelationshipSchema.safeParse(raw);
    if (!relationship.success) continue;
    const { spdxElementId, relationshipType, relatedSpdxElement } = relationship.data;
    if (relationshipType === 'DESCRIBES' && spdxElementId === documentId) described.add(relatedSpdxElement);
    if (relationshipType === 'DESCRIBED_BY' && relatedSpdxElement === documentId) described.add(spdxElementId);
  }

  const roots: SbomReading['roots'] = [];
  const components: SbomReading['components'] = [];
  (document.packages ?? []).forEach((raw, index) => {
    const path = `packages[${index}]`;
    const parsed = PackageSchema.safeParse(raw);
    if (!parsed.success) {
      const id = isRecord(raw) && typeof raw.SPDXID === 'string' && raw.SPDXID ? raw.SPDXID : path;
      // Without a readable SPDXID it cannot be told whether the package is the root; it counts as software.
      components.push({ unreadable: true, path, record: id, message: describeIssues(parsed.error.issues, path).join('; '), raw });
      return;
    }
    const { SPDXID, name, versionInfo, externalRefs = [] } = parsed.data;
    const component: SbomComponent = { path, ref: SPDXID };
    if (name !== undefined) component.name = name;
    // NOASSERTION says the producer does not know, which is no version.
    if (versionInfo !== undefined && versionInfo !== 'NOASSERTION') component.version = versionInfo;
    const purl = externalRefs.findIndex((ref) => ref.referenceType === 'purl');
    const cpe = externalRefs.findIndex((ref) => ref.referenceType === 'cpe23Type');
    if (purl >= 0) Object.assign(component, { purl: externalRefs[purl]?.referenceLocator, purlPath: `${path}.externalRefs[${purl}].referenceLocator` });
    if (cpe >= 0) Object.assign(component, { cpe: externalRefs[cpe]?.referenceLocator, cpePath: `${path}.externalRefs[${cpe}].referenceLocator` });
    (described.has(SPDXID) ? roots : components).push(component);
  });

  return { format: 'spdx', roots, components, vulnerabilities: [] };
}
