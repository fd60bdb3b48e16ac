import { describe, expect, it } from 'vitest';
import { parseMachineTag, stricterTlp, tagContextOf, withinEvent } from '../../../../../functions/ingest/sources/misp/misp-tags.ts';

describe('parseMachineTag', () => {
  it('splits namespace, predicate and quoted value', () => {
    expect(parseMachineTag('misp-galaxy:threat-actor="Sofacy"')).toEqual({ namespace: 'misp-galaxy', predicate: 'threat-actor', value: 'Sofacy' });
    expect(parseMachineTag('tlp:amber+strict')).toEqual({ namespace: 'tlp', predicate: 'amber+strict' });
    expect(parseMachineTag('misp-galaxy:sector="Oil: upstream"')).toEqual({ namespace: 'misp-galaxy', predicate: 'sector', value: 'Oil: upstream' });
    expect(parseMachineTag('OSINT')).toBeUndefined();
    expect(parseMachineTag(':amber')).toBeUndefined();
  });
});

describe('stricterTlp', () => {
  it('orders clear < green < amber < amber+strict < red', () => {
    expect(stricterTlp('green', 'amber')).toBe('amber');
    expect(stricterTlp('red', 'amber+strict')).toBe('red');
    expect(stricterTlp(undefined, 'clear')).toBe('clear');
    expect(stricterTlp('green', undefined)).toBe('green');
  });
});

describe('tagContextOf', () => {
  it('reads TLP 1.0 and 2.0 names alike and ignores markings that are not TLP levels', () => {
    expect(tagContextOf(['TLP:WHITE']).tlp).toBe('clear');
    expect(tagContextOf(['tlp:ex:chr']).tlp).toBeUndefined();
  });

  it('ignores confidence tags with values outside their taxonomy', () => {
    expect(tagContextOf(['misp:confidence-level="very-sure"', 'osint:certainty="1000"']).confidence).toBeUndefined();
    expect(tagContextOf(['osint:certainty="50"']).confidence).toBe(50);
  });

  it('reads campaigns from threat-actor and intrusion-set clusters without ATT&CK ids, sectors from both tag forms', () => {
    const context = tagContextOf(
      ['misp-galaxy:mitre-intrusion-set="Lazarus Group - G0032"', 'sector:Defense', 'misp-galaxy:sector="Defense"'],
      [{ type: 'threat-actor', value: 'Lazarus Group' }],
    );
    expect(context).toMatchObject({ campaigns: ['Lazarus Group'], targetedSectors: ['Defense'] });
  });
});

describe('withinEvent', () => {
  it('lets the attribute state win and adds up lists', () => {
    const event = tagContextOf(['tlp:green', 'misp:confidence-level="usually-confident"', 'misp-galaxy:threat-actor="APT29"']);
    const attribute = tagContextOf(['tlp:red', 'misp-galaxy:threat-actor="APT28"']);
    expect(withinEvent(event, attribute)).toEqual({
      tlp: 'red',
      confidence: 75,
      campaigns: ['APT29', 'APT28'],
      targetedSectors: [],
      tags: ['tlp:green', 'misp:confidence-level="usually-confident"', 'misp-galaxy:threat-actor="APT29"', 'tlp:red', 'misp-galaxy:threat-actor="APT28"'],
    });
  });
});
