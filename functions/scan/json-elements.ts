/**
 * Streams the elements of the array under a top-level key of a JSON document (`{"assets": [...]}`) as
 * text, one element at a time, so an inventory of any size is read with memory bounded by its largest
 * asset. Only strings, nesting and that one key are tracked; each element is then `JSON.parse`d on its
 * own, which also reports any syntax error inside it.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** The document is not `{"<key>": [ ... ]}`; the message says where reading stopped. */
export class NotAnArrayDocument extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotAnArrayDocument';
  }
}

/**
 * Yields `[index, text, end]` for each element of `document[key]`, `end` being the character offset
 * just after the element in the whole text (where a resumed read may start). Other top-level keys are
 * skipped. Throws NotAnArrayDocument when the top level is not an object, or the key is missing or not
 * an array.
 */
export async function* jsonArrayElements(chunks: AsyncIterable<string>, key: string): AsyncGenerator<[number, string, number]> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  // Top-level key being read, and the last complete one.
  let keyStart = -1;
  let keyParts = '';
  let lastKey: string | undefined;
  let expectingValueOf: string | undefined;
  let inTarget = false;
  let targetDone = false;
  let sawTopObject = false;
  // The element being collected (depth 2 inside the target array).
  let parts: string[] = [];
  let elementStart = -1;
  // The element being collected is a string (a scalar the schema will refuse, but never drop).
  let stringElement = false;
  let index = 0;
  // Characters in the chunks before this one.
  let base = 0;

  for await (const chunk of chunks) {
    keyStart = keyStart === -1 ? -1 : 0;
    if (elementStart !== -1) elementStart = 0;
    let backslashAt = -1;
    for (let i = 0; i < chunk.length; i += 1) {
      if (inString && !escaped) {
        // Most of an inventory is string bodies (purls, CPEs): jump to the next quote or backslash.
        // The next backslash is searched once per chunk region, not once per string (most have none).
        if (backslashAt < i) {
          const found = chunk.indexOf('\\', i);
          backslashAt = found === -1 ? chunk.length : found;
        }
        const quote = chunk.indexOf('"', i);
        const next = quote === -1 ? backslashAt : Math.min(quote, backslashAt);
        if (next >= chunk.length) break;
        i = next;
      }
      const code = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (code === BACKSLASH) escaped = true;
        else if (code === QUOTE) {
          inString = false;
          if (stringElement) {
            parts.push(chunk.slice(elementStart, i + 1));
            elementStart = -1;
            stringElement = false;
            yield [index, parts.join(''), base + i + 1];
            index += 1;
            parts = [];
          } else if (keyStart !== -1) {
            lastKey = JSON.parse(keyParts + chunk.slice(keyStart, i + 1)) as string;
            keyStart = -1;
            keyParts = '';
          }
        }
        continue;
      }
      switch (code) {
        case QUOTE:
          inString = true;
          // A string at depth 1 outside a value is a top-level key.
          if (depth === 1 && expectingValueOf === undefined) {
            keyStart = i;
            keyParts = '';
          } else if (depth === 2 && inTarget && elementStart === -1) {
            elementStart = i;
            stringElement = true;
            parts = [];
          }
          break;
        case COLON:
          if (depth === 1) expectingValueOf = lastKey;
          break;
        case COMMA:
          if (depth === 1) expectingValueOf = undefined;
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          if (depth === 0) {
            if (code !== OPEN_BRACE) throw new NotAnArrayDocument(`expected an object with a "${key}" array at the top level`);
            sawTopObject = true;
          } else if (depth === 1 && expectingValueOf === key) {
            if (code !== OPEN_BRACKET) throw new NotAnArrayDocument(`"${key}" is not an array`);
            inTarget = true;
          } else if (depth === 2 && inTarget && elementStart === -1) {
            elementStart = i;
            parts = [];
          }
          depth += 1;
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          depth -= 1;
          if (depth === 2 && inTarget && elementStart !== -1) {
            parts.push(chunk.slice(elementStart, i + 1));
            elementStart = -1;
            yield [index, parts.join(''), base + i + 1];
            index += 1;
            parts = [];
          } else if (depth === 1 && inTarget) {
            inTarget = false;
            targetDone = true;
          }
          break;
        default:
          // A scalar element (number, true, null) of the target array: collected as text too.
          if (depth === 2 && inTarget && elementStart === -1 && code > 0x20 && code !== COMMA) {
            let end = i;
            while (end < chunk.length && chunk.charCodeAt(end) !== COMMA && chunk.charCodeAt(end) !== CLOSE_BRACKET && chunk.charCodeAt(end) > 0x20) end += 1;
            yield [index, chunk.slice(i, end), base + end];
            index += 1;
            i = end - 1;
          }
      }
    }
    if (keyStart !== -1) keyParts += chunk.slice(keyStart);
    if (elementStart !== -1) parts.push(chunk.slice(elementStart));
    base += chunk.length;
  }
  if (!sawTopObject) throw new NotAnArrayDocument(`expected an object with a "${key}" array at the top level`);
  if (!targetDone) throw new NotAnArrayDocument(inTarget || depth > 0 ? `not valid JSON: the "${key}" array is not closed: the file ends early` : `no "${key}" array`);
}
