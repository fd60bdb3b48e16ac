import { describe, expect, it } from 'vitest';
import { CVE5_ADP_SOURCE, type AdpFacts } from '../../../functions/ingest/sources/cve5-adp/cve5-parser.ts';
import { EPSS_SOURCE, type EpssFacts } from '../../../functions/ingest/sources/epss/epss-parser.ts';
import { EPSS_POC_PERCENTILE, chooseCvss, decideExposure } from '../../../functions/match/decide.ts';
import type { Cvss, Vulnerability } from '../../../functions/model/vulnerability.ts';
import { asset, vulnerabilityFrom } from './nvd-fixtures.ts';

const citrixBleed = vulnerabilityFrom('CVE-2023-4966.json');
const netscaler = (internetFacing: boolean, criticality: 'low' | 'medium' | 'high') =>
  asset({ id: 'ns-1', internetFacing, criticality, cpes: ['cpe:2.3:a:citrix:netscaler_gateway:13.1-48.47:*:*:*:*:*:*:*'] });

describe('decideExposure with CVE-2023-4966 (in KEV; NVD primary vector C:H/I:N/A:N)', () => {
  it.each([
    [true, 'high', 'high', 'act'],
    [true, 'medium', 'high', 'act'],
    [true, 'low', 'medium', 'attend'],
    [false, 'high', 'medium', 'attend'],
    [false, 'medium', 'low', 'attend'],
    [false, 'low', 'low', 'attend'],
  ] as const)('internetFacing %s, criticality %s -> mission %s, %s', (internetFacing, criticality, mission, decision) => {
    const result = decideExposure(citrixBleed, netscaler(internetFacing, criticality));
    expect(result.decision).toBe(decision);
    expect(result.ssvc).toEqual({ exploitation: 'active', automatable: 'yes', technicalImpact: 'partial', missionWellbeing: mission });
  });

  it('explains every input in plain English, naming the KEV date and the vector with its source', () => {
    const { reasons } = decideExposure(citrixBleed, netscaler(true, 'high'));
    expect(reasons).toEqual([
      'exploitation: active - in CISA KEV since 2023-10-18; known use in ransomware campaigns',
      'automatable: yes - CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N (NVD primary CVSS v3.1 metric, source nvd@nist.gov) has AV:N/AC:L/PR:N/UI:N: reachable over the network, low complexity, no privileges or user interaction',
      'technical impact: partial - CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N (NVD primary CVSS v3.1 metric, source nvd@nist.gov) has C:H/I:N; total needs C:H/I:H; scope unchanged (S:U): the impact stays within the vulnerable component',
      'mission & well-being: high - internet-facing asset of high criticality',
      'decision: act - CISA SSVC coordinator table v2.0.3 for exploitation active, automatable yes, technical impact partial, mission & well-being high',
    ]);
  });

  it('prefers the NVD primary metric over the CNA one (which says C:H/I:H)', () => {
    expect(chooseCvss(citrixBleed)?.metric.source).toBe('nvd@nist.gov');
    expect(chooseCvss(citrixBleed)?.metric.baseScore).toBe(7.5);
  });

  it('without KEV, exploitation is none', () => {
    const result = decideExposure(vulnerabilityFrom('CVE-2023-4966.json', { kev: false }), netscaler(true, 'high'));
    expect(result.ssvc.exploitation).toBe('none');
    expect(result.decision).toBe('attend');
    expect(result.reasons[0]).toBe('exploitation: none - not in CISA KEV; no ADP assessment, exploit reference, CVSS v4 exploit maturity or EPSS score recorded');
    expect(result.evidence.filter((e) => e.about === 'exploitation')).toEqual([
      { about: 'exploitation', value: 'none', source: 'forestall', detail: 'no source reports exploitation: not in CISA KEV, no ADP assessment, exploit reference, CVSS v4 exploit maturity or EPSS score' },
    ]);
  });
});

describe('decideExposure with CVE-2021-34527 (no primary v3.x metric)', () => {
  const printNightmare = vulnerabilityFrom('CVE-2021-34527.json');
  const server = asset({ id: 'dc-1', internetFacing: false, criticality: 'high' });

  it('takes the first v3.x metric and says so; PR:L is not automatable; C:H/I:H is total', () => {
    const result = decideExposure(printNightmare, server);
    expect(result.ssvc).toEqual({ exploitation: 'active', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'medium' });
    expect(result.decision).toBe('attend');
    expect(result.reasons[1]).toBe(
      'automatable: no - CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H (first CVSS v3.1 metric (Secondary; no primary v3.x), source secure@microsoft.com) has AV:N/AC:L/PR:L/UI:N, not AV:N/AC:L/PR:N/UI:N',
    );
    expect(result.reasons[2]).toMatch(/^technical impact: total - .* has C:H\/I:H; scope unchanged/);
  });

  it('falls back to CVSS v2 (Au:N, C:C/I:C) when no v3.x metric exists', () => {
    const v2Only: Vulnerability = {
      ...printNightmare,
      nvd: { ...printNightmare.nvd!, cvss: printNightmare.nvd!.cvss.filter((m) => m.version === '2.0') },
    };
    const result = decideExposure(v2Only, server);
    expect(chooseCvss(v2Only)?.basis).toBe('CVSS v2.0 metric (Primary; no v3.x metric)');
    // AV:N/AC:L/Au:S/C:C/I:C/A:C: single authentication needed, complete C and I.
    expect(result.ssvc.automatable).toBe('no');
    expect(result.ssvc.technicalImpact).toBe('total');
    expect(result.reasons[2]).toContain('AV:N/AC:L/Au:S/C:C/I:C/A:C');
  });
});

describe('decideExposure edge cases', () => {
  const base = vulnerabilityFrom('CVE-2023-4966.json');
  const withCvss = (vectorString: string, version = '3.1'): Vulnerability => ({
    ...base,
    nvd: { ...base.nvd!, cvss: [{ version, vectorString, baseScore: 10, source: 'nvd@nist.gov', type: 'Primary' }] },
  });
  const edge = asset({ id: 'edge', internetFacing: true, criticality: 'high' });

  it('scope changed with C:H/I:H is total impact, and the reason says the scope changed', () => {
    const result = decideExposure(withCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'), edge);
    expect(result.ssvc).toMatchObject({ automatable: 'yes', technicalImpact: 'total' });
    expect(result.decision).toBe('act');
    expect(result.reasons[2]).toContain('scope changed (S:C)');
  });

  it('user interaction makes it not automatable', () => {
    expect(decideExposure(withCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H'), edge).ssvc.automatable).toBe('no');
  });

  it('uses a v4.0 vector when it is the only one', () => {
    const result = decideExposure(withCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', '4.0'), edge);
    expect(result.ssvc).toMatchObject({ automatable: 'yes', technicalImpact: 'total' });
  });

  it('without any CVSS metric assumes no / partial and says why', () => {
    const bare: Vulnerability = { ...base, nvd: { ...base.nvd!, cvss: [] } };
    const result = decideExposure(bare, edge);
    expect(result.ssvc).toEqual({ exploitation: 'active', automatable: 'no', technicalImpact: 'partial', missionWellbeing: 'high' });
    expect(result.decision).toBe('attend');
    expect(result.reasons[1]).toContain('no CVSS metric recorded');
  });
});

describe('decideExposure with CISA ADP, EPSS, CVSS v4 exploit maturity and reachability evidence', () => {
  // CVE-2023-4966 without its KEV entry: NVD primary CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N.
  const base = vulnerabilityFrom('CVE-2023-4966.json', { kev: false });
  const withKev = vulnerabilityFrom('CVE-2023-4966.json');
  const edge = asset({ id: 'edge', internetFacing: true, criticality: 'high' });
  const NVD_PRIMARY = base.nvd!.cvss.find((m) => m.type === 'Primary')!;

  type AdpSsvcInput = { exploitation: 'active' | 'poc' | 'none'; automatable?: 'yes' | 'no'; technicalImpact?: 'total' | 'partial' };
  const adp = (ssvc: AdpSsvcInput | undefined, cvss: Cvss[] = []): AdpFacts => ({
    state: 'PUBLISHED',
    ...(ssvc
      ? { ssvc: { automatable: 'yes', technicalImpact: 'partial', ...ssvc, version: '2.0.3', timestamp: '2023-10-19T15:00:00.000Z', role: 'CISA Coordinator' } }
      : {}),
    cvss,
    cwes: [],
  });
  const epss = (percentile: number, score = 0.5): EpssFacts => ({ score, percentile, modelVersion: 'v2025.03.14', scoreDate: '2025-03-20' });
  const cvss4 = (vectorString: string, source: string): Cvss => ({ version: '4.0', vectorString, baseScore: 9.3, source });
  const V4 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';

  /** The record with other sources' facts (as the store assembles them) and, optionally, extra NVD metrics. */
  function vulnerability(options: { kev?: boolean; adp?: AdpFacts; epss?: EpssFacts; nvdCvss?: Cvss[] } = {}): Vulnerability {
    const from = options.kev ? withKev : base;
    const facts: NonNullable<Vulnerability['facts']> = {
      ...(options.adp ? { [CVE5_ADP_SOURCE]: options.adp } : {}),
      ...(options.epss ? { [EPSS_SOURCE]: options.epss } : {}),
    };
    return {
      ...from,
      ...(Object.keys(facts).length > 0 ? { facts } : {}),
      ...(options.nvdCvss ? { nvd: { ...from.nvd!, cvss: options.nvdCvss } } : {}),
    };
  }
  const exploitationEvidence = (result: ReturnType<typeof decideExposure>) =>
    result.evidence.filter((e) => e.about === 'exploitation').map(({ value, source }) => ({ value, source }));

  it.each([
    ['KEV alone', { kev: true }, 'active', [{ value: 'active', source: 'cisa-kev' }]],
    ['CISA ADP poc -> public poc', { adp: adp({ exploitation: 'poc' }) }, 'public poc', [{ value: 'public poc', source: 'cisa-adp' }]],
    ['CISA ADP active', { adp: adp({ exploitation: 'active' }) }, 'active', [{ value: 'active', source: 'cisa-adp' }]],
    ['CISA ADP none', { adp: adp({ exploitation: 'none' }) }, 'none', [{ value: 'none', source: 'cisa-adp' }]],
    ['NVD CVSS v4 E:A -> active', { nvdCvss: [NVD_PRIMARY, cvss4(`${V4}/E:A`, 'nvd@nist.gov')] }, 'active', [{ value: 'active', source: 'nvd@nist.gov' }]],
    ['CVE record CVSS v4 E:P -> public poc', { adp: adp(undefined, [cvss4(`${V4}/E:P`, 'Citrix')]) }, 'public poc', [{ value: 'public poc', source: 'Citrix' }]],
    ['CVSS v4 E:U says nothing', { nvdCvss: [NVD_PRIMARY, cvss4(`${V4}/E:U`, 'nvd@nist.gov')] }, 'none', [{ value: 'none', source: 'forestall' }]],
    ['EPSS at the percentile -> public poc', { epss: epss(EPSS_POC_PERCENTILE) }, 'public poc', [{ value: 'public poc', source: 'epss' }]],
    ['EPSS just below the percentile -> none, but listed', { epss: epss(EPSS_POC_PERCENTILE - 0.0001) }, 'none', [{ value: 'none', source: 'epss' }]],
    [
      'KEV outranks a public poc and a low EPSS; every one is listed',
      { kev: true, adp: adp({ exploitation: 'poc' }), epss: epss(0.2) },
      'active',
      [{ value: 'active', source: 'cisa-kev' }, { value: 'public poc', source: 'cisa-adp' }, { value: 'none', source: 'epss' }],
    ],
    [
      'a high EPSS and ADP none: the stronger one (public poc) wins',
      { adp: adp({ exploitation: 'none' }), epss: epss(0.99) },
      'public poc',
      [{ value: 'none', source: 'cisa-adp' }, { value: 'public poc', source: 'epss' }],
    ],
    [
      'E:A outranks ADP poc and EPSS',
      { adp: adp({ exploitation: 'poc' }, [cvss4(`${V4}/E:A`, 'CISA-ADP')]), epss: epss(0.99) },
      'active',
      [{ value: 'public poc', source: 'cisa-adp' }, { value: 'active', source: 'CISA-ADP' }, { value: 'public poc', source: 'epss' }],
    ],
  ] as const)('%s: exploitation %s', (_name, options, exploitation, evidence) => {
    const result = decideExposure(vulnerability(options as Parameters<typeof vulnerability>[0]), edge);
    expect(result.ssvc.exploitation).toBe(exploitation);
    expect(exploitationEvidence(result)).toEqual(evidence);
  });

  it('the exploitation reason names every source that gave the deciding value', () => {
    const result = decideExposure(vulnerability({ adp: adp({ exploitation: 'poc' }), epss: epss(0.97, 0.41234) }), edge);
    expect(result.reasons[0]).toBe(
      'exploitation: public poc - CISA ADP assessed exploitation poc on 2023-10-19T15:00:00.000Z (SSVC 2.0.3); EPSS 0.41234 (percentile 97.0) on 2025-03-20, at or above the 95th percentile',
    );
  });

  it('an NVD reference tagged Exploit makes exploitation public poc, with the reference as evidence', () => {
    const record = { ...base, nvd: { ...base.nvd!, exploitReferences: ['https://example.org/poc-cve-2023-4966', 'https://example.org/second'] } };
    const result = decideExposure(record, edge);
    expect(result.ssvc.exploitation).toBe('public poc');
    expect(exploitationEvidence(result)).toEqual([{ value: 'public poc', source: 'nvd' }]);
    expect(result.evidence.find((e) => e.about === 'exploitation')?.detail).toBe('NVD tags a reference as a public exploit: https://example.org/poc-cve-2023-4966 and 1 more');
  });

  it('a low EPSS alone leaves exploitation none and the reason says what was consulted', () => {
    const result = decideExposure(vulnerability({ epss: epss(0.5, 0.00123) }), edge);
    expect(result.reasons[0]).toBe('exploitation: none - not in CISA KEV; EPSS 0.00123 (percentile 50.0) on 2025-03-20, below the 95th percentile');
    expect(result.evidence.find((e) => e.about === 'exploitation')?.detail).toContain('below the 95th percentile');
  });

  it('CISA ADP automatable and technical impact outrank the reading of the NVD vector', () => {
    // The NVD vector reads automatable yes / partial; CISA assessed no / total.
    const result = decideExposure(vulnerability({ adp: adp({ exploitation: 'none', automatable: 'no', technicalImpact: 'total' }) }), edge);
    expect(result.ssvc).toEqual({ exploitation: 'none', automatable: 'no', technicalImpact: 'total', missionWellbeing: 'high' });
    expect(result.decision).toBe('track*');
    expect(result.evidence.filter((e) => e.about === 'automatable' || e.about === 'technical-impact')).toEqual([
      { about: 'automatable', value: 'no', source: 'cisa-adp', detail: 'CISA ADP SSVC 2.0.3 assessment of 2023-10-19T15:00:00.000Z' },
      { about: 'technical-impact', value: 'total', source: 'cisa-adp', detail: 'CISA ADP SSVC 2.0.3 assessment of 2023-10-19T15:00:00.000Z' },
    ]);
    expect(result.reasons.slice(1, 3)).toEqual([
      'automatable: no - CISA ADP SSVC 2.0.3 assessment of 2023-10-19T15:00:00.000Z',
      'technical impact: total - CISA ADP SSVC 2.0.3 assessment of 2023-10-19T15:00:00.000Z',
    ]);
  });

  it('without NVD metrics, the CVE record metric (ADP facts cvss) is read, v3.x before v4.0', () => {
    const cna31: Cvss = { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, source: 'Citrix' };
    const result = decideExposure(vulnerability({ nvdCvss: [], adp: adp(undefined, [cvss4(`${V4}`, 'Citrix'), cna31]) }), edge);
    expect(result.ssvc).toMatchObject({ automatable: 'yes', technicalImpact: 'total' });
    expect(result.reasons[1]).toContain("(CVE record's CVSS v3.1 metric (no NVD metric), source Citrix)");
    expect(result.evidence.filter((e) => e.about === 'automatable' || e.about === 'technical-impact').map((e) => [e.about, e.value, e.source])).toEqual([
      ['automatable', 'yes', 'Citrix'],
      ['technical-impact', 'total', 'Citrix'],
    ]);
  });

  it('without NVD metrics and only a v4.0 CVE record metric, that metric is read', () => {
    const result = decideExposure(vulnerability({ nvdCvss: [], adp: adp(undefined, [cvss4('CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N', 'Citrix')]) }), edge);
    expect(result.ssvc).toMatchObject({ automatable: 'no', technicalImpact: 'partial' });
    expect(result.reasons[1]).toContain("CVE record's CVSS v4.0 metric (no NVD metric)");
  });

  it('with NVD metrics the CVE record metric is not read for automatable and technical impact', () => {
    const cna31: Cvss = { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, source: 'Citrix' };
    const result = decideExposure(vulnerability({ adp: adp(undefined, [cna31]) }), edge);
    expect(result.ssvc).toMatchObject({ automatable: 'yes', technicalImpact: 'partial' });
    expect(result.evidence.find((e) => e.about === 'technical-impact')?.source).toBe('nvd@nist.gov');
  });

  it.each([
    [
      'network facts make a declared-internal asset internet-facing',
      { internetFacing: true, evidence: ['sg-web admits 0.0.0.0/0 on tcp/443 and the instance has public IP 203.0.113.7'] },
      'internet-facing',
      'high',
      'act',
    ],
    [
      'a public IP no rule opens stays internal',
      { internetFacing: false, evidence: ['the instance has public IP 203.0.113.7 but no ingress rule admits 0.0.0.0/0 or ::/0'] },
      'internal',
      'medium',
      'attend',
    ],
  ] as const)('%s: reachability evidence is listed and drives mission & well-being', (_name, reachability, value, mission, decision) => {
    const internalHigh = asset({ id: 'web-1', internetFacing: false, criticality: 'high' });
    const result = decideExposure(withKev, internalHigh, { internetFacing: reachability.internetFacing, evidence: [...reachability.evidence] });
    expect(result.evidence.filter((e) => e.about === 'reachability')).toEqual(
      reachability.evidence.map((detail) => ({ about: 'reachability', value, source: 'inventory', detail })),
    );
    expect(result.ssvc.missionWellbeing).toBe(mission);
    expect(result.decision).toBe(decision);
    expect(result.evidence.at(-1)).toEqual({
      about: 'mission-wellbeing',
      value: mission,
      source: 'inventory',
      detail: `${value === 'internet-facing' ? 'internet-facing' : 'internal'} asset of high criticality`,
    });
  });

  it('without reachability evidence the asset declaration decides and no reachability evidence is listed', () => {
    const result = decideExposure(withKev, asset({ id: 'int-1', internetFacing: false, criticality: 'low' }));
    expect(result.evidence.some((e) => e.about === 'reachability')).toBe(false);
    expect(result.ssvc.missionWellbeing).toBe('low');
  });

  it('every SSVC input has at least one piece of evidence with a source', () => {
    const result = decideExposure(vulnerability({ kev: true, epss: epss(0.5) }), edge, { internetFacing: true, evidence: ['declared in the inventory'] });
    for (const about of ['exploitation', 'automatable', 'technical-impact', 'mission-wellbeing', 'reachability'] as const) {
      const items = result.evidence.filter((e) => e.about === about);
      expect(items.length, about).toBeGreaterThan(0);
      for (const item of items) expect(item.source.length, `${about} source`).toBeGreaterThan(0);
    }
  });
});
