import { z } from 'zod';

/**
 * Feed times in the forms indicator feeds write them: abuse.ch's `2025-07-19 12:11:28` (with or without
 * ` UTC`; always UTC), ISO 8601 with `Z` or `T`, and bare dates (`2025-07-19`, Feodo's `last_online`).
 */

const FEED_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: ?UTC|Z)?)?$/;

const daysIn = (year: number, month: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/**
 * The time as ISO 8601 UTC (`2025-07-19T12:11:28.000Z`), or undefined when it is not a real time
 * (`2025-02-30`, `24:00:00`). Checked field by field rather than through Date, which rolls 2025-02-30
 * over to March and costs more on a 20,000-IOC poll than the rest of a record's parsing.
 */
export function utcTimestamp(text: string): string | undefined {
  const match = FEED_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, year = '', month = '', day = '', hours = '00', minutes = '00', seconds = '00', fraction = ''] = match;
  const monthNumber = Number(month);
  if (monthNumber < 1 || monthNumber > 12 || Number(day) < 1 || Number(day) > daysIn(Number(year), monthNumber)) return undefined;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  return `${year}-${month}-${day}T${hours}:${minutes}:${seconds}.${fraction.padEnd(3, '0').slice(0, 3)}Z`;
}

const notATime = (text: string) => `"${text.length > 100 ? `${text.slice(0, 100)}...` : text}" is not a time like 2025-07-19 12:11:28 (UTC)`;

/** A required feed time, checked and turned into ISO 8601 UTC. */
export const FeedTimeSchema = z.string().transform((text, context) => {
  const iso = utcTimestamp(text);
  if (iso !== undefined) return iso;
  context.addIssue({ code: 'custom', message: notATime(text) });
  return z.NEVER;
});

/** A feed time the source may leave out (`null`, empty or absent): undefined then. */
export const OptionalFeedTimeSchema = z
  .string()
  .nullish()
  .transform((text, context) => {
    if (!text) return undefined;
    const iso = utcTimestamp(text);
    if (iso !== undefined) return iso;
    context.addIssue({ code: 'custom', message: notATime(text) });
    return z.NEVER;
  });
