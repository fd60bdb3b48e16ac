import { z } from 'zod';
import { describeIssues } from '../../ingest/describe-issues.ts';
import { EntityIdSchema } from '../../model/ids.ts';
import {
  InvalidSbom,
  VexJustificationSchema,
  VexResponseSchema,
  VexStateSchema,
  type SbomComponent,
  type SbomReading,
  type SbomVulnerability,
} from './sbom-model.ts';

/**
 * CycloneDX JSON reader. The component and vulnerability shapes read here are the same from 1.2 (the
 * first JSON edition) to 1.6, so every edition is accepted; unknown fields are ignored, since
 * generators add many that forestall has no use for.
 */

export const CYCLONEDX_SPEC_VERSIONS = ['1.2', '1.3', '1.4', '1.5', '1.6'] as const;

const CycloneDxDocumentSchema = z.object({
  bomFormat: z.literal('CycloneDX'),
  specVersion: z.enum(CYCLONEDX_SPEC_VERSIONS),
  metadata: z.object({ component: z.unknown().optional() }).optional(),
  components: z.array(z.unknown()).optional(),
  vulnerabilities: z.array(z.unknown()).optional(),
});

const ComponentSchema = z.object({
  'bom-ref': z.string().optional(),
  name: z.string().optional(),
  version: z.string().optional(),
  purl: z.string().optional(),
  cpe: z.string().optional(),
  // Children are read one by one, so one bad child does not cost its siblings.
  components: z.array(z.unknown()).optional(),
});

const VulnerabilitySchema = z.object({
  id: EntityIdSchema,
  source: z.object({ name: z.string().optional() }).optional(),
  analysis: z.object({
    state: VexStateSchema,
    justification: VexJustificationSchema.optional(),
    response: z.array(VexResponseSchema).optional(),
    detail: z.string().optional(),
  }),
  affects: z.array(z.object({ ref: z.string().min(1) })).optional(),
});

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** How a quarantine record names an element: its bom-ref, else name@version, else where it is. */
function recordName(raw: unknown, path: string): string {
  if (!isRecord(raw)) return path;
  const ref = text(raw['bom-ref']);
  if (ref) return ref;
  const name = text(raw.name);
  if (!name) return path;
  const version = text(raw.version);
  return version ? `${name}@${version}` : name;
}

/**
 * Reads a CycloneDX JSON document: `metadata.component` is the application, `components` (nested ones
 * flattened, each keeping its path) its software, and every vulnerability with a VEX
 * `analysis.state` a statement about the components its `affects` refs name.
 * @throws InvalidSbom when the document is not CycloneDX JSON 1.2-1.6 at all.
 */
export function readCycloneDx(json: unknown, fileName: string): SbomReading {
  const top = CycloneDxDocumentSchema.safeParse(json);
  if (!top.success) throw InvalidSbom.fromIssues(fileName, top.error.issues, 'a CycloneDX JSON document');
  const document = top.data;
  const components: SbomReading['components'] = [];
  const roots: SbomReading['roots'] = [];

  // Depth first with an explicit stack: document order, and no recursion limit for deep nesting.
  const pending: Array<{ raw: unknown; path: string; root: boolean }> = [];
  const pushChildren = (children: readonly unknown[], base: string) => {
    for (let i = children.length - 1; i >= 0; i -= 1) pending.push({ raw: children[i], path: `${base}[${i}]`, root: false });
  };
  pushChildren(document.components ?? [], 'components');
  if (document.metadata?.component !== undefined) pending.push({ raw: document.metadata.component, path: 'metadata.component', root: true });

  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { raw, path, root } = next;
    const parsed = ComponentSchema.safeParse(raw);
    if (!parsed.success) {
      (root ? roots : components).push({ unreadable: true, path, record: recordName(raw, path), message: describeIssues(parsed.error.issues, path).join('; '), raw });
      // A child is a package of its own, readable even when its parent is not.
      if (isRecord(raw) && Array.isArray(raw.components)) pushChildren(raw.components, `${path}.components`);
      continue;
    }
    const { 'bom-ref': ref, name, version, purl, cpe } = parsed.data;
    const component: SbomComponent = { path };
    if (ref !== undefined) component.ref = ref;
    if (name !== undefined) component.name = name;
    if (version !== undefined) component.version = version;
    if (purl !== undefined) Object.assign(component, { purl, purlPath: `${path}.purl` });
    if (cpe !== undefined) Object.assign(component, { cpe, cpePath: `${path}.cpe` });
    (root ? roots : components).push(component);
    if (parsed.data.components) pushChildren(parsed.data.components, `${path}.components`);
  }

  const vulnerabilities: SbomReading['vulnerabilities'] = [];
  (document.vulnerabilities ?? []).forEach((raw, index) => {
    const path = `vulnerabilities[${index}]`;
    // Without an analysis state the entry is a plain vulnerability report, not a VEX statement.
    if (isRecord(raw) && (raw.analysis === undefined || (isRecord(raw.analysis) && raw.analysis.state === undefined))) return;
    const parsed = VulnerabilitySchema.safeParse(raw);
    if (!parsed.success) {
      const id = isRecord(raw) ? text(raw.id) : undefined;
      vulnerabilities.push({ unreadable: true, path, record: id ?? path, message: describeIssues(parsed.error.issues, path).join('; '), raw });
      return;
    }
    const { id, source, analysis, affects = [] } = parsed.data;
    const vulnerability: SbomVulnerability = {
      path,
      id,
      state: analysis.state,
      affects: affects.map(({ ref }, j) => ({ path: `${path}.affects[${j}].ref`, ref })),
    };
    if (source?.name) vulnerability.source = source.name;
    if (analysis.justification) vulnerability.justification = analysis.justification;
    if (analysis.response) vulnerability.response = analysis.response;
    if (analysis.detail) vulnerability.detail = analysis.detail;
    vulnerabilities.push(vulnerability);
  });

  return { format: 'cyclonedx', roots, components, vulnerabilities };
}
