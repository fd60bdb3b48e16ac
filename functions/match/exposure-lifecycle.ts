import type { Exposure, ExposureState } from '../model/exposure.ts';

/**
 * How a fresh match meets the stored exposure. The matcher knows what the inventory and the intel say
 * now; the stored exposure knows what people and playbooks did. Neither may erase the other:
 * - still affected: a `contained` exposure stays contained, an `accepted` one stays accepted until
 *   `acceptedUntil`; a `remediated`/`verified` one is reopened (the affected version came back);
 * - VEX says not affected or resolved: that state, whatever was stored;
 * - no longer affected: `open`, `contained` and `accepted` become `remediated`; the rest stay.
 * The first detection, the response record and the timeline survive every rewrite.
 * Returns undefined when nothing is to be written.
 */
export function reconcileExposure(previous: Exposure | undefined, current: Exposure | undefined, now: string): Exposure | undefined {
  if (current === undefined) return previous === undefined ? undefined : noLongerAffected(previous, now);
  if (previous === undefined) return current;
  const kept = {
    ...current,
    detectedAt: previous.detectedAt,
    // What people and playbooks did stays on the record: the matcher's reasons, then the lifecycle lines.
    reasons: [...current.reasons, ...previous.reasons.filter((reason) => LIFECYCLE_REASON.test(reason) && !current.reasons.includes(reason))],
    timeline: { ...previous.timeline, ...current.timeline },
    ...(previous.response ? { response: previous.response } : {}),
  };
  // A VEX note belongs to the statement: it goes when the statement no longer applies.
  if (previous.state === 'not-affected' && current.state !== 'not-affected') delete kept.timeline.note;
  // A VEX statement decides on its own.
  if (current.state !== 'open') {
    return current.state === previous.state ? { ...kept, timeline: { ...kept.timeline, ...pick(previous.timeline, current.state) } } : kept;
  }
  switch (previous.state) {
    case 'contained':
      return { ...kept, state: 'contained' };
    case 'accepted': {
      const until = previous.timeline.acceptedUntil;
      if (until === undefined || Date.parse(until) > Date.parse(now)) return { ...kept, state: 'accepted' };
      const { acceptedAt: _a, acceptedUntil: _u, acceptedBy: _b, note: _n, ...timeline } = kept.timeline;
      return { ...kept, state: 'open', timeline, reasons: [...kept.reasons, `reopened: the acceptance by ${previous.timeline.acceptedBy ?? 'unknown'} expired on ${until}`] };
    }
    case 'remediated':
    case 'verified': {
      const { remediatedAt: _r, verifiedAt: _v, ...timeline } = kept.timeline;
      return {
        ...kept,
        state: 'open',
        timeline,
        reasons: [...kept.reasons, `reopened: on ${now} the inventory shows ${current.component} ${current.version} again, after it was ${previous.state}`],
      };
    }
    default:
      return kept;
  }
}

/** Reasons the lifecycle adds (not the matcher): kept across re-matching as the exposure's history. */
const LIFECYCLE_REASON = /^(contained|verified|accepted|reopened|remediated): /;

/** The timeline stamp a state keeps when it is unchanged (so re-matching does not move it). */
function pick(timeline: Exposure['timeline'], state: ExposureState): Partial<Exposure['timeline']> {
  if (state === 'remediated' && timeline.remediatedAt) return { remediatedAt: timeline.remediatedAt };
  return {};
}

/** The stored exposure once its asset no longer shows an affected version. */
function noLongerAffected(previous: Exposure, now: string): Exposure | undefined {
  if (previous.state !== 'open' && previous.state !== 'contained' && previous.state !== 'accepted') return undefined;
  return {
    ...previous,
    state: 'remediated',
    updatedAt: now,
    timeline: { ...previous.timeline, remediatedAt: now },
    reasons: [...previous.reasons, `remediated: on ${now} the inventory no longer shows an affected version on asset ${previous.asset}`],
  };
}

/** A transition a person or a playbook asks for, and what it needs. */
export type ExposureTransition =
  | { to: 'contained'; at: string; by: string }
  | { to: 'verified'; at: string; by: string }
  | { to: 'accepted'; at: string; by: string; until: string; note: string }
  | { to: 'open'; at: string; by: string; note: string };

/** Transitions allowed from each state; anything else is refused with the reason. */
const ALLOWED: Readonly<Record<ExposureTransition['to'], readonly ExposureState[]>> = {
  contained: ['open'],
  verified: ['remediated', 'contained'],
  accepted: ['open', 'contained'],
  open: ['accepted', 'not-affected'],
};

export class ExposureTransitionRefused extends Error {
  constructor(exposure: Exposure, to: ExposureState) {
    super(`exposure ${exposure.id} is ${exposure.state}: it cannot become ${to} (allowed from ${ALLOWED[to as ExposureTransition['to']].join(', ')})`);
    this.name = 'ExposureTransitionRefused';
  }
}

/**
 * Moves an exposure along its lifecycle with the time stamped: `contained` when a playbook's
 * containment stands, `verified` when its patch check found the fix (from `contained` it also stamps
 * `remediatedAt`), `accepted` with an expiry and a note, `open` to withdraw an acceptance.
 * @throws ExposureTransitionRefused for a transition the lifecycle does not have.
 */
export function transitionExposure(exposure: Exposure, transition: ExposureTransition): Exposure {
  if (!ALLOWED[transition.to].includes(exposure.state)) throw new ExposureTransitionRefused(exposure, transition.to);
  const base = { ...exposure, state: transition.to, updatedAt: transition.at };
  switch (transition.to) {
    case 'contained':
      return { ...base, timeline: { ...exposure.timeline, containedAt: exposure.timeline.containedAt ?? transition.at }, reasons: [...exposure.reasons, `contained: by ${transition.by} on ${transition.at}`] };
    case 'verified':
      return {
        ...base,
        timeline: { ...exposure.timeline, remediatedAt: exposure.timeline.remediatedAt ?? transition.at, verifiedAt: transition.at },
        reasons: [...exposure.reasons, `verified: ${transition.by} found the fix on ${transition.at}`],
      };
    case 'accepted':
      return {
        ...base,
        timeline: { ...exposure.timeline, acceptedAt: transition.at, acceptedUntil: transition.until, acceptedBy: transition.by, note: transition.note },
        reasons: [...exposure.reasons, `accepted: by ${transition.by} until ${transition.until}: ${transition.note}`],
      };
    case 'open': {
      const { acceptedAt: _a, acceptedUntil: _u, acceptedBy: _b, note: _n, ...timeline } = exposure.timeline;
      return { ...base, timeline, reasons: [...exposure.reasons, `reopened: by ${transition.by} on ${transition.at}: ${transition.note}`] };
    }
  }
}

/** The exposure window in milliseconds: intel published -> contained, and -> remediated, where known. */
export function exposureWindow(exposure: Exposure): { toContainedMs?: number; toRemediatedMs?: number } {
  const start = exposure.timeline.intelPublishedAt ?? exposure.detectedAt;
  const since = (end: string | undefined) => (end === undefined ? undefined : Date.parse(end) - Date.parse(start));
  const contained = since(exposure.timeline.containedAt);
  const remediated = since(exposure.timeline.remediatedAt);
  return { ...(contained !== undefined ? { toContainedMs: contained } : {}), ...(remediated !== undefined ? { toRemediatedMs: remediated } : {}) };
}
