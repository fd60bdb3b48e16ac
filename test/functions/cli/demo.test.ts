import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../../functions/cli/demo.ts';

describe('forestall demo', () => {
  it('plays the 2am scenario with a second CVE on the same gateways: holds, a forged event refused, expiry renewed then reverted', async () => {
    let printed = '';
    const out = new Writable({
      write(chunk, _encoding, done) {
        printed += String(chunk);
        done();
      },
    });

    const outcome = await runDemo({ out });

    expect(outcome.ok).toBe(true);
    expect(outcome.playbookStatus).toEqual({ 'CVE-2023-4966': 'SUCCEEDED', 'CVE-2023-6549': 'SUCCEEDED' });
    expect(printed).toMatch(/CVE-2023-4966: 47 affected assets \(8 act, 39 attend\)/);

    // The first run contains the 8 edge gateways; every change records its before-state and its undo.
    const applies = outcome.actions.filter((a) => a.operation === 'apply' && a.actuator !== 'slack');
    const made = applies.filter((a) => a.changedBy === undefined && a.before !== undefined);
    expect(made.filter((a) => a.actuator === 'crowdstrike-containment')).toHaveLength(10);
    expect(made.filter((a) => a.actuator === 'ec2-security-group')).toHaveLength(10);
    expect(made.filter((a) => a.actuator === 'okta-sessions')).toHaveLength(4);
    for (const action of made) expect(action.inverse?.description).toBeTruthy();

    // The second CVE's run holds what the first contained instead of acting again.
    const held = applies.filter((a) => a.changedBy !== undefined);
    expect(held).toHaveLength(16);
    expect(held.every((a) => a.reason.startsWith('CVE-2023-6549'))).toBe(true);

    // The first run's release leaves the gateways contained for the second CVE ("still held for ...").
    const releases = outcome.actions.filter((a) => a.operation === 'release');
    const keptStanding = releases.filter((a) => a.status === 'released');
    expect(keptStanding).toHaveLength(16);
    expect(keptStanding[0]?.detail).toBe('hold of CVE-2023-4966 released; the change stands: still held for CVE-2023-6549');
    expect(outcome.vendors.afterFirstRelease).toContain('CrowdStrike host containment: 10 of 56 hosts contained');

    // The second run's patch watch gives up; the sweeper renews while affected, then reverts once fixed.
    expect(printed).toContain('[CVE-2023-6549] patch watch gave up: 10 exposures marked containment-standing');
    expect(printed).toMatch(/10 renewed \(crowdstrike-containment\), 10 renewed \(ec2-security-group\)/);
    expect(printed).toMatch(/10 released \(crowdstrike-containment\), 10 released \(ec2-security-group\)/);
    const reverted = releases.filter((a) => a.status === 'reverted');
    expect(reverted).toHaveLength(20);
    expect(reverted.every((a) => a.requestedBy.startsWith('sweeper:') && a.confirmation?.verdict !== 'differs')).toBe(true);
    expect(applies.filter((a) => a.actuator !== 'okta-sessions').every((a) => a.status === 'reverted')).toBe(true);

    // The forged event from another account matched no rule, and Plan refuses it too.
    expect(outcome.forgedEventRefused).toBe(true);
    expect(printed).toContain("forged event matched no rule: the exposure-act rule admits only this account's events");
    expect(printed).toContain('the same event handed to Plan directly: 0 targets (the event came from account 999999999999');

    // The vendors really changed, and everything came back.
    expect(outcome.vendors.before).toEqual(['EC2 security groups (internet ingress): 112 internet-open ingress rules on 56 groups', 'Okta sessions: 0 Okta sessions cleared', 'CrowdStrike host containment: 0 of 56 hosts contained']);
    expect(outcome.vendors.contained).toContain('CrowdStrike host containment: 8 of 56 hosts contained');
    expect(outcome.vendors.contained).toContain('EC2 security groups (internet ingress): 96 internet-open ingress rules on 56 groups');
    expect(outcome.vendors.after).toContain('CrowdStrike host containment: 0 of 56 hosts contained');
    expect(outcome.vendors.after).toContain('EC2 security groups (internet ingress): 112 internet-open ingress rules on 56 groups');

    // Exactly one change call per change: retries, holds and releases that leave a change standing call nothing.
    expect(outcome.vendorCalls).toEqual({
      'ec2-security-group': { changeCalls: 20, changes: 20 },
      'okta-sessions': { changeCalls: 4, changes: 4 },
      'crowdstrike-containment': { changeCalls: 20, changes: 20 },
    });

    // Every real change is announced; Slack heard each stage, with the remediation path and the holds.
    expect(outcome.actionEvents).toEqual({ taken: 24, reverted: 20 });
    expect(outcome.slackMessages.map((m) => m.text?.split(':')[1]?.trim())).toEqual(['rotating_light', 'rotating_light', 'white_check_mark', 'warning', 'hourglass']);
    const first = JSON.stringify(outcome.slackMessages[0]?.blocks);
    expect(first).toContain('netscaler_gateway 14.1-8.6: upgrade to 14.1-8.50 or later');
    expect(first).toContain('How to undo');
    expect(first).toContain('stands until');
    expect(JSON.stringify(outcome.slackMessages[2]?.blocks)).toContain('still held for CVE-2023-6549');
    // The exposures carry the lifecycle: the first CVE's contained then verified once its fix was found and
    // released; the second CVE's still contained (its patch watch gave up), each with its exposure window.
    const byCve = (cve: string) => outcome.exposures.filter((e) => e.vulnerability === cve);
    expect(byCve('CVE-2023-4966').map((e) => e.state)).toEqual(Array(8).fill('verified'));
    for (const exposure of byCve('CVE-2023-4966')) {
      expect(exposure.timeline.containedAt! <= exposure.timeline.verifiedAt!, exposure.asset).toBe(true);
    }
    expect(byCve('CVE-2023-6549').map((e) => [e.state, e.response?.state])).toEqual(Array(10).fill(['contained', 'containment-standing']));
    expect(printed).toMatch(/\[CVE-2023-4966\] 8 exposure\(s\) of CVE-2023-4966 contained/);
    expect(printed).toMatch(/\[CVE-2023-4966\] 8 exposure\(s\) of CVE-2023-4966 verified/);
    expect(printed).toMatch(/nsgw-edge-01 verified: contained \S+, remediated \S+, verified \S+; window: intel published -> contained after [\d.]+ days -> remediated after/);
    expect(printed).toMatch(/adc-fixed-01 contained: contained \S+; window: intel published -> contained after [\d.]+ days -> not remediated; detected -> contained \d+ (s|min); containment-standing/);
    expect(outcome.intelToFirstActionMs).toBeGreaterThanOrEqual(0);
    expect(printed).toMatch(/intel-to-first-action: \d+ ms/);
  });
});
