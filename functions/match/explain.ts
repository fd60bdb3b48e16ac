import type { Evidence, Exposure, SsvcInputs } from '../model/exposure.ts';
import { exposureWindow } from './exposure-lifecycle.ts';
import { SSVC_TABLE, ssvcDecision } from './ssvc.ts';

/**
 * Why an exposure's decision is what it is, in plain text: what matched, each SSVC input with the
 * sources behind it, what would change the decision, reachability and VEX, and the timeline. What
 * `forestall explain` prints; it reads only the stored exposure, so it explains what was decided then.
 */

const INPUTS: ReadonlyArray<{ key: keyof SsvcInputs; about: Evidence['about']; label: string; values: readonly string[] }> = [
  { key: 'exploitation', about: 'exploitation', label: 'exploitation', values: ['none', 'public poc', 'active'] },
  { key: 'automatable', about: 'automatable', label: 'automatable', values: ['no', 'yes'] },
  { key: 'technicalImpact', about: 'technical-impact', label: 'technical impact', values: ['partial', 'total'] },
  { key: 'missionWellbeing', about: 'mission-wellbeing', label: 'mission & well-being', values: ['low', 'medium', 'high'] },
];

/** For each input, the decisions its other values would give (only those that differ). */
export function decisionSensitivity(ssvc: SsvcInputs): Array<{ input: string; value: string; decision: string }> {
  const current = ssvcDecision(ssvc);
  const changes: Array<{ input: string; value: string; decision: string }> = [];
  for (const input of INPUTS) {
    for (const value of input.values) {
      if (value === ssvc[input.key]) continue;
      const decision = ssvcDecision({ ...ssvc, [input.key]: value } as SsvcInputs);
      if (decision !== current) changes.push({ input: input.label, value, decision });
    }
  }
  return changes;
}

const line = (evidence: Evidence) => `    [${evidence.source}] ${evidence.value}: ${evidence.detail}`;

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (Math.abs(minutes) < 120) return `${minutes} min`;
  const hours = minutes / 60;
  return Math.abs(hours) < 72 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} days`;
}

export function explainExposure(exposure: Exposure): string {
  const out: string[] = [];
  const of = (about: Evidence['about']) => exposure.evidence.filter((e) => e.about === about);
  out.push(`${exposure.vulnerability} on ${exposure.asset}: ${exposure.decision.toUpperCase()} (state ${exposure.state})`);
  out.push(`  component ${exposure.component}, version ${exposure.version}`);

  out.push('', 'Why it matches:');
  const matches = of('match');
  if (matches.length > 0) out.push(...matches.map(line));
  else out.push(...exposure.reasons.filter((r) => r.startsWith('affected:')).map((r) => `    ${r}`));

  const vex = of('vex');
  if (vex.length > 0) out.push('', 'VEX:', ...vex.map(line));

  out.push('', `Decision: ${exposure.decision} - ${SSVC_TABLE}`);
  for (const input of INPUTS) {
    out.push(`  ${input.label}: ${exposure.ssvc[input.key]}`);
    const evidence = of(input.about);
    if (evidence.length > 0) out.push(...evidence.map(line));
    else {
      const reason = exposure.reasons.find((r) => r.startsWith(`${input.label}:`));
      if (reason) out.push(`    ${reason}`);
    }
  }
  const reachability = of('reachability');
  if (reachability.length > 0) out.push('', `Reachability: ${exposure.internetFacing ? 'internet-facing' : 'internal'}`, ...reachability.map(line));

  const sensitivity = decisionSensitivity(exposure.ssvc);
  out.push('', 'What would change the decision:');
  if (sensitivity.length === 0) out.push('    no single input: the decision holds whatever one input becomes');
  else out.push(...sensitivity.map((s) => `    ${s.input} ${s.value} -> ${s.decision}`));

  const { timeline } = exposure;
  out.push('', 'Timeline:');
  if (timeline.intelPublishedAt) out.push(`    intel published  ${timeline.intelPublishedAt}`);
  out.push(`    detected         ${exposure.detectedAt}`);
  if (timeline.containedAt) out.push(`    contained        ${timeline.containedAt}`);
  if (timeline.remediatedAt) out.push(`    remediated       ${timeline.remediatedAt}`);
  if (timeline.verifiedAt) out.push(`    verified         ${timeline.verifiedAt}`);
  if (timeline.acceptedAt) out.push(`    accepted         ${timeline.acceptedAt} by ${timeline.acceptedBy ?? 'unknown'} until ${timeline.acceptedUntil ?? '(no expiry)'}`);
  if (timeline.note) out.push(`    note             ${timeline.note}`);
  const window = exposureWindow(exposure);
  if (window.toContainedMs !== undefined) out.push(`    exposure window: ${duration(window.toContainedMs)} from intel to containment`);
  if (window.toRemediatedMs !== undefined) out.push(`    exposure window: ${duration(window.toRemediatedMs)} from intel to remediation`);
  return `${out.join('\n')}\n`;
}
