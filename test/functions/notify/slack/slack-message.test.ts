import { describe, expect, it } from 'vitest';
import { actionsFor, composeSlackMessage, splitAffectedReasons } from '../../../../functions/notify/slack/slack-message.ts';
import type { ActionRecord } from '../../../../functions/model/action.ts';

const base = { tenant: 'default', requestedBy: 'exec-1', reason: 'CVE-2023-4966', exposureIds: [], createdAt: '2025-01-01T02:00:00Z', updatedAt: '2025-01-01T02:00:00Z' };
const actions: ActionRecord[] = [
  {
    ...base,
    id: 'a1',
    actuator: 'ec2-security-group',
    operation: 'apply',
    target: '111122223333/eu-west-1/sg-0a1b2c3d',
    status: 'done',
    dryRun: false,
    detail: 'revoked tcp 443 from 0.0.0.0/0',
    expiresAt: '2025-01-04T02:00:00Z',
    onExpiry: 'renew',
    inverse: { operation: 'AuthorizeSecurityGroupIngress', parameters: {}, description: 're-open tcp 443 from 0.0.0.0/0 on sg-0a1b2c3d' },
  },
  { ...base, id: 'o1', actuator: 'okta-sessions', operation: 'apply', target: 'okta-user:00u-alice', status: 'done', dryRun: false, inverse: { operation: 'none', parameters: {}, description: 'none: users sign in again; sessions cannot be restored' } },
  { ...base, id: 'c1', actuator: 'crowdstrike-containment', operation: 'apply', target: 'crowdstrike-device:5f4e', status: 'skipped', dryRun: true, detail: 'shadow: would network-contain host 5f4e' },
];
const plan = {
  vulnerability: { id: 'CVE-2023-4966', name: 'Citrix Bleed', kev: true, cvss: 9.4, dueDate: '2023-11-08', requiredAction: 'Apply mitigations <per vendor>' },
  decision: 'act',
  reasons: ['exploitation: active (CISA KEV)', 'internet-facing'],
  skipped: [{ assetId: 'netscaler-dr', reason: 'never-touch tag forestall:never-touch' }],
  targets: { network: [] },
};

function allText(message: ReturnType<typeof composeSlackMessage>): string {
  return message.blocks.map((block) => ('text' in block ? block.text.text : 'elements' in block ? block.elements.map((e) => e.text).join(' ') : '')).join('\n');
}

describe('composeSlackMessage', () => {
  it('says what was done per actuator and target, why, how to undo, and what was skipped', () => {
    const message = composeSlackMessage({ kind: 'actions-taken', execution: 'exec-1', plan, actions });
    const text = allText(message);
    expect(message.text).toBe(':rotating_light: forestall acted: CVE-2023-4966 (Citrix Bleed) (3 action(s), 1 in shadow mode)');
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'forestall acted: CVE-2023-4966 (Citrix Bleed)' } });
    // why
    expect(text).toContain('In CISA KEV (known exploited), remediation due 2023-11-08');
    expect(text).toContain('SSVC decision: *act*');
    expect(text).toContain('• internet-facing');
    expect(text).toContain('Apply mitigations &lt;per vendor&gt;');
    // what, grouped by actuator (titles from the registry), shadow marked, with how long it stands
    expect(text).toContain('_EC2 security groups (internet ingress)_\n• `111122223333/eu-west-1/sg-0a1b2c3d` apply: *done* - revoked tcp 443 from 0.0.0.0/0 (stands until 2025-01-04T02:00:00Z, then renew)');
    expect(text).toContain('`crowdstrike-device:5f4e` apply: *skipped (shadow)*');
    // how to undo, with the action id
    expect(text).toContain('• `a1` (111122223333/eu-west-1/sg-0a1b2c3d): re-open tcp 443 from 0.0.0.0/0 on sg-0a1b2c3d [AuthorizeSecurityGroupIngress]');
    expect(text).toContain('• `o1` (okta-user:00u-alice): none: users sign in again; sessions cannot be restored');
    // guardrails
    expect(text).toContain('*Skipped / guardrails*\n• netscaler-dr: never-touch tag forestall:never-touch');
    expect(text).toContain('shadow mode: 1 action(s) recorded, nothing changed for those');
  });

  it('reports a failure with the Step Functions error and cause', () => {
    const message = composeSlackMessage({ kind: 'failed', execution: 'exec-1', plan, actions: [], error: { Error: 'VendorAuthFailed', Cause: 'okta refused the credentials (HTTP 401)' } });
    expect(message.text).toBe(':x: forestall playbook failed: CVE-2023-4966 (Citrix Bleed): VendorAuthFailed: okta refused the credentials (HTTP 401)');
    expect(allText(message)).toContain('VendorAuthFailed: okta refused the credentials (HTTP 401)');
  });

  it('says when there is nothing to do', () => {
    const message = composeSlackMessage({ kind: 'nothing-to-do', execution: 'exec-1', plan, actions: [] });
    expect(message.text).toBe(':information_source: CVE-2023-4966 (Citrix Bleed): nothing to do');
    expect(allText(message)).toContain('No action was needed');
  });

  it('stays within Slack block limits for large runs', () => {
    const many = Array.from({ length: 400 }, (_, index) => ({ ...actions[0], id: `id-${index}`, target: `111122223333/eu-west-1/sg-${String(index).padStart(8, '0')}` }) as ActionRecord);
    const message = composeSlackMessage({ kind: 'released', execution: 'exec-1', plan, actions: many });
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks) if ('text' in block) expect(block.text.text.length).toBeLessThanOrEqual(3000);
  });

  it('says which holds keep a change standing and what a revert found', () => {
    const released: ActionRecord = {
      ...base,
      id: 'r1',
      actuator: 'crowdstrike-containment',
      operation: 'release',
      target: 'crowdstrike-device:5f4e',
      status: 'released',
      dryRun: false,
      detail: 'hold of CVE-2023-4966 released; the change stands: still held for CVE-2023-6549',
    };
    const reverted: ActionRecord = {
      ...released,
      id: 'r2',
      target: 'crowdstrike-device:9a8b',
      status: 'reverted',
      detail: 'containment lift requested',
      confirmation: { verdict: 'restored', observed: 'host status normal', checkedAt: '2025-01-02T02:00:00Z' },
    };
    const text = allText(composeSlackMessage({ kind: 'released', execution: 'exec-1', plan, actions: [released, reverted] }));
    expect(text).toContain('*What was released*');
    expect(text).toContain('`crowdstrike-device:5f4e` release: *released* - hold of CVE-2023-4966 released; the change stands: still held for CVE-2023-6549');
    expect(text).toContain('`crowdstrike-device:9a8b` release: *reverted* - containment lift requested (vendor now: host status normal, restored)');
  });

  it('reports the kind of actions each notification is about', () => {
    const release = { ...actions[0], id: 'x', operation: 'release', status: 'reverted' } as ActionRecord;
    const slack = { ...actions[0], id: 's', actuator: 'slack', operation: 'notify-actions-taken' } as ActionRecord;
    const all = [...actions, release, slack];
    expect(actionsFor('actions-taken', all).map((a) => a.id)).toEqual(['a1', 'o1', 'c1']);
    expect(actionsFor('released', all).map((a) => a.id)).toEqual(['x']);
    expect(actionsFor('still-contained', all).map((a) => a.id)).toEqual(['a1', 'o1']);
    expect(actionsFor('failed', all).map((a) => a.id)).toEqual(['a1', 'o1', 'c1', 'x']);
    expect(actionsFor('nothing-to-do', all)).toEqual([]);
  });
});

describe('splitAffectedReasons', () => {
  it('condenses per-component match reasons into one line per product build with its fix', () => {
    const reasons = [
      'exploitation: active - in CISA KEV since 2023-10-18',
      'affected: cpe:2.3:a:citrix:netscaler_gateway:14.1-8.6:*:*:*:*:*:*:* (version 14.1-8.6) is within NVD criteria cpe:2.3:a:citrix:netscaler_gateway:*:*:*:*:*:*:*:*, versions from 14.1 (including) up to 14.1-8.50 (excluding) [matchCriteriaId 4F1610E6-FE48-4339-8E74-765E0517E33D]',
      'affected: cpe:2.3:a:citrix:netscaler_gateway:14.1-8.6:*:*:*:*:*:*:* (version 14.1-8.6) is within NVD criteria cpe:2.3:a:citrix:netscaler_gateway:*:*:*:*:*:*:*:*, versions from 14.1 (including) up to 14.1-8.50 (excluding) [matchCriteriaId 4F1610E6-FE48-4339-8E74-765E0517E33D]',
      'affected: cpe:2.3:a:vendor:product:2.0:*:*:*:*:*:*:* (version 2.0) is within NVD criteria cpe:2.3:a:vendor:product:*:*:*:*:*:*:*:*, versions up to 2.1 (including)',
      'affected: cpe:2.3:a:vendor:other:1.0:*:*:*:*:*:*:* (version 1.0) is within NVD criteria cpe:2.3:a:vendor:other:1.0:*:*:*:*:*:*:*, version 1.0',
    ];

    const { affected, other } = splitAffectedReasons(reasons);

    expect(other).toEqual(['exploitation: active - in CISA KEV since 2023-10-18']);
    expect(affected).toEqual([
      'netscaler_gateway 14.1-8.6: upgrade to 14.1-8.50 or later',
      'other 1.0: no fixed build named by NVD',
      'product 2.0: upgrade past 2.1',
    ]);
  });
});
