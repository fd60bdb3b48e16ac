import type { PublishEvents } from '../routing/event-publisher.ts';
import type { IntelPush, PushOutcome } from '../webhook/receive-intel.ts';
import type { Repositories } from '../store/ports.ts';
import { emptySummary, storeParsed, announcePending, type PayloadArchive } from './ingest-runner.ts';
import { InvalidFeedDocument } from './invalid-feed-document.ts';
import { detectSource, INTEL_SOURCES } from './sources/registry.ts';

/**
 * Stores intel another system pushed to the webhook: the format is told from the content (any source
 * the registry knows), the raw body archived, changes written and announced like a poll's. A pushed
 * list is never a source's complete list, so a push cannot revoke what it leaves out. A repeated
 * delivery finds everything unchanged and writes nothing.
 */
export async function acceptPushedIntel(
  deps: { repositories: Pick<Repositories, 'intel' | 'quarantine' | 'cursors'>; publishEvents: PublishEvents; archive?: PayloadArchive; now(): Date },
  push: IntelPush,
): Promise<PushOutcome> {
  const source = detectSource(push.body);
  if (!source) {
    throw new InvalidFeedDocument(`body: not an intel format forestall reads (${INTEL_SOURCES.map((candidate) => candidate.title).join('; ')})`);
  }
  const parsed = source.parse(push.body, { source: source.name, now: push.receivedAt });
  await deps.archive?.put(`push/${push.tenant}/${push.receivedAt}-${push.deliveryId ?? source.name}`, push.body);
  const ingestDeps = { intel: deps.repositories.intel, quarantine: deps.repositories.quarantine, cursors: deps.repositories.cursors, publishEvents: deps.publishEvents, now: deps.now };
  const summary = emptySummary(source.name);
  await storeParsed(ingestDeps, { tenant: push.tenant, source: source.name, parsed: { ...parsed, complete: false }, ...(source.decorate ? { decorate: source.decorate } : {}) }, summary);
  // Announcing may fail (bus outage): the changes are stored and stay in the outbox for the next run.
  await announcePending(ingestDeps, push.tenant).catch(() => undefined);
  return { accepted: summary.added + summary.updated + summary.revoked, rejected: summary.quarantined + summary.trimmed, unchanged: summary.unchanged };
}
