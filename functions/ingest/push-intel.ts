import type { PublishEvents } from '../routing/event-publisher.ts';
import type { IntelPush, PushOutcome } from '../webhook/receive-intel.ts';
import type { Repositories } from '../store/ports.ts';
import { ingestPayload, type PayloadArchive } from './ingest-runner.ts';
import { InvalidFeedDocument } from './invalid-feed-document.ts';
import { detectSource, INTEL_SOURCES } from './sources/registry.ts';

/**
 * Stores intel another system pushed to the webhook: the format is told from the content (any source
 * the registry knows), then stored like a file (see ingestPayload).
 */
export async function acceptPushedIntel(
  deps: { repositories: Pick<Repositories, 'intel' | 'quarantine' | 'cursors'>; publishEvents: PublishEvents; archive?: PayloadArchive; now(): Date },
  push: IntelPush,
): Promise<PushOutcome> {
  const source = detectSource(push.body);
  if (!source) {
    throw new InvalidFeedDocument(`body: not an intel format forestall reads (${INTEL_SOURCES.map((candidate) => candidate.title).join('; ')})`);
  }
  const ingestDeps = { intel: deps.repositories.intel, quarantine: deps.repositories.quarantine, cursors: deps.repositories.cursors, publishEvents: deps.publishEvents, now: deps.now, ...(deps.archive ? { archive: deps.archive } : {}) };
  // A failed announcement leaves the changes in the outbox for the next run: the push is still stored.
  const { summary } = await ingestPayload(source, ingestDeps, { tenant: push.tenant, payload: push.body, label: `push-${push.deliveryId ?? 'delivery'}` });
  return { accepted: summary.added + summary.updated + summary.revoked, rejected: summary.quarantined + summary.trimmed, unchanged: summary.unchanged };
}
