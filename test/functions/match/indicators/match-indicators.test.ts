import { describe, expect, it } from 'vitest';
import { INDICATOR_RELEVANT, IndicatorRelevantSchema } from '../../../../functions/match/indicators/indicator-events.ts';
import type { AddressedAsset } from '../../../../functions/match/indicators/indicator-relevance.ts';
import {
  indicatorRelevantEvent,
  indicatorSummary,
  matchIndicators,
  type AssetAddressReader,
  type MatchIndicatorsDeps,
} from '../../../../functions/match/indicators/match-indicators.ts';
import { TenantProfileSchema } from '../../../../functions/match/indicators/tenant-profile.ts';
import { EVENT_VERSION, type IndicatorsChanged } from '../../../../functions/model/events.ts';
import type { Indicator } from '../../../../functions/store/intel-repository.ts';
import { daysAgo, ESTATE, indicator, NOW } from './fixtures.ts';

const PROFILE = TenantProfileSchema.parse({ sectors: ['banking'], domains: ['example.com'] });

/** Reads the estate in pages of `pageSize`, counting the pages read. */
function pagedEstate(assets: readonly AddressedAsset[], pageSize = 2): AssetAddressReader & { pagesRead: number } {
  const reader = {
    pagesRead: 0,
    async *addressPages() {
      for (let at = 0; at < assets.length; at += pageSize) {
        reader.pagesRead++;
        yield assets.slice(at, at + pageSize);
      }
    },
  };
  return reader;
}

function harness(indicators: readonly Indicator[], assets: AssetAddressReader = pagedEstate(ESTATE)) {
  const stored = new Map(indicators.map((ioc) => [ioc.id, ioc]));
  const published: Array<Array<{ detailType: string; detail: unknown }>> = [];
  const deps: MatchIndicatorsDeps = {
    intel: { getIndicator: async (tenant, id) => (tenant === 'default' ? stored.get(id) : undefined) },
    assets,
    profile: async () => PROFILE,
    publishEvents: async (entries) => void published.push(entries),
    now: () => NOW,
  };
  return { deps, published };
}

const changed = (ids: string[]): IndicatorsChanged => ({ version: EVENT_VERSION, tenant: 'default', source: 'misp', change: 'added', ids });

describe('matchIndicators', () => {
  it('publishes one Indicator Relevant event per relevant indicator', async () => {
    const hit = indicator('ipv4', '198.51.100.7', { campaigns: ['FIN7'], tlp: 'green' }, 'misp', { threatfox: { confidence: 50, tlp: 'amber', validUntil: '2027-01-01T00:00:00Z' } });
    const unrelated = indicator('sha256', 'a'.repeat(64));
    const stale = indicator('domain', 'login.example.com', { confidence: 60, lastSeen: daysAgo(365) });
    const { deps, published } = harness([hit, unrelated, stale]);

    const summary = await matchIndicators(deps, changed([hit.id, unrelated.id, stale.id, 'ipv4--gone']));

    expect(summary).toEqual({
      tenant: 'default',
      requested: 4,
      missing: ['ipv4--gone'],
      stale: 1,
      assetsRead: ESTATE.length,
      relevant: [{ indicatorId: hit.id, kind: 'targets-our-address', decayedScore: 0.9, assetCount: 1 }],
    });
    expect(published).toHaveLength(1);
    const [entry] = published[0] ?? [];
    expect(entry?.detailType).toBe(INDICATOR_RELEVANT);
    expect(IndicatorRelevantSchema.parse(entry?.detail)).toEqual({
      version: EVENT_VERSION,
      tenant: 'default',
      indicator: {
        id: hit.id,
        type: 'ipv4',
        value: '198.51.100.7',
        sources: ['misp', 'threatfox'],
        campaigns: ['FIN7'],
        validUntil: '2027-01-01T00:00:00Z',
        tlp: 'amber',
      },
      kind: 'targets-our-address',
      score: 0.9,
      decayedScore: 0.9,
      assetIds: ['web-1'],
      assetCount: 1,
      reasons: ['198.51.100.7 is a public IP of asset web-1 (network.publicIps)', expect.stringMatching(/^score 0\.9 from misp: confidence 90/)],
      detectedAt: NOW.toISOString(),
    });
  });

  it('does not read the estate when no fresh indicator needs it', async () => {
    const refuse: AssetAddressReader = {
      addressPages: () => {
        throw new Error('the estate should not be read');
      },
    };
    const sector = indicator('md5', 'b'.repeat(32), { targetedSectors: ['Finance'], campaigns: ['FIN7'] });
    const staleAddress = indicator('ipv4', '198.51.100.7', { lastSeen: daysAgo(200) });
    const spoofed = indicator('email', 'ceo@example.com');
    const { deps, published } = harness([sector, staleAddress, spoofed], refuse);

    const summary = await matchIndicators(deps, changed([sector.id, staleAddress.id, spoofed.id]));

    expect(summary.assetsRead).toBeUndefined();
    expect(summary.relevant.map((r) => r.kind)).toEqual(['targets-our-sector', 'targets-our-domain']);
    expect(published.flat().map((entry) => IndicatorRelevantSchema.parse(entry.detail).indicator.value)).toEqual([sector.value, spoofed.value]);
  });

  it('reads every page of the estate', async () => {
    const assets = Array.from({ length: 7 }, (_, i) => ({ id: `h${i}`, ips: [`198.18.0.${i}`] }));
    const reader = pagedEstate(assets, 3);
    const { deps } = harness([indicator('cidr', '198.18.0.0/24')], reader);
    const summary = await matchIndicators(deps, changed([indicator('cidr', '198.18.0.0/24').id]));
    expect(reader.pagesRead).toBe(3);
    expect(summary.relevant[0]?.assetCount).toBe(7);
  });

  it('publishes in batches', async () => {
    const many = Array.from({ length: 250 }, (_, i) => indicator('domain', `host${i}.example.com`));
    const { deps, published } = harness(many);
    const summary = await matchIndicators(deps, changed(many.map((ioc) => ioc.id)));
    expect(summary.relevant).toHaveLength(250);
    expect(published.map((batch) => batch.length)).toEqual([100, 100, 50]);
  });

  it('publishes nothing for an indicator its sources revoked', async () => {
    const revoked = { ...indicator('ipv4', '198.51.100.7'), sources: [], revoked: { misp: { reason: 'false positive' } } };
    const { deps, published } = harness([revoked]);
    const summary = await matchIndicators(deps, { ...changed([revoked.id]), change: 'revoked' });
    expect(summary).toMatchObject({ stale: 1, relevant: [] });
    expect(published).toEqual([]);
  });

  it('applies the options it is given', async () => {
    const hit = indicator('ipv4', '198.51.100.7', { confidence: 30 });
    const { deps } = harness([hit]);
    expect((await matchIndicators(deps, changed([hit.id]))).relevant).toHaveLength(1);
    expect((await matchIndicators({ ...deps, options: { minDecayedScore: 0.5 } }, changed([hit.id]))).relevant).toEqual([]);
  });

  it('refuses a malformed event', async () => {
    const { deps } = harness([]);
    await expect(matchIndicators(deps, changed([]))).rejects.toThrow();
  });
});

describe('Indicator Relevant event', () => {
  it('keeps the score reason when it caps the reasons', () => {
    const ioc = indicator('cidr', '198.18.0.0/16');
    const reasons = [...Array.from({ length: 70 }, (_, i) => `reason ${i}`), 'score 0.9 from misp'];
    const event = indicatorRelevantEvent('default', ioc, {
      indicatorId: ioc.id,
      type: 'cidr',
      value: ioc.value,
      kind: 'targets-our-address',
      score: 0.9,
      decayedScore: 0.9,
      scoredBy: 'misp',
      reasons,
      assetIds: ['a'],
      assetCount: 70,
    }, NOW.toISOString());
    expect(event.reasons).toHaveLength(50);
    expect(event.reasons.slice(-2)).toEqual(['... and 22 more reasons', 'score 0.9 from misp']);
  });

  it('summarises only the sources that stand by the indicator', () => {
    const ioc = indicator('domain', 'bad.example.org', { tlp: 'RED', malwareFamily: 'Emotet', validUntil: '2026-12-10T00:00:00Z' }, 'misp', {
      threatfox: { tlp: 'clear', campaigns: ['X'], validUntil: '2026-12-20T00:00:00Z' },
    });
    expect(indicatorSummary({ ...ioc, sources: ['misp'] })).toEqual({
      id: ioc.id,
      type: 'domain',
      value: 'bad.example.org',
      sources: ['misp'],
      campaigns: [],
      malwareFamily: 'Emotet',
      validUntil: '2026-12-10T00:00:00Z',
      tlp: 'red',
    });
  });
});
