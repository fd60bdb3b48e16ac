import type { NvdConfiguration, NvdCpeMatch } from '../model/vulnerability.ts';
import {
  compiledVersionOf,
  cpeMatchesCriteria,
  cpeVersionText,
  packageKeyOfCpe,
  parseCpe,
  parseCpeCached,
  type ParsedCpe,
} from './cpe.ts';
import { compareCompiledVersions, compileVersion, type CompiledVersion } from './version-compare.ts';

/**
 * Evaluation of NVD CVE API 2.0 `configurations` against the CPEs of one asset.
 *
 * Semantics (NVD "applicability statements"):
 * - a `cpeMatch` holds for an asset CPE when the CPE falls within `criteria` (cpe.ts) and its version
 *   lies within every bound given (`versionStart/End` `Including/Excluding`); a criteria with a concrete
 *   version and no bounds means exactly that version;
 * - a node with operator OR holds when any of its `cpeMatch` holds, AND when all hold; `negate`
 *   inverts the node; an empty node never holds (before negation);
 * - a configuration combines its nodes the same way (`operator` AND: "application X running on
 *   platform Y"; absent operator: OR) and may be negated;
 * - only `cpeMatch` entries with `vulnerable: true` make an asset CPE vulnerable; `vulnerable: false`
 *   entries (the platform) only satisfy a condition. So an application listed in an AND
 *   configuration is reported only when the asset's inventory also shows the platform;
 * - an asset CPE whose version is not recorded (`*`) never lies within version bounds.
 */

/** One asset CPE found vulnerable by one `cpeMatch`. */
export interface ConfigurationMatch {
  /** The asset's CPE string as the inventory gave it. */
  readonly cpe: string;
  /** The asset CPE's version attribute. */
  readonly version: string;
  readonly matchCriteriaId: string | undefined;
  readonly criteria: string;
  /** The `cpeMatch` in words, e.g. `versions from 13.1 (including) up to 13.1-49.15 (excluding)`. */
  readonly range: string;
}

interface CompiledCpeMatch {
  readonly source: NvdCpeMatch;
  readonly criteria: ParsedCpe;
  readonly index: number;
  readonly startIncluding: CompiledVersion | undefined;
  readonly startExcluding: CompiledVersion | undefined;
  readonly endIncluding: CompiledVersion | undefined;
  readonly endExcluding: CompiledVersion | undefined;
  readonly hasBounds: boolean;
  readonly range: string;
}

interface CompiledNode {
  readonly operator: 'AND' | 'OR';
  readonly negate: boolean;
  readonly cpeMatches: readonly CompiledCpeMatch[];
}

interface CompiledConfiguration {
  readonly operator: 'AND' | 'OR';
  readonly negate: boolean;
  readonly nodes: readonly CompiledNode[];
}

/**
 * Configurations prepared once per vulnerability: criteria parsed, version bounds tokenised, and
 * `cpeMatch` entries indexed by package key so each asset CPE is tested only against criteria of its
 * own vendor and product.
 */
export interface CompiledConfigurations {
  readonly configurations: readonly CompiledConfiguration[];
  readonly cpeMatchCount: number;
  /** Package keys (`cpe:<vendor>:<product>`) of the `vulnerable: true` criteria: what to look up. */
  readonly vulnerablePackageKeys: readonly string[];
  /** Vulnerable criteria whose vendor or product is ANY or a pattern, so no package key finds them. */
  readonly unindexedVulnerableCriteria: readonly string[];
  readonly byPackageKey: ReadonlyMap<string, readonly CompiledCpeMatch[]>;
  /** Criteria with ANY / pattern vendor or product: tested against every asset CPE. */
  readonly unindexed: readonly CompiledCpeMatch[];
}

/** An NVD configuration the matcher cannot use; the message names the configuration and field. */
export class InvalidNvdConfiguration extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidNvdConfiguration';
  }
}

/** Describes a `cpeMatch`'s version condition in words, for reasons and reports. */
export function describeCpeMatch(cpeMatch: NvdCpeMatch): string {
  const from =
    cpeMatch.versionStartIncluding !== undefined
      ? `from ${cpeMatch.versionStartIncluding} (including)`
      : cpeMatch.versionStartExcluding !== undefined
        ? `after ${cpeMatch.versionStartExcluding} (excluding)`
        : undefined;
  const to =
    cpeMatch.versionEndExcluding !== undefined
      ? `up to ${cpeMatch.versionEndExcluding} (excluding)`
      : cpeMatch.versionEndIncluding !== undefined
        ? `up to ${cpeMatch.versionEndIncluding} (including)`
        : undefined;
  if (from !== undefined || to !== undefined) return `versions ${[from, to].filter(Boolean).join(' ')}`;
  const version = parseCpe(cpeMatch.criteria).version;
  if (version.kind === 'any') return 'all versions';
  if (version.kind === 'na') return 'version not applicable (-)';
  return `version ${version.value}`;
}

function compileBound(value: string | undefined): CompiledVersion | undefined {
  return value === undefined ? undefined : compileVersion(value);
}

/**
 * Parses and indexes configurations once; pass the result to {@link matchCompiledConfigurations} for
 * every asset of the estate.
 * @throws InvalidNvdConfiguration when a criteria is not a CPE 2.3 formatted string.
 */
export function compileConfigurations(configurations: readonly NvdConfiguration[]): CompiledConfigurations {
  let index = 0;
  const byPackageKey = new Map<string, CompiledCpeMatch[]>();
  const unindexed: CompiledCpeMatch[] = [];
  const vulnerableKeys = new Set<string>();
  const unindexedVulnerable: string[] = [];
  const compiled = configurations.map((configuration, configurationIndex) => ({
    operator: configuration.operator,
    negate: configuration.negate,
    nodes: configuration.nodes.map((node, nodeIndex) => ({
      operator: node.operator,
      negate: node.negate,
      cpeMatches: node.cpeMatch.map((source, matchIndex) => {
        let criteria: ParsedCpe;
        try {
          criteria = parseCpe(source.criteria);
        } catch (error) {
          throw new InvalidNvdConfiguration(
            `configurations[${configurationIndex}].nodes[${nodeIndex}].cpeMatch[${matchIndex}].criteria: ${(error as Error).message}`,
            { cause: error },
          );
        }
        const entry: CompiledCpeMatch = {
          source,
          criteria,
          index: index++,
          startIncluding: compileBound(source.versionStartIncluding),
          startExcluding: compileBound(source.versionStartExcluding),
          endIncluding: compileBound(source.versionEndIncluding),
          endExcluding: compileBound(source.versionEndExcluding),
          hasBounds:
            source.versionStartIncluding !== undefined ||
            source.versionStartExcluding !== undefined ||
            source.versionEndIncluding !== undefined ||
            source.versionEndExcluding !== undefined,
          range: describeCpeMatch(source),
        };
        const indexable = criteria.vendor.kind === 'literal' && criteria.product.kind === 'literal';
        if (indexable) {
          const key = packageKeyOfCpe(criteria);
          const list = byPackageKey.get(key);
          if (list === undefined) byPackageKey.set(key, [entry]);
          else list.push(entry);
          if (source.vulnerable) vulnerableKeys.add(key);
        } else {
          unindexed.push(entry);
          if (source.vulnerable) unindexedVulnerable.push(source.criteria);
        }
        return entry;
      }),
    })),
  }));
  return {
    configurations: compiled,
    cpeMatchCount: index,
    vulnerablePackageKeys: [...vulnerableKeys].sort(),
    unindexedVulnerableCriteria: unindexedVulnerable,
    byPackageKey,
    unindexed,
  };
}

function withinBounds(entry: CompiledCpeMatch, cpe: ParsedCpe): boolean {
  if (!entry.hasBounds) return true;
  if (cpe.version.kind !== 'literal') return false;
  const version = compiledVersionOf(cpe.version);
  if (entry.startIncluding !== undefined && compareCompiledVersions(version, entry.startIncluding) < 0) return false;
  if (entry.startExcluding !== undefined && compareCompiledVersions(version, entry.startExcluding) <= 0) return false;
  if (entry.endIncluding !== undefined && compareCompiledVersions(version, entry.endIncluding) > 0) return false;
  if (entry.endExcluding !== undefined && compareCompiledVersions(version, entry.endExcluding) >= 0) return false;
  return true;
}

/** Does this asset CPE satisfy this compiled `cpeMatch` (criteria and version bounds)? */
function satisfies(entry: CompiledCpeMatch, cpe: ParsedCpe): boolean {
  return cpeMatchesCriteria(entry.criteria, cpe) && withinBounds(entry, cpe);
}

function evaluateNode(node: CompiledNode, hits: ReadonlyMap<number, readonly ParsedCpe[]>): boolean {
  if (node.cpeMatches.length === 0) return node.negate;
  const holds =
    node.operator === 'AND'
      ? node.cpeMatches.every((entry) => hits.has(entry.index))
      : node.cpeMatches.some((entry) => hits.has(entry.index));
  return node.negate ? !holds : holds;
}

/**
 * The asset CPEs that the compiled configurations make vulnerable, each with the `cpeMatch` that
 * did it. Empty when no configuration holds for this asset.
 * @param assetCpes the asset's CPE strings (or parsed names)
 * @throws CpeParseError when an asset CPE string is malformed.
 */
export function matchCompiledConfigurations(
  compiled: CompiledConfigurations,
  assetCpes: readonly (string | ParsedCpe)[],
): ConfigurationMatch[] {
  // Which cpeMatch entries hold, and for which asset CPEs.
  const hits = new Map<number, ParsedCpe[]>();
  for (const item of assetCpes) {
    const cpe = typeof item === 'string' ? parseCpeCached(item) : item;
    const candidates = compiled.byPackageKey.get(packageKeyOfCpe(cpe));
    if (candidates !== undefined) {
      for (const entry of candidates) {
        if (satisfies(entry, cpe)) recordHit(hits, entry.index, cpe);
      }
    }
    for (const entry of compiled.unindexed) {
      if (satisfies(entry, cpe)) recordHit(hits, entry.index, cpe);
    }
  }
  if (hits.size === 0) return [];

  const results: ConfigurationMatch[] = [];
  const seen = new Set<string>();
  for (const configuration of compiled.configurations) {
    const nodeResults = configuration.nodes.map((node) => evaluateNode(node, hits));
    const combined =
      configuration.nodes.length === 0
        ? false
        : configuration.operator === 'AND'
          ? nodeResults.every(Boolean)
          : nodeResults.some(Boolean);
    if (combined === configuration.negate) continue;
    configuration.nodes.forEach((node, nodeIndex) => {
      // A negated node holds because something is absent: it names no vulnerable component.
      if (node.negate || !nodeResults[nodeIndex]) return;
      for (const entry of node.cpeMatches) {
        if (!entry.source.vulnerable) continue;
        for (const cpe of hits.get(entry.index) ?? []) {
          const key = `${cpe.raw}\u0000${entry.index}`;
          if (seen.has(key)) continue;
          seen.add(key);
          results.push({
            cpe: cpe.raw,
            version: cpeVersionText(cpe),
            matchCriteriaId: entry.source.matchCriteriaId,
            criteria: entry.source.criteria,
            range: entry.range,
          });
        }
      }
    });
  }
  return results;
}

function recordHit(hits: Map<number, ParsedCpe[]>, index: number, cpe: ParsedCpe): void {
  const list = hits.get(index);
  if (list === undefined) hits.set(index, [cpe]);
  else if (!list.includes(cpe)) list.push(cpe);
}

/**
 * Evaluates NVD configurations against one asset's CPEs: which asset CPEs are vulnerable, and by which
 * `cpeMatch` (`matchCriteriaId`, `criteria`). For many assets, compile once with
 * {@link compileConfigurations} and call {@link matchCompiledConfigurations}.
 */
export function matchConfigurations(
  configurations: readonly NvdConfiguration[],
  assetCpes: readonly (string | ParsedCpe)[],
): ConfigurationMatch[] {
  return matchCompiledConfigurations(compileConfigurations(configurations), assetCpes);
}

/**
 * Could this one CPE make an asset vulnerable: does it satisfy a `vulnerable: true` criterion, version
 * bounds included? The deployed matcher asks this of each component index row before it reads any
 * asset, so an asset is loaded only when one of its components is in range. A configuration may still
 * need the asset's other CPEs (an application on an operating system): that is decided on the asset.
 */
export function couldMatchCpe(compiled: CompiledConfigurations, item: string | ParsedCpe): boolean {
  const cpe = typeof item === 'string' ? parseCpeCached(item) : item;
  const candidates = compiled.byPackageKey.get(packageKeyOfCpe(cpe)) ?? [];
  for (const entry of candidates) if (entry.source.vulnerable && satisfies(entry, cpe)) return true;
  for (const entry of compiled.unindexed) if (entry.source.vulnerable && satisfies(entry, cpe)) return true;
  return false;
}
