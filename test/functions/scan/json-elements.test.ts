import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonArrayElements, NotAnArrayDocument } from '../../../functions/scan/json-elements.ts';

async function* chunked(text: string, cuts: readonly number[]): AsyncGenerator<string> {
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= start || cut >= text.length) continue;
    yield text.slice(start, cut);
    start = cut;
  }
  yield text.slice(start);
}

async function elements(text: string, cuts: readonly number[] = [], key = 'assets'): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const [index, element] of jsonArrayElements(chunked(text, cuts), key)) {
    expect(index).toBe(out.length);
    out.push(JSON.parse(element));
  }
  return out;
}

describe('jsonArrayElements', () => {
  it('yields each element of the named top-level array, skipping other keys and nested arrays of the same name', async () => {
    const document = JSON.stringify({
      before: { assets: [{ id: 'not-me' }] },
      assets: [{ id: 'a', software: [{ purl: 'pkg:npm/x@1' }], tags: { '}': '"]' } }, { id: 'b' }],
      after: [1, 2],
    });
    expect(await elements(document)).toEqual([
      { id: 'a', software: [{ purl: 'pkg:npm/x@1' }], tags: { '}': '"]' } },
      { id: 'b' },
    ]);
  });

  it('gives the same elements however the text is cut into chunks (strings, escapes and keys split anywhere)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ id: fc.string({ minLength: 1 }), n: fc.integer(), s: fc.array(fc.string()), o: fc.dictionary(fc.string(), fc.string()) }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (assets, rawCuts) => {
          const text = JSON.stringify({ note: 'x"\\', assets }, null, rawCuts.length % 2 === 0 ? undefined : 2);
          const cuts = rawCuts.map((cut) => cut % (text.length + 1));
          expect(await elements(text, cuts)).toEqual(assets);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads scalar elements too', async () => {
    expect(await elements('{"assets": [1, true, null, "x"]}')).toEqual([1, true, null, 'x']);
  });

  it.each([
    ['[{"id": "a"}]', /expected an object with a "assets" array/],
    ['{"other": []}', /no "assets" array/],
    ['{"assets": {"id": "a"}}', /"assets" is not an array/],
    ['{"assets": [{"id": "a"}', /not valid JSON: the "assets" array is not closed/],
  ])('refuses %s naming what is wrong', async (text, message) => {
    await expect(elements(text)).rejects.toThrow(NotAnArrayDocument);
    await expect(elements(text)).rejects.toThrow(message);
  });
});
