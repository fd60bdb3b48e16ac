import { busEventParser, DetailType, IndicatorsChangedSchema, InvalidBusEvent, type IndicatorsChanged } from '../../model/events.ts';

/** An event delivered to indicator matching that is not an `Indicators Changed` event; names the fields. */
export class InvalidIndicatorsChangedEvent extends InvalidBusEvent {
  override name = 'InvalidIndicatorsChangedEvent';
}

/**
 * Checks the EventBridge envelope and its `Indicators Changed` detail and returns the detail.
 * @throws InvalidIndicatorsChangedEvent listing every field that is missing or malformed.
 */
export const parseIndicatorsChangedEvent: (event: unknown) => IndicatorsChanged = busEventParser(
  DetailType.IndicatorsChanged,
  IndicatorsChangedSchema,
  InvalidIndicatorsChangedEvent,
);
