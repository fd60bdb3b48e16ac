import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { normaliseIndicatorValue } from '../../ingest/indicator-values.ts';

/**
 * What a tenant declares about itself so indicators can be judged relevant to it: the sectors it works
 * in, the regions it operates in, the domains it owns and the network ranges it holds. Sources name
 * sectors and regions in free text ("Finance", "financial-services", "Banking"; "DE", "Germany",
 * "Western Europe"), so both sides are reduced to the same keys before they are compared.
 */

/** Lower case, no accents, `&` read as "and", every run of other characters one space. */
export function plainWords(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

// Canonical names follow the STIX 2.1 industry-sector-ov vocabulary where it has one; the synonyms are
// how MISP galaxies, vendor reports and people write the same sector.
const SECTOR_SYNONYMS: Record<string, readonly string[]> = {
  'financial-services': ['finance', 'financial', 'financial services', 'financial sector', 'banking', 'bank', 'banks', 'banking and finance', 'finance and banking', 'fintech', 'capital markets', 'investment', 'payments'],
  insurance: ['insurance', 'insurers'],
  healthcare: ['health', 'healthcare', 'health care', 'medical', 'hospital', 'hospitals', 'healthcare and public health'],
  pharmaceuticals: ['pharma', 'pharmaceutical', 'pharmaceuticals', 'life sciences', 'biotech', 'biotechnology'],
  government: [
    'government', 'gov', 'govt', 'public sector', 'public administration', 'government administration',
    'government national', 'government local', 'government regional', 'government public services',
    'government emergency services', 'national government', 'local government', 'federal government', 'state government',
  ],
  defense: ['defense', 'defence', 'military', 'defense industrial base', 'aerospace and defense', 'aerospace and defence'],
  aerospace: ['aerospace', 'aviation industry'],
  energy: ['energy', 'oil and gas', 'oil', 'gas', 'petroleum', 'power generation'],
  utilities: ['utilities', 'utility', 'electric', 'electricity', 'power grid'],
  water: ['water', 'water and wastewater'],
  telecommunications: ['telecommunications', 'telecommunication', 'telecom', 'telecoms', 'telco', 'communications'],
  technology: ['technology', 'tech', 'high tech', 'information technology', 'it', 'it services', 'software', 'computing'],
  manufacturing: ['manufacturing', 'industrial', 'industry', 'industrials'],
  retail: ['retail', 'retailers', 'e commerce', 'ecommerce'],
  education: ['education', 'academia', 'academic', 'university', 'universities', 'higher education', 'schools'],
  transportation: ['transportation', 'transport', 'logistics', 'shipping', 'maritime', 'aviation', 'airlines', 'railways'],
  'hospitality-leisure': ['hospitality', 'leisure', 'hospitality leisure', 'hotels', 'travel', 'tourism'],
  legal: ['legal', 'law', 'law firms'],
  media: ['media', 'news', 'news media', 'press', 'broadcasting', 'journalism'],
  entertainment: ['entertainment', 'gaming', 'gambling'],
  'non-profit': ['non profit', 'nonprofit', 'ngo', 'ngos', 'civil society', 'think tanks', 'think tank'],
  infrastructure: ['infrastructure', 'critical infrastructure'],
};

const SECTOR_BY_WORDS = new Map<string, string>(
  Object.entries(SECTOR_SYNONYMS).flatMap(([canonical, synonyms]) => [[plainWords(canonical), canonical] as const, ...synonyms.map((s) => [plainWords(s), canonical] as const)]),
);

/** The key a sector is compared by: its canonical name when it is a known synonym, else its plain words dashed. */
export function sectorKey(text: string): string {
  const words = plainWords(text);
  return SECTOR_BY_WORDS.get(words) ?? words.replace(/ /g, '-');
}

// UN M49 sub-regions (the STIX 2.1 region-ov names) and the ISO 3166-1 alpha-2 codes in each.
const SUB_REGIONS: Record<string, string> = {
  'northern-africa': 'DZ EG LY MA SD TN EH',
  'eastern-africa': 'BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW IO TF',
  'middle-africa': 'AO CM CF TD CG CD GQ GA ST',
  'southern-africa': 'BW SZ LS NA ZA',
  'western-africa': 'BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG',
  caribbean: 'AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI',
  'central-america': 'BZ CR SV GT HN MX NI PA',
  'south-america': 'AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE',
  'northern-america': 'BM CA GL PM US',
  'central-asia': 'KZ KG TJ TM UZ',
  'eastern-asia': 'CN HK MO KP JP MN KR TW',
  'south-eastern-asia': 'BN KH ID LA MY MM PH SG TH TL VN',
  'southern-asia': 'AF BD BT IN IR MV NP PK LK',
  'western-asia': 'AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE',
  'eastern-europe': 'BY BG CZ HU PL MD RO RU SK UA',
  'northern-europe': 'AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB',
  'southern-europe': 'AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK',
  'western-europe': 'AT BE FR DE LI LU MC NL CH',
  'australia-new-zealand': 'AU CX CC HM NZ NF',
  melanesia: 'FJ NC PG SB VU',
  micronesia: 'GU KI MH FM NR MP PW UM',
  polynesia: 'AS CK PF NU PN WS TK TO TV WF',
  antarctica: 'AQ',
};

// Larger regions as unions of sub-regions (`@name`) and country codes; the last entries are the names
// people use that M49 does not (EMEA, APAC, LATAM, Middle East, EU).
const UNIONS: Record<string, string> = {
  africa: '@northern-africa @eastern-africa @middle-africa @southern-africa @western-africa',
  'latin-america-caribbean': '@caribbean @central-america @south-america',
  americas: '@latin-america-caribbean @northern-america',
  asia: '@central-asia @eastern-asia @south-eastern-asia @southern-asia @western-asia',
  europe: '@eastern-europe @northern-europe @southern-europe @western-europe',
  oceania: '@australia-new-zealand @melanesia @micronesia @polynesia',
  emea: '@europe @africa @western-asia',
  apac: '@eastern-asia @south-eastern-asia @southern-asia @oceania',
  'asia-pacific': '@apac',
  latam: '@latin-america-caribbean',
  'latin-america': '@latin-america-caribbean',
  'north-america': '@northern-america MX',
  'middle-east': '@western-asia EG IR',
  'european-union': 'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE',
  eu: '@european-union',
};

// Country names Intl.DisplayNames does not give in the form sources write them.
const COUNTRY_ALIASES: Record<string, string> = {
  uk: 'GB', 'great britain': 'GB', britain: 'GB', england: 'GB', usa: 'US', 'u s a': 'US', 'u s': 'US', 'united states of america': 'US',
  'czech republic': 'CZ', turkey: 'TR', uae: 'AE', 'hong kong': 'HK', macau: 'MO', macao: 'MO', palestine: 'PS',
  'ivory coast': 'CI', 'republic of korea': 'KR', dprk: 'KP', burma: 'MM', 'russian federation': 'RU', 'viet nam': 'VN',
  holland: 'NL', 'the netherlands': 'NL', 'vatican': 'VA', swaziland: 'SZ', 'east timor': 'TL', 'north macedonia': 'MK', macedonia: 'MK',
};

const ALL_COUNTRIES = [...new Set(Object.values(SUB_REGIONS).flatMap((codes) => codes.split(' ')))];

function expand(name: string, seen = new Set<string>()): string[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const direct = SUB_REGIONS[name];
  if (direct !== undefined) return direct.split(' ');
  const union = UNIONS[name];
  if (union === undefined) return [];
  return union.split(' ').flatMap((part) => (part.startsWith('@') ? expand(part.slice(1), seen) : [part]));
}

const REGION_COUNTRIES = new Map<string, ReadonlySet<string>>(
  [...Object.keys(SUB_REGIONS), ...Object.keys(UNIONS)].map((name) => [plainWords(name), new Set(expand(name))]),
);

const COUNTRY_BY_NAME: ReadonlyMap<string, string> = (() => {
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const byName = new Map<string, string>();
  for (const code of ALL_COUNTRIES) {
    const name = names.of(code);
    if (name) byName.set(plainWords(name), code);
  }
  for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) byName.set(plainWords(alias), code);
  return byName;
})();

/** A region as compared: the countries it covers, or (a name we do not know) its plain words. */
export interface ResolvedRegion {
  /** The country code or region name it resolved to, else the plain words. */
  key: string;
  countries: ReadonlySet<string>;
}

const COUNTRY_CODES = new Set(ALL_COUNTRIES);
const resolvedRegions = new Map<string, ResolvedRegion>();

/** Resolves an ISO 3166-1 alpha-2 code, a country name or a region name (M49 / STIX region-ov, EMEA, APAC, ...). */
export function resolveRegion(text: string): ResolvedRegion {
  const cached = resolvedRegions.get(text);
  if (cached) return cached;
  const words = plainWords(text);
  const code = words.toUpperCase();
  let resolved: ResolvedRegion;
  if (code.length === 2 && COUNTRY_CODES.has(code)) resolved = { key: code, countries: new Set([code]) };
  else if (COUNTRY_BY_NAME.has(words)) {
    const country = COUNTRY_BY_NAME.get(words) as string;
    resolved = { key: country, countries: new Set([country]) };
  } else {
    const countries = REGION_COUNTRIES.get(words);
    resolved = countries ? { key: words.replace(/ /g, '-'), countries } : { key: words.replace(/ /g, '-'), countries: new Set() };
  }
  // Feeds use a small vocabulary; the bound only keeps odd input from growing a warm Lambda's memory.
  if (resolvedRegions.size >= 10_000) resolvedRegions.clear();
  resolvedRegions.set(text, resolved);
  return resolved;
}

/** Whether two regions overlap: the same key, or a country in both (a tenant in `DE` is in `europe`, and the reverse). */
export function regionsOverlap(a: ResolvedRegion, b: ResolvedRegion): boolean {
  if (a.key === b.key) return true;
  const [small, large] = a.countries.size <= b.countries.size ? [a.countries, b.countries] : [b.countries, a.countries];
  for (const country of small) if (large.has(country)) return true;
  return false;
}

const DomainSchema = z.string().transform((raw, context) => {
  const normalised = normaliseIndicatorValue('domain', raw);
  if (!normalised.ok) {
    context.addIssue({ code: 'custom', message: normalised.reason });
    return z.NEVER;
  }
  return normalised.value;
});

/** A network range in canonical form (`203.0.113.0/24`, `2001:db8::/32`); a bare address is its own /32 or /128. */
const NetworkRangeSchema = z.string().transform((raw, context) => {
  const text = raw.trim();
  try {
    const [address, bits] = text.includes('/') ? ipaddr.parseCIDR(text) : (() => {
      const parsed = ipaddr.parse(text);
      return [parsed, parsed.kind() === 'ipv4' ? 32 : 128] as const;
    })();
    const family = address.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
    return `${family.networkAddressFromCIDR(`${address.toString()}/${bits}`).toString()}/${bits}`;
  } catch {
    context.addIssue({ code: 'custom', message: `"${raw}" is not a CIDR block or IP address` });
    return z.NEVER;
  }
});

export const TenantProfileSchema = z
  .object({
    /** Sectors the tenant works in, in any common spelling ("Finance", "financial services", "Banking"). */
    sectors: z.array(z.string().min(1).max(200)).max(100).default([]),
    /** Where it operates: ISO 3166-1 alpha-2 codes, country names or region names ("DE", "Germany", "Western Europe", "EMEA"). */
    regions: z.array(z.string().min(1).max(200)).max(300).default([]),
    /** Apex domains it owns; an indicator for the domain or any subdomain of it concerns the tenant. */
    domains: z.array(DomainSchema).max(10_000).default([]),
    /** Network ranges it holds (CIDR); an address indicator inside one concerns the tenant even with no asset there. */
    networks: z.array(NetworkRangeSchema).max(10_000).default([]),
  })
  .strict();
export type TenantProfile = z.infer<typeof TenantProfileSchema>;
export type TenantProfileInput = z.input<typeof TenantProfileSchema>;

/** A profile that declares nothing: only the asset inventory makes indicators relevant. */
export const EMPTY_TENANT_PROFILE: TenantProfile = { sectors: [], regions: [], domains: [], networks: [] };
