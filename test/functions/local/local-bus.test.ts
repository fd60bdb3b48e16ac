import { describe, expect, it } from 'vitest';
import { DuplicateRule, LocalEventBus, type BusEvent } from '../../../functions/local/local-bus.ts';
import {
  DetailType,
  EVENT_VERSION,
  eventEnvelopeSchema,
  ExposureDetectedSchema,
  IntelChangedSchema,
  type ExposureDetected,
  type IntelChanged,
} from '../../../functions/model/events.ts';
import { InvalidEventPattern } from '../../../functions/routing/event-pattern.ts';
import { EventTooLarge, MalformedEventEntry, MAX_PUT_EVENTS_BYTES } from '../../../functions/routing/event-publisher.ts';
import { EventPatterns } from '../../../functions/routing/rules.ts';

const intelChanged: IntelChanged = {
  version: EVENT_VERSION,
  tenant: 'default',
  kind: 'vulnerability',
  id: 'CVE-2023-4966',
  source: 'cisa-kev',
  changedFields: ['dateAdded', 'dueDate', 'requiredAction'],
};

const exposure = (decision: ExposureDetected['decision']): ExposureDetected => ({
  version: EVENT_VERSION,
  tenant: 'default',
  vulnerability: { id: 'CVE-2023-4966', name: 'Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability', kev: true, cvss: 9.4, dueDate: '2023-11-08' },
  decision,
  assetIds: ['netscaler-edge-01'],
  assetCount: 1,
  exposureIds: ['CVE-2023-4966|netscaler-edge-01'],
  reasons: ['CISA KEV lists CVE-2023-4966', 'internet-facing'],
  detectedAt: '2023-10-18T02:00:09Z',
});

/** A bus with the two deployed routing rules, recording what each target receives. */
function routedBus() {
  const bus = new LocalEventBus();
  const received: Record<string, BusEvent[]> = { 'exposure-match': [], 'cve-exposure-response': [] };
  bus.addRule('exposure-match', EventPatterns.intelChanged, (event) => void received['exposure-match']?.push(event));
  bus.addRule('cve-exposure-response', EventPatterns.exposureAct, (event) => void received['cve-exposure-response']?.push(event));
  return { bus, received };
}

describe('LocalEventBus', () => {
  it('delivers full EventBridge envelopes from its publisher', async () => {
    const { bus, received } = routedBus();
    await bus.publisher()([{ detailType: DetailType.IntelChanged, detail: intelChanged }]);
    await bus.drain();
    const [event] = received['exposure-match'] ?? [];
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Intel Changed',
      source: 'forestall',
      account: '000000000000',
      region: 'local',
      resources: [],
      detail: intelChanged,
    });
    expect(event?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(eventEnvelopeSchema(IntelChangedSchema).parse(event).detail.id).toBe('CVE-2023-4966');
  });

  it('routes with the deployed patterns: intel to matching, `act` exposures to the playbook, others nowhere', async () => {
    const { bus, received } = routedBus();
    const [intel, act, attend] = bus.putEvents([
      { detailType: DetailType.IntelChanged, detail: intelChanged },
      { detailType: DetailType.ExposureDetected, detail: exposure('act') },
      { detailType: DetailType.ExposureDetected, detail: exposure('attend') },
    ]);
    await bus.drain();
    expect(received['exposure-match']?.map((e) => e.id)).toEqual([intel?.id]);
    expect(received['cve-exposure-response']?.map((e) => e.id)).toEqual([act?.id]);
    expect(ExposureDetectedSchema.parse(received['cve-exposure-response']?.[0]?.detail).decision).toBe('act');
    expect(bus.published.map((p) => [p.event.id, p.matchedRules])).toEqual([
      [intel?.id, ['exposure-match']],
      [act?.id, ['cve-exposure-response']],
      [attend?.id, []],
    ]);
    expect(bus.deliveries.map((d) => [d.rule, d.eventId, d.detailType, d.status])).toEqual([
      ['exposure-match', intel?.id, 'Intel Changed', 'succeeded'],
      ['cve-exposure-response', act?.id, 'Exposure Detected', 'succeeded'],
    ]);
  });

  it('ignores events from another source, as the deployed rules would', async () => {
    const { bus, received } = routedBus();
    bus.putEvents([{ detailType: DetailType.IntelChanged, detail: intelChanged, source: 'aws.inspector2' }]);
    await bus.drain();
    expect(received['exposure-match']).toEqual([]);
    expect(bus.published[0]?.event.source).toBe('aws.inspector2');
  });

  it('runs targets after putEvents returns, and drain waits for them', async () => {
    const bus = new LocalEventBus();
    const seen: string[] = [];
    bus.addRule('all-intel', EventPatterns.intelChanged, async (event) => {
      seen.push(event.id);
    });
    const [event] = bus.putEvents([{ detailType: DetailType.IntelChanged, detail: intelChanged }]);
    expect(seen).toEqual([]);
    expect(bus.deliveries.map((d) => d.status)).toEqual(['in-flight']);
    await bus.drain();
    expect(seen).toEqual([event?.id]);
    expect(bus.deliveries[0]?.settledAt).toBeDefined();
  });

  it('records a target’s error without failing the publisher or the other rules', async () => {
    const bus = new LocalEventBus();
    const delivered: string[] = [];
    bus.addRule('broken', EventPatterns.intelChanged, () => {
      throw new TypeError('cannot read properties of undefined');
    });
    bus.addRule('rejecting', EventPatterns.intelChanged, async () => Promise.reject(new Error('vendor down')));
    bus.addRule('working', EventPatterns.intelChanged, (event) => void delivered.push(event.id));
    await expect(bus.publisher()([{ detailType: DetailType.IntelChanged, detail: intelChanged }])).resolves.toBeUndefined();
    await expect(bus.drain()).resolves.toBeUndefined();
    expect(delivered).toHaveLength(1);
    expect(bus.failures.map((f) => [f.rule, f.error])).toEqual([
      ['broken', 'TypeError: cannot read properties of undefined'],
      ['rejecting', 'Error: vendor down'],
    ]);
  });

  it('drains chains: events published by targets are delivered before drain resolves', async () => {
    const bus = new LocalEventBus();
    const publish = bus.publisher();
    const started: string[] = [];
    bus.addRule('exposure-match', EventPatterns.intelChanged, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await publish([{ detailType: DetailType.ExposureDetected, detail: exposure('act') }]);
    });
    bus.addRule('cve-exposure-response', EventPatterns.exposureAct, async (event) => {
      await new Promise((resolve) => setImmediate(resolve));
      started.push((event.detail as ExposureDetected).vulnerability.id);
    });
    await publish([{ detailType: DetailType.IntelChanged, detail: intelChanged }]);
    await bus.drain();
    expect(started).toEqual(['CVE-2023-4966']);
    expect(bus.deliveries.map((d) => [d.rule, d.status])).toEqual([
      ['exposure-match', 'succeeded'],
      ['cve-exposure-response', 'succeeded'],
    ]);
  });

  it('gives each target its own JSON copy of the detail, as after crossing the wire', async () => {
    const bus = new LocalEventBus();
    const details: unknown[] = [];
    bus.addRule('mutating', EventPatterns.intelChanged, (event) => {
      (event.detail as IntelChanged).changedFields.push('tampered');
    });
    bus.addRule('reading', EventPatterns.intelChanged, (event) => void details.push(event.detail));
    const input = { ...intelChanged, note: undefined, seenAt: new Date('2023-10-18T02:00:00Z') };
    bus.putEvents([{ detailType: DetailType.IntelChanged, detail: input }]);
    await bus.drain();
    expect(details).toEqual([{ ...intelChanged, seenAt: '2023-10-18T02:00:00.000Z' }]);
    expect(input.changedFields).toEqual(['dateAdded', 'dueDate', 'requiredAction']);
  });

  it('stamps the timeline with the injected clock and ids', async () => {
    let tick = Date.parse('2023-10-18T02:00:00.000Z');
    let ids = 0;
    const bus = new LocalEventBus({ now: () => new Date((tick += 250)), newId: () => `evt-${++ids}` });
    bus.addRule('exposure-match', EventPatterns.intelChanged, () => {});
    const [event] = bus.putEvents([{ detailType: DetailType.IntelChanged, detail: intelChanged }]);
    await bus.drain();
    expect(event?.id).toBe('evt-1');
    expect(event?.time).toBe('2023-10-18T02:00:00Z');
    expect(bus.published[0]?.publishedAt).toBe('2023-10-18T02:00:00.250Z');
    expect(bus.deliveries[0]).toMatchObject({ deliveredAt: '2023-10-18T02:00:00.500Z', settledAt: '2023-10-18T02:00:00.750Z', status: 'succeeded' });
  });

  it('validates rule patterns when they are added and refuses a second rule with the same name', () => {
    const bus = new LocalEventBus();
    expect(() => bus.addRule('bad', { source: 'forestall' }, () => {})).toThrow(InvalidEventPattern);
    expect(() => bus.addRule('bad', { detail: { decision: [{ 'anything-but': [] }] } }, () => {})).toThrow(/\$\.detail\.decision\[0\]: anything-but list must not be empty/);
    bus.addRule('exposure-match', EventPatterns.intelChanged, () => {});
    expect(() => bus.addRule('exposure-match', EventPatterns.exposureAct, () => {})).toThrow(DuplicateRule);
    expect(bus.ruleNames).toEqual(['exposure-match']);
    expect(bus.removeRule('exposure-match')).toBe(true);
    expect(bus.ruleNames).toEqual([]);
  });

  it('refuses entries PutEvents would refuse, before delivering any of the batch', async () => {
    const { bus } = routedBus();
    const publish = bus.publisher();
    const mixed = publish([{ detailType: DetailType.IntelChanged, detail: intelChanged }, { detailType: DetailType.IntelChanged, detail: 'text' }]);
    await expect(mixed).rejects.toThrow(MalformedEventEntry);
    await expect(mixed).rejects.toThrow('event #1 "Intel Changed": detail must be a JSON object, got string');
    await expect(publish([{ detailType: DetailType.IntelChanged, detail: { pad: 'x'.repeat(MAX_PUT_EVENTS_BYTES) } }])).rejects.toThrow(EventTooLarge);
    await bus.drain();
    expect(bus.published).toEqual([]);
    expect(bus.deliveries).toEqual([]);
  });
});
