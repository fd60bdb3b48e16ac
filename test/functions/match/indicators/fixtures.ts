import { IndicatorFactsSchema, indicatorId, type IndicatorFacts, type IndicatorType } from '../../../../functions/model/indicator.ts';
import type { Indicator } from '../../../../functions/store/intel-repository.ts';
import type { AddressedAsset } from '../../../../functions/match/indicators/indicator-relevance.ts';

export const NOW = new Date('2026-12-01T12:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

/** ISO time `days` before NOW. */
export const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString();

type FactsInput = Partial<Omit<IndicatorFacts, 'type' | 'value'>>;

/** An indicator one source (default `misp`, fresh, confidence 90) reports; more sources in `others`. */
export function indicator(type: IndicatorType, value: string, facts: FactsInput = {}, source = 'misp', others: Record<string, FactsInput> = {}): Indicator {
  const all: Record<string, IndicatorFacts> = {
    [source]: IndicatorFactsSchema.parse({ type, value, confidence: 90, lastSeen: daysAgo(0), ...facts }),
  };
  for (const [name, extra] of Object.entries(others)) all[name] = IndicatorFactsSchema.parse({ type, value, ...extra });
  return {
    tenant: 'default',
    id: indicatorId(type, value),
    type,
    value,
    facts: all,
    revoked: {},
    sources: Object.keys(all).sort(),
    updatedAt: NOW.toISOString(),
  };
}

export const ESTATE: AddressedAsset[] = [
  { id: 'web-1', hostname: 'www.example.com', ips: ['10.0.0.5'], network: { publicIps: ['198.51.100.7'] } },
  { id: 'db-2', ips: ['2001:db8:1::10'] },
  { id: 'app-3', hostname: 'API.shop.example.net.', ips: ['198.51.100.200'] },
  { id: 'odd-4', ips: ['not-an-ip', ' 192.0.2.44/24 '] },
];
