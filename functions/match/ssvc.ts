import type { Decision, SsvcInputs } from '../model/exposure.ts';

/** The decision table this module encodes, as CERT/CC publishes it. */
export const SSVC_TABLE = 'CISA Coordinator decision table v2.0.3 (CERTCC/SSVC data/csv/cisa/cisa_coordinator_2_0_3.csv)';

/**
 * The 36 rows of the CISA coordinator table, in the CSV's row order:
 * Exploitation v1.1.0, Automatable v2.0.0, Technical Impact v1.0.0, Mission and Well-Being Impact
 * v1.0.0 -> CISA Levels v1.1.0.
 */
export const CISA_COORDINATOR_TABLE: ReadonlyArray<
  readonly [SsvcInputs['exploitation'], SsvcInputs['automatable'], SsvcInputs['technicalImpact'], SsvcInputs['missionWellbeing'], Decision]
> = [
  ['none', 'no', 'partial', 'low', 'track'],
  ['none', 'no', 'partial', 'medium', 'track'],
  ['none', 'no', 'partial', 'high', 'track'],
  ['none', 'no', 'total', 'low', 'track'],
  ['none', 'no', 'total', 'medium', 'track'],
  ['none', 'no', 'total', 'high', 'track*'],
  ['none', 'yes', 'partial', 'low', 'track'],
  ['none', 'yes', 'partial', 'medium', 'track'],
  ['none', 'yes', 'partial', 'high', 'attend'],
  ['none', 'yes', 'total', 'low', 'track'],
  ['none', 'yes', 'total', 'medium', 'track'],
  ['none', 'yes', 'total', 'high', 'attend'],
  ['public poc', 'no', 'partial', 'low', 'track'],
  ['public poc', 'no', 'partial', 'medium', 'track'],
  ['public poc', 'no', 'partial', 'high', 'track*'],
  ['public poc', 'no', 'total', 'low', 'track'],
  ['public poc', 'no', 'total', 'medium', 'track*'],
  ['public poc', 'no', 'total', 'high', 'attend'],
  ['public poc', 'yes', 'partial', 'low', 'track'],
  ['public poc', 'yes', 'partial', 'medium', 'track'],
  ['public poc', 'yes', 'partial', 'high', 'attend'],
  ['public poc', 'yes', 'total', 'low', 'track'],
  ['public poc', 'yes', 'total', 'medium', 'track*'],
  ['public poc', 'yes', 'total', 'high', 'attend'],
  ['active', 'no', 'partial', 'low', 'track'],
  ['active', 'no', 'partial', 'medium', 'track'],
  ['active', 'no', 'partial', 'high', 'attend'],
  ['active', 'no', 'total', 'low', 'track'],
  ['active', 'no', 'total', 'medium', 'attend'],
  ['active', 'no', 'total', 'high', 'act'],
  ['active', 'yes', 'partial', 'low', 'attend'],
  ['active', 'yes', 'partial', 'medium', 'attend'],
  ['active', 'yes', 'partial', 'high', 'act'],
  ['active', 'yes', 'total', 'low', 'attend'],
  ['active', 'yes', 'total', 'medium', 'act'],
  ['active', 'yes', 'total', 'high', 'act'],
];

function keyOf(e: string, a: string, t: string, m: string): string {
  return `${e}|${a}|${t}|${m}`;
}

const LOOKUP: ReadonlyMap<string, Decision> = new Map(
  CISA_COORDINATOR_TABLE.map(([e, a, t, m, decision]) => [keyOf(e, a, t, m), decision]),
);

/**
 * The CISA coordinator outcome (Track, Track*, Attend, Act) for one set of SSVC decision points.
 * @throws RangeError when an input is outside the table's values (only possible from an unchecked cast).
 */
export function ssvcDecision(inputs: SsvcInputs): Decision {
  const { exploitation, automatable, technicalImpact, missionWellbeing } = inputs;
  const decision = LOOKUP.get(keyOf(exploitation, automatable, technicalImpact, missionWellbeing));
  if (decision === undefined) {
    throw new RangeError(`no row of the ${SSVC_TABLE} for ${JSON.stringify(inputs)}`);
  }
  return decision;
}
