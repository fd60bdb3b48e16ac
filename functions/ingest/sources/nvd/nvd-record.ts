import { z } from 'zod';
import { NvdConfigurationSchema, type Cvss, type NvdFacts } from '../../../model/vulnerability.ts';
import { describeIssues } from '../../describe-issues.ts';

/** Source name for records from the NVD CVE API 2.0. */
export const NVD_SOURCE = 'nvd';

const CvssDataSchema = z.looseObject({
  version: z.string(),
  vectorString: z.string(),
  baseScore: z.number(),
  baseSeverity: z.string().optional(),
});

/** One entry of `metrics.cvssMetricV31` / `V30` / `V2`; v2 keeps `baseSeverity` beside `cvssData`. */
const CvssMetricSchema = z.looseObject({
  source: z.string(),
  type: z.enum(['Primary', 'Secondary']).optional(),
  cvssData: CvssDataSchema,
  baseSeverity: z.string().optional(),
});

/** The `cve` object of the NVD CVE API 2.0 (fields forestall uses; the rest is allowed and ignored). */
export const NvdCveSchema = z.looseObject({
  id: z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'CVE id like CVE-2023-4966'),
  sourceIdentifier: z.string().optional(),
  published: z.string().min(1),
  lastModified: z.string().min(1),
  vulnStatus: z.string().optional(),
  descriptions: z.array(z.looseObject({ lang: z.string(), value: z.string() })).default([]),
  metrics: z
    .looseObject({
      cvssMetricV31: z.array(CvssMetricSchema).optional(),
      cvssMetricV30: z.array(CvssMetricSchema).optional(),
      cvssMetricV2: z.array(CvssMetricSchema).optional(),
      cvssMetricV40: z.array(CvssMetricSchema).optional(),
    })
    .default({}),
  configurations: z.array(NvdConfigurationSchema).default([]),
  references: z.array(z.looseObject({ url: z.string(), tags: z.array(z.string()).optional() })).default([]),
});
export type NvdCve = z.infer<typeof NvdCveSchema>;

/** The CVE API 2.0 response envelope; each `vulnerabilities[i].cve` is checked on its own. */
export const NvdResponseSchema = z.looseObject({
  resultsPerPage: z.number().int().nonnegative(),
  startIndex: z.number().int().nonnegative(),
  totalResults: z.number().int().nonnegative(),
  format: z.string(),
  version: z.string(),
  timestamp: z.string(),
  vulnerabilities: z.array(z.unknown()),
});
export type NvdResponse = z.infer<typeof NvdResponseSchema>;

const NvdResponseItemSchema = z.looseObject({ cve: z.unknown() });

/** NVD facts of a valid `cve` object: English description, CVSS v3.1, v3.0, v2 then v4.0 metrics, CPE configurations. */
export function nvdFactsOf(cve: NvdCve): NvdFacts {
  const cvss: Cvss[] = [cve.metrics.cvssMetricV31, cve.metrics.cvssMetricV30, cve.metrics.cvssMetricV2, cve.metrics.cvssMetricV40]
    .flatMap((metrics) => metrics ?? [])
    .map((metric) => {
      const baseSeverity = metric.cvssData.baseSeverity ?? metric.baseSeverity;
      return {
        version: metric.cvssData.version,
        vectorString: metric.cvssData.vectorString,
        baseScore: metric.cvssData.baseScore,
        ...(baseSeverity ? { baseSeverity } : {}),
        source: metric.source,
        ...(metric.type ? { type: metric.type } : {}),
      };
    });
  const description = cve.descriptions.find((d) => d.lang === 'en')?.value;
  // NVD tags references to public exploit code `Exploit`: SSVC's "public poc".
  const exploitReferences = [...new Set(cve.references.filter((r) => r.tags?.includes('Exploit')).map((r) => r.url))];
  return {
    published: cve.published,
    lastModified: cve.lastModified,
    ...(cve.vulnStatus ? { vulnStatus: cve.vulnStatus } : {}),
    ...(description ? { description } : {}),
    cvss,
    configurations: cve.configurations,
    ...(exploitReferences.length > 0 ? { exploitReferences } : {}),
  };
}

export type ParsedNvdCve = { ok: true; id: string; facts: NvdFacts } | { ok: false; record: string; reason: string };

/** Checks one `cve` object; on failure the reason names the field under `path` (e.g. `vulnerabilities[3].cve`). */
export function parseNvdCve(value: unknown, path = 'cve'): ParsedNvdCve {
  const parsed = NvdCveSchema.safeParse(value);
  if (!parsed.success) {
    const rawId = value && typeof value === 'object' ? (value as Record<string, unknown>).id : undefined;
    return { ok: false, record: typeof rawId === 'string' && rawId ? rawId : path, reason: describeIssues(parsed.error.issues, path).join('; ') };
  }
  return { ok: true, id: parsed.data.id, facts: nvdFactsOf(parsed.data) };
}
