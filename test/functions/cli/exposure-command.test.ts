import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openLocalStore } from '../../../functions/cli/local-store.ts';
import type { Exposure } from '../../../functions/model/exposure.ts';
import { runCli, scratch } from './cli-harness.ts';

const CVE = 'CVE-2023-4966';
const NOW = Date.parse('2023-10-20T09:00:00Z');

const exposure = (asset: string, state: Exposure['state'], timeline: Exposure['timeline'] = {}, decision: Exposure['decision'] = 'act'): Exposure => ({
  tenant: 'default',
  id: `${CVE}|${asset}`,
  vulnerability: CVE,
  asset,
  component: 'cpe:citrix:netscaler_gateway',
  version: '13.1-48.47',
  internetFacing: true,
  criticality: 'high',
  kev: true,
  decision,
  ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'high' },
  reasons: ['exploitation: active (CISA KEV)'],
  evidence: [],
  timeline: { intelPublishedAt: '2023-10-10T14:15:00.000Z', ...timeline },
  state,
  detectedAt: '2023-10-18T02:00:05.000Z',
  updatedAt: '2023-10-18T02:00:05.000Z',
});

let store: string;
beforeEach(async () => {
  store = join(scratch(), 'store');
  const local = await openLocalStore(store);
  try {
    await local.repositories.exposures.putMany([
      exposure('nsgw-edge-01', 'verified', { containedAt: '2023-10-18T02:03:00.000Z', remediatedAt: '2023-10-18T06:00:00.000Z', verifiedAt: '2023-10-18T06:00:00.000Z' }),
      exposure('nsgw-edge-02', 'contained', { containedAt: '2023-10-18T02:03:00.000Z' }),
      exposure('adc-int-01', 'open', {}, 'attend'),
    ]);
  } finally {
    await local.close();
  }
});

const cli = (...args: string[]) => runCli(['exposure', ...args, '--store', store], { nowSeconds: () => NOW / 1000, env: { USER: 'dana' } });

describe('forestall exposure', () => {
  it('lists every exposure with its timeline and exposure window', async () => {
    const { code, stdout, stderr } = await cli('list');

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`${CVE}  nsgw-edge-01  verified  (decision act, cpe:citrix:netscaler_gateway 13.1-48.47)`);
    expect(stdout).toMatch(/ {4}contained {8}2023-10-18T02:03:00.000Z/);
    expect(stdout).toContain('window           intel published -> contained after 7.5 days -> remediated after 7.7 days');
    expect(stdout).toContain('intel published -> contained after 7.5 days -> not remediated');
    expect(stdout).toContain('3 exposure(s): 1 open, 1 contained, 1 verified.');
  });

  it('filters by state, and says so when nothing is in it', async () => {
    const contained = await cli('list', '--state', 'contained', '--json');
    expect(contained.code).toBe(0);
    const rows = JSON.parse(contained.stdout) as Array<Exposure & { window: { toContainedMs?: number } }>;
    expect(rows.map((row) => [row.asset, row.state, row.window.toContainedMs])).toEqual([['nsgw-edge-02', 'contained', 7 * 86_400_000 + 11 * 3_600_000 + 48 * 60_000]]);

    expect((await cli('list', '--state', 'accepted')).stdout).toBe('No exposures in state accepted for tenant default.\n');
    expect(await cli('list', '--state', 'fixed')).toMatchObject({ code: 2, stderr: expect.stringContaining('--state: "fixed" is not a state (open, contained, remediated, verified, accepted, not-affected)') });
  });

  it('accepts an exposure until a date with the reason and who, then reopens it', async () => {
    const accepted = await cli('accept', CVE, 'adc-int-01', '--until', '2024-01-31', '--reason', 'internal only, replaced in January');

    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`${CVE}  adc-int-01  accepted`);
    expect(accepted.stdout).toContain('accepted         2023-10-20T09:00:00.000Z by dana until 2024-01-31T00:00:00.000Z');
    expect(accepted.stdout).toContain('note             internal only, replaced in January');
    expect((await cli('list', '--state', 'accepted')).stdout).toContain('adc-int-01  accepted');

    const reopened = await cli('reopen', CVE, 'adc-int-01', '--reason', 'the replacement slipped', '--by', 'sam');
    expect(reopened.code).toBe(0);
    expect(reopened.stdout).toContain(`${CVE}  adc-int-01  open`);
    expect(reopened.stdout).not.toContain('accepted ');
    expect((await cli('list', '--state', 'open', '--json')).stdout).toContain('reopened: by sam on 2023-10-20T09:00:00.000Z: the replacement slipped');
  });

  it('refuses what the lifecycle does not allow, and exposures that are not stored, with the reason', async () => {
    const verified = await cli('accept', CVE, 'nsgw-edge-01', '--until', '2024-01-31', '--reason', 'x');
    expect(verified).toMatchObject({ code: 1, stdout: '' });
    expect(verified.stderr).toContain(`exposure ${CVE}|nsgw-edge-01 is verified: it cannot become accepted (allowed from open, contained)`);

    const open = await cli('reopen', CVE, 'nsgw-edge-02', '--reason', 'x');
    expect(open.code).toBe(1);
    expect(open.stderr).toContain('is contained: it cannot become open');

    const missing = await cli('accept', CVE, 'nsgw-nowhere', '--until', '2024-01-31', '--reason', 'x');
    expect(missing).toMatchObject({ code: 1, stderr: `forestall exposure accept: no stored exposure of ${CVE} on asset nsgw-nowhere\n` });
  });

  it('names the argument that is missing or wrong', async () => {
    const cases: Array<[string[], string]> = [
      [['accept'], '<vulnerability>: name the vulnerability'],
      [['accept', CVE], '<asset>: name the asset id'],
      [['accept', CVE, 'adc-int-01', '--reason', 'x'], '--until: give the date the acceptance ends'],
      [['accept', CVE, 'adc-int-01', '--until', 'next week', '--reason', 'x'], '--until: "next week" is not an ISO 8601 date'],
      [['accept', CVE, 'adc-int-01', '--until', '2024-02-30', '--reason', 'x'], '--until: "2024-02-30" is not an ISO 8601 date'],
      [['accept', CVE, 'adc-int-01', '--until', '2023-10-01', '--reason', 'x'], '--until: 2023-10-01T00:00:00.000Z is not in the future'],
      [['accept', CVE, 'adc-int-01', '--until', '2024-01-31'], '--reason: say why the exposure is accepted'],
      [['accept', CVE, 'adc-int-01', '--until', '2024-01-31', '--reason', '  '], '--reason: say why'],
      [['reopen', CVE, 'adc-int-01', '--reason', 'x', '--until', '2024-01-31'], '--until: only "exposure accept" takes an end date'],
      [['accept', CVE, 'adc-int-01', 'because', '--until', '2024-01-31', '--reason', 'x'], 'unexpected argument "because"'],
      [['list', '--tenant', 'Not A Tenant'], '--tenant: '],
      [['promote'], 'unknown action "promote"'],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await cli(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toContain(message);
    }
    const noStore = await runCli(['exposure', 'list', '--store', join(scratch(), 'nothing-here')]);
    expect(noStore).toMatchObject({ code: 2, stderr: expect.stringContaining('no local database at') });
  });

  it('is in the help', async () => {
    expect((await runCli(['help'])).stdout).toContain('forestall exposure accept <vulnerability> <asset> --until <ISO date> --reason "..." [--by NAME]');
  });
});
