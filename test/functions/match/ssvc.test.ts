import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CISA_COORDINATOR_TABLE, ssvcDecision } from '../../../functions/match/ssvc.ts';
import { SsvcInputsSchema, type SsvcInputs } from '../../../functions/model/exposure.ts';
import { referenceFile } from '../../reference-data.ts';

const csvRows = (text: string) => {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  return { header, rows: lines.map((line) => line.split(',')) };
};

// The table in CERT/CC's CSV layout, generated from CISA's decision tree (test/fixtures/ssvc/make-ssvc-table.ts),
// so the TS table is held against an encoding of its own.
const { header, rows } = csvRows(readFileSync(join(import.meta.dirname, '../../fixtures/ssvc/cisa-coordinator-2.0.3.csv'), 'utf8'));

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

const published = referenceFile('ssvc/cisa_coordinator_2_0_3.csv', "the SSVC table check against CERT/CC's published CSV");
describe.skipIf(published === undefined)("the generated table against CERT/CC's cisa_coordinator_2_0_3.csv", () => {
  it('has the same header and the same 36 rows, row for row', () => {
    const real = csvRows(readFileSync(published as string, 'utf8'));
    expect(real.header).toBe(header);
    expect(real.rows).toHaveLength(36);
    expect(rows).toEqual(real.rows);
  });

  it('agrees with ssvcDecision on every published row', () => {
    const real = csvRows(readFileSync(published as string, 'utf8'));
    const decided = real.rows.map(([, exploitation, automatable, technicalImpact, missionWellbeing]) =>
      ssvcDecision(SsvcInputsSchema.parse({ exploitation, automatable, technicalImpact, missionWellbeing })),
    );
    expect(decided).toEqual(real.rows.map((row) => row[5]));
    expect(decided.filter((decision) => decision === 'act')).toHaveLength(4);
  });
});
