import { z } from 'zod';

/**
 * Ids that end up in table keys, audit records and Slack messages. `#` separates key segments and `|`
 * separates the parts of an exposure id, so an id holding either could be read two ways; control
 * characters and bidirectional or invisible format characters make an id display as something it is
 * not (a Trojan Source style trick on whoever reads the audit trail). All are refused, with a reason.
 */
const DELIMITERS = /[#|]/u;
const CONTROL = /\p{Cc}/u;
// Bidi embeddings, overrides and isolates, the directional marks, zero-width characters and the BOM.
const BIDI_OR_INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;

/** Why `value` cannot be an id, or undefined when it can. */
export function idProblem(value: string): string | undefined {
  const delimiter = DELIMITERS.exec(value);
  if (delimiter) return `must not contain "${delimiter[0]}" (a key delimiter)`;
  const control = CONTROL.exec(value);
  if (control) return `must not contain control character U+${codePoint(control[0])}`;
  const format = BIDI_OR_INVISIBLE.exec(value);
  if (format) return `must not contain bidirectional or invisible formatting character U+${codePoint(format[0])}`;
  if (value.trim() !== value) return 'must not start or end with whitespace';
  return undefined;
}

function codePoint(char: string): string {
  return (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}

/** An id safe to put in a key: 1-200 characters, none of the refused ones. */
export const EntityIdSchema = z
  .string()
  .min(1)
  .max(200)
  .superRefine((value, ctx) => {
    const problem = idProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
