import type { Asset } from '../../../functions/model/asset.ts';
import { exposureId, type Decision, type Exposure } from '../../../functions/model/exposure.ts';

/** An exposure of CVE-2023-4966 on `asset` as the matcher stores it: what Plan reads back before acting. */
export function storedExposure(asset: Pick<Asset, 'id' | 'internetFacing' | 'criticality'>, decision: Decision = 'act', state: Exposure['state'] = 'open'): Exposure {
  const at = '2023-10-18T02:00:00.000Z';
  return {
    tenant: 'default',
    id: exposureId('CVE-2023-4966', asset.id),
    vulnerability: 'CVE-2023-4966',
    asset: asset.id,
    component: 'cpe:citrix:netscaler_gateway',
    version: '13.1-48.47',
    internetFacing: asset.internetFacing,
    criticality: asset.criticality,
    kev: true,
    decision,
    ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'total', missionWellbeing: 'high' },
    reasons: ['exploitation: active (CISA KEV)', `internet-facing ${asset.id}`],
    evidence: [],
    timeline: {},
    state,
    detectedAt: at,
    updatedAt: at,
  };
}
