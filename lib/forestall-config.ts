import { z } from 'zod';
import type { Node } from 'constructs';

/** Deployment settings of the forestall stack; every field is optional and has a documented default. */
export interface ForestallConfig {
  /**
   * Tenant of a single-tenant install.
   * @default 'default'
   */
  readonly tenantId?: string;
  /**
   * Accounts whose principals may put events on the forestall bus.
   * @default - none
   */
  readonly putEventsAccountIds?: string[];
  /**
   * AWS Organizations id whose accounts may put events on the forestall bus.
   * @default - none
   */
  readonly putEventsOrganizationId?: string;
  /**
   * Accounts that may create rules on the forestall bus to receive its events in their own account.
   * @default - none
   */
  readonly subscriberAccountIds?: string[];
  /** @default KevIngest's DEFAULT_KEV_URL */
  readonly kevUrl?: string;
  /** @default KevIngest's DEFAULT_NVD_API_URL */
  readonly nvdApiUrl?: string;
  /** @default 10 */
  readonly nvdLookupsPerRun?: number;
  /**
   * Secrets Manager secret name of an NVD API key.
   * @default - no key
   */
  readonly nvdApiKeySecretName?: string;
  /** @default - unset (warning at synth) */
  readonly oktaOrgUrl?: string;
  /** @default Actuators' DEFAULT_SECRET_NAMES.oktaApiToken */
  readonly oktaApiTokenSecretName?: string;
  /** @default 'https://api.crowdstrike.com' */
  readonly crowdStrikeBaseUrl?: string;
  /** @default Actuators' DEFAULT_SECRET_NAMES.crowdStrikeClient */
  readonly crowdStrikeClientSecretName?: string;
  /** @default Actuators' DEFAULT_SECRET_NAMES.slackToken */
  readonly slackTokenSecretName?: string;
  /** @default - unset (warning at synth) */
  readonly slackChannel?: string;
  /**
   * Guardrail policy (GuardrailPolicySchema).
   * @default - the schema's defaults
   */
  readonly guardrails?: unknown;
  /**
   * Tag a security group must carry before forestall changes it.
   * @default - no tag required
   */
  readonly securityGroupTag?: { key: string; value: string };
  /**
   * Regions whose security groups the EC2 actuator may change.
   * @default - the stack's region
   */
  readonly securityGroupRegions?: string[];
}

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
