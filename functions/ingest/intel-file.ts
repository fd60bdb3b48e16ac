import type { QuarantineRecord } from '../model/quarantine.ts';
import { DEFAULT_TENANT } from '../model/tenant.ts';
import { describeIssues } from './describe-issues.ts';
import { KevCatalogueSchema, normaliseKevCatalogue } from './kev-catalogue.ts';
import { NvdResponseSchema, normaliseNvdResponse, parseNvdCve } from './nvd-record.ts';
import type { VulnerabilityDraft } from './vulnerability-draft.ts';

/** The document is none of the intel formats forestall reads. */
export class UnrecognisedIntelDocument extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnrecognisedIntelDocument';
  }
}

export type IntelFormat = 'kev-catalogue' | 'nvd-api-response' | 'nvd-cve';

export interface ParsedIntelDocument {
  format: IntelFormat;
  vulnerabilities: VulnerabilityDraft[];
  quarantined: QuarantineRecord[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Decides the format from the document's own fields, not from the file name. */
export function detectIntelFormat(json: unknown): IntelFormat | undefined {
  if (!isObject(json)) return undefined;
  if ('catalogVersion' in json && Array.isArray(json.vulnerabilities)) return 'kev-catalogue';
  if (json.format === 'NVD_CVE' || ('totalResults' in json && 'resultsPerPage' in json && Array.isArray(json.vulnerabilities))) {
    return 'nvd-api-response';
  }
  if (typeof json.id === 'string' && /^CVE-\d{4}-\d{4,}$/.test(json.id) && 'published' in json && ('descriptions' in json || 'metrics' in json)) {
    return 'nvd-cve';
  }
  return undefined;
}

/**
 * Reads an intel document given as parsed JSON: a CISA KEV catalogue, an NVD CVE API 2.0 response, or
 * a single NVD `cve` record (the per-CVE file layout of NVD data feeds). Valid records come back as
 * drafts; malformed ones as quarantine records naming the field. A document of another shape, or one
 * whose envelope is broken, throws an error naming `sourceName`.
 */
export function parseIntelDocument(
  json: unknown,
  sourceName: string,
  options: { tenant?: string; now?: string } = {},
): ParsedIntelDocument {
  const tenant = options.tenant ?? DEFAULT_TENANT;
  const now = options.now ?? new Date().toISOString();
  const format = detectIntelFormat(json);
  switch (format) {
    case 'kev-catalogue': {
      const envelope = KevCatalogueSchema.safeParse(json);
      if (!envelope.success) throw new UnrecognisedIntelDocument(`${sourceName}: looks like a KEV catalogue but its envelope is invalid: ${describeIssues(envelope.error.issues).join('; ')}`);
      const { vulnerabilities, quarantined } = normaliseKevCatalogue(json, { tenant, now });
      return { format, vulnerabilities, quarantined };
    }
    case 'nvd-api-response': {
      const envelope = NvdResponseSchema.safeParse(json);
      if (!envelope.success) throw new UnrecognisedIntelDocument(`${sourceName}: looks like an NVD API response but its envelope is invalid: ${describeIssues(envelope.error.issues).join('; ')}`);
      const { vulnerabilities, quarantined } = normaliseNvdResponse(envelope.data, { tenant, now });
      return { format, vulnerabilities, quarantined };
    }
    case 'nvd-cve': {
      const result = parseNvdCve(json, 'cve');
      if (result.ok) return { format, vulnerabilities: [result.draft], quarantined: [] };
      return {
        format,
        vulnerabilities: [],
        quarantined: [{ tenant, source: 'nvd', record: result.record, reason: `${sourceName}: ${result.reason}`, quarantinedAt: now }],
      };
    }
    default: {
      const fields = isObject(json) ? Object.keys(json).slice(0, 8).join(', ') || '(none)' : Array.isArray(json) ? '(a JSON array)' : `(a JSON ${typeof json})`;
      throw new UnrecognisedIntelDocument(
        `${sourceName}: not a CISA KEV catalogue, an NVD CVE API 2.0 response or an NVD cve record (top-level fields: ${fields})`,
      );
    }
  }
}
