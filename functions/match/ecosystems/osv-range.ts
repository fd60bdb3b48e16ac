import { compareSemVerVersions } from './semver-ordering.ts';
import { versionOrdering, type VersionOrdering } from './compare-versions.ts';

/** One OSV range event: exactly one of the four keys. */
export type OsvRangeEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

/** The parts of an OSV `affected` entry that decide membership (the shape of `OsvAffected`). */
export interface OsvAffectedVersions {
  readonly ranges?: readonly { readonly type: 'SEMVER' | 'ECOSYSTEM' | 'GIT'; readonly events: readonly OsvRangeEvent[] }[];
  readonly versions?: readonly string[];
}

/** Whether a version is affected, and which part of the record says so, for logs and notifications. */
export interface AffectedVerdict {
  readonly affected: boolean;
  readonly reason: string;
}

type EventKind = 'introduced' | 'fixed' | 'last_affected' | 'limit';

interface Event {
  readonly kind: EventKind;
  readonly version: string;
}

/** At equal versions the range opens before it closes. */
const KIND_ORDER: Readonly<Record<EventKind, number>> = { introduced: 0, last_affected: 1, fixed: 2, limit: 3 };

function toEvent(event: OsvRangeEvent): Event {
  if ('introduced' in event) return { kind: 'introduced', version: event.introduced };
  if ('fixed' in event) return { kind: 'fixed', version: event.fixed };
  if ('last_affected' in event) return { kind: 'last_affected', version: event.last_affected };
  return { kind: 'limit', version: event.limit };
}

/** `introduced: "0"` is before every version; `limit: "*"` after every version. */
const isStart = (event: Event) => event.kind === 'introduced' && event.version === '0';
const isUnlimited = (event: Event) => event.kind === 'limit' && event.version === '*';

function sortEvents(events: readonly Event[], order: VersionOrdering): Event[] {
  // `limit: "*"` bounds nothing, and no ordering can read it.
  return events.filter((event) => !isUnlimited(event)).sort((a, b) => {
    if (isStart(a) || isStart(b)) return Number(isStart(b)) - Number(isStart(a));
    return order(a.version, b.version) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  });
}

/** Walks a range's events in version order, as the OSV schema's evaluation does; the event that decided, if any. */
function rangeVerdict(events: readonly Event[], version: string, order: VersionOrdering): { affected: boolean; event?: Event } {
  let affected = false;
  let decisive: Event | undefined;
  for (const event of sortEvents(events, order)) {
    if (event.kind === 'introduced' && (isStart(event) || order(version, event.version) >= 0)) {
      affected = true;
      decisive = event;
    } else if (event.kind === 'fixed' && order(version, event.version) >= 0) {
      affected = false;
      decisive = event;
    } else if (event.kind === 'last_affected' && order(version, event.version) > 0) {
      affected = false;
      decisive = event;
    }
  }
  // A limit caps the whole range: nothing at or past it is in this range.
  const limit = events.find((event) => event.kind === 'limit' && !isUnlimited(event) && order(version, event.version) >= 0);
  if (affected && limit) return { affected: false, event: limit };
  return decisive ? { affected, event: decisive } : { affected };
}

const describe = (event: Event) => `${event.kind} ${JSON.stringify(event.version)}`;

/**
 * Whether `version` of a package is affected by one OSV `affected` entry, following the OSV schema:
 * an exact match in `versions`, else any SEMVER range (SemVer 2.0.0 order) or ECOSYSTEM range (the
 * ecosystem's own order) whose sorted events put the version at or after an `introduced`, before a
 * `fixed`, at or before a `last_affected`, and below any `limit`. GIT ranges name commits, not
 * versions, so they are not evaluated here (the reason says so). An empty version (not known) is
 * counted as affected whenever the entry lists anything, so an unknown version is never reported safe.
 *
 * Throws `UnsupportedVersion` when the version or a range's event cannot be read in the ordering it
 * needs, and `UnsupportedEcosystem` for an ECOSYSTEM range of an ecosystem without an ordering: a
 * verdict from a guessed order could wrongly clear a package.
 */
export function isAffected(affected: OsvAffectedVersions, ecosystem: string, version: string): AffectedVerdict {
  const ranges = affected.ranges ?? [];
  const versions = affected.versions ?? [];
  if (version.trim() === '') {
    return ranges.length + versions.length > 0
      ? { affected: true, reason: 'no version known: assumed affected, as the record lists affected versions' }
      : { affected: false, reason: 'the record lists no ranges and no versions' };
  }
  if (versions.includes(version)) return { affected: true, reason: `${version} is listed in the record's versions` };

  const reasons: string[] = [];
  for (const range of ranges) {
    if (range.type === 'GIT') {
      reasons.push('a GIT range names commits, not versions: not evaluated');
      continue;
    }
    const order: VersionOrdering =
      range.type === 'SEMVER' ? (a, b) => compareSemVerVersions(a, b, ecosystem) : versionOrdering(ecosystem);
    const verdict = rangeVerdict(range.events.map(toEvent), version, order);
    const because = verdict.event ? ` (${describe(verdict.event)})` : '';
    if (verdict.affected) return { affected: true, reason: `${version} is in a ${range.type} range${because}` };
    reasons.push(verdict.event ? `outside a ${range.type} range${because}` : `before every ${range.type} range's introduced`);
  }
  if (reasons.length === 0) return { affected: false, reason: `${version} is not in the record's versions, and it has no ranges` };
  const listed = versions.length > 0 ? 'not in the record\'s versions; ' : '';
  return { affected: false, reason: `${version} is ${listed}${reasons.join('; ')}` };
}
