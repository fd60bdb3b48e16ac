import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseIndicatorValue } from '../../../../../functions/ingest/indicator-values.ts';
import type { ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { FORESTALL_JSON_SOURCE, parseForestallJson } from '../../../../../functions/ingest/sources/forestall-json/forestall-json-source.ts';
import { IndicatorFactsSchema, indicatorId } from '../../../../../functions/model/indicator.ts';
import { forestallIntel } from './fixtures.ts';

/**
 * Whatever comes in, the parser gives a ParsedIntel or throws InvalidFeedDocument, nothing else; every
 * record it was given comes back as a draft or a refusal, and every draft is in normal form.
 */

const context = { source: FORESTALL_JSON_SOURCE, now: '2025-08-25T02:00:00.000Z' };

function check(payload: string): void {
  let parsed: ParsedIntel;
  try {
    parsed = parseForestallJson(payload, context);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFeedDocument);
    expect((error as Error).message.startsWith(`${FORESTALL_JSON_SOURCE}: `)).toBe(true);
    return;
  }
  const document = JSON.parse(payload.replace(/^\uFEFF/, '')) as { indicators?: unknown[]; vulnerabilities?: unknown[] };
  expect(parsed.drafts.length + parsed.rejected.length).toBe((document.indicators?.length ?? 0) + (document.vulnerabilities?.length ?? 0));
  for (const draft of parsed.drafts) {
    if (draft.kind === 'vulnerability') {
      expect(draft.id).toMatch(/^CVE-\d{4}-\d{4,19}$/);
      continue;
    }
    expect(IndicatorFactsSchema.parse(draft.facts)).toEqual(draft.facts);
    expect(draft.id).toBe(indicatorId(draft.facts.type, draft.facts.value));
    expect(normaliseIndicatorValue(draft.facts.type, draft.facts.value)).toEqual({ ok: true, type: draft.facts.type, value: draft.facts.value });
  }
  for (const rejected of parsed.rejected) {
    expect(rejected.position).toMatch(/^(indicators|vulnerabilities)\[\d+\]$/);
    expect(rejected.reason.startsWith(rejected.position)).toBe(true);
    expect(rejected.record.length).toBeGreaterThan(0);
  }
}

const TYPES = ['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'md5', 'sha1', 'sha256', 'email', 'hostname'];
const VALUES = ['203.0.113.10', '2001:DB8::1', '198.51.100.7/24', '192.0.2.1/32', 'Evil.Example.COM.', 'https://x.example.com/A', 'd41d8cd98f00b204e9800998ecf8427e', 'a@b.example', ' ', '10.0.0.256'];
const TIMES = ['2025-08-01T00:00:00Z', '2026-01-01T00:00:00+05:30', '2024-02-30T00:00:00Z', 'yesterday', ''];

/** A field that is sometimes what the format wants and sometimes anything at all. */
const either = <T>(good: fc.Arbitrary<T>) => fc.oneof(good, good, fc.jsonValue());

const indicator = fc.record(
  {
    type: either(fc.constantFrom(...TYPES)),
    value: either(fc.oneof(fc.constantFrom(...VALUES), fc.string())),
    confidence: either(fc.integer({ min: -10, max: 110 })),
    validFrom: either(fc.constantFrom(...TIMES)),
    validUntil: either(fc.constantFrom(...TIMES)),
    tags: either(fc.array(fc.string(), { maxLength: 3 })),
    tlp: either(fc.constantFrom('amber', 'TLP:RED', 'white', 'purple')),
    revoked: either(fc.boolean()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

const vulnerability = fc.record(
  {
    id: either(fc.constantFrom('CVE-2023-4966', 'cve-2024-3400', 'CVE-24-1', 'GHSA-xxxx')),
    title: either(fc.string()),
    exploited: either(fc.boolean()),
    revoked: either(fc.boolean()),
  },
  { requiredKeys: [] },
);

const document = fc.record(
  {
    forestall: fc.oneof(fc.constant('intel/1'), fc.constant('intel/1'), fc.jsonValue()),
    indicators: fc.oneof(fc.array(fc.oneof(indicator, fc.jsonValue()), { maxLength: 6 }), fc.jsonValue()),
    vulnerabilities: fc.oneof(fc.array(fc.oneof(vulnerability, fc.jsonValue()), { maxLength: 4 }), fc.jsonValue()),
  },
  { requiredKeys: ['forestall'] },
);

type Path = Array<string | number>;

function pathsOf(value: unknown, path: Path = []): Path[] {
  const here = path.length > 0 ? [path] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, index) => pathsOf(item, [...path, index]))];
  if (typeof value === 'object' && value !== null) return [...here, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...path, key]))];
  return here;
}

function mutated(source: unknown, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(source) as Record<string | number, unknown>;
  let parent = copy;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

describe('forestall intel/1 parser: any input', () => {
  it('gives a ParsedIntel or InvalidFeedDocument for any text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), check), { numRuns: 300 });
  });

  it('gives a ParsedIntel or InvalidFeedDocument for any JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => check(JSON.stringify(value))), { numRuns: 300 });
  });

  it('accounts for every record of documents whose fields are sometimes right and sometimes anything', () => {
    fc.assert(fc.property(document, (value) => check(JSON.stringify(value))), { numRuns: 500 });
  });

  it('stays within its contract when any one place of a good document is changed or removed', () => {
    const good = forestallIntel();
    const paths = pathsOf(good);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.oneof(fc.constant(undefined), fc.jsonValue()), (path, replacement) => check(JSON.stringify(mutated(good, path, replacement)))),
      { numRuns: 500 },
    );
  });
});
