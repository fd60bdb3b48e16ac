import { describe, expect, it } from 'vitest';
import { InvalidIntelChangedEvent, parseIntelChangedEvent } from '../../../functions/match/intel-changed-event.ts';
import { intelChangedEvent } from '../../fixtures/sample-events.ts';

const event = intelChangedEvent('CVE-2023-4966');

describe('parseIntelChangedEvent', () => {
  it('returns the detail of an Intel Changed event', () => {
    expect(parseIntelChangedEvent(event)).toEqual(event.detail);
  });

  it('names every missing or malformed field', () => {
    const broken = { ...event, detail: { ...event.detail, tenant: undefined, changedFields: 'kev' } };
    expect(() => parseIntelChangedEvent(broken)).toThrow(InvalidIntelChangedEvent);
    expect(() => parseIntelChangedEvent(broken)).toThrow(/detail\.tenant: .*detail\.changedFields: /);
    expect(() => parseIntelChangedEvent({ detail: event.detail })).toThrow(/id: .*detail-type: /);
  });
});
