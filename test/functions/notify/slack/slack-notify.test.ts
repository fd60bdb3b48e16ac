import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionRecord } from '../../../../functions/model/action.ts';
import { SlackNotifyRequestSchema } from '../../../../functions/notify/slack/slack-message.ts';
import { createSlackClient, notifySlack } from '../../../../functions/notify/slack/slack-notify.ts';
import { startSlackSimulator } from '../../../../functions/notify/slack/slack-simulator.ts';
import { VendorAuthFailed, VendorRateLimited } from '../../../../functions/vendor/vendor-errors.ts';
import { startActionStore } from '../../actuators/action-store.ts';

const TOKEN = 'xoxb-simulated';
const notification = SlackNotifyRequestSchema.parse({
  tenant: 'default',
  execution: 'exec-slack-1',
  kind: 'actions-taken',
  plan: { vulnerability: { id: 'CVE-2023-4966', name: 'Citrix Bleed', kev: true }, decision: 'act', reasons: ['internet-facing'] },
});

describe('Slack notifier', () => {
  let sim: Awaited<ReturnType<typeof startSlackSimulator>>;
  let store: Awaited<ReturnType<typeof startActionStore>>;

  beforeEach(async () => {
    sim = await startSlackSimulator({ token: TOKEN });
    store = await startActionStore();
  });
  afterEach(async () => {
    await sim.close();
    await store.close();
  });

  it('posts text and Block Kit blocks through @slack/web-api and records the message ts', async () => {
    const deps = { actions: store.actions, slack: createSlackClient({ token: TOKEN, slackApiUrl: `${sim.url}/api/` }), channel: 'C0SECOPS' };
    const { actions } = await notifySlack(deps, notification);
    expect(sim.state.messages).toHaveLength(1);
    const [message] = sim.state.messages;
    expect(message).toMatchObject({ channel: 'C0SECOPS', text: expect.stringContaining('CVE-2023-4966') });
    expect(message?.blocks?.[0]).toMatchObject({ type: 'header' });
    expect(actions[0]).toMatchObject({ actuator: 'slack', status: 'done', vendorObjectId: message?.ts });
    expect(sim.requests.every((r) => r.violations === undefined && r.status === 200)).toBe(true);
    // Posting the same notification of the same execution again does not post twice.
    await notifySlack(deps, notification);
    expect(sim.state.messages).toHaveLength(1);
  });

  it('maps invalid_auth to VendorAuthFailed and 429 to VendorRateLimited', async () => {
    const wrong = { actions: store.actions, slack: createSlackClient({ token: 'xoxb-wrong', slackApiUrl: `${sim.url}/api/` }), channel: 'C0SECOPS' };
    await expect(notifySlack(wrong, notification)).rejects.toBeInstanceOf(VendorAuthFailed);
    sim.throttle(1);
    const right = { actions: store.actions, slack: createSlackClient({ token: TOKEN, slackApiUrl: `${sim.url}/api/` }), channel: 'C0SECOPS' };
    const error = await notifySlack(right, { ...notification, execution: 'exec-slack-2' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VendorRateLimited);
    expect((error as VendorRateLimited).retryAfterSeconds).toBe(30);
  });

  it("reports the run's actions as the audit trail has them, holds and expiry included", async () => {
    const at = '2023-10-18T02:00:00.000Z';
    const held: ActionRecord = {
      tenant: 'default',
      id: 'held-1',
      actuator: 'crowdstrike-containment',
      operation: 'apply',
      target: 'crowdstrike-device:5f4e',
      status: 'held',
      dryRun: false,
      requestedBy: 'exec-slack-1',
      reason: 'CVE-2023-4966',
      exposureIds: [],
      detail: 'already changed by forestall for CVE-2023-6549; held for CVE-2023-4966 too',
      expiresAt: '2023-10-21T02:00:00.000Z',
      onExpiry: 'renew',
      createdAt: at,
      updatedAt: at,
    };
    await store.actions.createIfAbsent(held);
    const deps = { actions: store.actions, slack: createSlackClient({ token: TOKEN, slackApiUrl: `${sim.url}/api/` }), channel: 'C0SECOPS' };
    await notifySlack(deps, notification);
    const text = JSON.stringify(sim.state.messages[0]?.blocks);
    expect(text).toContain('CrowdStrike host containment');
    expect(text).toContain('already changed by forestall for CVE-2023-6549; held for CVE-2023-4966 too (stands until 2023-10-21T02:00:00.000Z, then renew)');
  });

  it('rejects a post without a channel with 400 naming the violation', async () => {
    const response = await fetch(`${sim.url}/api/chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=hello' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('body.channel: is required');
  });
});
