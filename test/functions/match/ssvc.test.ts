import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CISA_COORDINATOR_TABLE, ssvcDecision } from '../../../functions/match/ssvc.ts';
import { SsvcInputsSchema, type SsvcInputs } from '../../../functions/model/exposure.ts';

// The CERT/CC CSV itself, read at test time, so the TS table cannot drift from the published one.
const csv = readFileSync(join(import.meta.dirname, '../../fixtures/ssvc/cisa_coordinator_2_0_3.csv'), 'utf8');
const [header, ...lines] = csv.trim().split(/\r?\n/);
const rows = lines.map((line) => line.split(','));

describe('CISA coordinator decision table v2.0.3', () => {
  it('the CSV has the expected columns and 36 rows', () => {
    expect(header).toBe(
      'row,Exploitation v1.1.0,Automatable v2.0.0,Technical Impact v1.0.0,Mission and Well-Being Impact v1.0.0,CISA Levels v1.1.0 (cisa)',
    );
    expect(rows).toHaveLength(36);
    expect(CISA_COORDINATOR_TABLE).toHaveLength(36);
  });

  it.each(rows)('row %s: %s, %s, %s, %s -> %s', (row, exploitation, automatable, technicalImpact, missionWellbeing, expected) => {
    const inputs: SsvcInputs = SsvcInputsSchema.parse({ exploitation, automatable, technicalImpact, missionWellbeing });
    expect(ssvcDecision(inputs)).toBe(expected);
    expect(CISA_COORDINATOR_TABLE[Number(row)]).toEqual([exploitation, automatable, technicalImpact, missionWellbeing, expected]);
  });

  it('rejects values outside the table', () => {
    expect(() => ssvcDecision({ exploitation: 'rumoured', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'low' } as unknown as SsvcInputs)).toThrow(
      RangeError,
    );
  });
});
