import { randomUUID } from 'node:crypto';
import { EVENT_SOURCE } from '../model/events.ts';
import { compileEventPattern, type EventMatcher, type EventPattern } from '../routing/event-pattern.ts';
import { preparePutEventsEntry, type PublishEvents } from '../routing/event-publisher.ts';

/** The envelope EventBridge delivers to targets; matches eventEnvelopeSchema in functions/model/events.ts. */
export interface BusEvent {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export type RuleTarget = (event: BusEvent) => Promise<void> | void;

/** An entry put on the local bus; source defaults to `forestall` as with the deployed publisher. */
export interface LocalPutEntry {
  detailType: string;
  detail: unknown;
  source?: string;
  resources?: string[];
  /**
   * The account that sends it, as EventBridge records it (the sender cannot choose it): defaults to the
   * bus's own account; another account stands for a PutEvents through the bus policy.
   */
  account?: string;
}

/** One rule receiving one event: the demo timeline is built from these. */
export interface DeliveryRecord {
  rule: string;
  eventId: string;
  detailType: string;
  /** When the bus matched the event to the rule (ISO 8601 with milliseconds). */
  deliveredAt: string;
  /** When the target finished, successfully or not. */
  settledAt?: string;
  status: 'in-flight' | 'succeeded' | 'failed';
  error?: string;
}

/** Every event put on the bus, with the rules it matched (none is worth seeing in a timeline too). */
export interface PublishedRecord {
  event: BusEvent;
  publishedAt: string;
  matchedRules: string[];
}

export interface LocalEventBusOptions {
  account?: string;
  region?: string;
  now?: () => Date;
  newId?: () => string;
}

/** A second rule under a name already taken. */
export class DuplicateRule extends Error {
  constructor(name: string) {
    super(`a rule named "${name}" is already on the local bus`);
    this.name = 'DuplicateRule';
  }
}

interface Rule {
  name: string;
  pattern: EventPattern;
  matches: EventMatcher;
  target: RuleTarget;
}

/** EventBridge's `time` has whole seconds: 2017-12-22T18:43:48Z. */
function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * An in-process EventBridge bus for local runs. Rules use the same pattern objects the CDK stack deploys
 * (EventPatterns in functions/routing/rules.ts), validated when added. putEvents builds full envelopes and
 * returns at once; each matching rule's target runs asynchronously, as on the real bus, and a target's
 * error is recorded in the delivery log instead of reaching the publisher. drain() waits for all of it,
 * including events that targets publish while running.
 */
export class LocalEventBus {
  readonly account: string;
  readonly region: string;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly rules = new Map<string, Rule>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly deliveryLog: DeliveryRecord[] = [];
  private readonly publishedLog: PublishedRecord[] = [];

  constructor(options: LocalEventBusOptions = {}) {
    this.account = options.account ?? '000000000000';
    this.region = options.region ?? 'local';
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  /** Adds a rule; throws InvalidEventPattern for a pattern PutRule would refuse, DuplicateRule for a reused name. */
  addRule(name: string, pattern: EventPattern, target: RuleTarget): void {
    if (this.rules.has(name)) throw new DuplicateRule(name);
    this.rules.set(name, { name, pattern, matches: compileEventPattern(pattern), target });
  }

  removeRule(name: string): boolean {
    return this.rules.delete(name);
  }

  /** The rules as added, for printing the routing table. */
  get ruleNames(): string[] {
    return [...this.rules.keys()];
  }

  /** A PublishEvents bound to this bus, interchangeable with createEventBridgePublisher's. */
  publisher(): PublishEvents {
    return async (entries) => {
      this.putEvents(entries);
    };
  }

  /**
   * Puts events on the bus and returns their envelopes. Entries are checked as PutEvents checks them
   * (detail a JSON object, entry under 256 KB); the detail targets see is a JSON round-trip of the input,
   * as it would be after crossing the wire.
   */
  putEvents(entries: readonly LocalPutEntry[]): BusEvent[] {
    const checked = entries.map((entry, index) => ({ entry, json: preparePutEventsEntry(entry, index, 'local', entry.source ?? EVENT_SOURCE).entry.Detail ?? '{}' }));
    return checked.map(({ entry, json }) => this.dispatch(entry, json));
  }

  private dispatch(entry: LocalPutEntry, detailJson: string): BusEvent {
    const publishedAt = this.now();
    const event: BusEvent = {
      version: '0',
      id: this.newId(),
      'detail-type': entry.detailType,
      source: entry.source ?? EVENT_SOURCE,
      account: entry.account ?? this.account,
      time: eventTime(publishedAt),
      region: this.region,
      resources: [...(entry.resources ?? [])],
      detail: JSON.parse(detailJson) as unknown,
    };
    const matched = [...this.rules.values()].filter((rule) => rule.matches(event));
    this.publishedLog.push({ event, publishedAt: publishedAt.toISOString(), matchedRules: matched.map((r) => r.name) });
    for (const rule of matched) this.deliver(rule, event);
    return event;
  }

  private deliver(rule: Rule, event: BusEvent): void {
    const record: DeliveryRecord = {
      rule: rule.name,
      eventId: event.id,
      detailType: event['detail-type'],
      deliveredAt: this.now().toISOString(),
      status: 'in-flight',
    };
    this.deliveryLog.push(record);
    // Each target gets its own copy, so one target changing the event cannot affect another.
    const copy = structuredClone(event);
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => rule.target(copy))
      .then(
        () => {
          record.status = 'succeeded';
        },
        (error: unknown) => {
          record.status = 'failed';
          record.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        },
      )
      .finally(() => {
        record.settledAt = this.now().toISOString();
        this.inFlight.delete(run);
      });
    this.inFlight.add(run);
  }

  /** Resolves when no target is running, including targets of events published by other targets meanwhile. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /** Which rule got which event, when, and how its target ended, in delivery order. */
  get deliveries(): readonly DeliveryRecord[] {
    return this.deliveryLog;
  }

  /** Every event put on the bus, in order, with the rules it matched. */
  get published(): readonly PublishedRecord[] {
    return this.publishedLog;
  }

  /** Deliveries whose target threw. */
  get failures(): DeliveryRecord[] {
    return this.deliveryLog.filter((d) => d.status === 'failed');
  }
}
