import { describe, expect, it } from 'vitest';
import { DetailType, EVENT_SOURCE } from '../../../functions/model/events.ts';
import { compileEventPattern } from '../../../functions/routing/event-pattern.ts';
import { ACTION_TRIGGERS, EventPatterns, rulePattern } from '../../../functions/routing/rules.ts';
import type { BusEvent } from '../../../functions/local/local-bus.ts';

const OWN = '111122223333';
const envelope = (detailType: string, detail: Record<string, unknown>, account: string): BusEvent => ({
  version: '0',
  id: 'e1',
  'detail-type': detailType,
  source: EVENT_SOURCE,
  account,
  time: '2023-10-18T02:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

describe('rule patterns (found on main: a forged Exposure Detected from another account started containment)', () => {
  it('starts action playbooks only for events from the stack\'s own account', () => {
    const act = compileEventPattern(rulePattern('exposureAct', OWN));
    expect(act(envelope(DetailType.ExposureDetected, { decision: 'act' }, OWN))).toBe(true);
    expect(act(envelope(DetailType.ExposureDetected, { decision: 'act' }, '999999999999'))).toBe(false);
    expect(ACTION_TRIGGERS).toEqual(new Set(['exposureAct']));
  });

  it('still lets other accounts send intel in: matching checks and stores it itself', () => {
    const intel = compileEventPattern(rulePattern('intelChanged', OWN));
    expect(intel(envelope(DetailType.IntelChanged, { kind: 'vulnerability' }, '999999999999'))).toBe(true);
    expect(rulePattern('intelChanged', OWN)).toEqual(EventPatterns.intelChanged);
  });
});
