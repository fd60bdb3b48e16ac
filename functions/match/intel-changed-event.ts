import { busEventParser, DetailType, IntelChangedSchema, InvalidBusEvent, type IntelChanged } from '../model/events.ts';

/** An event delivered to exposure matching that is not an `Intel Changed` event; names the fields. */
export class InvalidIntelChangedEvent extends InvalidBusEvent {
  override name = 'InvalidIntelChangedEvent';
}

/**
 * Checks the EventBridge envelope and its `Intel Changed` detail and returns the detail.
 * @throws InvalidIntelChangedEvent listing every field that is missing or malformed.
 */
export const parseIntelChangedEvent: (event: unknown) => IntelChanged = busEventParser(DetailType.IntelChanged, IntelChangedSchema, InvalidIntelChangedEvent);
