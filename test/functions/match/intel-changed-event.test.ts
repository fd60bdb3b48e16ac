import { describe, expect, it } from 'vitest';
import { InvalidIntelChangedEvent, parseIntelChangedEvent } from '../../../functions/match/intel-changed-event.ts';

const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'Intel Changed',
  source: 'forestall',
  account: '111122223333',
  time: '2023-10-18T02:00:03Z',
  region: 'eu-west-1',
  resources: [],
  detail: { version: '1', tenant: 'default', kind: 'vulnerability', id: 'CVE-2023-4966', source: 'kev', changedFields: ['kev'] },
};

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
