import { z } from 'zod';
import type { Node } from 'constructs';
import type { ActuatorsProps } from './actuators.ts';
import type { CveExposureResponsePlaybookProps } from './cve-exposure-response-playbook.ts';
import type { ForestallBusProps } from './forestall-bus.ts';
import type { KevIngestProps } from './kev-ingest.ts';

/**
 * Deployment settings of the forestall stack: the props of the constructs they configure (documented,
 * with their defaults, where the construct declares them), all optional.
 */
export type ForestallConfig = Pick<ForestallBusProps, 'putEventsAccountIds' | 'putEventsOrganizationId' | 'subscriberAccountIds'> &
  Pick<KevIngestProps, 'tenantId' | 'kevUrl' | 'nvdApiUrl' | 'nvdLookupsPerRun' | 'nvdApiKeySecretName'> &
  Pick<
    ActuatorsProps,
    | 'oktaOrgUrl'
    | 'oktaApiTokenSecretName'
    | 'crowdStrikeBaseUrl'
    | 'crowdStrikeClientSecretName'
    | 'slackTokenSecretName'
    | 'slackChannel'
    | 'securityGroupTag'
    | 'securityGroupRegions'
  > &
  Pick<CveExposureResponsePlaybookProps, 'guardrails'>;

/** Context keys, as given with `cdk synth -c forestall:<key>=<value>` or in cdk.json. */
export const CONTEXT_PREFIX = 'forestall:';

// `-c key=value` always gives strings; cdk.json gives JSON values. Strings are converted first, then
// both shapes are checked by one schema, so errors say what was expected.
const listOf = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((v) => v.trim()).filter(Boolean) : value),
  z.array(z.string()),
);
const integer = z.preprocess(
  (value) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value),
  z.number({ error: 'expected a whole number' }).int(),
);
const jsonObject = z.preprocess((value, ctx) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not valid JSON', input: value });
    return z.NEVER;
  }
}, z.record(z.string(), z.unknown()));
const tag = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    const at = value.indexOf('=');
    return at > 0 ? { key: value.slice(0, at), value: value.slice(at + 1) } : value;
  },
  z.object({ key: z.string().min(1), value: z.string() }, { error: 'expected key=value' }).strict(),
);

const ContextSchema = z
  .object({
    tenantId: z.string(),
    putEventsAccountIds: listOf,
    putEventsOrganizationId: z.string(),
    subscriberAccountIds: listOf,
    kevUrl: z.string(),
    nvdApiUrl: z.string(),
    nvdLookupsPerRun: integer,
    nvdApiKeySecretName: z.string(),
    oktaOrgUrl: z.string(),
    oktaApiTokenSecretName: z.string(),
    crowdStrikeBaseUrl: z.string(),
    crowdStrikeClientSecretName: z.string(),
    slackTokenSecretName: z.string(),
    slackChannel: z.string(),
    guardrails: jsonObject,
    securityGroupTag: tag,
    securityGroupRegions: listOf,
  })
  .partial();

/**
 * Reads the stack's settings from CDK context (`forestall:<key>`). Values are shape-checked here and
 * checked in depth by the constructs; an error names the context key.
 */
export function readForestallConfig(node: Node): ForestallConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ContextSchema.shape)) {
    const value: unknown = node.tryGetContext(`${CONTEXT_PREFIX}${key}`);
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = ContextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${CONTEXT_PREFIX}${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid forestall context: ${problems.join('; ')}`);
  }
  return parsed.data;
}
