import type { Asset } from '../model/asset.ts';
import type { Decision, SsvcInputs } from '../model/exposure.ts';
import type { Cvss, Vulnerability } from '../model/vulnerability.ts';
import { ssvcDecision } from './ssvc.ts';

/** An SSVC decision for one vulnerability on one asset, with every input explained in plain English. */
export interface ExposureDecision {
  readonly decision: Decision;
  readonly ssvc: SsvcInputs;
  readonly reasons: string[];
}

/** The CVSS metric the decision rests on, and why that one. */
export interface ChosenCvss {
  readonly metric: Cvss;
  /** e.g. `NVD primary CVSS v3.1 metric`. */
  readonly basis: string;
}

function majorVersion(metric: Cvss): string {
  const fromVector = /^CVSS:(\d)/.exec(metric.vectorString)?.[1];
  return fromVector ?? metric.version.split('.')[0] ?? '';
}

/**
 * Picks the CVSS metric to decide on: the NVD `Primary` v3.x metric, else the first v3.x metric,
 * else a v2 metric (`Primary` first), else a v4.0 metric (`Primary` first). NVD's v3.x is preferred
 * because SSVC's automatable and technical impact map cleanly onto its AV/AC/PR/UI and C/I.
 */
export function chooseCvss(vulnerability: Vulnerability): ChosenCvss | undefined {
  const metrics = vulnerability.nvd?.cvss ?? [];
  const v3 = metrics.filter((m) => majorVersion(m) === '3');
  const primaryV3 = v3.find((m) => m.type === 'Primary');
  if (primaryV3 !== undefined) return { metric: primaryV3, basis: `NVD primary CVSS v${primaryV3.version} metric` };
  const firstV3 = v3[0];
  if (firstV3 !== undefined) {
    return { metric: firstV3, basis: `first CVSS v${firstV3.version} metric (${firstV3.type ?? 'untyped'}; no primary v3.x)` };
  }
  for (const major of ['2', '4']) {
    const candidates = metrics.filter((m) => majorVersion(m) === major);
    const chosen = candidates.find((m) => m.type === 'Primary') ?? candidates[0];
    if (chosen !== undefined) {
      return { metric: chosen, basis: `CVSS v${chosen.version} metric (${chosen.type ?? 'untyped'}; no v3.x metric)` };
    }
  }
  return undefined;
}

/** `AV:N/AC:L/...` -> Map { AV => N, AC => L, ... }; the `CVSS:3.1` prefix is skipped. */
function vectorMetrics(vectorString: string): Map<string, string> {
  const metrics = new Map<string, string>();
  for (const part of vectorString.split('/')) {
    const [name, value] = part.split(':');
    if (name !== undefined && value !== undefined && name !== 'CVSS') metrics.set(name, value);
  }
  return metrics;
}

/** The vector metrics that make a vulnerability automatable, per CVSS major version. */
const AUTOMATABLE: Record<string, ReadonlyArray<readonly [string, string]>> = {
  '2': [['AV', 'N'], ['AC', 'L'], ['Au', 'N']],
  '3': [['AV', 'N'], ['AC', 'L'], ['PR', 'N'], ['UI', 'N']],
  '4': [['AV', 'N'], ['AC', 'L'], ['AT', 'N'], ['PR', 'N'], ['UI', 'N']],
};

/** Confidentiality and integrity metrics at their highest value, per CVSS major version. */
const TOTAL_IMPACT: Record<string, ReadonlyArray<readonly [string, string]>> = {
  '2': [['C', 'C'], ['I', 'C']],
  '3': [['C', 'H'], ['I', 'H']],
  '4': [['VC', 'H'], ['VI', 'H']],
};

function spell(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([name, value]) => `${name}:${value}`).join('/');
}

function actual(metrics: Map<string, string>, pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([name]) => `${name}:${metrics.get(name) ?? '?'}`).join('/');
}

function scopeNote(metrics: Map<string, string>): string {
  const scope = metrics.get('S');
  if (scope === 'C') return '; scope changed (S:C): the impact reaches components beyond the vulnerable one';
  if (scope === 'U') return '; scope unchanged (S:U): the impact stays within the vulnerable component';
  return '';
}

function missionAndWellbeing(asset: Asset): { value: SsvcInputs['missionWellbeing']; reason: string } {
  const where = asset.internetFacing ? 'internet-facing' : 'internal';
  const value = asset.internetFacing
    ? asset.criticality === 'low'
      ? 'medium'
      : 'high'
    : asset.criticality === 'high'
      ? 'medium'
      : 'low';
  return { value, reason: `mission & well-being: ${value} - ${where} asset of ${asset.criticality} criticality` };
}

/** The SSVC inputs that depend on the vulnerability alone, with their reasons. */
export interface VulnerabilityFactors {
  readonly exploitation: SsvcInputs['exploitation'];
  readonly automatable: SsvcInputs['automatable'];
  readonly technicalImpact: SsvcInputs['technicalImpact'];
  readonly reasons: readonly string[];
}

const factorsCache = new WeakMap<Vulnerability, VulnerabilityFactors>();

/**
 * Exploitation, automatable and technical impact of a vulnerability (see {@link decideExposure}),
 * computed once per record object: they are the same for every asset of the estate.
 */
export function vulnerabilityFactors(vulnerability: Vulnerability): VulnerabilityFactors {
  const cached = factorsCache.get(vulnerability);
  if (cached !== undefined) return cached;
  const reasons: string[] = [];

  let exploitation: SsvcInputs['exploitation'];
  if (vulnerability.kev !== undefined) {
    exploitation = 'active';
    const ransomware =
      vulnerability.kev.knownRansomwareCampaignUse.toLowerCase() === 'known' ? '; known use in ransomware campaigns' : '';
    reasons.push(`exploitation: active - in CISA KEV since ${vulnerability.kev.dateAdded}${ransomware}`);
  } else {
    exploitation = 'none';
    reasons.push('exploitation: none - not in CISA KEV (EPSS and proof-of-concept sources are not consulted yet)');
  }

  let automatable: SsvcInputs['automatable'] = 'no';
  let technicalImpact: SsvcInputs['technicalImpact'] = 'partial';
  const chosen = chooseCvss(vulnerability);
  if (chosen === undefined) {
    reasons.push('automatable: no - no CVSS metric recorded for this CVE, so automatability is not assumed');
    reasons.push('technical impact: partial - no CVSS metric recorded for this CVE, so total impact is not assumed');
  } else {
    const { metric, basis } = chosen;
    const metrics = vectorMetrics(metric.vectorString);
    const major = majorVersion(metric);
    const vector = `${metric.vectorString} (${basis}, source ${metric.source})`;
    const automatableRule = AUTOMATABLE[major] ?? AUTOMATABLE['3'] ?? [];
    automatable = automatableRule.every(([name, value]) => metrics.get(name) === value) ? 'yes' : 'no';
    reasons.push(
      automatable === 'yes'
        ? `automatable: yes - ${vector} has ${spell(automatableRule)}: reachable over the network, low complexity, no privileges or user interaction`
        : `automatable: no - ${vector} has ${actual(metrics, automatableRule)}, not ${spell(automatableRule)}`,
    );
    const totalRule = TOTAL_IMPACT[major] ?? TOTAL_IMPACT['3'] ?? [];
    technicalImpact = totalRule.every(([name, value]) => metrics.get(name) === value) ? 'total' : 'partial';
    reasons.push(
      technicalImpact === 'total'
        ? `technical impact: total - ${vector} has ${spell(totalRule)}${scopeNote(metrics)}`
        : `technical impact: partial - ${vector} has ${actual(metrics, totalRule)}; total needs ${spell(totalRule)}${scopeNote(metrics)}`,
    );
  }

  const factors: VulnerabilityFactors = { exploitation, automatable, technicalImpact, reasons };
  factorsCache.set(vulnerability, factors);
  return factors;
}

/**
 * Decides one exposure with the CISA SSVC coordinator table:
 * - exploitation: `active` when the CVE is in CISA KEV, else `none` (EPSS and proof-of-concept
 *   sources are not consulted yet);
 * - automatable: `yes` when the chosen CVSS vector ({@link chooseCvss}) is network-reachable, low
 *   complexity, without privileges or user interaction (v3: AV:N/AC:L/PR:N/UI:N);
 * - technical impact: `total` when the chosen vector has high confidentiality and integrity impact
 *   (v3: C:H/I:H, whatever the scope, since C and I rate the worst impacted component), else `partial`;
 *   without any CVSS metric, `no` and `partial` are assumed and said so;
 * - mission & well-being: internet-facing -> `high` (`medium` for low criticality); internal ->
 *   `low` (`medium` for high criticality).
 * Every input comes with its reason, in plain English; the last reason states the decision.
 */
export function decideExposure(vulnerability: Vulnerability, asset: Asset): ExposureDecision {
  const { exploitation, automatable, technicalImpact, reasons } = vulnerabilityFactors(vulnerability);
  const mission = missionAndWellbeing(asset);
  const ssvc: SsvcInputs = { exploitation, automatable, technicalImpact, missionWellbeing: mission.value };
  const decision = ssvcDecision(ssvc);
  return {
    decision,
    ssvc,
    reasons: [
      ...reasons,
      mission.reason,
      `decision: ${decision} - CISA SSVC coordinator table v2.0.3 for exploitation ${exploitation}, automatable ${automatable}, technical impact ${technicalImpact}, mission & well-being ${mission.value}`,
    ],
  };
}
