/**
 * Indicator relevance throughput: 20,000 indicators against a 100,000-asset estate (pure; no store).
 * Prints a Markdown section for docs/benchmarks.md. Run on its own with
 * `npx tsx test/bench/indicator-relevance.bench.ts`, or call benchIndicatorRelevance from run.ts.
 */
import { pathToFileURL } from 'node:url';
import { buildAddressIndex, relevantIndicators, type AddressedAsset } from '../../functions/match/indicators/indicator-relevance.ts';
import { TenantProfileSchema } from '../../functions/match/indicators/tenant-profile.ts';
import { IndicatorFactsSchema, indicatorId, type IndicatorType } from '../../functions/model/indicator.ts';
import type { Indicator } from '../../functions/store/intel-repository.ts';

const ASSETS = 100_000;
const INDICATORS = 20_000;
const RUNS = 5;
const NOW = new Date('2026-12-01T12:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

/** A seeded generator, so every run measures the same estate and feed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const publicIp = (n: number) => `34.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

export function syntheticEstate(count = ASSETS): AddressedAsset[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `asset-${i}`,
    hostname: `host${i}.corp.example.com`,
    ips: [`10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`, ...(i % 5 === 0 ? [`2600:1f18::${i.toString(16)}`] : [])],
    network: { publicIps: i % 2 === 0 ? [publicIp(i)] : [] },
  }));
}

/** A feed mix like a day of abuse.ch and MISP: mostly addresses and URLs, some hits, mixed ages. */
export function syntheticIndicators(count = INDICATORS, assets = ASSETS): Indicator[] {
  const next = random(42);
  const pick = <T>(values: readonly T[]) => values[Math.floor(next() * values.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const hit = next() < 0.05;
    const asset = Math.floor(next() * assets);
    const roll = next();
    const [type, value]: [IndicatorType, string] =
      roll < 0.4 ? ['ipv4', hit ? publicIp(asset - (asset % 2)) : `45.${i & 255}.${(i >>> 8) & 255}.${Math.floor(next() * 256)}`]
      : roll < 0.45 ? ['cidr', hit ? `34.${(asset >>> 16) & 255}.${(asset >>> 8) & 255}.0/24` : `45.${i & 255}.${(i >>> 8) & 255}.0/24`]
      : roll < 0.5 ? ['ipv6', hit ? `2600:1f18::${(asset - (asset % 5)).toString(16)}` : `2a05:d018::${i.toString(16)}`]
      : roll < 0.75 ? ['domain', hit ? `x.host${asset}.corp.example.com` : `login-${i}.evil-example.com`]
      : roll < 0.9 ? ['url', hit ? `https://host${asset}.corp.example.com/wp-login.php` : `http://45.${i & 255}.0.1/bins/mirai.${i}`]
      : ['sha256', i.toString(16).padStart(64, '0')];
    const facts = IndicatorFactsSchema.parse({
      type,
      value,
      confidence: Math.round(40 + next() * 60),
      lastSeen: new Date(NOW.getTime() - next() * 60 * DAY_MS).toISOString(),
      targetedSectors: next() < 0.1 ? [pick(['Finance', 'healthcare', 'Energy', 'government'])] : [],
      targetedRegions: next() < 0.1 ? [pick(['DE', 'Japan', 'Western Europe', 'US'])] : [],
    });
    const source = pick(['threatfox', 'urlhaus', 'feodo', 'misp', 'stix']);
    return { tenant: 'default', id: indicatorId(type, value), type, value, facts: { [source]: facts }, revoked: {}, sources: [source], updatedAt: NOW.toISOString() };
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export function benchIndicatorRelevance(say: (line?: string) => void = (line = '') => process.stdout.write(`${line}\n`)): void {
  const assets = syntheticEstate();
  const indicators = syntheticIndicators();
  const profile = TenantProfileSchema.parse({
    sectors: ['financial services'],
    regions: ['DE'],
    domains: ['example.com'],
    networks: ['34.0.0.0/16', '2600:1f18::/32', '45.1.0.0/24'],
  });
  const whole: number[] = [];
  const indexing: number[] = [];
  const matching: number[] = [];
  let sightings = 0;
  for (let run = 0; run < RUNS; run++) {
    let start = performance.now();
    sightings = relevantIndicators(indicators, assets, profile, NOW).length;
    whole.push(performance.now() - start);
    start = performance.now();
    const index = buildAddressIndex(assets);
    indexing.push(performance.now() - start);
    start = performance.now();
    relevantIndicators(indicators, index, profile, NOW);
    matching.push(performance.now() - start);
  }
  const rate = (ms: number) => Math.round(INDICATORS / (ms / 1000)).toLocaleString('en');
  say(`### Indicator relevance: ${INDICATORS.toLocaleString('en')} indicators x ${ASSETS.toLocaleString('en')} assets (pure, median of ${RUNS})`);
  say();
  say('| step | time | indicators/s |');
  say('|---|---|---|');
  say(`| one call, index built inside | ${median(whole).toFixed(0)} ms | ${rate(median(whole))} |`);
  say(`| building the address index alone | ${median(indexing).toFixed(0)} ms | - |`);
  say(`| matching with a prebuilt index | ${median(matching).toFixed(0)} ms | ${rate(median(matching))} |`);
  say();
  say(`${sightings.toLocaleString('en')} relevant indicators (the rest stale, below the minimum score or unrelated).`);
  say();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) benchIndicatorRelevance();
