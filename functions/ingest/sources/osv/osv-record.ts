import { z } from 'zod';
import { VulnerabilityIdSchema } from '../../../model/vulnerability.ts';
import { isPackageUrl } from './osv-package-purl.ts';

/**
 * One OSV record as delivered, checked after the OSV schema (https://ossf.github.io/osv-schema/,
 * validation/schema.json): the fields matching needs, with the schema's rules on ranges and events.
 * Fields this code does not read (`references`, `credits`, `ecosystem_specific`, fields of later schema
 * versions) are allowed and ignored, so a newer record is not refused for what it adds.
 */

/**
 * RFC 3339 time, as UTC with `Z`. The schema asks for `Z`, but converted records carry `+00:00`
 * (the PyPI database's JSON export does), so any offset is read and written back in one form.
 */
const TIMESTAMP_EXAMPLE = 'RFC 3339 time like 2021-12-10T00:40:56Z';

export const OsvTimestampSchema = z.iso
  // A missing time keeps zod's own "required" message; a malformed one gets the example.
  .datetime({ offset: true, error: (issue) => (issue.code === 'invalid_type' ? undefined : TIMESTAMP_EXAMPLE) })
  .transform((text, context) => {
    if (text.endsWith('Z')) return text;
    if (/[+-]00:00$/.test(text)) return `${text.slice(0, -6)}Z`;
    const time = Date.parse(text);
    if (Number.isNaN(time)) {
      context.addIssue({ code: 'custom', message: TIMESTAMP_EXAMPLE, input: text });
      return z.NEVER;
    }
    return new Date(time).toISOString();
  });

export const OSV_EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
export type OsvEventKind = (typeof OSV_EVENT_KINDS)[number];

/** One range event: an object with exactly one of the four keys, its value a non-empty version. */
export const OsvEventInputSchema = z.record(z.string(), z.unknown()).transform((event, context) => {
  const keys = Object.keys(event);
  const kind = keys[0] as OsvEventKind | undefined;
  if (keys.length !== 1 || kind === undefined || !OSV_EVENT_KINDS.includes(kind)) {
    context.addIssue({
      code: 'custom',
      message: `an event has exactly one of ${OSV_EVENT_KINDS.join('|')} (found ${keys.length ? keys.join(', ') : 'none'})`,
      input: event,
    });
    return z.NEVER;
  }
  const version = event[kind];
  if (typeof version !== 'string' || version.length === 0) {
    context.addIssue({ code: 'custom', path: [kind], message: 'a non-empty version string', input: version });
    return z.NEVER;
  }
  return { kind, version };
});

// Full-length commit hashes, or "0" for "since the first commit" (schema: "GIT ranges must use full-length commit hashes").
const GIT_COMMIT = /^(0|[a-f0-9]{40}|[a-f0-9]{64})$/;
// SemVer 2.0.0 (semver.org), no leading "v": what SEMVER ranges hold.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const OsvRangeInputSchema = z
  .looseObject({
    type: z.enum(['SEMVER', 'ECOSYSTEM', 'GIT']),
    repo: z.string().min(1).optional(),
    events: z.array(OsvEventInputSchema).min(1, 'at least one event'),
  })
  .superRefine((range, context) => {
    if (range.events.length > 0 && !range.events.some((event) => event.kind === 'introduced')) {
      context.addIssue({ code: 'custom', path: ['events'], message: 'a range needs an introduced event', input: range.events });
    }
    if (range.events.some((event) => event.kind === 'fixed') && range.events.some((event) => event.kind === 'last_affected')) {
      context.addIssue({ code: 'custom', path: ['events'], message: 'fixed and last_affected events exclude each other in one range', input: range.events });
    }
    if (range.type === 'GIT' && range.repo === undefined) {
      context.addIssue({ code: 'custom', path: ['repo'], message: 'a GIT range needs the repository URL', input: range.repo });
    }
    range.events.forEach(({ kind, version }, index) => {
      const path = ['events', index, kind];
      if (range.type === 'GIT' && !GIT_COMMIT.test(version)) {
        context.addIssue({ code: 'custom', path, message: `"${version}" is not a full-length commit hash`, input: version });
      }
      if (range.type === 'SEMVER' && !(SEMVER.test(version) || (kind === 'introduced' && version === '0'))) {
        context.addIssue({ code: 'custom', path, message: `"${version}" is not a SemVer 2.0 version`, input: version });
      }
    });
  });

/** Vector patterns from the OSV schema for the severity types it defines; other types are kept as given. */
const SEVERITY_SCORES: Readonly<Record<string, { pattern: RegExp; example: string }>> = {
  CVSS_V2: {
    pattern:
      /^((AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))\/)*(AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))$/,
    example: 'AV:N/AC:L/Au:N/C:P/I:P/A:P',
  },
  CVSS_V3: {
    pattern:
      /^CVSS:3[.][01]\/((AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])\/)*(AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])$/,
    example: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
  },
  CVSS_V4: {
    pattern:
      /^CVSS:4[.]0\/AV:[NALP]\/AC:[LH]\/AT:[NP]\/PR:[NLH]\/UI:[NPA]\/VC:[HLN]\/VI:[HLN]\/VA:[HLN]\/SC:[HLN]\/SI:[HLN]\/SA:[HLN](\/E:[XAPU])?(\/CR:[XHML])?(\/IR:[XHML])?(\/AR:[XHML])?(\/MAV:[XNALP])?(\/MAC:[XLH])?(\/MAT:[XNP])?(\/MPR:[XNLH])?(\/MUI:[XNPA])?(\/MVC:[XNLH])?(\/MVI:[XNLH])?(\/MVA:[XNLH])?(\/MSC:[XNLH])?(\/MSI:[XNLHS])?(\/MSA:[XNLHS])?(\/S:[XNP])?(\/AU:[XNY])?(\/R:[XAUI])?(\/V:[XDC])?(\/RE:[XLMH])?(\/U:(X|Clear|Green|Amber|Red))?$/,
    example: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
  },
  Ubuntu: { pattern: /^(negligible|low|medium|high|critical)$/, example: 'negligible|low|medium|high|critical' },
};

export const OsvSeverityInputSchema = z
  .looseObject({ type: z.string().min(1), score: z.string().min(1) })
  .superRefine(({ type, score }, context) => {
    const known = SEVERITY_SCORES[type];
    if (known !== undefined && !known.pattern.test(score)) {
      context.addIssue({ code: 'custom', path: ['score'], message: `not a ${type} score (like ${known.example})`, input: score });
    }
  });

// The schema allows null for these lists; null and absent both mean none.
const listOf = <T extends z.ZodType>(item: T) => z.array(item).nullish().transform((list) => list ?? []);

export const OsvPackageInputSchema = z.looseObject({
  ecosystem: z.string().min(1).max(200),
  name: z.string().min(1).max(1000),
  purl: z.string().refine(isPackageUrl, 'package URL like pkg:npm/lodash').optional(),
});

// Only the string fields read here; anything else a database keeps there is its own business.
const databaseSpecificString = (key: string) =>
  z
    .unknown()
    .transform((value) => {
      const field = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      return typeof field === 'string' && field.length > 0 ? field : undefined;
    })
    .optional();

export const OsvAffectedInputSchema = z.looseObject({
  // Optional in the schema: an affected entry of GIT ranges alone names no package.
  package: OsvPackageInputSchema.optional(),
  severity: listOf(OsvSeverityInputSchema),
  ranges: listOf(OsvRangeInputSchema),
  versions: listOf(z.string()),
  // GHSA's upper bound for ranges whose last affected version it does not know as an event (`< 3.5.3.1`).
  database_specific: databaseSpecificString('last_known_affected_version_range'),
});

export const OsvRecordInputSchema = z.looseObject({
  id: VulnerabilityIdSchema,
  modified: OsvTimestampSchema,
  published: OsvTimestampSchema.optional(),
  withdrawn: OsvTimestampSchema.optional(),
  aliases: listOf(z.string().min(1)),
  related: listOf(z.string().min(1)),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: listOf(OsvSeverityInputSchema),
  affected: listOf(OsvAffectedInputSchema),
  // GHSA's severity words (`LOW`, `MODERATE`, `HIGH`, `CRITICAL`).
  database_specific: databaseSpecificString('severity'),
});
export type OsvRecordInput = z.infer<typeof OsvRecordInputSchema>;
