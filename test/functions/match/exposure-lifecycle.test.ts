import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ExposureTransitionRefused,
  exposureWindow,
  reconcileExposure,
  transitionExposure,
  type ExposureTransition,
} from '../../../functions/match/exposure-lifecycle.ts';
import { ExposureSchema, type Exposure, type ExposureState, type ExposureTimeline } from '../../../functions/model/exposure.ts';

const DETECTED = '2025-01-10T08:00:00.000Z';
const NOW = '2025-03-01T12:00:00.000Z';
const RESPONSE = { state: 'containment-standing' as const, execution: 'exec-1', since: '2025-02-01T00:00:00.000Z', note: 'patch watch gave up' };

/** A stored exposure (checked against the schema) with the fields each test cares about. */
function exposure(overrides: Partial<Exposure> = {}): Exposure {
  return ExposureSchema.parse({
    tenant: 'default',
    id: 'CVE-2023-4966|ns-1',
    vulnerability: 'CVE-2023-4966',
    asset: 'ns-1',
    component: 'cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*',
    version: '13.1-48.47',
    internetFacing: true,
    criticality: 'high',
    kev: true,
    decision: 'act',
    ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: 'high' },
    reasons: ['affected: stored reason'],
    state: 'open',
    evidence: [],
    timeline: { intelPublishedAt: '2023-10-10T00:00:00.000Z' },
    detectedAt: DETECTED,
    updatedAt: DETECTED,
    ...overrides,
  });
}

/** What the matcher finds now: a fresh exposure detected at NOW, `open` unless VEX says otherwise. */
function fresh(overrides: Partial<Exposure> = {}): Exposure {
  return exposure({ reasons: ['affected: fresh reason'], detectedAt: NOW, updatedAt: NOW, ...overrides });
}

describe('reconcileExposure: nothing stored, nothing found', () => {
  it('writes nothing when neither the store nor the matcher has the exposure', () => {
    expect(reconcileExposure(undefined, undefined, NOW)).toBeUndefined();
  });

  it('writes a new exposure exactly as the matcher found it', () => {
    const current = fresh();
    expect(reconcileExposure(undefined, current, NOW)).toEqual(current);
  });
});

describe('reconcileExposure: still affected', () => {
  it('an open exposure stays open with the fresh decision, but keeps the first detection, the response and the stored timeline', () => {
    const previous = exposure({ state: 'open', response: RESPONSE, timeline: { intelPublishedAt: '2023-10-10T00:00:00.000Z', note: 'kept note' } });
    const current = fresh({ decision: 'attend', timeline: { intelPublishedAt: '2023-10-09T00:00:00.000Z' } });
    const result = reconcileExposure(previous, current, NOW);
    expect(result).toEqual({
      ...current,
      detectedAt: DETECTED,
      response: RESPONSE,
      // The fresh timeline wins field by field; stored fields it does not give survive.
      timeline: { intelPublishedAt: '2023-10-09T00:00:00.000Z', note: 'kept note' },
    });
  });

  it('adds no response field when none was stored', () => {
    const result = reconcileExposure(exposure(), fresh(), NOW);
    expect(result).toBeDefined();
    expect(Object.hasOwn(result!, 'response')).toBe(false);
  });

  it('a contained exposure stays contained and keeps containedAt', () => {
    const previous = exposure({ state: 'contained', timeline: { intelPublishedAt: '2023-10-10T00:00:00.000Z', containedAt: '2025-01-11T00:00:00.000Z' } });
    const result = reconcileExposure(previous, fresh(), NOW);
    expect(result?.state).toBe('contained');
    expect(result?.timeline.containedAt).toBe('2025-01-11T00:00:00.000Z');
    expect(result?.reasons).toEqual(['affected: fresh reason']);
  });

  const accepted = (timeline: Partial<ExposureTimeline>) =>
    exposure({ state: 'accepted', timeline: { acceptedAt: '2025-02-01T00:00:00.000Z', acceptedBy: 'alice', note: 'compensating WAF rule', ...timeline } });

  it.each([
    ['a day after now', '2025-03-02T12:00:00.000Z'],
    ['a millisecond after now', '2025-03-01T12:00:00.001Z'],
  ])('an accepted exposure stays accepted while acceptedUntil is %s', (_when, until) => {
    const result = reconcileExposure(accepted({ acceptedUntil: until }), fresh(), NOW);
    expect(result?.state).toBe('accepted');
    expect(result?.timeline).toMatchObject({ acceptedUntil: until, acceptedBy: 'alice', note: 'compensating WAF rule' });
    expect(result?.reasons).toEqual(['affected: fresh reason']);
  });

  it('an accepted exposure without an expiry stays accepted', () => {
    expect(reconcileExposure(accepted({}), fresh(), NOW)?.state).toBe('accepted');
  });

  it.each([
    ['exactly now', NOW],
    ['a day before now', '2025-02-28T12:00:00.000Z'],
  ])('an accepted exposure whose acceptedUntil is %s reopens, saying whose acceptance expired when', (_when, until) => {
    const result = reconcileExposure(accepted({ acceptedUntil: until }), fresh(), NOW);
    expect(result?.state).toBe('open');
    expect(result?.reasons).toEqual(['affected: fresh reason', `reopened: the acceptance by alice expired on ${until}`]);
    // The lapsed acceptance is history in the reasons, not a standing acceptance in the timeline.
    expect(result?.timeline).not.toHaveProperty('acceptedUntil');
    expect(result?.timeline).not.toHaveProperty('acceptedBy');
  });

  it('an expired acceptance without acceptedBy names the acceptor unknown', () => {
    const previous = exposure({ state: 'accepted', timeline: { acceptedUntil: '2025-01-01T00:00:00.000Z' } });
    expect(reconcileExposure(previous, fresh(), NOW)?.reasons.at(-1)).toBe('reopened: the acceptance by unknown expired on 2025-01-01T00:00:00.000Z');
  });

  it.each([
    ['remediated', { remediatedAt: '2025-02-01T00:00:00.000Z' }],
    ['verified', { remediatedAt: '2025-02-01T00:00:00.000Z', verifiedAt: '2025-02-02T00:00:00.000Z' }],
  ] as const)('a %s exposure reopens with remediatedAt and verifiedAt cleared, saying the version came back', (state, stamps) => {
    const previous = exposure({ state, response: RESPONSE, timeline: { intelPublishedAt: '2023-10-10T00:00:00.000Z', containedAt: '2025-01-11T00:00:00.000Z', ...stamps } });
    const result = reconcileExposure(previous, fresh(), NOW);
    expect(result?.state).toBe('open');
    expect(result?.timeline).toEqual({ intelPublishedAt: '2023-10-10T00:00:00.000Z', containedAt: '2025-01-11T00:00:00.000Z' });
    expect(result?.reasons).toEqual([
      'affected: fresh reason',
      `reopened: on ${NOW} the inventory shows cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:* 13.1-48.47 again, after it was ${state}`,
    ]);
    expect(result?.detectedAt).toBe(DETECTED);
    expect(result?.response).toEqual(RESPONSE);
  });
});

describe('reconcileExposure: a VEX statement in the fresh match decides on its own', () => {
  const notAffected = () => fresh({ state: 'not-affected', timeline: { intelPublishedAt: '2023-10-10T00:00:00.000Z', note: 'not affected: VEX says so' } });

  it.each(['open', 'contained', 'accepted', 'remediated', 'verified', 'not-affected'] as const)(
    'VEX not-affected wins over a stored %s exposure',
    (state) => {
      const result = reconcileExposure(exposure({ state, response: RESPONSE }), notAffected(), NOW);
      expect(result?.state).toBe('not-affected');
      expect(result?.timeline.note).toBe('not affected: VEX says so');
      expect(result?.detectedAt).toBe(DETECTED);
      expect(result?.response).toEqual(RESPONSE);
    },
  );

  it.each(['open', 'contained', 'accepted', 'verified'] as const)('VEX resolved turns a stored %s exposure remediated at the fresh time', (state) => {
    const result = reconcileExposure(exposure({ state }), fresh({ state: 'remediated', timeline: { remediatedAt: NOW } }), NOW);
    expect(result?.state).toBe('remediated');
    expect(result?.timeline.remediatedAt).toBe(NOW);
  });

  it('VEX resolved on an exposure already remediated keeps the first remediatedAt (re-matching does not move it)', () => {
    const previous = exposure({ state: 'remediated', timeline: { remediatedAt: '2025-02-01T00:00:00.000Z' } });
    const result = reconcileExposure(previous, fresh({ state: 'remediated', timeline: { remediatedAt: NOW } }), NOW);
    expect(result?.state).toBe('remediated');
    expect(result?.timeline.remediatedAt).toBe('2025-02-01T00:00:00.000Z');
  });
});

describe('reconcileExposure: no longer affected', () => {
  it.each(['open', 'contained', 'accepted'] as const)('a stored %s exposure becomes remediated now, with the reason and everything else kept', (state) => {
    const previous = exposure({ state, response: RESPONSE, timeline: { intelPublishedAt: '2023-10-10T00:00:00.000Z', containedAt: '2025-01-11T00:00:00.000Z' } });
    expect(reconcileExposure(previous, undefined, NOW)).toEqual({
      ...previous,
      state: 'remediated',
      updatedAt: NOW,
      timeline: { ...previous.timeline, remediatedAt: NOW },
      reasons: ['affected: stored reason', `remediated: on ${NOW} the inventory no longer shows an affected version on asset ns-1`],
    });
  });

  it.each(['remediated', 'verified', 'not-affected'] as const)('a stored %s exposure is left untouched (nothing to write)', (state) => {
    expect(reconcileExposure(exposure({ state }), undefined, NOW)).toBeUndefined();
  });
});

describe('transitionExposure', () => {
  const AT = '2025-02-15T09:30:00.000Z';
  const transitions: Record<ExposureTransition['to'], ExposureTransition> = {
    contained: { to: 'contained', at: AT, by: 'playbook exec-1' },
    verified: { to: 'verified', at: AT, by: 'patch check exec-1' },
    accepted: { to: 'accepted', at: AT, by: 'alice', until: '2025-06-01T00:00:00.000Z', note: 'vendor fix pending' },
    open: { to: 'open', at: AT, by: 'bob', note: 'WAF rule removed' },
  };
  const ALL_STATES: readonly ExposureState[] = ['open', 'contained', 'remediated', 'verified', 'accepted', 'not-affected'];
  const ALLOWED_FROM: Record<ExposureTransition['to'], readonly ExposureState[]> = {
    contained: ['open'],
    verified: ['remediated', 'contained'],
    accepted: ['open', 'contained'],
    open: ['accepted', 'not-affected'],
  };
  const matrix = (Object.keys(ALLOWED_FROM) as ExposureTransition['to'][]).flatMap((to) =>
    ALL_STATES.map((from) => [from, to, ALLOWED_FROM[to].includes(from)] as const),
  );

  it.each(matrix)('from %s to %s allowed=%s', (from, to, allowed) => {
    const before = exposure({ state: from });
    const act = () => transitionExposure(before, transitions[to]);
    if (allowed) {
      const after = act();
      expect(after.state).toBe(to);
      expect(after.updatedAt).toBe(AT);
    } else {
      expect(act).toThrow(ExposureTransitionRefused);
      expect(act).toThrow(`exposure CVE-2023-4966|ns-1 is ${from}: it cannot become ${to} (allowed from ${ALLOWED_FROM[to].join(', ')})`);
    }
  });

  it('a refused transition is an ExposureTransitionRefused error with that name', () => {
    let error: unknown;
    try {
      transitionExposure(exposure({ state: 'verified' }), transitions.contained);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ExposureTransitionRefused);
    expect((error as Error).name).toBe('ExposureTransitionRefused');
    expect((error as Error).message).toBe('exposure CVE-2023-4966|ns-1 is verified: it cannot become contained (allowed from open)');
  });

  it('contained stamps containedAt and says who contained it', () => {
    const after = transitionExposure(exposure({ state: 'open' }), transitions.contained);
    expect(after.timeline).toEqual({ intelPublishedAt: '2023-10-10T00:00:00.000Z', containedAt: AT });
    expect(after.reasons).toEqual(['affected: stored reason', `contained: by playbook exec-1 on ${AT}`]);
  });

  it('contained again after a reopen keeps the first containedAt', () => {
    const after = transitionExposure(exposure({ state: 'open', timeline: { containedAt: '2025-01-11T00:00:00.000Z' } }), transitions.contained);
    expect(after.timeline.containedAt).toBe('2025-01-11T00:00:00.000Z');
  });

  it('verified from contained stamps remediatedAt and verifiedAt at the same time', () => {
    const after = transitionExposure(exposure({ state: 'contained', timeline: { containedAt: '2025-01-11T00:00:00.000Z' } }), transitions.verified);
    expect(after.timeline).toEqual({ containedAt: '2025-01-11T00:00:00.000Z', remediatedAt: AT, verifiedAt: AT });
    expect(after.reasons.at(-1)).toBe(`verified: patch check exec-1 found the fix on ${AT}`);
  });

  it('verified from remediated keeps the earlier remediatedAt', () => {
    const after = transitionExposure(exposure({ state: 'remediated', timeline: { remediatedAt: '2025-02-01T00:00:00.000Z' } }), transitions.verified);
    expect(after.timeline).toEqual({ remediatedAt: '2025-02-01T00:00:00.000Z', verifiedAt: AT });
  });

  it('accepted records when, by whom, until when and why', () => {
    const after = transitionExposure(exposure({ state: 'contained', timeline: { containedAt: '2025-01-11T00:00:00.000Z' } }), transitions.accepted);
    expect(after.timeline).toEqual({
      containedAt: '2025-01-11T00:00:00.000Z',
      acceptedAt: AT,
      acceptedUntil: '2025-06-01T00:00:00.000Z',
      acceptedBy: 'alice',
      note: 'vendor fix pending',
    });
    expect(after.reasons.at(-1)).toBe('accepted: by alice until 2025-06-01T00:00:00.000Z: vendor fix pending');
  });

  it('open withdraws the acceptance stamps and says who reopened it and why', () => {
    const before = exposure({
      state: 'accepted',
      timeline: { intelPublishedAt: '2023-10-10T00:00:00.000Z', acceptedAt: '2025-02-01T00:00:00.000Z', acceptedUntil: '2025-06-01T00:00:00.000Z', acceptedBy: 'alice' },
    });
    const after = transitionExposure(before, transitions.open);
    expect(after.timeline).toEqual({ intelPublishedAt: '2023-10-10T00:00:00.000Z' });
    expect(after.reasons.at(-1)).toBe(`reopened: by bob on ${AT}: WAF rule removed`);
  });

  it('leaves the exposure it was given unchanged', () => {
    const before = exposure({ state: 'open' });
    const copy = structuredClone(before);
    transitionExposure(before, transitions.accepted);
    expect(before).toEqual(copy);
  });
});

describe('exposureWindow', () => {
  const HOUR = 3_600_000;
  it.each([
    ['intel -> contained and -> remediated', { intelPublishedAt: '2025-01-01T00:00:00.000Z', containedAt: '2025-01-01T06:00:00.000Z', remediatedAt: '2025-01-03T00:00:00.000Z' }, { toContainedMs: 6 * HOUR, toRemediatedMs: 48 * HOUR }],
    ['only containment so far', { intelPublishedAt: '2025-01-01T00:00:00.000Z', containedAt: '2025-01-01T00:30:00.000Z' }, { toContainedMs: HOUR / 2 }],
    ['remediated without containment', { intelPublishedAt: '2025-01-01T00:00:00.000Z', remediatedAt: '2025-01-02T00:00:00.000Z' }, { toRemediatedMs: 24 * HOUR }],
    ['neither contained nor remediated', { intelPublishedAt: '2025-01-01T00:00:00.000Z' }, {}],
    ['no intel date: measured from detection', { containedAt: '2025-01-10T09:00:00.000Z' }, { toContainedMs: HOUR }],
  ] as const)('%s', (_name, timeline, expected) => {
    expect(exposureWindow(exposure({ timeline: { ...timeline }, detectedAt: DETECTED }))).toStrictEqual(expected);
  });
});

describe('reconcileExposure property', () => {
  const stamp = fc.constantFrom('2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z', NOW, '2025-04-01T00:00:00.000Z');
  const timeline = fc.record(
    { intelPublishedAt: stamp, containedAt: stamp, remediatedAt: stamp, verifiedAt: stamp, acceptedAt: stamp, acceptedUntil: stamp, acceptedBy: fc.constantFrom('alice', 'bob'), note: fc.constantFrom('a note', 'VEX note') },
    { requiredKeys: [] },
  );
  const state = fc.constantFrom<ExposureState>('open', 'contained', 'remediated', 'verified', 'accepted', 'not-affected');
  const stored = fc.record({ state, timeline, response: fc.option(fc.constant(RESPONSE), { nil: undefined }) }).map(({ response, ...fields }) =>
    exposure({ ...fields, ...(response ? { response } : {}) }),
  );
  // What the matcher gives (exposureFor): open, or a VEX state; intelPublishedAt, remediatedAt only for
  // VEX resolved, a note only for VEX not affected.
  const matched = fc
    .record({
      state: fc.constantFrom<ExposureState>('open', 'not-affected', 'remediated'),
      intelPublishedAt: fc.option(stamp, { nil: undefined }),
      at: stamp,
      decision: fc.constantFrom('act' as const, 'attend' as const),
    })
    .map(({ state, intelPublishedAt, at, decision }) =>
      fresh({
        state,
        decision,
        updatedAt: at,
        detectedAt: at,
        timeline: {
          ...(intelPublishedAt ? { intelPublishedAt } : {}),
          ...(state === 'remediated' ? { remediatedAt: at } : {}),
          ...(state === 'not-affected' ? { note: 'not affected: VEX' } : {}),
        },
      }),
    );
  /** The exposure without updatedAt. */
  const comparable = ({ updatedAt: _u, ...rest }: Exposure) => rest;

  it('reconciling the same match twice changes nothing the second time (up to updatedAt)', () => {
    fc.assert(
      fc.property(fc.option(stored, { nil: undefined }), fc.option(matched, { nil: undefined }), stamp, (previous, current, now) => {
        const first = reconcileExposure(previous, current, now);
        // Nothing written: the store still holds `previous`, and the second run sees the same.
        if (first === undefined) {
          expect(reconcileExposure(previous, current, now)).toBeUndefined();
          return;
        }
        const second = reconcileExposure(first, current, now);
        // Undefined means nothing to write: the stored first result already stands.
        if (second === undefined) {
          expect(current).toBeUndefined();
          expect(first.state).toBe('remediated');
          return;
        }
        expect(comparable(second)).toEqual(comparable(first));
      }),
      { numRuns: 500 },
    );
  });
});

describe('reconcileExposure: the reopen reason on the next match', () => {
  // Found while testing: the reconcile that reopened added the line, the next one dropped it again.
  // Lifecycle lines now stay on the record across re-matching, as the exposure's history.
  it.each([
    ['an expired acceptance', exposure({ state: 'accepted', timeline: { acceptedBy: 'alice', acceptedUntil: '2025-01-01T00:00:00.000Z' } })],
    ['a remediated exposure whose version came back', exposure({ state: 'remediated', timeline: { remediatedAt: '2025-02-01T00:00:00.000Z' } })],
  ])('keeps the reopened reason of %s when the same match is reconciled again', (_case, previous) => {
    const first = reconcileExposure(previous, fresh(), NOW)!;
    expect(first.reasons.some((reason) => reason.startsWith('reopened:'))).toBe(true);
    const second = reconcileExposure(first, fresh(), NOW)!;
    expect(second.reasons).toEqual(first.reasons);
  });
});
