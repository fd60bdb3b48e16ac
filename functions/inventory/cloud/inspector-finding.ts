import { z } from 'zod';
import { describeIssues } from '../../ingest/describe-issues.ts';
import { InvalidInputError } from '../parse-inventory.ts';
import {
  bindInstance,
  documentError,
  FindingCollector,
  isRecord,
  packagesToPurls,
  payloadOf,
  type CloudQuarantined,
  type FindingOptions,
  type FindingReading,
} from './cloud-finding.ts';
import { osReleaseOfPlatform } from './package-purl.ts';

/** EventBridge detail-type of Amazon Inspector (v2) findings. */
export const INSPECTOR_DETAIL_TYPE = 'Inspector2 Finding';

// Only the fields read; Inspector adds fields over time, so the objects stay loose.
const VulnerablePackageSchema = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  epoch: z.number().int().nonnegative().optional(),
  release: z.string().optional(),
  arch: z.string().optional(),
  packageManager: z.string().min(1).optional(),
  filePath: z.string().optional(),
  fixedInVersion: z.string().optional(),
});

const Ec2DetailsSchema = z.looseObject({
  platform: z.string().optional(),
  ipV4Addresses: z.array(z.string()).optional(),
  ipV6Addresses: z.array(z.string()).optional(),
});

const ResourceSchema = z.looseObject({
  type: z.string(),
  id: z.string(),
  region: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  details: z.looseObject({ awsEc2Instance: Ec2DetailsSchema.optional() }).optional(),
});

const InspectorFindingSchema = z.looseObject({
  awsAccountId: z.string(),
  findingArn: z.string().min(1),
  type: z.string().optional(),
  status: z.string().optional(),
  packageVulnerabilityDetails: z
    .looseObject({ vulnerabilityId: z.string().min(1), vulnerablePackages: z.array(z.unknown()).default([]) })
    .optional(),
  resources: z.array(z.unknown()).min(1),
});

const EnvelopeSchema = z.looseObject({ 'detail-type': z.string(), region: z.string().optional(), detail: z.unknown() });

/**
 * The instance, software and evidence of one Amazon Inspector finding: the EventBridge event
 * (detail-type "Inspector2 Finding") or its `detail`, as `ListFindings` also returns it.
 *
 * - Each `AWS_EC2_INSTANCE` resource becomes an asset partial: id from `assetIdOf` (the instance id
 *   by default), cloud binding (the finding's `awsAccountId`, the resource's region), its IPv4/IPv6
 *   addresses and tags. Container images and Lambda functions are ignored, with a note.
 * - Each vulnerable package becomes a purl (see `purlOfPackage`); OS packages take deb / rpm / apk and
 *   `distro` from `awsEc2Instance.platform` (or `options.platform`). A CLOSED finding's packages are
 *   reported gone (`absentSoftware`): Inspector closes a finding when the package is updated.
 * - A package that cannot be read is quarantined with the finding and the field path, e.g.
 *   `detail.packageVulnerabilityDetails.vulnerablePackages[2].packageManager: unknown package manager "X"`;
 *   the rest of the finding goes on.
 * @throws InvalidInputError when the document is not an Inspector finding; the field is named.
 */
export function inspectorFindingToAssets(input: unknown, options: FindingOptions): FindingReading {
  const { sourceName } = options;
  let detail = input;
  let base = '';
  let eventRegion: string | undefined;
  if (isRecord(input) && 'detail-type' in input) {
    const envelope = EnvelopeSchema.safeParse(input);
    if (!envelope.success) throw new InvalidInputError(sourceName, 'detail-type', `not an EventBridge event: ${describeIssues(envelope.error.issues).join('; ')}`);
    if (envelope.data['detail-type'] !== INSPECTOR_DETAIL_TYPE) {
      throw new InvalidInputError(sourceName, 'detail-type', `detail-type: expected "${INSPECTOR_DETAIL_TYPE}", got "${envelope.data['detail-type']}"`);
    }
    detail = envelope.data.detail;
    base = 'detail';
    eventRegion = envelope.data.region;
  }
  const parsed = InspectorFindingSchema.safeParse(detail);
  if (!parsed.success) throw documentError(sourceName, parsed.error.issues, base, 'an Inspector2 finding');
  const finding = parsed.data;
  const prefix = base ? `${base}.` : '';
  const quarantined: CloudQuarantined[] = [];
  const quarantine = (message: string, raw: unknown) =>
    quarantined.push({ record: finding.findingArn, reason: `${sourceName}: finding ${finding.findingArn}: ${message}`, payload: payloadOf(raw) });
  const ignored: string[] = [];

  const vulnerability = finding.packageVulnerabilityDetails;
  if (!vulnerability) {
    ignored.push(`${sourceName}: finding ${finding.findingArn}: a ${finding.type ?? 'finding'} without packageVulnerabilityDetails names no software`);
    return { assets: [], quarantined, ignored };
  }
  const packagesPath = `${prefix}packageVulnerabilityDetails.vulnerablePackages`;
  const packages = vulnerability.vulnerablePackages.map((raw, index) => {
    const path = `${packagesPath}[${index}]`;
    const read = VulnerablePackageSchema.safeParse(raw);
    return read.success ? { path, pkg: read.data } : { path, problem: describeIssues(read.error.issues).join('; '), raw };
  });

  const collector = new FindingCollector();
  const byPlatform = new Map<string, ReturnType<typeof packagesToPurls>>();
  const status = finding.status ?? 'ACTIVE';
  finding.resources.forEach((rawResource, index) => {
    const path = `${prefix}resources[${index}]`;
    const resource = ResourceSchema.safeParse(rawResource);
    if (!resource.success) return quarantine(describeIssues(resource.error.issues, path).join('; '), rawResource);
    const { type, id, region, tags, details } = resource.data;
    if (type !== 'AWS_EC2_INSTANCE') return ignored.push(`${sourceName}: finding ${finding.findingArn}: ${path} is a ${type}, not an EC2 instance`);
    const bound = bindInstance({ account: finding.awsAccountId, region: region ?? eventRegion ?? '', instanceId: id }, options);
    if ('problem' in bound) return quarantine(`${path}: ${bound.problem}`, rawResource);

    const ec2 = details?.awsEc2Instance;
    // Packages are read once per platform, so a finding on several instances quarantines a package once.
    const platform = ec2?.platform ?? options.platform ?? '';
    let read = byPlatform.get(platform);
    if (!read) {
      read = packagesToPurls(packages, osReleaseOfPlatform(platform), (field) => field);
      for (const problem of read.problems) quarantine(problem.message, problem.raw);
      byPlatform.set(platform, read);
    }
    const { found } = read;
    collector.add(
      bound.id,
      bound.cloud,
      { ips: [...(ec2?.ipV4Addresses ?? []), ...(ec2?.ipV6Addresses ?? [])], ...(tags ? { tags } : {}) },
      status !== 'CLOSED',
      found.map((entry) => entry.purl),
      { source: 'inspector2', finding: finding.findingArn, vulnerability: vulnerability.vulnerabilityId, status, instanceId: id, packages: found },
    );
  });
  return { assets: collector.assets(), quarantined, ignored };
}
