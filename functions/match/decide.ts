import type { Asset } from '../model/asset.ts';
import { KEV_SOURCE } from '../ingest/sources/cisa-kev/kev-catalogue.ts';
import { AdpFactsSchema, CVE5_ADP_SOURCE } from '../ingest/sources/cve5-adp/cve5-parser.ts';
import { EPSS_SOURCE, EpssFactsSchema } from '../ingest/sources/epss/epss-parser.ts';
import type { Decision, Evidence, SsvcInputs } from '../model/exposure.ts';
import { sourceFactsOf, type Cvss, type Vulnerability } from '../model/vulnerability.ts';
import { ssvcDecision } from './ssvc.ts';

/** An SSVC decision for one vulnerability on one asset, with every input explained in plain English. */
export interface ExposureDecision {
  readonly decision: Decision;
  readonly ssvc: SsvcInputs;
  readonly reasons: string[];
  readonly evidence: Evidence[];
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

function missionAndWellbeing(asset: Asset, internetFacing: boolean): { value: SsvcInputs['missionWellbeing']; reason: string } {
  const where = internetFacing ? 'internet-facing' : 'internal';
  const value = internetFacing
    ? asset.criticality === 'low'
      ? 'medium'
      : 'high'
    : asset.criticality === 'high'
      ? 'medium'
      : 'low';
  return { value, reason: `mission & well-being: ${value} - ${where} asset of ${asset.criticality} criticality` };
}

/** The SSVC inputs that depend on the vulnerability alone, with their reasons and the evidence behind each. */
export interface VulnerabilityFactors {
  readonly exploitation: SsvcInputs['exploitation'];
  readonly automatable: SsvcInputs['automatable'];
  readonly technicalImpact: SsvcInputs['technicalImpact'];
  readonly reasons: readonly string[];
  /** Every input considered, with its source, including those that did not decide. */
  readonly evidence: readonly Evidence[];
}

/**
 * EPSS percentile at or above which exploitation counts as `public poc`: the top 5% of scored CVEs are
 * those FIRST expects to see exploited soonest. EPSS is a forecast, not a sighting, so it never makes
 * exploitation `active`.
 */
export const EPSS_POC_PERCENTILE = 0.95;

const EXPLOITATION_RANK: Record<SsvcInputs['exploitation'], number> = { none: 0, 'public poc': 1, active: 2 };

/** What CVSS v4's Exploit Maturity says: `E:A` attacked, `E:P` proof of concept. */
function cvss4Exploitation(metrics: readonly Cvss[]): { value: SsvcInputs['exploitation']; metric: Cvss } | undefined {
  for (const metric of metrics) {
    if (majorVersion(metric) !== '4') continue;
    const maturity = vectorMetrics(metric.vectorString).get('E');
    if (maturity === 'A') return { value: 'active', metric };
    if (maturity === 'P') return { value: 'public poc', metric };
  }
  return undefined;
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
  const evidence: Evidence[] = [];
  const adp = sourceFactsOf(vulnerability, CVE5_ADP_SOURCE, AdpFactsSchema);
  const epss = sourceFactsOf(vulnerability, EPSS_SOURCE, EpssFactsSchema);

  // Exploitation: the strongest evidence any source gives.
  const exploitationCandidates: Array<{ value: SsvcInputs['exploitation']; source: string; detail: string }> = [];
  if (vulnerability.kev !== undefined) {
    const ransomware = vulnerability.kev.knownRansomwareCampaignUse.toLowerCase() === 'known' ? '; known use in ransomware campaigns' : '';
    exploitationCandidates.push({ value: 'active', source: KEV_SOURCE, detail: `in CISA KEV since ${vulnerability.kev.dateAdded}${ransomware}` });
  }
  if (adp?.ssvc) {
    const value = adp.ssvc.exploitation === 'poc' ? 'public poc' : adp.ssvc.exploitation;
    exploitationCandidates.push({ value, source: CVE5_ADP_SOURCE, detail: `CISA ADP assessed exploitation ${adp.ssvc.exploitation} on ${adp.ssvc.timestamp} (SSVC ${adp.ssvc.version})` });
  }
  const exploits = vulnerability.nvd?.exploitReferences ?? [];
  if (exploits.length > 0) {
    const more = exploits.length > 1 ? ` and ${exploits.length - 1} more` : '';
    exploitationCandidates.push({ value: 'public poc', source: 'nvd', detail: `NVD tags a reference as a public exploit: ${exploits[0]}${more}` });
  }
  const maturity = cvss4Exploitation([...(vulnerability.nvd?.cvss ?? []), ...(adp?.cvss ?? [])]);
  if (maturity) {
    exploitationCandidates.push({
      value: maturity.value,
      source: maturity.metric.source,
      detail: `CVSS v4 exploit maturity ${maturity.value === 'active' ? 'E:A (attacked)' : 'E:P (proof of concept)'} in ${maturity.metric.vectorString}`,
    });
  }
  if (epss) {
    const high = epss.percentile >= EPSS_POC_PERCENTILE;
    exploitationCandidates.push({
      value: high ? 'public poc' : 'none',
      source: EPSS_SOURCE,
      detail: `EPSS ${epss.score.toFixed(5)} (percentile ${(epss.percentile * 100).toFixed(1)}) on ${epss.scoreDate}${high ? `, at or above the ${EPSS_POC_PERCENTILE * 100}th percentile` : `, below the ${EPSS_POC_PERCENTILE * 100}th percentile`}`,
    });
  }
  let exploitation: SsvcInputs['exploitation'] = 'none';
  for (const candidate of exploitationCandidates) {
    if (EXPLOITATION_RANK[candidate.value] > EXPLOITATION_RANK[exploitation]) exploitation = candidate.value;
    evidence.push({ about: 'exploitation', value: candidate.value, source: candidate.source, detail: candidate.detail });
  }
  const deciding = exploitationCandidates.filter((candidate) => candidate.value === exploitation && exploitation !== 'none');
  if (deciding.length > 0) {
    reasons.push(`exploitation: ${exploitation} - ${deciding.map((candidate) => candidate.detail).join('; ')}`);
  } else {
    const consulted = exploitationCandidates.map((candidate) => candidate.detail);
    reasons.push(`exploitation: none - not in CISA KEV${consulted.length > 0 ? `; ${consulted.join('; ')}` : '; no ADP assessment, exploit reference, CVSS v4 exploit maturity or EPSS score recorded'}`);
    if (exploitationCandidates.length === 0) evidence.push({ about: 'exploitation', value: 'none', source: 'forestall', detail: 'no source reports exploitation: not in CISA KEV, no ADP assessment, exploit reference, CVSS v4 exploit maturity or EPSS score' });
  }

  let automatable: SsvcInputs['automatable'] = 'no';
  let technicalImpact: SsvcInputs['technicalImpact'] = 'partial';
  const chosen = chooseCvss(vulnerability) ?? chooseCnaCvss(adp?.cvss ?? []);
  if (adp?.ssvc) {
    // CISA assessed these decision points for this CVE: they outrank a reading of the CVSS vector.
    automatable = adp.ssvc.automatable;
    technicalImpact = adp.ssvc.technicalImpact;
    const assessed = `CISA ADP SSVC ${adp.ssvc.version} assessment of ${adp.ssvc.timestamp}`;
    reasons.push(`automatable: ${automatable} - ${assessed}`);
    reasons.push(`technical impact: ${technicalImpact} - ${assessed}`);
    evidence.push({ about: 'automatable', value: automatable, source: CVE5_ADP_SOURCE, detail: assessed });
    evidence.push({ about: 'technical-impact', value: technicalImpact, source: CVE5_ADP_SOURCE, detail: assessed });
  } else if (chosen === undefined) {
    reasons.push('automatable: no - no CVSS metric recorded for this CVE, so automatability is not assumed');
    reasons.push('technical impact: partial - no CVSS metric recorded for this CVE, so total impact is not assumed');
    evidence.push({ about: 'automatable', value: 'no', source: 'forestall', detail: 'no CVSS metric or ADP assessment: not assumed' });
    evidence.push({ about: 'technical-impact', value: 'partial', source: 'forestall', detail: 'no CVSS metric or ADP assessment: not assumed' });
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
    evidence.push({ about: 'automatable', value: automatable, source: metric.source, detail: `${metric.vectorString} (${basis}): ${automatable === 'yes' ? 'has' : 'lacks'} ${spell(automatableRule)}` });
    evidence.push({ about: 'technical-impact', value: technicalImpact, source: metric.source, detail: `${metric.vectorString} (${basis}): ${technicalImpact === 'total' ? 'has' : 'lacks'} ${spell(totalRule)}` });
  }

  const factors: VulnerabilityFactors = { exploitation, automatable, technicalImpact, reasons, evidence };
  factorsCache.set(vulnerability, factors);
  return factors;
}

/** Without NVD metrics, the CNA's own (from the CVE record): v3.x first, then v4.0. */
function chooseCnaCvss(metrics: readonly Cvss[]): ChosenCvss | undefined {
  const chosen = metrics.find((m) => majorVersion(m) === '3') ?? metrics.find((m) => majorVersion(m) === '4');
  return chosen ? { metric: chosen, basis: `CVE record's CVSS v${chosen.version} metric (no NVD metric)` } : undefined;
}

/**
 * Decides one exposure with the CISA SSVC coordinator table:
 * - exploitation: the strongest of CISA KEV (`active`), CISA ADP's assessed exploitation, NVD
 *   references tagged `Exploit` (public poc), CVSS v4 exploit maturity (`E:A` active, `E:P` public poc)
 *   and EPSS (percentile >= EPSS_POC_PERCENTILE: public poc), else `none`;
 * - automatable and technical impact: CISA ADP's assessment when there is one, else read from the
 *   CVSS vector as below;
 * - automatable: `yes` when the chosen CVSS vector ({@link chooseCvss}) is network-reachable, low
 *   complexity, without privileges or user interaction (v3: AV:N/AC:L/PR:N/UI:N);
 * - technical impact: `total` when the chosen vector has high confidentiality and integrity impact
 *   (v3: C:H/I:H, whatever the scope, since C and I rate the worst impacted component), else `partial`;
 *   without any CVSS metric, `no` and `partial` are assumed and said so;
 * - mission & well-being: internet-facing -> `high` (`medium` for low criticality); internal ->
 *   `low` (`medium` for high criticality).
 * Every input comes with its reason, in plain English; the last reason states the decision.
 */
export function decideExposure(
  vulnerability: Vulnerability,
  asset: Asset,
  reachability: { internetFacing: boolean; evidence: readonly string[] } = { internetFacing: asset.internetFacing, evidence: [] },
): ExposureDecision {
  const { exploitation, automatable, technicalImpact, reasons, evidence } = vulnerabilityFactors(vulnerability);
  const mission = missionAndWellbeing(asset, reachability.internetFacing);
  const ssvc: SsvcInputs = { exploitation, automatable, technicalImpact, missionWellbeing: mission.value };
  const decision = ssvcDecision(ssvc);
  return {
    decision,
    ssvc,
    evidence: [
      ...evidence,
      ...reachability.evidence.map((detail) => ({ about: 'reachability' as const, value: reachability.internetFacing ? 'internet-facing' : 'internal', source: 'inventory', detail })),
      { about: 'mission-wellbeing', value: mission.value, source: 'inventory', detail: mission.reason.replace(/^mission & well-being: \S+ - /, '') },
    ],
    reasons: [
      ...reasons,
      mission.reason,
      `decision: ${decision} - CISA SSVC coordinator table v2.0.3 for exploitation ${exploitation}, automatable ${automatable}, technical impact ${technicalImpact}, mission & well-being ${mission.value}`,
    ],
  };
}
