import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { OSV_SOURCE, OsvFactsSchema, parseOsvRecord, parseOsvRecords } from '../../../../../functions/ingest/sources/osv/osv-parser.ts';
import { VulnerabilityIdSchema } from '../../../../../functions/model/vulnerability.ts';
import { asApiPage, asJsonArray, asJsonLines, asYaml, commit, ghsaRecord, gitRange, osvRecords, pysecRecord, semverRange } from './fixtures.ts';

/**
 * Whatever arrives, the parsers give a ParsedIntel or throw InvalidFeedDocument; nothing else escapes.
 * When they parse, every draft has a valid id and facts that read back with OsvFactsSchema, and every
 * record ends up either in a draft or among the rejected.
 */

const context = { source: OSV_SOURCE, now: '2025-06-01T00:00:00Z' };

type Outcome = { parsed: ParsedIntel } | { invalid: InvalidFeedDocument };

function outcomeOf(parse: () => ParsedIntel): Outcome {
  let parsed: ParsedIntel;
  try {
    parsed = parse();
  } catch (error) {
    if (error instanceof InvalidFeedDocument) return { invalid: error };
    throw error;
  }
  for (const draft of parsed.drafts) {
    expect(draft.kind).toBe('vulnerability');
    expect(VulnerabilityIdSchema.safeParse(draft.id).success, draft.id).toBe(true);
    expect(OsvFactsSchema.safeParse(draft.facts).success).toBe(true);
    expect(draft.aliases ?? []).not.toContain(draft.id);
  }
  for (const rejection of parsed.rejected) {
    expect(rejection.reason.length).toBeGreaterThan(0);
    expect(rejection.position.length).toBeGreaterThan(0);
  }
  return { parsed };
}

const advisoryCount = (parsed: ParsedIntel) =>
  parsed.drafts.reduce((count, draft) => count + Object.keys(OsvFactsSchema.parse(draft.facts).advisories).length, 0);

/** Every path into a JSON value, the root included. */
function pathsOf(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const paths = [path];
  if (Array.isArray(value)) value.forEach((item, index) => paths.push(...pathsOf(item, [...path, index])));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...path, key]));
  }
  return paths;
}

type Mutation = { at: number; action: 'replace' | 'delete'; value: unknown };

/** The record with one field replaced by another JSON value, or removed. */
function mutate(record: unknown, { at, action, value }: Mutation): unknown {
  const copy = structuredClone(record);
  const paths = pathsOf(copy);
  const path = paths[at % paths.length] as (string | number)[];
  if (path.length === 0) return value;
  const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], copy) as
    | Record<string, unknown>
    | unknown[];
  const key = path[path.length - 1] as string | number;
  if (action === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else {
    (parent as Record<string | number, unknown>)[key] = value;
  }
  return copy;
}

// Values OSV fields go wrong with in practice, beside arbitrary JSON.
const trickyValue = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom('', '0', 'GIT', 'SEMVER', 'CVE-2024-1', 'CVE-2024-0001', 'GHSA-x', 'v1.2.3', '2024-13-45T00:00:00Z', commit(3), null, [], {}, [{}]),
);
const mutation = fc.record({ at: fc.nat(), action: fc.constantFrom<'replace' | 'delete'>('replace', 'delete'), value: trickyValue });

const validRecord = fc.oneof(
  fc.nat({ max: 40 }).map((index) => osvRecords({ count: index + 1 })[index]),
  fc.constant(pysecRecord({ aliases: ['CVE-2024-0001', 'GHSA-aaaa-bbbb-cccc'] })),
  fc.constant(ghsaRecord({ id: 'GHSA-go00-go00-go00', ecosystem: 'Go', name: 'example.com/mod', ranges: [semverRange('0', '1.2.3')] })),
  fc.constant(ghsaRecord({ id: 'GHSA-git0-git0-git0', ranges: [gitRange('https://github.com/example/x', '0', commit(9))] })),
  fc.constant(ghsaRecord({ id: 'GHSA-wd00-wd00-wd00', cve: 'CVE-2024-0001', withdrawn: '2024-05-01T00:00:00Z' })),
);
const mutatedRecord = fc.tuple(validRecord, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([record, mutations]) =>
  mutations.reduce<unknown>((current, each) => mutate(current, each), record),
);
const mutatedBatch = fc.array(fc.oneof(validRecord, mutatedRecord), { minLength: 1, maxLength: 12 });

// YAML-looking text: keys, indentation, anchors, tags and flow collections in random order.
const yamlish = fc
  .array(
    fc.constantFrom('id: ', 'GHSA-aaaa-bbbb-cccc', 'modified: ', '2024-01-01T00:00:00Z', 'affected:', 'ranges:', 'events:', '- ', 'introduced: 0', '\n', '  ', ': ', '{', '}', '[', ']', ',', '&a ', '*a', '!!binary ', '!!timestamp ', '"', "'", '#', '---\n', '%YAML 1.1\n', '? ', '|\n', '>-\n'),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('OSV parsers on arbitrary input', () => {
  it('random strings and YAML-looking text: a ParsedIntel or InvalidFeedDocument', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), yamlish), (payload) => {
        outcomeOf(() => parseOsvRecord(payload, context));
        outcomeOf(() => parseOsvRecords(payload, context));
      }),
      { numRuns: 500 },
    );
  });

  it('random JSON documents and JSON lines', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.jsonValue(), { maxLength: 5 }), (document, lines) => {
        outcomeOf(() => parseOsvRecord(JSON.stringify(document), context));
        outcomeOf(() => parseOsvRecords(JSON.stringify(document), context));
        outcomeOf(() => parseOsvRecords(asJsonArray([document]), context));
        outcomeOf(() => parseOsvRecords(asApiPage([document]), context));
        outcomeOf(() => parseOsvRecords(lines.map((line) => JSON.stringify(line)).join('\n'), context));
      }),
      { numRuns: 300 },
    );
  });

  it('one mutated record as JSON and as YAML: a draft, a rejection or InvalidFeedDocument', () => {
    fc.assert(
      fc.property(mutatedRecord, (record) => {
        for (const payload of [JSON.stringify(record), asYaml(record)]) {
          const outcome = outcomeOf(() => parseOsvRecord(payload, context));
          if ('parsed' in outcome) expect(advisoryCount(outcome.parsed) + outcome.parsed.rejected.length).toBe(1);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('batches of valid and mutated records: each record is in a draft or rejected, in every envelope', () => {
    fc.assert(
      fc.property(mutatedBatch, (records) => {
        // One JSON line is also one JSON document: a lone `[]` or `{}` line reads as an empty list or API page.
        const envelopes = records.length > 1 ? [asJsonArray(records), asApiPage(records), asJsonLines(records)] : [asJsonArray(records), asApiPage(records)];
        for (const payload of envelopes) {
          const outcome = outcomeOf(() => parseOsvRecords(payload, context));
          if ('parsed' in outcome) expect(advisoryCount(outcome.parsed) + outcome.parsed.rejected.length).toBe(records.length);
        }
        outcomeOf(() => parseOsvRecords(asJsonLines(records), context));
        // Arrays and API pages are known by their envelope, so only JSON lines without one object may be refused whole.
        expect('parsed' in outcomeOf(() => parseOsvRecords(asJsonArray(records), context))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
