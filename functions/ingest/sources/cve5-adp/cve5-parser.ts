import { z } from 'zod';
import { CveIdSchema, CvssSchema, type Cvss } from '../../../model/vulnerability.ts';
import { describeIssues, formatPath } from '../../describe-issues.ts';
import { payloadExcerpt, type IntelDraft, type ParseContext, type ParsedIntel, type RejectedRecord } from '../../intel-draft.ts';
import { InvalidFeedDocument } from '../../invalid-feed-document.ts';

/**
 * CVE JSON 5 records (CVE Record Format 5.x) as CISA's vulnrichment repository publishes them: the CNA's
 * container plus CISA's ADP container with the SSVC decision points CISA assessed and the KEV listing.
 * One record per CVE, so no payload is a complete list and `complete` stays unset.
 */

/** Source name of CISA's ADP enrichment of CVE records. */
export const CVE5_ADP_SOURCE = 'cisa-adp';

/** `providerMetadata.shortName` of CISA's ADP container. */
const CISA_ADP = 'CISA-ADP';
const CWE_ID = /^CWE-[1-9][0-9]*$/;

/** CISA's SSVC decision points for the CVE, as its ADP container states them (values lower-cased). */
export const AdpSsvcSchema = z.object({
  exploitation: z.enum(['active', 'poc', 'none']),
  automatable: z.enum(['yes', 'no']),
  technicalImpact: z.enum(['total', 'partial']),
  /** SSVC version of the assessment (`2.0.3`). */
  version: z.string(),
  /** When CISA assessed it; a later assessment may differ. */
  timestamp: z.string(),
  role: z.string().optional(),
});
export type AdpSsvc = z.infer<typeof AdpSsvcSchema>;

/** What one CVE record says, CISA's ADP assessment first. */
export const AdpFactsSchema = z.object({
  state: z.enum(['PUBLISHED', 'REJECTED']),
  ssvc: AdpSsvcSchema.optional(),
  /** CISA's KEV listing as the ADP container references it. */
  kev: z.object({ dateAdded: z.iso.date('date as YYYY-MM-DD'), reference: z.string().optional() }).optional(),
  /** The CNA's title and English description. */
  title: z.string().optional(),
  description: z.string().optional(),
  /** UTC date-time (the CVE format reads a time without zone as UTC). */
  datePublished: z.string().optional(),
  /** CVSS 3.0, 3.1 and 4.0 metrics of the CNA and the ADPs; `source` is the provider's shortName. */
  cvss: z.array(CvssSchema).default([]),
  /** CWE ids of the CNA's problem types, then those an ADP (CISA) added. */
  cwes: z.array(z.string().regex(CWE_ID, 'CWE id like CWE-79')).default([]),
  /** REJECTED records: the CNA's English reason and the ids that replace the record. */
  rejectedReason: z.string().optional(),
  replacedBy: z.array(z.string()).optional(),
});
export type AdpFacts = z.infer<typeof AdpFactsSchema>;

/** CVE timestamps may omit the zone, which the format defines as UTC; stored with `Z` so they sort. */
const asUtc = (timestamp: string) => (/(?:Z|[+-][0-9]{2}:?[0-9]{2})$/i.test(timestamp) ? timestamp : `${timestamp}Z`);
const TimestampSchema = z.iso
  .datetime({ local: true, offset: true, message: 'date-time like 2024-04-12T07:20:00.707Z' })
  .transform(asUtc);

const LangTextSchema = z.looseObject({ lang: z.string(), value: z.string() });
const ProviderSchema = z.looseObject({ orgId: z.string().optional(), shortName: z.string().optional() });
const cvssInput = (prefix: RegExp, example: string) =>
  z.looseObject({
    vectorString: z.string().regex(prefix, `CVSS vector like ${example}`),
    baseScore: z.number().min(0).max(10),
    baseSeverity: z.string().optional(),
  });
const CVSS_VERSIONS = [
  ['cvssV4_0', '4.0'],
  ['cvssV3_1', '3.1'],
  ['cvssV3_0', '3.0'],
] as const;
// CVSS v2 is left out: nothing in the project decides on it, and CVE records carry it only for old CVEs.
const MetricSchema = z.looseObject({
  cvssV4_0: cvssInput(/^CVSS:4\.0\//, 'CVSS:4.0/AV:N/AC:L/...').optional(),
  cvssV3_1: cvssInput(/^CVSS:3\.[01]\//, 'CVSS:3.1/AV:N/AC:L/...').optional(),
  cvssV3_0: cvssInput(/^CVSS:3\.[01]\//, 'CVSS:3.0/AV:N/AC:L/...').optional(),
});
const ProblemTypeSchema = z.looseObject({
  descriptions: z.array(
    z.looseObject({
      type: z.string().optional(),
      cweId: z.string().regex(CWE_ID, 'CWE id like CWE-79').optional(),
      description: z.string().optional(),
    }),
  ),
});
const ContainerFields = {
  providerMetadata: ProviderSchema.optional(),
  metrics: z.array(MetricSchema).optional(),
  problemTypes: z.array(ProblemTypeSchema).optional(),
};
const CnaSchema = z.looseObject({
  ...ContainerFields,
  title: z.string().optional(),
  descriptions: z.array(LangTextSchema).optional(),
  rejectedReasons: z.array(LangTextSchema).optional(),
  replacedBy: z.array(z.string()).optional(),
});
const AdpSchema = z.looseObject(ContainerFields);
type Container = z.infer<typeof AdpSchema>;

/** The parts of a CVE record this source reads; everything else may be as the format allows. */
const CveRecordSchema = z.looseObject({
  dataType: z.literal('CVE_RECORD'),
  dataVersion: z.string().regex(/^5\.[0-9]+(?:\.[0-9]+)?$/, 'CVE JSON 5 version like 5.1'),
  cveMetadata: z.looseObject({
    cveId: CveIdSchema,
    state: z.enum(['PUBLISHED', 'REJECTED']),
    datePublished: TimestampSchema.optional(),
    dateRejected: TimestampSchema.optional(),
  }),
  containers: z.looseObject({ cna: CnaSchema, adp: z.array(AdpSchema).optional() }),
});
type CveRecord = z.infer<typeof CveRecordSchema>;

/** SSVC `options` come as one-entry objects (`[{ Exploitation: 'Active' }, ...]`): one object, lower-cased. */
const SsvcOptionsSchema = z
  .array(z.record(z.string(), z.string()))
  .transform((options) =>
    Object.fromEntries(options.flatMap((option) => Object.entries(option)).map(([name, value]) => [name, value.trim().toLowerCase()])),
  );
const SsvcDecisionPointsSchema = z.looseObject({
  Exploitation: AdpSsvcSchema.shape.exploitation,
  Automatable: AdpSsvcSchema.shape.automatable,
  'Technical Impact': AdpSsvcSchema.shape.technicalImpact,
});
const SsvcContentSchema = z.looseObject({
  options: SsvcOptionsSchema,
  version: z.string(),
  timestamp: TimestampSchema,
  role: z.string().optional(),
});
const KevContentSchema = z.looseObject({ dateAdded: z.iso.date('date as YYYY-MM-DD'), reference: z.string().optional() });
const OtherMetricSchema = z.looseObject({ other: z.looseObject({ type: z.string(), content: z.unknown() }) });

/** payloadExcerpt, except that JSON nested too deep to write out (stack overflow) does not escape. */
function excerptOf(value: unknown): string {
  try {
    return payloadExcerpt(value);
  } catch {
    return '(not shown: nested too deeply to write out)';
  }
}

/** English first (`en`, `en-US`), as the CVE format asks every record to have. */
function englishText(texts: readonly { lang: string; value: string }[] | undefined): string | undefined {
  return texts?.find(({ lang }) => /^en(?:$|[-_])/i.test(lang))?.value;
}

function providerName(container: Container, fallback: string): string {
  return container.providerMetadata?.shortName ?? container.providerMetadata?.orgId ?? fallback;
}

function cvssOf(container: Container, source: string): Cvss[] {
  return (container.metrics ?? []).flatMap((metric) =>
    CVSS_VERSIONS.flatMap(([key, version]) => {
      const cvss = metric[key];
      if (cvss === undefined) return [];
      const entry: Cvss = { version, vectorString: cvss.vectorString, baseScore: cvss.baseScore, source };
      if (cvss.baseSeverity !== undefined) entry.baseSeverity = cvss.baseSeverity;
      return [entry];
    }),
  );
}

/** `cweId`, or the id a `CWE`-typed description starts with (older records give only the text). */
function cwesOf(container: Container): string[] {
  return (container.problemTypes ?? []).flatMap(({ descriptions }) =>
    descriptions.flatMap(({ type, cweId, description }) => {
      if (cweId !== undefined) return [cweId];
      const fromText = type === 'CWE' ? /^(CWE-[1-9][0-9]*)\b/.exec(description ?? '')?.[1] : undefined;
      return fromText === undefined ? [] : [fromText];
    }),
  );
}

type Assessment = { ssvc?: AdpSsvc; kev?: { dateAdded: string; reference?: string }; problems: string[] };

/** The SSVC and KEV entries of CISA's ADP container; the first of each counts, as CISA gives one. */
function cisaAssessment(container: Container, base: string): Assessment {
  const assessment: Assessment = { problems: [] };
  (container.metrics ?? []).forEach((metric, index) => {
    const other = OtherMetricSchema.safeParse(metric);
    if (!other.success) return;
    const where = `${base}.metrics[${index}].other.content`;
    const { type, content } = other.data.other;
    if (type === 'ssvc' && assessment.ssvc === undefined) {
      const ssvc = SsvcContentSchema.safeParse(content);
      if (!ssvc.success) {
        assessment.problems.push(...describeIssues(ssvc.error.issues, where));
        return;
      }
      const options = SsvcDecisionPointsSchema.safeParse(ssvc.data.options);
      if (!options.success) {
        assessment.problems.push(...describeIssues(options.error.issues, `${where}.options`));
        return;
      }
      const { version, timestamp, role } = ssvc.data;
      assessment.ssvc = {
        exploitation: options.data.Exploitation,
        automatable: options.data.Automatable,
        technicalImpact: options.data['Technical Impact'],
        version,
        timestamp,
        ...(role === undefined ? {} : { role }),
      };
    } else if (type === 'kev' && assessment.kev === undefined) {
      const kev = KevContentSchema.safeParse(content);
      if (!kev.success) {
        assessment.problems.push(...describeIssues(kev.error.issues, where));
        return;
      }
      assessment.kev = { dateAdded: kev.data.dateAdded, ...(kev.data.reference === undefined ? {} : { reference: kev.data.reference }) };
    }
  });
  return assessment;
}

function publishedFacts(record: CveRecord, assessment: Assessment): AdpFacts {
  const { cna, adp = [] } = record.containers;
  const cvss = [...cvssOf(cna, providerName(cna, 'cna')), ...adp.flatMap((container, index) => cvssOf(container, providerName(container, `adp[${index}]`)))];
  const cwes = [...new Set([...cwesOf(cna), ...adp.flatMap(cwesOf)])];
  const facts: AdpFacts = { state: 'PUBLISHED', cvss, cwes };
  if (assessment.ssvc !== undefined) facts.ssvc = assessment.ssvc;
  if (assessment.kev !== undefined) facts.kev = assessment.kev;
  if (cna.title !== undefined) facts.title = cna.title;
  const description = englishText(cna.descriptions);
  if (description !== undefined) facts.description = description;
  if (record.cveMetadata.datePublished !== undefined) facts.datePublished = record.cveMetadata.datePublished;
  return facts;
}

function rejectedFacts(record: CveRecord): AdpFacts {
  const { cna } = record.containers;
  const facts: AdpFacts = { state: 'REJECTED', cvss: [], cwes: [] };
  const reason = englishText(cna.rejectedReasons);
  if (reason !== undefined) facts.rejectedReason = reason;
  if (cna.replacedBy !== undefined) facts.replacedBy = cna.replacedBy;
  if (record.cveMetadata.datePublished !== undefined) facts.datePublished = record.cveMetadata.datePublished;
  return facts;
}

type RecordResult = { ok: true; draft: IntelDraft } | { ok: false; rejection: RejectedRecord };

/** One record at `position` (`[3]`, `line 4`, `record`); reasons are `<prefix><base><path>: ...`. */
function readRecord(raw: unknown, position: string, base: string, prefix = ''): RecordResult {
  const rawId = raw !== null && typeof raw === 'object' ? ((raw as { cveMetadata?: { cveId?: unknown } }).cveMetadata?.cveId ?? undefined) : undefined;
  const reject = (reason: string): RecordResult => ({
    ok: false,
    rejection: { position, record: typeof rawId === 'string' && rawId !== '' ? rawId : position, reason: `${prefix}${reason}`, payload: excerptOf(raw) },
  });

  const parsed = CveRecordSchema.safeParse(raw);
  if (!parsed.success) return reject(describeIssues(parsed.error.issues, base).join('; '));
  const record = parsed.data;
  const { cveId, state, dateRejected } = record.cveMetadata;

  if (state === 'REJECTED') {
    return {
      ok: true,
      draft: {
        kind: 'vulnerability',
        id: cveId,
        facts: rejectedFacts(record),
        revoked: { reason: 'rejected by the CNA', ...(dateRejected === undefined ? {} : { at: dateRejected }) },
      },
    };
  }

  const adp = record.containers.adp ?? [];
  const cisaIndex = adp.findIndex((container) => container.providerMetadata?.shortName === CISA_ADP);
  const assessment: Assessment =
    cisaIndex < 0 ? { problems: [] } : cisaAssessment(adp[cisaIndex]!, formatPath(['containers', 'adp', cisaIndex], base));
  if (assessment.problems.length > 0) return reject(assessment.problems.join('; '));

  const facts = AdpFactsSchema.safeParse(publishedFacts(record, assessment));
  if (!facts.success) return reject(describeIssues(facts.error.issues, base).join('; '));
  return { ok: true, draft: { kind: 'vulnerability', id: cveId, facts: facts.data } };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

const isCveRecord = (value: unknown) =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && (value as Record<string, unknown>).dataType === 'CVE_RECORD';

/**
 * Parses one CVE JSON 5 record (`dataType: CVE_RECORD`, `dataVersion` 5.x). A PUBLISHED record gives
 * CISA's SSVC options and KEV listing from the `CISA-ADP` container and the CNA's title, English
 * description, publication date, CVSS and CWE ids; a REJECTED record gives a draft revoked as
 * `rejected by the CNA` at its `dateRejected`. A record with a field this source reads out of shape is
 * rejected naming it; a payload that is no CVE record at all throws InvalidFeedDocument.
 */
export function parseCve5Record(payload: string, context: ParseContext): ParsedIntel {
  const { source } = context;
  const json = parseJson(payload.replace(/^\uFEFF/, ''));
  if (!json.ok) throw new InvalidFeedDocument(`${source}: CVE record is not JSON: ${json.message}`);
  if (!isCveRecord(json.value)) throw new InvalidFeedDocument(`${source}: not a CVE JSON 5 record (no dataType CVE_RECORD)`);
  const result = readRecord(json.value, 'record', '');
  return result.ok ? { drafts: [result.draft], rejected: [] } : { drafts: [], rejected: [result.rejection] };
}

/** An item of a bulk payload: where it is, how reasons name its fields, and its JSON (or why it is none). */
type BulkItem = { position: string; base: string; prefix: string } & ({ raw: unknown } | { notJson: string; line: string });

/** The records of a JSON array, a single record, or JSON lines. */
function splitRecords(payload: string, source: string): BulkItem[] {
  const text = payload.replace(/^\uFEFF/, '').trim();
  if (text === '') throw new InvalidFeedDocument(`${source}: empty payload where CVE records were expected`);
  const whole = parseJson(text);
  if (whole.ok) {
    if (Array.isArray(whole.value)) return whole.value.map((raw, index) => ({ raw, position: `[${index}]`, base: `[${index}]`, prefix: '' }));
    if (isCveRecord(whole.value)) return [{ raw: whole.value, position: 'record', base: '', prefix: '' }];
    throw new InvalidFeedDocument(`${source}: neither CVE records in a JSON array nor JSON lines`);
  }
  const items = text.split(/\r?\n/).flatMap((line, index): BulkItem[] => {
    if (line.trim() === '') return [];
    const position = `line ${index + 1}`;
    const json = parseJson(line);
    return [json.ok ? { raw: json.value, position, base: '', prefix: `${position}: ` } : { notJson: json.message, line, position, base: '', prefix: '' }];
  });
  if (!items.some((item) => 'raw' in item)) {
    throw new InvalidFeedDocument(`${source}: neither a JSON array of CVE records nor JSON lines: ${whole.message}`);
  }
  return items;
}

/**
 * Parses many CVE JSON 5 records: a JSON array, or JSON lines (one record per line), as bulk exports
 * give them. Each record reads as in {@link parseCve5Record}; a bad one is rejected by its position
 * (`[3]`, `line 4`) and the rest go on. A CVE id given twice keeps its first record: records are whole
 * snapshots, not parts to merge.
 */
export function parseCve5Records(payload: string, context: ParseContext): ParsedIntel {
  const { source } = context;
  const drafts: IntelDraft[] = [];
  const rejected: RejectedRecord[] = [];
  const firstAt = new Map<string, string>();
  for (const item of splitRecords(payload, source)) {
    const { position, base, prefix } = item;
    if (!('raw' in item)) {
      rejected.push({ position, record: position, reason: `${position}: not JSON: ${item.notJson}`, payload: payloadExcerpt(item.line) });
      continue;
    }
    if (!isCveRecord(item.raw)) {
      const where = formatPath(['dataType'], base);
      rejected.push({ position, record: position, reason: `${prefix}${where}: not a CVE record (dataType must be CVE_RECORD)`, payload: excerptOf(item.raw) });
      continue;
    }
    const result = readRecord(item.raw, position, base, prefix);
    if (!result.ok) {
      rejected.push(result.rejection);
      continue;
    }
    const first = firstAt.get(result.draft.id);
    if (first !== undefined) {
      rejected.push({
        position,
        record: result.draft.id,
        reason: `${prefix}${formatPath(['cveMetadata', 'cveId'], base)}: ${result.draft.id} appears more than once (first at ${first}); the first record was kept`,
        payload: excerptOf(item.raw),
      });
      continue;
    }
    firstAt.set(result.draft.id, position);
    drafts.push(result.draft);
  }
  return { drafts, rejected };
}
