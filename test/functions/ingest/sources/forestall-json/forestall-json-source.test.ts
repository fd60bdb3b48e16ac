import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPayload, type IngestDeps } from '../../../../../functions/ingest/ingest-runner.ts';
import type { IndicatorIntelDraft, ParsedIntel } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { forestallJsonSource, parseForestallJson } from '../../../../../functions/ingest/sources/forestall-json/forestall-json-source.ts';
import { IndicatorFactsSchema, indicatorId } from '../../../../../functions/model/indicator.ts';
import { startLocalTable, type LocalTable } from '../../../store/local-table.ts';
import { forestallIntel, forestallIntelText, SAMPLE_SHA256 } from './fixtures.ts';

const NOW = '2025-08-25T02:00:00.000Z';
const context = { source: 'forestall-json', now: NOW };
const parse = (document: unknown) => parseForestallJson(forestallIntelText(document), context);
const indicatorOf = (parsed: ParsedIntel, type: Parameters<typeof indicatorId>[0], value: string) =>
  parsed.drafts.find((draft): draft is IndicatorIntelDraft => draft.kind === 'indicator' && draft.id === indicatorId(type, value));

function refusal(payload: string): string {
  try {
    parseForestallJson(payload, context);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFeedDocument);
    return (error as Error).message;
  }
  throw new Error('the payload was accepted');
}

describe('forestall intel/1: a good document', () => {
  const parsed = parse(forestallIntel());

  it('gives one draft per record, refusing none', () => {
    expect(parsed.rejected).toEqual([]);
    expect(parsed.drafts).toHaveLength(10);
    expect(parsed.complete).toBeUndefined();
    for (const draft of parsed.drafts) if (draft.kind === 'indicator') expect(IndicatorFactsSchema.parse(draft.facts)).toEqual(draft.facts);
  });

  it('keeps every fact the sender gave, times in UTC, TLP as its level and lists without repeats', () => {
    expect(indicatorOf(parsed, 'ipv4', '203.0.113.10')).toEqual({
      kind: 'indicator',
      id: indicatorId('ipv4', '203.0.113.10'),
      aliases: ['sandbox-run-4711'],
      facts: {
        type: 'ipv4',
        value: '203.0.113.10',
        confidence: 80,
        validFrom: '2025-08-01T00:00:00.000Z',
        validUntil: '2026-07-31T22:00:00.000Z',
        tags: ['c2', 'sandbox'],
        malwareFamily: 'NightOwl',
        campaigns: ['Operation Quiet Harbour'],
        targetedSectors: [],
        targetedRegions: [],
        tlp: 'amber',
        sourceRecordId: 'sandbox-run-4711',
      },
    });
    expect(indicatorOf(parsed, 'sha256', SAMPLE_SHA256.toLowerCase())?.facts).toMatchObject({ firstSeen: '2025-07-30T12:00:00.500Z', lastSeen: '2025-08-20T08:00:00.000Z' });
  });

  it('normalises values, so one value in two spellings is one indicator', () => {
    expect(indicatorOf(parsed, 'domain', 'beacon.example.net')?.facts).toMatchObject({ threatType: 'botnet_cc', targetedSectors: ['financial-services'] });
    expect(indicatorOf(parsed, 'url', 'https://drop.example.com/Payload.bin')).toBeDefined();
    expect(indicatorOf(parsed, 'ipv6', '2001:db8::1')).toBeDefined();
    expect(indicatorOf(parsed, 'cidr', '198.51.100.0/24')).toBeDefined();
    // A /32 is the address itself.
    expect(indicatorOf(parsed, 'ipv4', '192.0.2.9')?.facts.type).toBe('ipv4');
    expect(indicatorOf(parsed, 'email', 'phish@example.org')).toBeDefined();
  });

  it('reads vulnerabilities by CVE id, in upper case', () => {
    const vulnerabilities = parsed.drafts.filter((draft) => draft.kind === 'vulnerability');
    expect(vulnerabilities).toEqual([
      { kind: 'vulnerability', id: 'CVE-2023-4966', facts: { title: 'Citrix Bleed', exploited: true, notes: 'Sessions hijacked at the edge.' } },
      { kind: 'vulnerability', id: 'CVE-2099-10001', facts: {} },
    ]);
  });

  it('reads a document with only one of the lists, or neither', () => {
    expect(parse({ forestall: 'intel/1', vulnerabilities: [{ id: 'CVE-2023-4966' }] }).drafts).toHaveLength(1);
    expect(parse({ forestall: 'intel/1' })).toEqual({ drafts: [], rejected: [] });
    expect(parseForestallJson(`\uFEFF${forestallIntelText({ forestall: 'intel/1' })}`, context)).toEqual({ drafts: [], rejected: [] });
  });
});

describe('forestall intel/1: bad records are refused by position, naming the field', () => {
  it('refuses each bad record and keeps the good ones', () => {
    const parsed = parse({
      forestall: 'intel/1',
      indicators: [
        { type: 'ipv4', value: '203.0.113.10' },
        { type: 'ipv4', value: '10.0.0.300' },
        { type: 'hostname', value: 'evil.example.com' },
        { type: 'domain', value: 'ok.example.com', confidence: 150 },
        { type: 'domain', value: 'typo.example.com', validUntill: '2026-01-01T00:00:00Z' },
        { type: 'domain', value: 'late.example.com', validFrom: '2026-01-01T00:00:00Z', validUntil: '2025-12-01T00:00:00Z' },
        { type: 'ipv4', value: ' 203.0.113.10 ', tags: ['again'] },
        { type: 'url', value: 'https://x.example.com/', tlp: 'purple' },
        { type: 'domain', value: 'when.example.com', firstSeen: 'last Tuesday' },
        'evil.example.com',
      ],
      vulnerabilities: [{ id: 'CVE-2023-4966' }, { id: 'Citrix Bleed' }, { id: 'CVE-2023-4966', exploited: 'yes' }],
    });
    expect(parsed.drafts.map((draft) => draft.id)).toEqual([indicatorId('ipv4', '203.0.113.10'), 'CVE-2023-4966']);
    expect(parsed.rejected.map(({ position, record, reason }) => ({ position, record, reason }))).toEqual([
      { position: 'indicators[1]', record: 'indicators[1]', reason: 'indicators[1].value: "10.0.0.300" is not an IPv4 address' },
      { position: 'indicators[2]', record: 'indicators[2]', reason: 'indicators[2].type: expected one of ipv4|ipv6|cidr|domain|url|md5|sha1|sha256|email' },
      { position: 'indicators[3]', record: indicatorId('domain', 'ok.example.com'), reason: 'indicators[3].confidence: Too big: expected number to be <=100' },
      { position: 'indicators[4]', record: indicatorId('domain', 'typo.example.com'), reason: 'indicators[4]: unknown field "validUntill"' },
      {
        position: 'indicators[5]',
        record: indicatorId('domain', 'late.example.com'),
        reason: 'indicators[5].validUntil: 2025-12-01T00:00:00.000Z is not later than validFrom 2026-01-01T00:00:00.000Z',
      },
      { position: 'indicators[6]', record: indicatorId('ipv4', '203.0.113.10'), reason: 'indicators[6].value: the same indicator as indicators[0]; the first was kept' },
      { position: 'indicators[7]', record: indicatorId('url', 'https://x.example.com/'), reason: 'indicators[7].tlp: TLP level: clear, white, green, amber, amber+strict or red' },
      { position: 'indicators[8]', record: indicatorId('domain', 'when.example.com'), reason: 'indicators[8].firstSeen: ISO 8601 date-time like 2026-01-01T00:00:00Z' },
      { position: 'indicators[9]', record: 'indicators[9]', reason: 'indicators[9]: expected object, received string' },
      { position: 'vulnerabilities[1]', record: 'Citrix Bleed', reason: 'vulnerabilities[1].id: CVE id like CVE-2023-4966' },
      { position: 'vulnerabilities[2]', record: 'CVE-2023-4966', reason: 'vulnerabilities[2].exploited: expected boolean, received string' },
    ]);
    expect(parsed.rejected[1]?.payload).toBe(JSON.stringify({ type: 'hostname', value: 'evil.example.com' }));
  });
});

describe('forestall intel/1: a document refused whole', () => {
  it('names the version it reads when forestall is not intel/1', () => {
    expect(refusal(forestallIntelText({ ...forestallIntel(), forestall: 'intel/2' }))).toBe(
      'forestall-json: "forestall" is "intel/2"; this version of forestall reads "intel/1" documents',
    );
    expect(refusal(forestallIntelText({ forestall: 1, indicators: [] }))).toBe('forestall-json: "forestall" is 1; this version of forestall reads "intel/1" documents');
    expect(refusal(forestallIntelText({ indicators: [] }))).toBe('forestall-json: "forestall" is missing; this version of forestall reads "intel/1" documents');
  });

  it('refuses text that is not a JSON object, lists that are not lists and fields the format does not know', () => {
    expect(refusal('{"forestall": "intel/1",')).toMatch(/^forestall-json: not JSON: /);
    expect(refusal('[{"forestall": "intel/1"}]')).toBe('forestall-json: expected a JSON object {"forestall": "intel/1", ...}');
    expect(refusal(forestallIntelText({ forestall: 'intel/1', indicators: { type: 'ipv4' } }))).toBe(
      'forestall-json: not a forestall intel/1 document: indicators: expected array, received object',
    );
    expect(refusal(forestallIntelText({ forestall: 'intel/1', indicator: [] }))).toBe('forestall-json: not a forestall intel/1 document: unknown field "indicator"');
  });
});

describe('forestall intel/1: revocations', () => {
  it('withdraws a record marked revoked, and an indicator whose validUntil has passed', () => {
    const parsed = parse({
      forestall: 'intel/1',
      indicators: [
        { type: 'domain', value: 'retired.example.com', revoked: true },
        { type: 'domain', value: 'expired.example.com', validUntil: '2025-08-01T00:00:00Z' },
        { type: 'domain', value: 'current.example.com', validUntil: '2025-09-01T00:00:00Z', revoked: false },
      ],
      vulnerabilities: [{ id: 'CVE-2099-10001', revoked: true }],
    });
    expect(parsed.drafts.map((draft) => [draft.id, draft.revoked])).toEqual([
      [indicatorId('domain', 'retired.example.com'), { reason: 'revoked by the sender', at: NOW }],
      [indicatorId('domain', 'expired.example.com'), { reason: 'validUntil passed', at: '2025-08-01T00:00:00.000Z' }],
      [indicatorId('domain', 'current.example.com'), undefined],
      ['CVE-2099-10001', { reason: 'revoked by the sender', at: NOW }],
    ]);
  });
});

describe('forestall intel/1 pushed and stored, over dynalite', () => {
  let table: LocalTable;
  beforeAll(async () => {
    table = await startLocalTable();
  });
  afterAll(async () => {
    await table.close();
  });

  function deps() {
    const events: Array<{ detailType: string; detail: Record<string, unknown> }> = [];
    const ingestDeps: IngestDeps = {
      intel: table.repositories.intel,
      quarantine: table.repositories.quarantine,
      cursors: table.repositories.cursors,
      publishEvents: async (entries) => void events.push(...(entries as typeof events)),
      now: () => new Date(NOW),
    };
    return { events, deps: ingestDeps };
  }
  const push = (payload: string, label: string) => {
    const run = deps();
    return ingestPayload(forestallJsonSource, run.deps, { tenant: 'pushed-json', payload, label }).then(({ summary }) => ({ summary, events: run.events }));
  };

  it('stores and announces a document, quarantines its bad records, and writes nothing for a repeat', async () => {
    const document = forestallIntel();
    document.indicators?.push({ type: 'ipv4', value: 'not-an-address' });
    const text = forestallIntelText(document);

    const first = await push(text, 'push-1');
    expect(first.summary).toMatchObject({ added: 10, quarantined: 1 });
    expect(await table.repositories.intel.getIndicator('pushed-json', indicatorId('domain', 'beacon.example.net'))).toMatchObject({
      sources: ['forestall-json'],
      facts: { 'forestall-json': { threatType: 'botnet_cc' } },
    });
    expect((await table.repositories.intel.getVulnerability('pushed-json', 'CVE-2023-4966'))?.facts?.['forestall-json']).toEqual({
      title: 'Citrix Bleed',
      exploited: true,
      notes: 'Sessions hijacked at the edge.',
    });
    expect(await table.repositories.quarantine.list('pushed-json', 'forestall-json')).toEqual([
      expect.objectContaining({ record: 'indicators[8]', reason: 'indicators[8].value: "not-an-address" is not an IPv4 address' }),
    ]);
    expect(first.events.map((event) => event.detailType).sort()).toEqual(['Indicators Changed', 'Intel Changed', 'Intel Changed', 'Intel Quarantined']);

    table.counter.reset();
    const again = await push(text, 'push-2');
    expect(again.summary).toMatchObject({ added: 0, updated: 0, unchanged: 10 });
    // Only the refused record's quarantine entry is written again.
    expect(table.counter.writes).toBe(1);
  });

  it('announces a revocation the sender pushes later, and the indicator is no longer acted on', async () => {
    const id = indicatorId('ipv4', '203.0.113.10');
    const revoked = await push(forestallIntelText({ forestall: 'intel/1', indicators: [{ type: 'ipv4', value: '203.0.113.10', revoked: true }] }), 'push-3');
    expect(revoked.summary).toMatchObject({ revoked: 1 });
    expect(revoked.events).toEqual([
      { detailType: 'Indicators Changed', detail: { version: '1', tenant: 'pushed-json', source: 'forestall-json', change: 'revoked', ids: [id] } },
    ]);
    const stored = await table.repositories.intel.getIndicator('pushed-json', id);
    expect(stored?.revoked['forestall-json']).toEqual({ reason: 'revoked by the sender', at: NOW });
    expect(stored?.sources).toEqual([]);
  });
});
