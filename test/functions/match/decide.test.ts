import { describe, expect, it } from 'vitest';
import { chooseCvss, decideExposure } from '../../../functions/match/decide.ts';
import type { Vulnerability } from '../../../functions/model/vulnerability.ts';
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
    expect(result.reasons[0]).toBe('exploitation: none - not in CISA KEV (EPSS and proof-of-concept sources are not consulted yet)');
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
