import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Exposure } from '../../../functions/model/exposure.ts';
import { reportStanding } from '../../../functions/playbook/report-standing.ts';
import { startActionStore } from '../actuators/action-store.ts';

const at = '2023-10-18T02:00:00.000Z';
const exposure = (asset: string): Exposure => ({
  tenant: 'default',
  id: `CVE-2023-4966|${asset}`,
  vulnerability: 'CVE-2023-4966',
  asset,
  component: 'cpe:citrix:netscaler_gateway',
  version: '13.1-48.47',
  internetFacing: true,
  criticality: 'high',
  kev: true,
  decision: 'act',
  ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'high' },
  reasons: ['exploitation: active (CISA KEV)'],
  evidence: [],
  timeline: {},
  state: 'open',
  detectedAt: at,
  updatedAt: at,
});

describe('reportStanding (found on main: a run ended with hosts contained and only a Slack line said so)', () => {
  let store: Awaited<ReturnType<typeof startActionStore>>;
  beforeEach(async () => {
    store = await startActionStore();
    await store.repositories.exposures.putMany([exposure('nsgw-edge-01'), exposure('nsgw-edge-02')]);
  });
  afterEach(() => store.close());

  it('marks each unpatched exposure as containment standing, and the mark survives re-matching', async () => {
    const report = await reportStanding(
      { repositories: store.repositories, now: () => new Date('2023-10-21T02:00:00Z') },
      { tenant: 'default', execution: 'run-1', vulnerability: 'CVE-2023-4966', assetIds: ['nsgw-edge-01', 'nsgw-edge-02', 'gone'], checks: 72 },
    );
    expect(report).toEqual({ marked: 2, note: "patch not verified after 72 checks; the run's changes stand until their expiry" });

    // The matcher rewrites exposures from scratch; what the response recorded stays.
    await store.repositories.exposures.putMany([{ ...exposure('nsgw-edge-01'), reasons: ['re-matched'], updatedAt: '2023-10-22T00:00:00.000Z' }]);
    const [first] = await store.repositories.exposures.getMany('default', [{ vulnerability: 'CVE-2023-4966', asset: 'nsgw-edge-01' }]);
    expect(first).toMatchObject({ reasons: ['re-matched'], response: { state: 'containment-standing', execution: 'run-1', since: '2023-10-21T02:00:00.000Z' } });
  });
});
