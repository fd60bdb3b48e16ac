import { z } from 'zod';
import { describeIssues } from '../../ingest/describe-issues.ts';
import { InvalidInputError } from '../parse-inventory.ts';
import {
  bindInstance,
  documentError,
  FindingCollector,
  instanceOfArn,
  isRecord,
  packagesToPurls,
  payloadOf,
  type CloudQuarantined,
  type FindingOptions,
  type FindingReading,
} from './cloud-finding.ts';
import { osReleaseOfPlatform, type ReportedPackage } from './package-purl.ts';

/** EventBridge detail-type of findings Security Hub imported (ASFF in `detail.findings`). */
export const SECURITY_HUB_DETAIL_TYPE = 'Security Hub Findings - Imported';

// Only the fields read, loose: ASFF has many more, and products fill different ones.
const VulnerablePackageSchema = z.looseObject({
  Name: z.string().min(1),
  Version: z.string().min(1),
  // ASFF carries the epoch as a string; Inspector's own API as a number.
  Epoch: z.union([z.string().regex(/^\d+$/, 'an epoch is a non-negative integer'), z.number().int().nonnegative()]).optional(),
  Release: z.string().optional(),
  Architecture: z.string().optional(),
  PackageManager: z.string().min(1).optional(),
  FilePath: z.string().optional(),
  FixedInVersion: z.string().optional(),
});

const VulnerabilitySchema = z.looseObject({ Id: z.string().min(1), VulnerablePackages: z.array(z.unknown()).default([]) });

const ResourceSchema = z.looseObject({
  Type: z.string(),
  Id: z.string(),
  Tags: z.record(z.string(), z.string()).optional(),
  Details: z
    .looseObject({ AwsEc2Instance: z.looseObject({ IpV4Addresses: z.array(z.string()).optional(), IpV6Addresses: z.array(z.string()).optional() }).optional() })
    .optional(),
});

const AsffFindingSchema = z.looseObject({
  Id: z.string().min(1),
  RecordState: z.string().optional(),
  Resources: z.array(z.unknown()).min(1),
  Vulnerabilities: z.array(z.unknown()).optional(),
});

const DetailSchema = z.looseObject({ findings: z.array(z.unknown()) });
const EnvelopeSchema = z.looseObject({ 'detail-type': z.string(), detail: z.unknown() });

/** ASFF field names of the package fields the purl builder names. */
const ASFF_FIELDS = { name: 'Name', version: 'Version', packageManager: 'PackageManager' } as const;

/**
 * The instances, software and evidence of Security Hub findings in ASFF: the EventBridge event
 * (detail-type "Security Hub Findings - Imported"), its `detail` (`{ findings: [...] }`) or the array.
 *
 * - Each `AwsEc2Instance` resource (Id an instance ARN) of a finding with `Vulnerabilities` becomes
 *   an asset partial; findings of one instance are gathered into one. Account and region come from
 *   the ARN. Other resources and findings without vulnerabilities are ignored, with a note.
 * - `VulnerablePackages[]` become purls as Inspector's do; ASFF names no platform, so OS packages
 *   need `options.platform` or a release that names the distribution (`.amzn2023`, `+deb12u1`).
 * - An ARCHIVED finding's packages are reported gone (`absentSoftware`), unless an active finding
 *   of the same batch names them.
 * - A finding or package that cannot be read is quarantined with the field path, e.g.
 *   `detail.findings[1].Vulnerabilities[0].VulnerablePackages[2].PackageManager: ...`; the rest goes on.
 * @throws InvalidInputError when the document is not ASFF findings; the field is named.
 */
export function securityHubFindingsToAssets(input: unknown, options: FindingOptions): FindingReading {
  const { sourceName } = options;
  let findings: unknown[];
  let base: string;
  if (Array.isArray(input)) {
    findings = input;
    base = '';
  } else {
    let detail = input;
    base = '';
    if (isRecord(input) && 'detail-type' in input) {
      const envelope = EnvelopeSchema.safeParse(input);
      if (!envelope.success) throw documentError(sourceName, envelope.error.issues, '', 'an EventBridge event');
      if (envelope.data['detail-type'] !== SECURITY_HUB_DETAIL_TYPE) {
        throw new InvalidInputError(sourceName, 'detail-type', `detail-type: expected "${SECURITY_HUB_DETAIL_TYPE}", got "${envelope.data['detail-type']}"`);
      }
      detail = envelope.data.detail;
      base = 'detail';
    }
    const parsed = DetailSchema.safeParse(detail);
    if (!parsed.success) throw documentError(sourceName, parsed.error.issues, base, 'Security Hub findings');
    findings = parsed.data.findings;
    base = base ? `${base}.findings` : 'findings';
  }

  const quarantined: CloudQuarantined[] = [];
  const ignored: string[] = [];
  const collector = new FindingCollector();
  const os = osReleaseOfPlatform(options.platform);

  // Account and region come from each resource's ARN: the resource's own, whichever account reported it.
  findings.forEach((rawFinding, index) => {
    const path = `${base}[${index}]`;
    const parsed = AsffFindingSchema.safeParse(rawFinding);
    const record = parsed.success ? parsed.data.Id : isRecord(rawFinding) && typeof rawFinding.Id === 'string' ? rawFinding.Id : path;
    const quarantine = (message: string, raw: unknown) => quarantined.push({ record, reason: `${sourceName}: finding ${record}: ${message}`, payload: payloadOf(raw) });
    if (!parsed.success) return quarantine(describeIssues(parsed.error.issues, path).join('; '), rawFinding);
    const finding = parsed.data;
    if (!finding.Vulnerabilities || finding.Vulnerabilities.length === 0) {
      return ignored.push(`${sourceName}: finding ${record}: ${path} has no Vulnerabilities, so names no software`);
    }

    const vulnerabilities = finding.Vulnerabilities.flatMap((rawVulnerability, v) => {
      const vulnerabilityPath = `${path}.Vulnerabilities[${v}]`;
      const vulnerability = VulnerabilitySchema.safeParse(rawVulnerability);
      if (!vulnerability.success) {
        quarantine(describeIssues(vulnerability.error.issues, vulnerabilityPath).join('; '), rawVulnerability);
        return [];
      }
      const packages = vulnerability.data.VulnerablePackages.map((raw, p) => {
        const packagePath = `${vulnerabilityPath}.VulnerablePackages[${p}]`;
        const read = VulnerablePackageSchema.safeParse(raw);
        if (!read.success) return { path: packagePath, problem: describeIssues(read.error.issues).join('; '), raw };
        const { Name, Version, Epoch, Release, Architecture, PackageManager, FilePath, FixedInVersion } = read.data;
        const pkg: ReportedPackage & { fixedInVersion?: string; filePath?: string } = { name: Name, version: Version };
        if (Epoch !== undefined) pkg.epoch = Number(Epoch);
        if (Release) pkg.release = Release;
        if (Architecture) pkg.arch = Architecture;
        if (PackageManager) pkg.packageManager = PackageManager;
        if (FilePath) pkg.filePath = FilePath;
        if (FixedInVersion) pkg.fixedInVersion = FixedInVersion;
        return { path: packagePath, pkg };
      });
      const { found, problems } = packagesToPurls(packages, os, (field) => ASFF_FIELDS[field]);
      for (const problem of problems) quarantine(problem.message, problem.raw);
      return [{ id: vulnerability.data.Id, found }];
    });

    const status = finding.RecordState ?? 'ACTIVE';
    finding.Resources.forEach((rawResource, r) => {
      const resourcePath = `${path}.Resources[${r}]`;
      const resource = ResourceSchema.safeParse(rawResource);
      if (!resource.success) return quarantine(describeIssues(resource.error.issues, resourcePath).join('; '), rawResource);
      const { Type, Id, Tags, Details } = resource.data;
      if (Type !== 'AwsEc2Instance') return ignored.push(`${sourceName}: finding ${record}: ${resourcePath} is a ${Type}, not an EC2 instance`);
      const instance = instanceOfArn(Id);
      if (!instance) return quarantine(`${resourcePath}.Id: expected an EC2 instance ARN (arn:aws:ec2:<region>:<account>:instance/i-...), got "${Id}"`, rawResource);
      const bound = bindInstance(instance, options);
      if ('problem' in bound) return quarantine(`${resourcePath}: ${bound.problem}`, rawResource);
      const ec2 = Details?.AwsEc2Instance;
      const extra = { ips: [...(ec2?.IpV4Addresses ?? []), ...(ec2?.IpV6Addresses ?? [])], ...(Tags ? { tags: Tags } : {}) };
      for (const vulnerability of vulnerabilities) {
        collector.add(bound.id, bound.cloud, extra, status !== 'ARCHIVED', vulnerability.found.map((entry) => entry.purl), {
          source: 'securityhub',
          finding: record,
          vulnerability: vulnerability.id,
          status,
          instanceId: instance.instanceId,
          packages: vulnerability.found,
        });
      }
    });
  });
  return { assets: collector.assets(), quarantined, ignored };
}
