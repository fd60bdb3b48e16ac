import type { z } from 'zod';
import { PlaybookInputInvalid } from './playbook-errors.ts';

/** Parses a playbook step's input; the error names the step and every bad field. */
export function parseStepInput<T extends z.ZodType>(schema: T, input: unknown, step: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
    throw new PlaybookInputInvalid(`${step} input is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}
