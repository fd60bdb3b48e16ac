import fc from 'fast-check';
import { expect } from 'vitest';
import type { ParseContext, ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { IndicatorFactsSchema, indicatorId } from '../../../../../functions/model/indicator.ts';

/**
 * What every indicator parser promises whatever it is given: a ParsedIntel whose drafts are valid
 * indicators filed under their own id, whose rejections say where and why, or InvalidFeedDocument.
 */

export type Parser = (payload: string, context: ParseContext) => ParsedIntel;

export const context = (source: string): ParseContext => ({ source, now: '2025-07-20T00:00:00.000Z' });

/** Runs `parse` and fails the property on any other outcome than the two allowed ones. */
export function parsesOrRefuses(parse: Parser, payload: string, source: string): 'parsed' | 'refused' {
  let parsed: ParsedIntel;
  try {
    parsed = parse(payload, context(source));
  } catch (error) {
    if (!(error instanceof InvalidFeedDocument)) throw new Error(`escaped: ${String(error)}`, { cause: error });
    expect(error.message.startsWith(`${source}: `)).toBe(true);
    return 'refused';
  }
  for (const draft of parsed.drafts) {
    expect(draft.kind).toBe('indicator');
    if (draft.kind !== 'indicator') continue;
    expect(IndicatorFactsSchema.parse(draft.facts)).toEqual(draft.facts);
    expect(draft.id).toBe(indicatorId(draft.facts.type, draft.facts.value));
  }
  for (const rejected of parsed.rejected) {
    expect(rejected.reason.startsWith(rejected.position)).toBe(true);
    expect(rejected.record.length).toBeGreaterThan(0);
    expect((rejected.payload ?? '').length).toBeLessThanOrEqual(16_003);
  }
  expect(new Set(parsed.drafts.map((draft) => draft.id)).size).toBe(parsed.drafts.length);
  return 'parsed';
}

/** Random text: ASCII, any code point, and line-shaped text with comments, quotes and commas. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .tuple(
      fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('#', ';', '"', '","', '0.0.0.0 ', '1.2.3.4', 'http://', '<html>', '{', '[', ''), fc.ipV4(), fc.domain(), fc.webUrl()), { maxLength: 30 }),
      fc.constantFrom('\n', ',', ' ', '\r\n'),
    )
    .map(([parts, separator]) => parts.join(separator)),
);

/** Random JSON text. */
export const anyJson: fc.Arbitrary<string> = fc.jsonValue().map((value) => JSON.stringify(value));

export interface FieldMutation {
  field: string;
  op: 'delete' | 'set';
  value: unknown;
}

/** A change to one field of a record: removed, or replaced with any JSON value (or a near-miss string). */
export const fieldMutation = (fields: readonly string[]): fc.Arbitrary<FieldMutation> =>
  fc.record({
    field: fc.constantFrom(...fields, 'unexpected_field'),
    op: fc.constantFrom('delete' as const, 'set' as const),
    value: fc.oneof(fc.jsonValue(), fc.string(), fc.constantFrom('', '2025-02-30 10:00:00', '1.2.3.4:99999', 'UTC', '-1', '101')),
  });

export function mutateRecord(record: unknown, mutation: FieldMutation): unknown {
  if (typeof record !== 'object' || record === null) return record;
  const copy = { ...(record as Record<string, unknown>) };
  if (mutation.op === 'delete') delete copy[mutation.field];
  else copy[mutation.field] = mutation.value;
  return copy;
}

/** A change to a line-based payload: a line replaced, inserted, cut short or doubled. */
export const lineMutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace' as const, 'insert' as const, 'truncate' as const, 'repeat' as const),
  text: fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('"', '""', '"1","x"', '#', '0.0.0.0', 'a b c')),
  cut: fc.nat({ max: 200 }),
});
export type LineMutation = typeof lineMutation extends fc.Arbitrary<infer T> ? T : never;

export function mutateLines(payload: string, mutations: readonly LineMutation[]): string {
  const lines = payload.split('\n');
  for (const { at, op, text, cut } of mutations) {
    const index = lines.length === 0 ? 0 : at % lines.length;
    const line = lines[index] ?? '';
    if (op === 'replace') lines[index] = text;
    else if (op === 'insert') lines.splice(index, 0, text);
    else if (op === 'truncate') lines[index] = line.slice(0, cut % (line.length + 1));
    else lines.splice(index, 0, line);
  }
  return lines.join('\n');
}
