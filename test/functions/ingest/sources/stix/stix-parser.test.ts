import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IndicatorIntelDraft, ParsedIntel, VulnerabilityIntelDraft } from '../../../../../functions/ingest/intel-draft.ts';
import type { StixObject } from '../../../../../functions/ingest/sources/stix/stix-objects.ts';
import { InvalidFeedDocument, parseStixBundle, STIX_SOURCE } from '../../../../../functions/ingest/sources/stix/stix-parser.ts';
import { StixRelations } from '../../../../../functions/ingest/sources/stix/stix-relations.ts';
import { IndicatorFactsSchema, indicatorId } from '../../../../../functions/model/indicator.ts';
import {
  bundle,
  bundleText,
  campaign,
  DEFAULT_TIME,
  identity,
  indicator,
  indicatorBundle,
  intrusionSet,
  location,
  malware,
  relationship,
  stixId,
  syntheticIndicator,
  type StixJson,
  taxiiEnvelope,
  threatActor,
  TLP_MARKING_IDS,
  tlpMarkingDefinition,
  vulnerability,
} from './fixtures.ts';

const context = { source: STIX_SOURCE, now: '2025-08-25T12:00:00.000Z' };
const parse = (objects: unknown[]) => parseStixBundle(bundleText(objects), context);
const indicatorDrafts = (parsed: ParsedIntel) => parsed.drafts.filter((draft): draft is IndicatorIntelDraft => draft.kind === 'indicator');
const draftOf = (parsed: ParsedIntel, type: Parameters<typeof indicatorId>[0], value: string) => indicatorDrafts(parsed).find((draft) => draft.id === indicatorId(type, value));
const reasons = (parsed: ParsedIntel) => parsed.rejected.map((rejected) => rejected.reason);

function refusal(payload: string): string {
  try {
    parseStixBundle(payload, context);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFeedDocument);
    return (error as Error).message;
  }
  throw new Error('the payload was accepted');
}

describe('STIX bundle parser: indicators', () => {
  it('makes a draft of an indicator with its validity, confidence, tags, TLP and STIX id', () => {
    const made = indicator('c2', "[ipv4-addr:value = '198.51.100.7']", {
      valid_from: '2025-08-01T00:00:00.000000Z',
      valid_until: '2026-08-01T00:00:00Z',
      confidence: 85,
      labels: ['c2', 'botnet'],
      indicator_types: ['malicious-activity', 'c2'],
      object_marking_refs: [TLP_MARKING_IDS.amber],
      external_references: [{ source_name: 'vendor', url: 'https://intel.example.com/c2/7' }],
    });
    const parsed = parse([made]);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.complete).toBeUndefined();
    expect(parsed.drafts).toEqual([
      {
        kind: 'indicator',
        id: indicatorId('ipv4', '198.51.100.7'),
        aliases: [made.id],
        facts: {
          type: 'ipv4',
          value: '198.51.100.7',
          firstSeen: DEFAULT_TIME,
          validFrom: '2025-08-01T00:00:00.000000Z',
          validUntil: '2026-08-01T00:00:00Z',
          confidence: 85,
          tags: ['c2', 'botnet', 'malicious-activity'],
          tlp: 'amber',
          campaigns: [],
          targetedSectors: [],
          targetedRegions: [],
          reference: 'https://intel.example.com/c2/7',
          sourceRecordId: made.id,
        },
      },
    ]);
    expect(IndicatorFactsSchema.strict().parse(parsed.drafts[0]?.facts)).toEqual(parsed.drafts[0]?.facts);
  });

  it('makes one draft per value of an OR, normalised', () => {
    const parsed = parse([
      indicator('mixed', "[domain-name:value = 'Evil.Example.COM.' OR ipv6-addr:value = '2001:DB8:0:0::1'] OR [url:value = 'HTTPS://Drop.Example.org/x']"),
    ]);
    expect(parsed.drafts.map((draft) => [draft.id, (draft as IndicatorIntelDraft).facts.value])).toEqual([
      [indicatorId('domain', 'evil.example.com'), 'evil.example.com'],
      [indicatorId('ipv6', '2001:db8::1'), '2001:db8::1'],
      [indicatorId('url', 'https://drop.example.org/x'), 'https://drop.example.org/x'],
    ]);
  });

  it('turns ISSUBSET and a CIDR value into cidr drafts, and a /32 into the address', () => {
    const parsed = parse([
      indicator('net', "[ipv4-addr:value ISSUBSET '198.51.100.77/24']"),
      indicator('host', "[ipv4-addr:value = '203.0.113.9/32']"),
    ]);
    expect(indicatorDrafts(parsed).map((draft) => [draft.facts.type, draft.facts.value])).toEqual([
      ['cidr', '198.51.100.0/24'],
      ['ipv4', '203.0.113.9'],
    ]);
  });

  it('ties an indicator to the campaign and malware it indicates', () => {
    const operation = campaign('Operation Omega');
    const family = malware('Poison Ivy');
    const made = indicator('omega', "[ipv4-addr:value = '10.0.0.1']");
    const parsed = parse([operation, family, made, relationship('indicates', made, operation), relationship('indicates', made, family)]);
    expect(parsed.drafts[0]).toMatchObject({ facts: { campaigns: ['Operation Omega'], malwareFamily: 'Poison Ivy' } });
  });

  it('gives an indicator the sectors and regions its campaign targets, one attributed-to step on', () => {
    const operation = campaign('Operation Paper Lantern');
    const set = intrusionSet('Silent Heron');
    const sponsor = threatActor('Sponsor State');
    const banks = identity('Banks', ['financial-services']);
    const hospitals = identity('Hospitals', ['healthcare']);
    const europe = location('europe', { region: 'europe' });
    const france = location('france', { country: 'FR' });
    const made = indicator('lantern', "[domain-name:value = 'lantern.example']");
    const parsed = parse([
      operation,
      set,
      sponsor,
      banks,
      hospitals,
      europe,
      france,
      made,
      relationship('indicates', made, operation),
      relationship('attributed-to', operation, set),
      // Two steps away: not followed.
      relationship('attributed-to', set, sponsor),
      relationship('targets', operation, banks),
      relationship('targets', set, europe),
      relationship('targets', set, france),
      relationship('targets', sponsor, hospitals),
    ]);
    expect(parsed.drafts[0]).toMatchObject({
      facts: {
        campaigns: ['Operation Paper Lantern', 'Silent Heron'],
        targetedSectors: ['financial-services'],
        targetedRegions: ['europe', 'FR'],
      },
    });
  });

  it('names the actor that uses the malware an indicator indicates', () => {
    const family = malware('GhostLoader');
    const actor = threatActor('Wizard Spider');
    const made = indicator('ghost', `[file:hashes.'SHA-256' = '${'ab'.repeat(32)}']`);
    const parsed = parse([family, actor, made, relationship('indicates', made, family), relationship('uses', actor, family)]);
    expect(parsed.drafts[0]).toMatchObject({ facts: { type: 'sha256', malwareFamily: 'GhostLoader', campaigns: ['Wizard Spider'] } });
  });

  it('ignores relationships to objects outside the bundle and revoked relationships', () => {
    const operation = campaign('Operation Gone');
    const made = indicator('alone', "[ipv4-addr:value = '10.0.0.2']");
    const parsed = parse([
      made,
      operation,
      relationship('indicates', made, campaign('Not In Bundle')),
      relationship('indicates', made, operation, { revoked: true }),
    ]);
    expect(parsed.drafts[0]).toMatchObject({ facts: { campaigns: [] } });
    expect(parsed.rejected).toEqual([]);
  });

  it('marks revoked indicators and those past valid_until as revoked', () => {
    const parsed = parse([
      indicator('revoked', "[ipv4-addr:value = '10.0.1.1']", { revoked: true, modified: '2025-08-20T00:00:00.000Z' }),
      indicator('expired', "[ipv4-addr:value = '10.0.1.2']", { valid_until: '2025-08-25T11:59:59.000Z' }),
      indicator('current', "[ipv4-addr:value = '10.0.1.3']", { valid_until: '2025-08-25T12:00:01.000Z' }),
    ]);
    expect(draftOf(parsed, 'ipv4', '10.0.1.1')?.revoked).toEqual({ reason: 'revoked by the source', at: '2025-08-20T00:00:00.000Z' });
    expect(draftOf(parsed, 'ipv4', '10.0.1.2')?.revoked).toEqual({ reason: 'valid_until passed', at: '2025-08-25T11:59:59.000Z' });
    expect(draftOf(parsed, 'ipv4', '10.0.1.3')?.revoked).toBeUndefined();
    expect(draftOf(parsed, 'ipv4', '10.0.1.3')?.facts.validUntil).toBe('2025-08-25T12:00:01.000Z');
  });

  it('reads TLP from the well-known markings and from the bundle, keeping the strictest', () => {
    const own = tlpMarkingDefinition('own-green', 'green');
    const parsed = parse([
      own,
      indicator('own', "[ipv4-addr:value = '10.0.2.1']", { object_marking_refs: [own.id] }),
      indicator('white', "[ipv4-addr:value = '10.0.2.2']", { object_marking_refs: [TLP_MARKING_IDS.white] }),
      indicator('two', "[ipv4-addr:value = '10.0.2.3']", { object_marking_refs: [TLP_MARKING_IDS.green, TLP_MARKING_IDS.amberStrict] }),
      indicator('red', "[ipv4-addr:value = '10.0.2.4']", { object_marking_refs: [TLP_MARKING_IDS.red, own.id] }),
      indicator('none', "[ipv4-addr:value = '10.0.2.5']", { object_marking_refs: [stixId('marking-definition', 'statement')] }),
    ]);
    expect(indicatorDrafts(parsed).map((draft) => draft.facts.tlp)).toEqual(['green', 'clear', 'amber+strict', 'red', undefined]);
  });

  it('keeps the newest version of an id whatever the order, and refuses a repeat of the same version', () => {
    const v1 = indicator('versions', "[url:value = 'http://z4z10farb.cn/4712']", { modified: '2016-11-03T12:30:59.000Z' });
    const v3 = indicator('versions', "[url:value = 'http://x4z9arb.cn/4712']", { modified: '2017-01-27T13:49:53.935Z' });
    const v2 = indicator('versions', "[url:value = 'http://y4z9arb.cn/4712']", { modified: '2016-12-25T12:30:59.444Z' });
    const parsed = parse([v1, v3, v2, v3]);
    expect(indicatorDrafts(parsed).map((draft) => draft.facts.value)).toEqual(['http://x4z9arb.cn/4712']);
    expect(parsed.rejected).toEqual([
      expect.objectContaining({
        position: 'objects[3]',
        record: v3.id,
        reason: `objects[3]: repeats ${String(v3.id)} at the same version (2017-01-27T13:49:53.935Z) as objects[1], which was kept`,
      }),
    ]);
  });

  it('merges two STIX indicators of one value into one draft that answers to both', () => {
    const operation = campaign('Operation Merge');
    const first = indicator('first', "[ipv4-addr:value = '10.0.3.1']", { confidence: 40, labels: ['a'], valid_until: '2026-01-01T00:00:00Z' });
    const second = indicator('second', "[ipv4-addr:value = '10.0.3.1' OR ipv4-addr:value = '10.0.3.2']", {
      confidence: 90,
      labels: ['b'],
      revoked: true,
    });
    const parsed = parse([operation, first, second, relationship('indicates', second, operation)]);
    const merged = draftOf(parsed, 'ipv4', '10.0.3.1');
    expect(merged?.aliases).toEqual([first.id, second.id]);
    expect(merged?.facts).toMatchObject({ confidence: 90, tags: ['a', 'malicious-activity', 'b'], campaigns: ['Operation Merge'], sourceRecordId: first.id });
    // The second indicator has no valid_until, so the merged one does not end.
    expect(merged?.facts.validUntil).toBeUndefined();
    // One of the two still stands, so the value is not withdrawn.
    expect(merged?.revoked).toBeUndefined();
    expect(draftOf(parsed, 'ipv4', '10.0.3.2')?.revoked).toEqual({ reason: 'revoked by the source', at: DEFAULT_TIME });
  });

  it('keeps the good values of an OR and refuses the bad one', () => {
    const made = indicator('partly', "[domain-name:value = 'domain autuo.xicp.net' OR ipv4-addr:value = '60.10.1.115']");
    const parsed = parse([made]);
    expect(indicatorDrafts(parsed).map((draft) => draft.facts.value)).toEqual(['60.10.1.115']);
    expect(parsed.rejected).toEqual([
      { position: 'objects[0]', record: made.id, reason: 'objects[0].pattern: "domain autuo.xicp.net" is not a domain name', payload: expect.stringContaining('autuo') },
    ]);
  });

  it('refuses patterns it cannot use, naming the field', () => {
    const objects = [
      indicator('snort', 'alert tcp any any -> any any (msg:"x";)', { pattern_type: 'snort' }),
      indicator('matches', "[email-message:subject MATCHES '^Invoice']"),
      indicator('broken', "[ipv4-addr:value = '10.0.0.1'"),
      indicator('backwards', "[ipv4-addr:value = '10.0.0.1']", { valid_from: '2025-08-02T00:00:00Z', valid_until: '2025-08-01T00:00:00Z' }),
    ];
    expect(reasons(parse(objects))).toEqual([
      'objects[0].pattern_type: "snort" patterns are not read (only stix)',
      'objects[1].pattern: not a plain list of values: email-message:subject is not a path forestall matches on',
      'objects[2].pattern: expected "]" but found end of pattern at position 29',
      'objects[3].valid_until: 2025-08-01T00:00:00Z is not later than valid_from 2025-08-02T00:00:00Z',
    ]);
  });
});

describe('STIX bundle parser: objects', () => {
  it('refuses objects without what STIX requires of them and goes on with the rest', () => {
    const withoutPattern = indicator('no-pattern', '');
    delete withoutPattern.pattern;
    const withoutSpec = campaign('No Spec');
    delete withoutSpec.spec_version;
    const withoutCreated = indicator('no-created', "[ipv4-addr:value = '10.0.4.1']");
    delete withoutCreated.created;
    const withoutValidFrom = indicator('no-valid-from', "[ipv4-addr:value = '10.0.4.2']");
    delete withoutValidFrom.valid_from;
    const withoutTarget = relationship('indicates', withoutCreated, campaign('X'));
    delete withoutTarget.target_ref;
    const parsed = parse([
      withoutPattern,
      withoutSpec,
      withoutCreated,
      withoutValidFrom,
      withoutTarget,
      { ...campaign('Nameless'), name: undefined },
      { ...indicator('badid', "[ipv4-addr:value = '10.0.4.3']"), id: 'indicator-1' },
      { ...indicator('wrongtype', "[ipv4-addr:value = '10.0.4.4']"), id: stixId('campaign', 'wrongtype') },
      { ...indicator('confidence', "[ipv4-addr:value = '10.0.4.5']"), confidence: 101 },
      { ...malware('NoFamily'), is_family: undefined },
      { ...location('nowhere', {}) },
      'not an object',
      { id: 'x' },
      indicator('fine', "[ipv4-addr:value = '10.0.4.9']"),
    ]);
    expect(reasons(parsed)).toEqual([
      'objects[0].pattern: required field missing (expected string)',
      'objects[1].spec_version: required field missing (expected string)',
      'objects[2].created: required field missing (expected string)',
      'objects[3].valid_from: required field missing (expected string)',
      'objects[4].target_ref: required field missing (expected string)',
      'objects[5].name: required field missing (expected string)',
      'objects[6].id: STIX id like indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
      `objects[7].id: "${stixId('campaign', 'wrongtype')}" is not an id of a indicator`,
      'objects[8].confidence: Too big: expected number to be <=100',
      'objects[9].is_family: required field missing (expected boolean)',
      'objects[10].region: a location needs region, country or latitude and longitude',
      'objects[11]: expected a STIX object',
      'objects[12].type: required field missing (expected string)',
    ]);
    expect(parsed.rejected.map((rejected) => rejected.record).slice(0, 2)).toEqual([withoutPattern.id, withoutSpec.id]);
    expect(parsed.rejected[11]?.record).toBe('objects[11]');
    expect(indicatorDrafts(parsed).map((draft) => draft.facts.value)).toEqual(['10.0.4.9']);
  });

  it('ignores types it does not read, SCOs and custom objects alike', () => {
    const parsed = parse([
      { type: 'attack-pattern', spec_version: '2.1', id: stixId('attack-pattern', 'a'), created: DEFAULT_TIME, modified: DEFAULT_TIME, name: 'Phishing' },
      { type: 'ipv4-addr', spec_version: '2.1', id: stixId('ipv4-addr', 'b'), value: '10.0.0.1' },
      { type: 'x-acme-sighting', id: 'whatever' },
      { type: 'report' },
    ]);
    expect(parsed).toEqual({ drafts: [], rejected: [] });
  });

  it('makes a vulnerability draft of a CVE with the campaigns and actors that target it', () => {
    const cve = vulnerability('CVE-2012-0158');
    const operation = campaign('admin@338');
    const set = intrusionSet('APT-Synthetic');
    const actor = threatActor('Direct Actor');
    const parsed = parse([
      cve,
      operation,
      set,
      actor,
      relationship('targets', operation, cve),
      relationship('attributed-to', operation, set),
      relationship('targets', actor, cve),
    ]);
    expect(parsed.drafts).toEqual([
      {
        kind: 'vulnerability',
        id: 'CVE-2012-0158',
        aliases: [cve.id],
        facts: {
          stixId: cve.id,
          name: 'CVE-2012-0158',
          description: 'Synthetic description of CVE-2012-0158',
          campaigns: ['admin@338'],
          threatActors: ['Direct Actor', 'APT-Synthetic'],
        },
      },
    ]);
  });

  it('skips a vulnerability without a CVE and refuses a malformed CVE id', () => {
    const parsed = parse([
      vulnerability('Vendor bug 17', { external_references: [{ source_name: 'vendor', external_id: 'VB-17' }] }),
      vulnerability('CVE-bad', { external_references: [{ source_name: 'capec', external_id: 'CAPEC-1' }, { source_name: 'cve', external_id: 'CVE-12-1' }] }),
      vulnerability('CVE-2021-44228', { revoked: true }),
    ]);
    expect(reasons(parsed)).toEqual(['objects[1].external_references[1].external_id: CVE id like CVE-2012-0158']);
    expect(parsed.drafts.map((draft) => [draft.id, draft.revoked?.reason])).toEqual([['CVE-2021-44228', 'revoked by the source']]);
    expect((parsed.drafts[0] as VulnerabilityIntelDraft).facts.campaigns).toEqual([]);
  });
});

describe('STIX bundle parser: documents', () => {
  it('reads a TAXII envelope like a bundle, and an empty one as nothing', () => {
    const objects = [indicator('taxii', "[ipv4-addr:value = '10.0.5.1']")];
    const parsed = parseStixBundle(JSON.stringify(taxiiEnvelope(objects, { more: true, next: 'abc' })), context);
    expect(indicatorDrafts(parsed).map((draft) => draft.facts.value)).toEqual(['10.0.5.1']);
    expect(parseStixBundle('{}', context)).toEqual({ drafts: [], rejected: [] });
    expect(parseStixBundle('{"more": false}', context)).toEqual({ drafts: [], rejected: [] });
    expect(parseStixBundle(JSON.stringify({ type: 'bundle', id: 'bundle--1' }), context)).toEqual({ drafts: [], rejected: [] });
  });

  it('refuses a payload that is neither a bundle nor an envelope, naming the source', () => {
    expect(refusal('<html>')).toMatch(/^stix: not JSON: /);
    expect(refusal('[]')).toBe('stix: not a STIX bundle or TAXII envelope: expected a JSON object');
    expect(refusal('null')).toBe('stix: not a STIX bundle or TAXII envelope: expected a JSON object');
    expect(refusal(JSON.stringify(campaign('Lone')))).toBe(
      'stix: not a STIX bundle: type: expected one of bundle; id: bundle id like bundle--44af6c39-c09b-49c5-9de2-394224b04982',
    );
    expect(refusal('{"type":"bundle","id":"bundle--1","objects":{}}')).toBe('stix: not a STIX bundle: objects: expected array, received object');
    expect(refusal('{"title":"Some TAXII Server"}')).toBe('stix: neither a STIX bundle (type "bundle") nor a TAXII envelope (objects, more, next)');
    expect(refusal('{"more":"yes"}')).toBe('stix: not a TAXII envelope: more: expected boolean, received string');
  });

  it('parses a 20,000-indicator export with its context in one pass', () => {
    const started = performance.now();
    const parsed = parseStixBundle(JSON.stringify(indicatorBundle({ count: 20_000 })), context);
    const elapsed = performance.now() - started;
    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(20_000);
    const third = indicatorDrafts(parsed)[3];
    expect(third?.facts).toMatchObject({
      type: 'sha256',
      value: syntheticIndicator(3).value,
      malwareFamily: 'GhostLoader',
      // Odd indicators only indicate the malware: the set that uses it is named.
      campaigns: ['Silent Heron'],
      targetedSectors: ['financial-services'],
      targetedRegions: ['europe'],
      tlp: 'amber',
      confidence: 53,
    });
    expect(indicatorDrafts(parsed)[4]?.facts.campaigns).toEqual(['Operation Paper Lantern', 'Silent Heron']);
    expect(indicatorDrafts(parsed)[4]?.facts.type).toBe('cidr');
    // Generous: a shared CI runner is slow; the hub test below is the one that catches quadratic work.
    expect(elapsed).toBeLessThan(20_000);
  });

  it('resolves a malware family indicated by 50,000 indicators without walking them for each', () => {
    const family = malware('Hub');
    const actor = threatActor('Hub Actor');
    const objects: StixJson[] = [family, actor, relationship('uses', actor, family)];
    for (let i = 0; i < 50_000; i += 1) objects.push(relationship('indicates', { id: stixId('indicator', `hub-${i}`) }, family));
    const byId = new Map(objects.map((object, index) => [String(object.id), { object: object as unknown as StixObject, index }]));
    const relations = new StixRelations(byId);
    const started = performance.now();
    let named = 0;
    for (let i = 0; i < 50_000; i += 1) named += relations.indicatorContext(stixId('indicator', `hub-${i}`)).campaigns.length;
    expect(named).toBe(50_000);
    // Linear work takes a second or two; walking all 50,000 relationships for each indicator, minutes.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('STIX bundle parser: arbitrary input', () => {
  const isParsedIntel = (payload: string) => {
    let parsed: ParsedIntel;
    try {
      parsed = parseStixBundle(payload, context);
    } catch (error) {
      if (error instanceof InvalidFeedDocument) return;
      throw error;
    }
    for (const draft of parsed.drafts) {
      if (draft.kind === 'indicator') expect(IndicatorFactsSchema.strict().parse(draft.facts)).toEqual(draft.facts);
      else expect(draft.id).toMatch(/^CVE-\d{4}-\d{4,}$/);
    }
    for (const rejected of parsed.rejected) {
      expect(rejected.position).toMatch(/^objects\[\d+\]$/);
      expect(rejected.reason.startsWith(rejected.position)).toBe(true);
    }
  };

  it('gives a ParsedIntel or InvalidFeedDocument for arbitrary strings and JSON', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), isParsedIntel), { numRuns: 500 });
    fc.assert(fc.property(fc.json(), isParsedIntel), { numRuns: 500 });
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), (objects) => isParsedIntel(JSON.stringify(bundle(objects)))),
      { numRuns: 300 },
    );
  });

  // A realistic bundle whose objects are then damaged one property at a time.
  const sample = (): StixJson[] => {
    const made = indicatorBundle({ count: 6 }).objects as StixJson[];
    return [...made, vulnerability('CVE-2024-3400'), relationship('targets', made[2] as StixJson, vulnerability('CVE-2024-3400')), tlpMarkingDefinition('m', 'red')];
  };
  const mutation = fc.record({
    object: fc.nat(),
    key: fc.constantFrom('type', 'id', 'spec_version', 'created', 'modified', 'pattern', 'pattern_type', 'valid_from', 'valid_until', 'revoked', 'confidence', 'name', 'labels', 'object_marking_refs', 'source_ref', 'target_ref', 'relationship_type', 'sectors', 'region', 'external_references', 'definition', 'is_family'),
    value: fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string().map((text) => `[ipv4-addr:value = '${text}']`), fc.constantFrom('2020-01-01T00:00:00Z', '2099-01-01T00:00:00Z', 'indicator--00000000-0000-4000-8000-000000000000')),
  });

  it('gives a ParsedIntel or InvalidFeedDocument for valid bundles with damaged objects', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), (mutations, asEnvelope) => {
        const objects = sample();
        for (const { object, key, value } of mutations) {
          const target = objects[object % objects.length] as StixJson;
          if (value === undefined) delete target[key];
          else target[key] = value;
        }
        isParsedIntel(JSON.stringify(asEnvelope ? taxiiEnvelope(objects) : bundle(objects)));
      }),
      { numRuns: 500 },
    );
  });
});
