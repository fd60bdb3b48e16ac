import { parseArgs } from 'node:util';
import { describeIssues } from '../ingest/describe-issues.ts';
import { relevantIndicators, type AddressedAsset, type IndicatorSighting } from '../match/indicators/indicator-relevance.ts';
import { EMPTY_TENANT_PROFILE, TenantProfileSchema, type TenantProfile } from '../match/indicators/tenant-profile.ts';
import { RelevanceKindSchema } from '../model/events.ts';
import { DEFAULT_TENANT, TenantIdSchema } from '../model/tenant.ts';
import { loadIntel } from '../scan/intel-in-memory.ts';
import { readInventoryFile } from '../scan/inventory-stream.ts';
import type { CliIo } from './cli-io.ts';

export const INDICATORS_USAGE = `  forestall indicators --intel FILE... --inventory FILE... [--profile FILE] [--tenant T] [--json]
      Which indicators of compromise concern this estate, in memory: those naming one of its addresses
      or hostnames (or a network or domain the profile declares), and those whose campaign targets the
      profile's sectors or regions, if still fresh and confident enough. Intel: any format "forestall
      ingest" reads; inventories as for "scan". --profile: a JSON tenant profile ({"sectors": [...],
      "regions": [...], "domains": [...], "networks": [...]}), the "profile" of a tenant policy.
      Prints kind, decayed score, indicator, matching assets and the reasons (--json: all of it).`;

/** Only the fields relevance reads are kept: memory grows with the estate's addresses, not its software. */
function addressesOf(asset: AddressedAsset): AddressedAsset {
  return {
    id: asset.id,
    ...(asset.hostname ? { hostname: asset.hostname } : {}),
    ...(asset.ips?.length ? { ips: asset.ips } : {}),
    ...(asset.network?.publicIps?.length ? { network: { publicIps: asset.network.publicIps } } : {}),
  };
}

async function readProfile(io: CliIo, file: string | undefined): Promise<{ profile: TenantProfile } | { problem: string }> {
  if (file === undefined) return { profile: EMPTY_TENANT_PROFILE };
  let raw: unknown;
  try {
    raw = JSON.parse((await io.readFile(file)).toString('utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: `--profile ${file}: ${code ? `cannot read: ${code}` : `not valid JSON: ${(error as Error).message}`}` };
  }
  const parsed = TenantProfileSchema.safeParse(raw);
  if (!parsed.success) return { problem: `--profile ${file}: not a tenant profile: ${describeIssues(parsed.error.issues, '').join('; ')}` };
  return { profile: parsed.data };
}

/** `forestall indicators`: the relevant indicators of some intel files for some inventories (exit 2 on invalid input). */
export async function indicatorsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      intel: { type: 'string', multiple: true, default: [] },
      inventory: { type: 'string', multiple: true, default: [] },
      profile: { type: 'string' },
      tenant: { type: 'string', default: DEFAULT_TENANT },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const refuse = (message: string) => {
    io.err.write(`forestall indicators: ${message}\n`);
    return 2;
  };
  const tenant = TenantIdSchema.safeParse(values.tenant);
  if (!tenant.success) return refuse(`--tenant: ${tenant.error.issues[0]?.message}`);
  if (values.intel.length === 0 || values.inventory.length === 0) return refuse('give at least one --intel FILE and one --inventory FILE');
  const read = await readProfile(io, values.profile);
  if ('problem' in read) return refuse(read.problem);

  const now = new Date(io.nowSeconds() * 1000);
  const intel = await loadIntel(tenant.data, values.intel, now);
  const problems = [...intel.problems];
  const quarantined = [...intel.quarantined];
  const assets: AddressedAsset[] = [];
  const seen = new Set<string>();
  for (const file of values.inventory) {
    try {
      for await (const item of readInventoryFile(file, seen)) {
        if (item.kind === 'asset') assets.push(addressesOf(item.asset));
        else {
          quarantined.push({ source: item.file, record: item.record, reason: item.reason });
          problems.push(item.reason);
        }
      }
    } catch (error) {
      problems.push((error as Error).message);
    }
  }

  const indicators = [...intel.indicators.values()];
  // Strongest reason first (our address, our domain, our sector, our region), then the freshest and surest.
  const strength = (kind: IndicatorSighting['kind']) => RelevanceKindSchema.options.indexOf(kind);
  const sightings = relevantIndicators(indicators, assets, read.profile, now).sort(
    (a, b) => strength(a.kind) - strength(b.kind) || b.decayedScore - a.decayedScore || a.type.localeCompare(b.type) || a.value.localeCompare(b.value),
  );
  for (const problem of problems) io.err.write(`forestall indicators: ${problem}\n`);
  if (values.json) {
    io.out.write(`${JSON.stringify({ relevant: sightings, indicators: indicators.length, assets: assets.length, quarantined })}\n`);
  } else {
    io.out.write(formatSightings(sightings, indicators.length, assets.length));
  }
  return problems.length > 0 ? 2 : 0;
}

const MAX_LISTED_ASSETS = 5;

function formatSightings(sightings: readonly IndicatorSighting[], indicators: number, assets: number): string {
  const read = `${indicators} indicator(s) read, ${assets} asset(s).`;
  if (sightings.length === 0) return `No relevant indicators. ${read}\n`;
  const rows = sightings.map((s) => {
    const listed = s.assetIds.slice(0, MAX_LISTED_ASSETS).join(',');
    const more = s.assetCount > MAX_LISTED_ASSETS ? ` +${s.assetCount - MAX_LISTED_ASSETS}` : '';
    return [s.kind, s.decayedScore.toFixed(2), s.type, s.value, s.assetCount > 0 ? `${listed}${more}` : '-'];
  });
  const header = ['KIND', 'SCORE', 'TYPE', 'INDICATOR', 'ASSETS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const blocks = sightings.map((s, at) => [line(rows[at]!), ...s.reasons.map((reason) => `    - ${reason}`)].join('\n'));
  const counts = new Map<string, number>();
  for (const s of sightings) counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
  const summary = [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
  return `${line(header)}\n${blocks.join('\n')}\n\n${sightings.length} relevant indicator(s): ${summary}. ${read}\n`;
}
