import { describe, expect, it } from 'vitest';
import { decisionSensitivity, explainExposure } from '../../../functions/match/explain.ts';
import { transitionExposure } from '../../../functions/match/exposure-lifecycle.ts';
import { matchVulnerability } from '../../../functions/match/match-vulnerability.ts';
import { CISA_COORDINATOR_TABLE, SSVC_TABLE, ssvcDecision } from '../../../functions/match/ssvc.ts';
import type { Exposure, SsvcInputs } from '../../../functions/model/exposure.ts';
import { asset, vulnerabilityFrom } from './nvd-fixtures.ts';

const inputs = (exploitation: SsvcInputs['exploitation'], automatable: SsvcInputs['automatable'], technicalImpact: SsvcInputs['technicalImpact'], missionWellbeing: SsvcInputs['missionWellbeing']): SsvcInputs => ({
  exploitation,
  automatable,
  technicalImpact,
  missionWellbeing,
});

describe('decisionSensitivity', () => {
  it.each([
    [
      'KEV active / yes / partial / high -> act',
      inputs('active', 'yes', 'partial', 'high'),
      [
        { input: 'exploitation', value: 'none', decision: 'attend' },
        { input: 'exploitation', value: 'public poc', decision: 'attend' },
        { input: 'automatable', value: 'no', decision: 'attend' },
        // technical impact total is still act: not listed.
        { input: 'mission & well-being', value: 'low', decision: 'attend' },
        { input: 'mission & well-being', value: 'medium', decision: 'attend' },
      ],
    ],
    [
      'public poc / no / total / medium -> track*',
      inputs('public poc', 'no', 'total', 'medium'),
      [
        { input: 'exploitation', value: 'none', decision: 'track' },
        { input: 'exploitation', value: 'active', decision: 'attend' },
        // automatable yes is still track*: not listed.
        { input: 'technical impact', value: 'partial', decision: 'track' },
        { input: 'mission & well-being', value: 'low', decision: 'track' },
        { input: 'mission & well-being', value: 'high', decision: 'attend' },
      ],
    ],
    [
      'active / yes / total / medium -> act',
      inputs('active', 'yes', 'total', 'medium'),
      [
        { input: 'exploitation', value: 'none', decision: 'track' },
        { input: 'exploitation', value: 'public poc', decision: 'track*' },
        { input: 'automatable', value: 'no', decision: 'attend' },
        { input: 'technical impact', value: 'partial', decision: 'attend' },
        { input: 'mission & well-being', value: 'low', decision: 'attend' },
      ],
    ],
    ['none / no / partial / low -> track: no single change flips it', inputs('none', 'no', 'partial', 'low'), []],
  ])('%s', (_name, ssvc, expected) => {
    expect(decisionSensitivity(ssvc)).toEqual(expected);
  });

  it('over all 36 rows: lists exactly the single-input changes whose row gives another decision', () => {
    const row = (s: SsvcInputs) => CISA_COORDINATOR_TABLE.find(([e, a, t, m]) => e === s.exploitation && a === s.automatable && t === s.technicalImpact && m === s.missionWellbeing)![4];
    const alternatives: Array<[keyof SsvcInputs, string, readonly string[]]> = [
      ['exploitation', 'exploitation', ['none', 'public poc', 'active']],
      ['automatable', 'automatable', ['no', 'yes']],
      ['technicalImpact', 'technical impact', ['partial', 'total']],
      ['missionWellbeing', 'mission & well-being', ['low', 'medium', 'high']],
    ];
    for (const [e, a, t, m, decision] of CISA_COORDINATOR_TABLE) {
      const ssvc = inputs(e, a, t, m);
      const expected = alternatives.flatMap(([key, label, values]) =>
        values
          .filter((value) => value !== ssvc[key])
          .map((value) => ({ input: label, value, decision: row({ ...ssvc, [key]: value } as SsvcInputs) }))
          .filter((change) => change.decision !== decision),
      );
      expect(decisionSensitivity(ssvc), JSON.stringify(ssvc)).toEqual(expected);
      expect(ssvcDecision(ssvc)).toBe(decision);
    }
  });
});

describe('explainExposure for CVE-2023-4966 on an internet-facing gateway', () => {
  const citrixBleed = vulnerabilityFrom('CVE-2023-4966.json');
  const NOW = '2023-10-18T02:00:00.000Z';
  const INTEL_PUBLISHED = '2023-10-10T14:15:10.977Z';
  const edge = asset({ id: 'nsgw-edge-01', internetFacing: true, criticality: 'high', cpes: ['cpe:2.3:a:citrix:netscaler_gateway:14.1-8.6:*:*:*:*:*:*:*'] });
  const [matched] = matchVulnerability(citrixBleed, [edge], NOW);
  const exposure = matched as Exposure;
  const text = explainExposure(exposure);
  const lines = text.split('\n');

  it('the exposure comes from the matcher with the NVD published date as intel published', () => {
    expect(exposure).toMatchObject({ id: 'CVE-2023-4966|nsgw-edge-01', decision: 'act', state: 'open', timeline: { intelPublishedAt: INTEL_PUBLISHED } });
  });

  it('opens with the vulnerability, asset, decision and state, then the component', () => {
    expect(lines.slice(0, 2)).toEqual([
      'CVE-2023-4966 on nsgw-edge-01: ACT (state open)',
      '  component cpe:2.3:a:citrix:netscaler_gateway:14.1-8.6:*:*:*:*:*:*:*, version 14.1-8.6',
    ]);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says why it matches: the NVD criteria, range and matchCriteriaId, attributed to nvd', () => {
    const at = lines.indexOf('Why it matches:');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe(
      '    [nvd] affected: cpe:2.3:a:citrix:netscaler_gateway:14.1-8.6:*:*:*:*:*:*:* (version 14.1-8.6) is within NVD criteria cpe:2.3:a:citrix:netscaler_gateway:*:*:*:*:*:*:*:*, versions from 14.1 (including) up to 14.1-8.50 (excluding) [matchCriteriaId 4F1610E6-FE48-4339-8E74-765E0517E33D]',
    );
  });

  it('states the decision with the SSVC table, then each input with its value and its sources in brackets', () => {
    const at = lines.indexOf(`Decision: act - ${SSVC_TABLE}`);
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 9)).toEqual([
      '  exploitation: active',
      '    [cisa-kev] active: in CISA KEV since 2023-10-18; known use in ransomware campaigns',
      '  automatable: yes',
      '    [nvd@nist.gov] yes: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N (NVD primary CVSS v3.1 metric): has AV:N/AC:L/PR:N/UI:N',
      '  technical impact: partial',
      '    [nvd@nist.gov] partial: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N (NVD primary CVSS v3.1 metric): lacks C:H/I:H',
      '  mission & well-being: high',
      '    [inventory] high: internet-facing asset of high criticality',
    ]);
  });

  it('gives the reachability evidence and the single changes that would change the decision', () => {
    expect(text).toContain('\nReachability: internet-facing\n    [inventory] internet-facing: declared in the inventory\n');
    expect(text).toContain(
      [
        'What would change the decision:',
        '    exploitation none -> attend',
        '    exploitation public poc -> attend',
        '    automatable no -> attend',
        '    mission & well-being low -> attend',
        '    mission & well-being medium -> attend',
      ].join('\n'),
    );
  });

  it('ends with the timeline: intel published and detected, and no exposure window before containment', () => {
    expect(text.endsWith(`Timeline:\n    intel published  ${INTEL_PUBLISHED}\n    detected         ${NOW}\n`)).toBe(true);
    expect(text).not.toContain('exposure window');
  });

  it.each([
    ['90 minutes after intel', '2023-10-10T15:45:10.977Z', '90 min'],
    ['10 hours after intel', '2023-10-11T00:15:10.977Z', '10.0 h'],
    ['7.5 days after intel', '2023-10-18T02:15:10.977Z', '7.5 days'],
  ])('once contained %s, shows containedAt and the exposure window (%s)', (_when, containedAt, window) => {
    const contained = transitionExposure(exposure, { to: 'contained', at: containedAt, by: 'playbook exec-1' });
    const explained = explainExposure(contained);
    expect(explained.startsWith('CVE-2023-4966 on nsgw-edge-01: ACT (state contained)\n')).toBe(true);
    expect(explained).toContain(`    detected         ${NOW}\n    contained        ${containedAt}\n`);
    expect(explained).toContain(`    exposure window: ${window} from intel to containment\n`);
    expect(explained).not.toContain('from intel to remediation');
  });

  it('after the patch check: remediated and verified lines and both exposure windows', () => {
    const contained = transitionExposure(exposure, { to: 'contained', at: '2023-10-10T15:45:10.977Z', by: 'playbook exec-1' });
    const verified = transitionExposure(contained, { to: 'verified', at: '2023-10-12T14:15:10.977Z', by: 'patch check exec-1' });
    const explained = explainExposure(verified);
    expect(explained).toContain('    remediated       2023-10-12T14:15:10.977Z\n    verified         2023-10-12T14:15:10.977Z\n');
    expect(explained).toContain('    exposure window: 90 min from intel to containment\n    exposure window: 48.0 h from intel to remediation\n');
  });

  it('an accepted exposure shows who accepted it, until when, and the note', () => {
    const accepted = transitionExposure(exposure, { to: 'accepted', at: '2023-10-18T03:00:00.000Z', by: 'alice', until: '2023-11-01T00:00:00.000Z', note: 'WAF rule in front' });
    const explained = explainExposure(accepted);
    expect(explained).toContain('    accepted         2023-10-18T03:00:00.000Z by alice until 2023-11-01T00:00:00.000Z\n    note             WAF rule in front\n');
  });

  it('an exposure stored without evidence is explained from its reasons', () => {
    const stored: Exposure = { ...exposure, evidence: [] };
    const explained = explainExposure(stored);
    const at = explained.indexOf('Why it matches:\n');
    expect(explained.slice(at)).toMatch(/^Why it matches:\n {4}affected: cpe:2\.3:a:citrix:netscaler_gateway:14\.1-8\.6:.* is within NVD criteria /);
    expect(explained).toContain('  exploitation: active\n    exploitation: active - in CISA KEV since 2023-10-18; known use in ransomware campaigns\n');
    expect(explained).not.toContain('Reachability:');
  });

  it('a VEX statement has its own section with its source', () => {
    const withVex: Exposure = {
      ...exposure,
      state: 'not-affected',
      evidence: [...exposure.evidence, { about: 'vex', value: 'not_affected', source: 'sbom', detail: 'not affected: vulnerable_code_not_in_execute_path' }],
    };
    expect(explainExposure(withVex)).toContain('\nVEX:\n    [sbom] not_affected: not affected: vulnerable_code_not_in_execute_path\n');
  });
});
