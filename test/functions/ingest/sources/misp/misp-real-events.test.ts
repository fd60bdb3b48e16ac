import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IndicatorIntelDraft, ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { MISP_SOURCE, parseMispEvent } from '../../../../../functions/ingest/sources/misp/misp-parser.ts';
import { IndicatorFactsSchema } from '../../../../../functions/model/indicator.ts';
import { referenceFile } from '../../../../reference-data.ts';

/** CIRCL's public MISP events, parsed as delivered. */

const context = { source: MISP_SOURCE, now: '2025-06-01T12:00:00.000Z' };
const parseFile = (file: string) => parseMispEvent(readFileSync(file, 'utf8'), context);
const circlEvent = (name: string) => referenceFile(`intel/misp/misp-event-circl-${name}.json`, `MISP parsing of the CIRCL ${name} event`);

const indicators = (parsed: ParsedIntel) => parsed.drafts.filter((draft): draft is IndicatorIntelDraft => draft.kind === 'indicator');

/** `sha1 active` → count, over all drafts. */
function tally(parsed: ParsedIntel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const draft of parsed.drafts) {
    const key = draft.kind === 'indicator' ? `${draft.facts.type} ${draft.revoked ? 'revoked' : 'active'}` : 'vulnerability';
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function indicator(parsed: ParsedIntel, value: string): IndicatorIntelDraft {
  const found = indicators(parsed).find((draft) => draft.facts.value === value);
  if (!found) throw new Error(`no indicator ${value}`);
  return found;
}

const xorist = circlEvent('ransomware-xorist');
describe.skipIf(!xorist)('CIRCL event "Ransomware - Xorist"', () => {
  const parsed = parseFile(xorist!);

  it('gives its three to_ids hashes and leaves the filename, registry key and links alone', () => {
    expect(tally(parsed)).toEqual({ 'md5 active': 1, 'sha1 active': 1, 'sha256 active': 1 });
    expect(parsed.rejected).toEqual([]);
    expect(indicators(parsed).map((draft) => draft.facts.value)).toEqual([
      '0749bae92ca336a02c83d126e04ec628',
      '77b0c41b7d340b8a3d903f21347bbf06aa766b5b',
      'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68',
    ]);
  });

  it('carries the event tags, TLP:WHITE as clear and the low threat level as confidence 50', () => {
    expect(indicator(parsed, 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68').facts).toEqual({
      type: 'sha256',
      value: 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68',
      firstSeen: '2016-08-29T00:00:00.000Z',
      confidence: 50,
      tags: [
        'tlp:white',
        'circl:incident-classification="malware"',
        'ms-caro-malware:malware-type="Ransom"',
        'malware_classification:malware-category="Ransomware"',
      ],
      tlp: 'clear',
      campaigns: [],
      targetedSectors: [],
      targetedRegions: [],
      threatType: 'payload_delivery',
      reference: '57c4445b-c548-4654-af0b-4be3950d210f',
      sourceRecordId: '57c4448b-3fa4-4d65-9ccc-4afa950d210f',
    });
  });
});

const samsam = circlEvent('mar-samsam-objects');
describe.skipIf(!samsam)('CIRCL event "MAR-10164494.r1.v1 (SamSam ransomware)", all in objects', () => {
  const parsed = parseFile(samsam!);

  it('reads the file and pe-section objects: 3 files by three hashes and 8 section md5s', () => {
    expect(tally(parsed)).toEqual({ 'sha256 active': 3, 'sha1 active': 3, 'md5 active': 11 });
    expect(parsed.rejected).toEqual([]);
  });

  it('keeps a hash actionable when a later file object repeats it with to_ids cleared', () => {
    // Object[1] has the sample with to_ids set; Object[9] repeats the same three hashes with it cleared.
    const sample = indicator(parsed, '9b23bfc35b18ed80104c496b2aa722b3e56ff9ceb9dae60d1aff7230321c1d12');
    expect(sample.revoked).toBeUndefined();
    expect(sample.facts).toMatchObject({
      sourceRecordId: 'a5274885-a3c6-40bc-92dd-258429767e47',
      reference: '5c066053-0e94-46eb-9746-4b7d950d210f',
      malwareFamily: 'SamSam',
      tlp: 'clear',
      confidence: 50,
      firstSeen: '2018-11-27T00:00:00.000Z',
    });
    expect(sample.facts.tags).toEqual(['tlp:white', 'misp-galaxy:malpedia="SamSam"', 'misp-galaxy:ransomware="Samas-Samsam"']);
  });
});

const asert = circlEvent('osint-asert-four-element-sword');
describe.skipIf(!asert)('CIRCL event "OSINT - ASERT ... The Four-Element Sword Engagement"', () => {
  const parsed = parseFile(asert!);

  it('gives 258 drafts from 370 attributes, revoking the ones with to_ids cleared', () => {
    expect(tally(parsed)).toEqual({
      'md5 active': 74,
      'md5 revoked': 1,
      'sha1 active': 57,
      'sha1 revoked': 1,
      'sha256 active': 73,
      'sha256 revoked': 2,
      'domain active': 12,
      'domain revoked': 12,
      'ipv4 active': 8,
      'ipv4 revoked': 1,
      'url active': 11,
      'email revoked': 2,
      vulnerability: 4,
    });
    expect(parsed.drafts).toHaveLength(258);
    expect(parsed.drafts.every((draft) => draft.kind !== 'indicator' || IndicatorFactsSchema.safeParse(draft.facts).success)).toBe(true);
  });

  it('refuses the three url attributes that hold no URL', () => {
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      {
        position: 'Event.Attribute[0]',
        record: '571620b0-5e38-4e8c-9c29-416d950d210f',
        reason: 'Event.Attribute[0].value: "107.183.86" is not a URL (no scheme, and "107.183.86" is not a host) (type url)',
      },
      {
        position: 'Event.Attribute[124]',
        record: '57163109-6304-413e-9884-4a42950d210f',
        reason: 'Event.Attribute[124].value: "Data/dtl.dat" is not a URL (no scheme, and "Data" is not a host) (type url)',
      },
      {
        position: 'Event.Attribute[125]',
        record: '57163109-1e04-4ef4-bf92-480b950d210f',
        reason: 'Event.Attribute[125].value: "Data/glp.uin" is not a URL (no scheme, and "Data" is not a host) (type url)',
      },
    ]);
  });

  it('reads addresses at the medium threat level and revokes the one with to_ids cleared', () => {
    expect(indicator(parsed, '198.55.120.143').facts).toMatchObject({
      type: 'ipv4',
      confidence: 70,
      tlp: 'clear',
      tags: ['tlp:white', 'type:OSINT'],
      threatType: 'network_activity',
      sourceRecordId: '57153622-b0fc-4002-ae3c-3e3c950d210f',
      reference: '57153590-f73c-49fa-be4b-4737950d210f',
    });
    expect(indicator(parsed, '198.55.120.143').revoked).toBeUndefined();
    expect(indicator(parsed, '114.60.106.156').revoked).toEqual({ reason: 'to_ids cleared in MISP', at: '2016-04-19T09:32:15.000Z' });
    expect(indicator(parsed, 'bill_clay6801@yahoo.com').revoked?.reason).toBe('to_ids cleared in MISP');
  });

  it('reads scheme-less urls as http and keeps explicit ports', () => {
    expect(indicator(parsed, 'http://www.whitewall.top/').facts.sourceRecordId).toBe('57173004-40c8-44cc-a582-464a950d210f');
    expect(indicator(parsed, 'http://www.whitewall.top:8080/850D3011FA326CBB6F57A965').revoked).toBeUndefined();
  });

  it('files the four CVEs of its vulnerability attributes under the event', () => {
    const cves = parsed.drafts.filter((draft) => draft.kind === 'vulnerability');
    expect(cves.map((draft) => draft.id).sort()).toEqual(['CVE-2012-0158', 'CVE-2012-1856', 'CVE-2015-1641', 'CVE-2015-1770']);
    expect(cves[0]!.facts).toEqual({
      mispEvents: ['57153590-f73c-49fa-be4b-4737950d210f'],
      info: 'OSINT - ASERT Threat Intelligence Report 2016-03 The Four-Element Sword Engagement',
    });
  });
});

const sednit = circlEvent('osint-sednit-objects');
describe.skipIf(!sednit)('CIRCL event "OSINT - Sednit update: How Fancy Bear Spent the Year", without the Event wrapper', () => {
  const parsed = parseFile(sednit!);

  it('reads top-level domains and domain-ip and file objects, merging the repeated servicecdp.com', () => {
    expect(tally(parsed)).toEqual({ 'domain active': 18, 'sha1 active': 37, 'ipv4 active': 11 });
    expect(parsed.rejected).toEqual([]);
    expect(indicators(parsed).filter((draft) => draft.facts.value === 'servicecdp.com')).toHaveLength(1);
  });

  it('ties every indicator to Sofacy from the threat-actor galaxy, and names no single malware family', () => {
    expect(indicators(parsed).every((draft) => draft.facts.campaigns.join() === 'Sofacy')).toBe(true);
    expect(indicator(parsed, 'movieultimate.com').facts).toMatchObject({
      sourceRecordId: '5a3c3045-ab0c-4d38-8efe-459002de0b81',
      reference: '5a3c2fcd-8328-42bb-a95e-4f4402de0b81',
      tlp: 'clear',
      confidence: 50,
      firstSeen: '2017-12-21T00:00:00.000Z',
    });
    expect(indicator(parsed, 'movieultimate.com').facts.malwareFamily).toBeUndefined();
    expect(indicator(parsed, 'movieultimate.com').facts.tags).toContain('misp-galaxy:mitre-malware="CHOPSTICK"');
  });
});
