import { compareCompiledVersions, compileVersion, type CompiledVersion } from './version-compare.ts';

/**
 * CPE 2.3 formatted strings (NISTIR 7695) and the essentials of CPE name matching (NISTIR 7696).
 *
 * `cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other`
 */

/** The eleven attributes of a CPE 2.3 name, in formatted-string order. */
export const CPE_ATTRIBUTES = [
  'part',
  'vendor',
  'product',
  'version',
  'update',
  'edition',
  'language',
  'swEdition',
  'targetSw',
  'targetHw',
  'other',
] as const;
export type CpeAttribute = (typeof CPE_ATTRIBUTES)[number];

/**
 * One attribute value: ANY (`*`), NA (`-`), a literal (unescaped, lower-case), or a pattern holding
 * unquoted wildcards (`*` = any run of characters, `?` = zero or one character) at its start or end.
 */
export type CpeValue =
  | { readonly kind: 'any' }
  | { readonly kind: 'na' }
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'pattern'; readonly value: string; readonly regex: RegExp };

export type ParsedCpe = { readonly raw: string } & { readonly [K in CpeAttribute]: CpeValue };

/** A CPE string that is not a well-formed CPE 2.3 formatted string; the message names the attribute. */
export class CpeParseError extends Error {
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(`invalid CPE 2.3 string "${input}": ${message}`);
    this.name = 'CpeParseError';
  }
}

const ANY: CpeValue = { kind: 'any' };
const NA: CpeValue = { kind: 'na' };
const PARTS = new Set(['a', 'o', 'h']);

/** Splits on unescaped colons, keeping escapes in place. */
function splitComponents(input: string): string[] {
  if (!input.includes('\\')) return input.split(':');
  const components: string[] = [];
  let start = 0;
  for (let i = 0; i < input.length; i += 1) {
    const ch = input[i];
    if (ch === '\\') {
      if (i + 1 >= input.length) throw new CpeParseError('ends with a lone backslash', input);
      i += 1;
    } else if (ch === ':') {
      components.push(input.slice(start, i));
      start = i + 1;
    }
  }
  components.push(input.slice(start));
  return components;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const PLAIN_VALUE_NEEDS_WORK = /[\\*?]/;

function parseValue(raw: string, attribute: CpeAttribute, input: string): CpeValue {
  if (raw === '') throw new CpeParseError(`${attribute} is empty (use * for ANY or - for NA)`, input);
  if (raw === '*') return ANY;
  if (raw === '-') return NA;
  // Most values hold neither escapes nor wildcards.
  if (!PLAIN_VALUE_NEEDS_WORK.test(raw)) return { kind: 'literal', value: raw.toLowerCase() };
  // Characters with a flag for "unquoted special" (a wildcard), escapes resolved.
  const chars: Array<{ ch: string; wildcard: boolean }> = [];
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i] as string;
    if (ch === '\\') {
      chars.push({ ch: (raw[i + 1] as string).toLowerCase(), wildcard: false });
      i += 1;
    } else {
      chars.push({ ch: ch.toLowerCase(), wildcard: ch === '*' || ch === '?' });
    }
  }
  // NISTIR 7695: a value may start and end with one `*` or a run of `?`; nowhere else.
  let first = 0;
  let last = chars.length;
  if (chars[0]?.wildcard && chars[0].ch === '*') first = 1;
  else while (first < last && chars[first]?.wildcard && chars[first]?.ch === '?') first += 1;
  if (last > first && chars[last - 1]?.wildcard && chars[last - 1]?.ch === '*') last -= 1;
  else while (last > first && chars[last - 1]?.wildcard && chars[last - 1]?.ch === '?') last -= 1;
  const misplaced = chars.slice(first, last).find((c) => c.wildcard);
  if (misplaced !== undefined) {
    throw new CpeParseError(`${attribute} "${raw}" has an unquoted ${misplaced.ch} that is not at its start or end`, input);
  }
  const literal = chars.map((c) => c.ch).join('');
  if (first === 0 && last === chars.length) return { kind: 'literal', value: literal };
  // NISTIR 7696 (and its reference implementation): each `?` of a leading or trailing run matches zero
  // or one character, so `???` covers `ab` and `?icrosoft` covers `icrosoft` as well as `microsoft`.
  const regexSource = chars.map((c) => (c.wildcard ? (c.ch === '*' ? '.*' : '.?') : escapeRegExp(c.ch))).join('');
  return { kind: 'pattern', value: literal, regex: new RegExp(`^${regexSource}$`, 's') };
}

/**
 * Parses a CPE 2.3 formatted string into its eleven attributes. Literal values are unescaped
 * (`\:` -> `:`, `\.` -> `.`) and lower-cased, since CPE matching is case-insensitive.
 * @throws CpeParseError naming the attribute that is malformed.
 */
export function parseCpe(input: string): ParsedCpe {
  if (!input.startsWith('cpe:2.3:')) throw new CpeParseError('must start with cpe:2.3:', input);
  const components = splitComponents(input);
  if (components.length !== 13) {
    throw new CpeParseError(`has ${components.length} colon-separated components, expected 13`, input);
  }
  const values = {} as Record<CpeAttribute, CpeValue>;
  CPE_ATTRIBUTES.forEach((attribute, index) => {
    values[attribute] = parseValue(components[index + 2] as string, attribute, input);
  });
  const part = values.part;
  if (part.kind !== 'any' && !(part.kind === 'literal' && PARTS.has(part.value))) {
    throw new CpeParseError('part must be a (application), o (operating system), h (hardware) or *', input);
  }
  return { raw: input, ...values };
}

const PARSE_CACHE_LIMIT = 20_000;
const parseCache = new Map<string, ParsedCpe>();

/**
 * {@link parseCpe} with a bounded cache: an estate repeats the same few CPE strings on thousands of
 * assets, and parsed names are immutable, so they can be shared.
 */
export function parseCpeCached(input: string): ParsedCpe {
  let parsed = parseCache.get(input);
  if (parsed === undefined) {
    parsed = parseCpe(input);
    // Whole-cache reset keeps memory bounded without LRU bookkeeping on the hot path.
    if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
    parseCache.set(input, parsed);
  }
  return parsed;
}

/** Options for {@link cpeMatchesCriteria}. */
export interface CpeMatchOptions {
  /**
   * NISTIR 7696 relation for a candidate attribute that is ANY: `strict` treats it as SUBSET (no
   * match unless the criteria attribute is ANY too). The default, lenient, lets it match: an
   * inventory writes `*` for "not recorded" (edition, language, sw_edition ...), and an exposure
   * check should then err towards reporting rather than hide a vulnerable host.
   */
  readonly strict?: boolean;
}

/**
 * NISTIR 7696 attribute comparison reduced to "is the candidate within the criteria":
 * criteria ANY matches everything; NA matches only NA; literals compare case-insensitively;
 * a pattern matches literal candidates it covers. A candidate carrying wildcards itself
 * matches only criteria ANY or the identical pattern.
 */
export function cpeValueMatches(criteria: CpeValue, candidate: CpeValue, options: CpeMatchOptions = {}): boolean {
  if (criteria.kind === 'any') return true;
  if (candidate.kind === 'any') return options.strict !== true;
  switch (criteria.kind) {
    case 'na':
      return candidate.kind === 'na';
    case 'literal':
      return candidate.kind === 'literal' && candidate.value === criteria.value;
    case 'pattern':
      if (candidate.kind === 'pattern') return candidate.value === criteria.value;
      return candidate.kind === 'literal' && criteria.regex.test(candidate.value);
  }
}

const compiledVersionCache = new WeakMap<CpeValue, CompiledVersion>();

/** The compiled form of a literal version value, computed once per parsed value. */
export function compiledVersionOf(value: CpeValue & { kind: 'literal' }): CompiledVersion {
  let compiled = compiledVersionCache.get(value);
  if (compiled === undefined) {
    compiled = compileVersion(value.value);
    compiledVersionCache.set(value, compiled);
  }
  return compiled;
}

function versionMatches(criteria: CpeValue, candidate: CpeValue): boolean {
  // Criteria version ANY: every version, the range bounds (if any) decide.
  if (criteria.kind === 'any') return true;
  // A version that was not recorded cannot be shown to be the affected one.
  if (candidate.kind === 'any' || candidate.kind === 'pattern') return false;
  if (criteria.kind === 'literal') {
    return candidate.kind === 'literal' && compareCompiledVersions(compiledVersionOf(criteria), compiledVersionOf(candidate)) === 0;
  }
  return cpeValueMatches(criteria, candidate, { strict: true });
}

/**
 * Does the candidate (an asset's CPE) fall within the criteria (an NVD `cpeMatch.criteria`)?
 * Every attribute is compared with {@link cpeValueMatches}, except the version:
 * - criteria version ANY is ignored here, so NVD's range bounds decide (see nvd-configuration.ts);
 * - a concrete criteria version must equal the candidate's version by {@link compareVersions}
 *   ordering (`9.8` equals `9.8.0`), and a candidate with no recorded version (`*`) never matches it.
 */
export function cpeMatchesCriteria(
  criteria: ParsedCpe | string,
  candidate: ParsedCpe | string,
  options: CpeMatchOptions = {},
): boolean {
  const source = typeof criteria === 'string' ? parseCpe(criteria) : criteria;
  const target = typeof candidate === 'string' ? parseCpe(candidate) : candidate;
  for (const attribute of CPE_ATTRIBUTES) {
    if (attribute === 'version') {
      if (!versionMatches(source.version, target.version)) return false;
    } else if (!cpeValueMatches(source[attribute], target[attribute], options)) {
      return false;
    }
  }
  return true;
}

/**
 * Re-escapes only the separator and the escape character of a logical value, so the key is the same
 * however the source escaped it (the store's component index uses the same rule).
 */
function keyText(value: CpeValue): string {
  switch (value.kind) {
    case 'any':
      return '*';
    case 'na':
      return '-';
    case 'literal':
    case 'pattern':
      return value.value.includes('\\') || value.value.includes(':') ? value.value.replace(/[\\:]/g, '\\$&') : value.value;
  }
}

const packageKeyCache = new WeakMap<ParsedCpe, string>();

/**
 * The component index key of a CPE: `cpe:<vendor>:<product>`, lower-case, with the same escaping
 * whatever the input used (`cpe:2.3:o:microsoft:windows_8\.1:...` and `...:windows_8.1:...` both give
 * `cpe:microsoft:windows_8.1`). ANY / NA vendors or products appear as `*` / `-` and cannot be
 * looked up usefully.
 */
export function packageKeyOfCpe(cpe: ParsedCpe | string): string {
  const parsed = typeof cpe === 'string' ? parseCpe(cpe) : cpe;
  let key = packageKeyCache.get(parsed);
  if (key === undefined) {
    key = `cpe:${keyText(parsed.vendor)}:${keyText(parsed.product)}`;
    packageKeyCache.set(parsed, key);
  }
  return key;
}

/** The version attribute as text (`*` for ANY, `-` for NA), for display and exposure records. */
export function cpeVersionText(cpe: ParsedCpe): string {
  return cpe.version.kind === 'any' ? '*' : cpe.version.kind === 'na' ? '-' : cpe.version.value;
}
