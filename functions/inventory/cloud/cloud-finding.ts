import type { z } from 'zod';
import { describeIssues, formatPath } from '../../ingest/describe-issues.ts';
import { CloudBindingSchema, type Software } from '../../model/asset.ts';
import { idProblem } from '../../model/ids.ts';
import { softwareIdentity, type AssetPartial } from '../merge-asset.ts';
import { InvalidInputError } from '../parse-inventory.ts';
import { purlOfPackage, type OsRelease, type ReportedPackage } from './package-purl.ts';

/**
 * What the finding readers (`inspector-finding.ts`, `security-hub-finding.ts`) share: the result
 * shape, the asset id of an instance, and turning a finding's packages into software.
 */

/** The instance a finding names. */
export interface InstanceRef {
  account: string;
  region: string;
  instanceId: string;
}

export interface CloudReaderOptions {
  /** Named in quarantine reasons and errors: the file, or e.g. `eventbridge:<event id>`. */
  sourceName: string;
  /** Asset id of an instance; the instance id when absent or when it returns undefined. */
  assetIdOf?: (instance: InstanceRef) => string | undefined;
}

export interface FindingOptions extends CloudReaderOptions {
  /**
   * Inspector-style platform of the instances (`AMAZON_LINUX_2023`) when the finding does not say
   * (ASFF never does): decides deb / rpm / apk and the `distro` qualifier of OS packages.
   */
  platform?: string;
}

/** Why the finding put this software on the asset: kept with the asset as evidence. */
export interface FindingEvidence {
  source: 'inspector2' | 'securityhub';
  /** Inspector finding ARN or ASFF finding id. */
  finding: string;
  /** CVE, GHSA, ALAS... as the finding names it. */
  vulnerability: string;
  /** ACTIVE / SUPPRESSED / CLOSED (Inspector) or ACTIVE / ARCHIVED (ASFF RecordState). */
  status: string;
  instanceId: string;
  packages: Array<{ purl: string; fixedInVersion?: string; filePath?: string }>;
}

export interface CloudQuarantined {
  /** The finding (ARN / id) or the element's path when it has none. */
  record: string;
  /** `<source>: finding <id>: <field path>: <problem>`. */
  reason: string;
  /** The element as it was, cut at 16,000 characters. */
  payload: string;
}

export interface FindingAsset {
  partial: AssetPartial;
  evidence: FindingEvidence[];
}

export interface FindingReading {
  assets: FindingAsset[];
  quarantined: CloudQuarantined[];
  /** Resources and findings left alone, and why (a container image, a finding without packages). */
  ignored: string[];
}

/** A document whose overall shape is wrong, from the first zod issue: the field is named, under `base`. */
export function documentError(sourceName: string, issues: readonly z.core.$ZodIssue[], base: string, what: string): InvalidInputError {
  const first = issues[0];
  const field = (first && formatPath(first.path, base)) || base || '(document)';
  const message = (first && describeIssues([{ ...first, path: [] }])[0]) || 'unreadable';
  return new InvalidInputError(sourceName, field, `not ${what}: ${field}: ${message}`);
}

export const payloadOf = (raw: unknown) => (JSON.stringify(raw) ?? String(raw)).slice(0, 16_000);

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `arn:aws:ec2:<region>:<account>:instance/<id>` read into its parts, or undefined. */
export function instanceOfArn(arn: string): InstanceRef | undefined {
  const match = /^arn:aws[a-z-]*:ec2:([a-z0-9-]+):(\d{12}):instance\/(i-[0-9a-f]+)$/.exec(arn);
  return match ? { region: match[1] as string, account: match[2] as string, instanceId: match[3] as string } : undefined;
}

/**
 * The binding and asset id of an instance, or what is wrong with them (field named): the binding
 * must pass the model's checks before anything is built on it.
 */
export function bindInstance(instance: InstanceRef, options: CloudReaderOptions): { id: string; cloud: AssetPartial['cloud'] & object } | { problem: string } {
  const parsed = CloudBindingSchema.safeParse({ provider: 'aws', ...instance, securityGroups: [] });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `${String(issue?.path[0] ?? 'instance')}: ${issue?.message ?? 'not an EC2 instance binding'} (got "${String(instance[issue?.path[0] as keyof InstanceRef] ?? '')}")` };
  }
  const id = options.assetIdOf?.(instance) ?? instance.instanceId;
  const problem = idProblem(id) ?? (id.length === 0 || id.length > 200 ? 'must be 1-200 characters' : undefined);
  if (problem) return { problem: `asset id "${id}" of ${instance.instanceId} ${problem}` };
  return { id, cloud: parsed.data };
}

/** Collects per asset id: software present, software reported gone, evidence; present beats gone. */
export class FindingCollector {
  private readonly byId = new Map<string, { partial: AssetPartial; present: Map<string, Software>; gone: Map<string, Software>; evidence: FindingEvidence[] }>();

  add(id: string, cloud: NonNullable<AssetPartial['cloud']>, extra: Pick<AssetPartial, 'ips' | 'tags'>, present: boolean, purls: string[], evidence: FindingEvidence): void {
    let entry = this.byId.get(id);
    if (!entry) {
      entry = { partial: { id, cloud }, present: new Map(), gone: new Map(), evidence: [] };
      this.byId.set(id, entry);
    }
    if (extra.ips?.length) entry.partial.ips = [...new Set([...(entry.partial.ips ?? []), ...extra.ips])];
    if (extra.tags && Object.keys(extra.tags).length > 0) entry.partial.tags = { ...entry.partial.tags, ...extra.tags };
    for (const purl of purls) {
      const software = { purl };
      (present ? entry.present : entry.gone).set(softwareIdentity(software), software);
    }
    entry.evidence.push(evidence);
  }

  assets(): FindingAsset[] {
    return [...this.byId.values()].map(({ partial, present, gone, evidence }) => {
      const absent = [...gone].filter(([identity]) => !present.has(identity)).map(([, software]) => software);
      return {
        partial: { ...partial, software: [...present.values()], ...(absent.length > 0 ? { absentSoftware: absent } : {}) },
        evidence,
      };
    });
  }
}

/** A finding's packages as purls; each one that cannot be read becomes a problem naming its field. */
export function packagesToPurls(
  packages: ReadonlyArray<{ path: string; pkg: ReportedPackage & { fixedInVersion?: string; filePath?: string } } | { path: string; problem: string; raw: unknown }>,
  os: OsRelease | undefined,
  fieldName: (field: 'name' | 'version' | 'packageManager') => string,
): { found: FindingEvidence['packages']; problems: Array<{ message: string; raw: unknown }> } {
  const found: FindingEvidence['packages'] = [];
  const problems: Array<{ message: string; raw: unknown }> = [];
  for (const entry of packages) {
    if ('problem' in entry) {
      problems.push({ message: `${entry.path}: ${entry.problem}`, raw: entry.raw });
      continue;
    }
    const result = purlOfPackage(entry.pkg, os);
    if ('problem' in result) {
      problems.push({ message: `${entry.path}.${fieldName(result.field)}: ${result.problem}`, raw: entry.pkg });
      continue;
    }
    found.push({
      purl: result.purl,
      ...(entry.pkg.fixedInVersion ? { fixedInVersion: entry.pkg.fixedInVersion } : {}),
      ...(entry.pkg.filePath ? { filePath: entry.pkg.filePath } : {}),
    });
  }
  return { found, problems };
}
