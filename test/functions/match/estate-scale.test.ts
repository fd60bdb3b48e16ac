import { describe, expect, it } from 'vitest';
import { matchVulnerability } from '../../../functions/match/match-vulnerability.ts';
import type { Asset } from '../../../functions/model/asset.ts';
import { asset, vulnerabilityFrom } from './nvd-fixtures.ts';

/**
 * 10,000 assets with a few components each, of which a known share runs an affected NetScaler build.
 * Checks the result, not the time (the benchmark measures the time).
 */
describe('matching at estate scale', () => {
  const builds = ['13.1-48.47', '13.1-49.15', '14.1-8.6', '14.1-8.50', '13.0-91.13', '13.0-92.19'];
  const affectedBuilds = new Set(['13.1-48.47', '14.1-8.6', '13.0-91.13']);
  const assets: Asset[] = Array.from({ length: 10_000 }, (_, i) => {
    const build = builds[i % builds.length] as string;
    const cpes = [
      'cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*',
      `cpe:2.3:o:microsoft:windows_server_2022:10.0.20348.${i % 300}:*:*:*:*:*:*:*`,
      ...(i % 4 === 0 ? [`cpe:2.3:a:citrix:netscaler_application_delivery_controller:${build}:*:*:*:-:*:*:*`] : []),
    ];
    return asset({ id: `asset-${i}`, internetFacing: i % 2 === 0, criticality: 'high', cpes });
  });

  it('finds exactly the assets on affected builds among 10,000', () => {
    const exposures = matchVulnerability(vulnerabilityFrom('CVE-2023-4966.json'), assets, new Date('2023-10-18T02:00:00Z'));
    const expected = assets.filter((_, i) => i % 4 === 0 && affectedBuilds.has(builds[i % builds.length] as string)).map((a) => a.id);
    expect(exposures.map((e) => e.asset)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(1000);
    expect(new Set(exposures.map((e) => e.decision))).toEqual(new Set(['act']));
  });
});
