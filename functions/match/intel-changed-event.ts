import { eventEnvelopeSchema, IntelChangedSchema, type IntelChanged } from '../model/events.ts';

const IntelChangedEventSchema = eventEnvelopeSchema(IntelChangedSchema);

/** An event delivered to exposure matching that is not an `Intel Changed` event; names the fields. */
export class InvalidIntelChangedEvent extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidIntelChangedEvent';
  }
}

/**
 * Checks the EventBridge envelope and its `Intel Changed` detail and returns the detail.
 * @throws InvalidIntelChangedEvent listing every field that is missing or malformed.
 */
export function parseIntelChangedEvent(event: unknown): IntelChanged {
  const parsed = IntelChangedEventSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
    throw new InvalidIntelChangedEvent(`not an Intel Changed event: ${problems.join('; ')}`, { cause: parsed.error });
  }
  return parsed.data.detail;
}
