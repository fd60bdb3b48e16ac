import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { MISP_SOURCE, mispFeedEventsToFetch, parseMispEvent, parseMispFeedManifest } from '../../../../../functions/ingest/sources/misp/misp-parser.ts';
import { IndicatorFactsSchema } from '../../../../../functions/model/indicator.ts';
import { largeMispEvent, mispAttribute, mispEvent, mispFeedManifest, mispRestResponse, mixedMispEvent } from './fixtures.ts';

/** Whatever comes in, a parser gives a ParsedIntel or throws InvalidFeedDocument, nothing else. */

const context = { source: MISP_SOURCE, now: '2025-06-01T12:00:00.000Z' };

type Outcome = { parsed: ParsedIntel } | { invalid: InvalidFeedDocument };

function outcomeOf(payload: string): Outcome {
  try {
    return { parsed: parseMispEvent(payload, context) };
  } catch (error) {
    if (error instanceof InvalidFeedDocument) return { invalid: error };
    throw error;
  }
}

/** The outcome is one of the two allowed, and a ParsedIntel is well formed. */
function expectWellFormed(payload: string): void {
  const outcome = outcomeOf(payload);
  if ('invalid' in outcome) {
    expect(outcome.invalid.message.startsWith(`${MISP_SOURCE}: not a MISP event: `)).toBe(true);
    return;
  }
  for (const draft of outcome.parsed.drafts) {
    if (draft.kind === 'indicator') expect(IndicatorFactsSchema.safeParse(draft.facts).success).toBe(true);
    else expect(draft.id).toMatch(/^CVE-\d{4}-\d{4,19}$/);
  }
  for (const rejected of outcome.parsed.rejected) {
    expect(typeof rejected.position).toBe('string');
    expect(rejected.reason.length).toBeGreaterThan(0);
    expect(rejected.record.length).toBeGreaterThan(0);
  }
}

type Path = Array<string | number>;

/** Every place in a JSON document, for a mutation to hit. */
function pathsOf(value: unknown, path: Path = []): Path[] {
  const here = path.length > 0 ? [path] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, index) => pathsOf(item, [...path, index]))];
  if (typeof value === 'object' && value !== null) {
    return [...here, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...path, key]))];
  }
  return here;
}

/** A copy of `document` with the value at `path` replaced, or removed when `replacement` is undefined. */
function mutated(document: unknown, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(document) as Record<string | number, unknown>;
  let parent = copy;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (replacement === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

const ATTRIBUTE_TYPES = ['ip-dst', 'ip-src', 'ip-dst|port', 'domain', 'hostname', 'domain|ip', 'url', 'uri', 'md5', 'sha1', 'sha256', 'filename|sha256', 'email-src', 'vulnerability', 'link', 'regkey'];

/** Attributes whose fields are each sometimes right and sometimes anything at all. */
const attribute = fc
  .record({
    type: fc.oneof(fc.constantFrom(...ATTRIBUTE_TYPES), fc.string()),
    value: fc.oneof(
      fc.constantFrom('198.51.100.1', '2001:db8::1', 'evil.example.com|198.51.100.1', '198.51.100.1|70000', 'CVE-2024-3400', 'www.example.com/x', 'a|b|'),
      fc.string(),
      fc.jsonValue(),
    ),
    toIds: fc.boolean(),
    deleted: fc.boolean(),
    tags: fc.array(fc.oneof(fc.constantFrom('tlp:amber', 'tlp:', 'misp-galaxy:sector=""', 'osint:certainty="1000"', ':'), fc.string()), { maxLength: 3 }),
  })
  .map(({ tags, value, ...spec }) => ({ ...mispAttribute({ ...spec, tags, value: '' }), value }));

describe('parseMispEvent never throws anything but InvalidFeedDocument', () => {
  it('on random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), expectWellFormed), { numRuns: 500 });
  });

  it('on random JSON, bare and in each MISP envelope', () => {
    const envelope = fc.jsonValue().chain((value) =>
      fc.constantFrom(value, { Event: value }, { response: [value] }, { response: [{ Event: value }] }, [{ Event: value }], { uuid: 'u', Attribute: value }),
    );
    fc.assert(fc.property(envelope, (document) => expectWellFormed(JSON.stringify(document))), { numRuns: 500 });
  });

  it('on events of random attributes', () => {
    fc.assert(
      fc.property(fc.array(attribute, { maxLength: 8 }), fc.constantFrom('1', '2', '3', '4'), (attributes, threatLevel) =>
        expectWellFormed(JSON.stringify(mispEvent({ attributes, threatLevel }))),
      ),
      { numRuns: 300 },
    );
  });

  it('on valid events with one place changed to anything or removed', () => {
    const documents = [mixedMispEvent(), mispRestResponse([mixedMispEvent(), largeMispEvent({ count: 4 })])];
    const places = documents.flatMap((document) => pathsOf(document).map((path) => ({ document, path })));
    const mutation = fc.tuple(fc.constantFrom(...places), fc.option(fc.jsonValue(), { nil: undefined })).map(
      ([{ document, path }, replacement]) => [document, path, replacement] as const,
    );
    fc.assert(
      fc.property(mutation, ([document, path, replacement]) => expectWellFormed(JSON.stringify(mutated(document, path, replacement)))),
      { numRuns: 1000 },
    );
  });
});

describe('parseMispFeedManifest never throws anything but InvalidFeedDocument', () => {
  const manifest = mispFeedManifest([mixedMispEvent(), largeMispEvent({ count: 2 })]);

  it('on random JSON and on a manifest with one place changed', () => {
    const documents = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.tuple(fc.constantFrom(...pathsOf(manifest)), fc.option(fc.jsonValue(), { nil: undefined })).map(([path, value]) => mutated(manifest, path, value)),
    );
    fc.assert(
      fc.property(documents, (document) => {
        try {
          const parsed = parseMispFeedManifest(JSON.stringify(document));
          const times = mispFeedEventsToFetch(parsed, 0).map((event) => event.timestamp);
          expect(times).toEqual([...times].sort((a, b) => a - b));
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidFeedDocument);
        }
      }),
      { numRuns: 500 },
    );
  });
});
