import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../../functions/cli/demo.ts';

describe('forestall demo', () => {
  it('plays the 2am scenario end to end: contain the 8 internet-facing hosts, notify, release after the patch', async () => {
    let printed = '';
    const out = new Writable({
      write(chunk, _encoding, done) {
        printed += String(chunk);
        done();
      },
    });

    const outcome = await runDemo({ out });

    expect(outcome.ok).toBe(true);
    expect(outcome.playbookStatus).toBe('SUCCEEDED');
    const by = (actuator: string, operation: string) =>
      outcome.actions.filter((action) => action.actuator === actuator && action.operation.includes(operation));
    // Containment: the 8 edge hosts in CrowdStrike, their security groups, the app admins' Okta sessions.
    const contained = outcome.actions.filter((a) => a.actuator === 'crowdstrike-containment' && a.inverse);
    expect(contained).toHaveLength(8);
    expect(contained.every((a) => a.status === 'reverted')).toBe(true);
    expect(outcome.actions.filter((a) => a.actuator === 'ec2-security-group' && a.inverse).every((a) => a.status === 'reverted')).toBe(true);
    expect(outcome.actions.filter((a) => a.actuator === 'okta-sessions' && a.status === 'done')).toHaveLength(2);
    // Every action says why and how to undo it (or that it cannot be undone).
    for (const action of outcome.actions.filter((a) => a.actuator !== 'slack')) {
      expect(action.reason).toContain('CVE-2023-4966');
      expect(action.inverse?.description ?? action.detail).toBeTruthy();
    }
    expect(by('slack', 'notify').map((a) => a.operation)).toEqual(['notify-actions-taken', 'notify-released']);
    expect(outcome.slackMessages).toHaveLength(2);
    // Every real change is announced for other accounts: 8 security groups + 2 Okta users + 8 hosts
    // restricted, signed out and contained; the 8 groups and 8 hosts released. Notifications are not.
    expect(outcome.actionEvents).toEqual({ taken: 18, reverted: 16 });
    expect(printed).toContain('events: 18 Action Taken, 16 Action Reverted on the bus');
    // The first message carries the remediation path for every affected build.
    const posted = JSON.stringify(outcome.slackMessages[0]?.blocks);
    expect(posted).toContain('netscaler_gateway 14.1-8.6: upgrade to 14.1-8.50 or later');
    expect(posted).toContain('How to undo');
    expect(outcome.intelToFirstActionMs).toBeGreaterThanOrEqual(0);
    expect(printed).toMatch(/47 affected assets \(8 act, 39 attend\)/);
    expect(printed).toMatch(/intel-to-first-action: \d+ ms/);
    // The simulated vendors really changed: 8 hosts contained and 16 public rules revoked, then all restored.
    expect(printed).toContain('vendors before 02:00: 0 hosts contained, 112 internet-open ingress rules');
    expect(printed).toContain('vendors while contained: 8 hosts contained, 96 internet-open ingress rules');
    expect(printed).toContain('vendors after release: 0 hosts contained, 112 internet-open ingress rules');
  });
});
