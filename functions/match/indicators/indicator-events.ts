import { DetailType } from '../../model/events.ts';

/**
 * The `Indicator Relevant` event lives in the event catalogue (functions/model/events.ts); these names
 * stay for the indicator code and its tests.
 */
export const INDICATOR_RELEVANT = DetailType.IndicatorRelevant;

export {
  IndicatorRelevantSchema,
  IndicatorSummarySchema,
  MAX_INDICATOR_EVENT_REASONS as MAX_EVENT_REASONS,
  RelevanceKindSchema,
  type IndicatorRelevant,
  type IndicatorSummary,
  type RelevanceKind,
} from '../../model/events.ts';
