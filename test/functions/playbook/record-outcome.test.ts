import { beforeEach, describe, expect, it } from 'vitest';
import type { Asset } from '../../../functions/model/asset.ts';
import type { Exposure } from '../../../functions/model/exposure.ts';
import { recordContained, recordVerified } from '../../../functions/playbook/record-outcome.ts';
import { InMemoryStore, loadEstate } from './in-memory-store.ts';
import { storedExposure } from './stored-exposures.ts';

const TENANT = 'default';
const CVE = 'CVE-2023-4966';
const EXECUTION = 'arn:aws:states:eu-west-1:111122223333:execution:cve-exposure-response:citrix-bleed';
const EDGE = ['nsgw-edge-01', 'nsgw-edge-02', 'nsgw-edge-03'];
const APPLIED: Array<{ actuator: string; operation: string; summary: Record<string, number> }> = [
  { actuator: 'ec2-security-group', operation: 'apply', summary: { done: 3 } },
  { actuator: 'crowdstrike-containment', operation: 'apply', summary: { held: 2, skipped: 1 } },
];

let store: InMemoryStore;
let now: Date;
const deps = () => ({ repositories: store, now: () => now });
const stored = (asset: string) => store.exposureList.find((exposure) => exposure.asset === asset);

beforeEach(async () => {
  store = new InMemoryStore();
  now = new Date('2023-10-18T02:03:00Z');
  const estate = new Map(loadEstate().map((asset) => [asset.id, asset]));
  const exposure = (id: string, state: Exposure['state'] = 'open') => storedExposure(estate.get(id) as Asset, 'act', state);
  await store.exposures.putMany([exposure('nsgw-edge-01'), exposure('nsgw-edge-02'), exposure('nsgw-edge-03', 'remediated')]);
});

describe('recordContained', () => {
  it('makes the exposures of the assets acted on contained, stamping containedAt, and says which it left alone', async () => {
    const record = await recordContained(deps(), { outcome: 'contained', tenant: TENANT, execution: EXECUTION, vulnerability: CVE, assetIds: [...EDGE, 'nsgw-gone'], mode: 'enforce', applied: APPLIED });

    expect(record).toMatchObject({ outcome: 'contained', changed: 2, refusedCount: 2, note: `2 exposure(s) of ${CVE} contained, 2 left as they were` });
    expect(record.refused).toEqual([
      { asset: 'nsgw-edge-03', reason: expect.stringContaining('is remediated: it cannot become contained') },
      { asset: 'nsgw-gone', reason: `no stored exposure of ${CVE} on asset nsgw-gone` },
    ]);
    expect(stored('nsgw-edge-01')).toMatchObject({ state: 'contained', timeline: { containedAt: '2023-10-18T02:03:00.000Z' } });
    expect(stored('nsgw-edge-01')?.reasons.at(-1)).toBe(`contained: by playbook ${EXECUTION} on 2023-10-18T02:03:00.000Z`);
    expect(stored('nsgw-edge-03')?.state).toBe('remediated');
  });

  it('marks nothing in shadow mode, nor when no actuator reports a change that stands', async () => {
    const shadow = await recordContained(deps(), { outcome: 'contained', tenant: TENANT, execution: EXECUTION, vulnerability: CVE, assetIds: EDGE, mode: 'shadow', applied: APPLIED });
    expect(shadow).toMatchObject({ changed: 0, note: 'shadow mode: nothing was changed, the exposures stay open' });

    const failed = await recordContained(deps(), {
      outcome: 'contained',
      tenant: TENANT,
      execution: EXECUTION,
      vulnerability: CVE,
      assetIds: EDGE,
      mode: 'enforce',
      applied: [{ actuator: 'ec2-security-group', operation: 'apply', summary: { skipped: 2, failed: 1, applying: 1 } }],
    });
    expect(failed).toMatchObject({ changed: 0, note: 'no actuator reported a change that stands: the exposures stay open' });
    expect(store.exposureList.map((exposure) => exposure.state)).toEqual(['open', 'open', 'remediated']);
  });
});

describe('recordVerified', () => {
  it('verifies contained and remediated exposures once the fix was found, keeping when each step happened', async () => {
    await recordContained(deps(), { outcome: 'contained', tenant: TENANT, execution: EXECUTION, vulnerability: CVE, assetIds: ['nsgw-edge-01'], mode: 'enforce', applied: APPLIED });
    now = new Date('2023-10-18T06:00:00Z');

    const record = await recordVerified(deps(), { outcome: 'verified', tenant: TENANT, execution: EXECUTION, vulnerability: CVE, assetIds: EDGE });

    // nsgw-edge-02 stayed open (not contained by this run): verifying it is not the playbook's to say.
    expect(record).toMatchObject({ outcome: 'verified', changed: 2, refusedCount: 1, refused: [{ asset: 'nsgw-edge-02', reason: expect.stringContaining('is open') }] });
    expect(stored('nsgw-edge-01')).toMatchObject({
      state: 'verified',
      timeline: { containedAt: '2023-10-18T02:03:00.000Z', remediatedAt: '2023-10-18T06:00:00.000Z', verifiedAt: '2023-10-18T06:00:00.000Z' },
    });
    expect(stored('nsgw-edge-03')).toMatchObject({ state: 'verified', timeline: { verifiedAt: '2023-10-18T06:00:00.000Z' } });
  });
});
