import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forestallIntel, forestallIntelText } from '../ingest/sources/forestall-json/fixtures.ts';
import { runCli, scratch } from './cli-harness.ts';

// A day after the fixture's indicators were last seen, so none has decayed away.
const NOW_SECONDS = Date.parse('2025-08-21T00:00:00Z') / 1000;
const clock = { nowSeconds: () => NOW_SECONDS };

function files(profile?: unknown) {
  const dir = scratch('forestall-indicators-');
  const intel = join(dir, 'intel.json');
  writeFileSync(intel, forestallIntelText());
  const inventory = join(dir, 'inventory.json');
  writeFileSync(
    inventory,
    JSON.stringify({
      assets: [
        { id: 'edge-1', hostname: 'edge-1.corp.example', ips: ['10.0.0.1'], network: { publicIps: ['203.0.113.10'] } },
        { id: 'web-2', ips: ['198.51.100.20'] },
        { id: 'db-3', ips: ['10.0.0.3'] },
      ],
    }),
  );
  const profileFile = join(dir, 'profile.json');
  if (profile !== undefined) writeFileSync(profileFile, typeof profile === 'string' ? profile : JSON.stringify(profile));
  return { dir, intel, inventory, profileFile };
}

describe('forestall indicators', () => {
  it('prints the indicators naming our addresses with kind, score, assets and reasons', async () => {
    const { intel, inventory } = files();

    const { code, stdout, stderr } = await runCli(['indicators', '--intel', intel, '--inventory', inventory], clock);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^KIND\s+SCORE\s+TYPE\s+INDICATOR\s+ASSETS$/m);
    expect(stdout).toMatch(/^targets-our-address\s+\d\.\d\d\s+ipv4\s+203\.0\.113\.10\s+edge-1$/m);
    expect(stdout).toMatch(/^targets-our-address\s+\d\.\d\d\s+cidr\s+198\.51\.100\.0\/24\s+web-2$/m);
    expect(stdout).toContain('    - ');
    expect(stdout).toContain('edge-1');
    expect(stdout).not.toMatch(/beacon\.example\.net/);
    expect(stdout).toMatch(/2 relevant indicator\(s\): 2 targets-our-address\. 8 indicator\(s\) read, 3 asset\(s\)\./);
  });

  it('adds what the profile declares: our domains, sectors and regions', async () => {
    const { intel, inventory, profileFile } = files({ sectors: ['Banking'], regions: ['DE'] });

    const { code, stdout } = await runCli(['indicators', '--intel', intel, '--inventory', inventory, '--profile', profileFile, '--json'], clock);

    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { relevant: Array<{ kind: string; value: string; reasons: string[]; decayedScore: number }>; indicators: number; assets: number };
    expect(result).toMatchObject({ indicators: forestallIntel().indicators!.length, assets: 3 });
    const beacon = result.relevant.find((sighting) => sighting.value === 'beacon.example.net');
    expect(beacon?.kind).toBe('targets-our-sector');
    expect(beacon?.reasons.join('\n')).toMatch(/financial-services/);
    expect(result.relevant.map((sighting) => sighting.kind)).toContain('targets-our-address');
    for (const sighting of result.relevant) expect(sighting.decayedScore).toBeGreaterThan(0);
  });

  it('refuses a profile that is not one, naming the field', async () => {
    const { intel, inventory, profileFile } = files({ sectors: ['finance'], networks: ['10.0.0.0/33'] });
    const { code, stderr } = await runCli(['indicators', '--intel', intel, '--inventory', inventory, '--profile', profileFile], clock);
    expect(code).toBe(2);
    expect(stderr).toMatch(/forestall indicators: --profile .*profile\.json: not a tenant profile: networks\[0\]: "10\.0\.0\.0\/33" is not a CIDR block/);
  });

  it('asks for both intel and inventories, and reports files it cannot read with exit code 2', async () => {
    const { intel, dir } = files();
    expect((await runCli(['indicators', '--intel', intel], clock)).stderr).toMatch(/give at least one --intel FILE and one --inventory FILE/);
    const missing = await runCli(['indicators', '--intel', intel, '--inventory', join(dir, 'absent.json')], clock);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/absent\.json: cannot read: ENOENT/);
  });

  it('is listed in the usage', async () => {
    expect((await runCli(['help'])).stdout).toContain('forestall indicators --intel FILE... --inventory FILE...');
  });
});
