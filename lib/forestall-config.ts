import { z } from 'zod';
import type { Node } from 'constructs';
import type { ActuatorSetting, AnyActuatorDefinition } from '../functions/action-kernel/actuator-definition.ts';
import { ACTUATORS } from '../functions/actuators/registry.ts';
import type { CloudFindingsProps } from './cloud-findings.ts';
import type { ForestallBusProps } from './forestall-bus.ts';
import type { KevIngestProps } from './kev-ingest.ts';
import type { SlackNotifierProps } from './slack-notifier.ts';

/**
 * Deployment settings of the forestall stacks, all optional: the props of the constructs they configure
 * (documented, with their defaults, where the construct declares them), the tenant policies, and the
 * actuators' settings, whose keys the actuator definitions declare.
 */
export type ForestallConfig = Pick<ForestallBusProps, 'putEventsAccountIds' | 'putEventsOrganizationId' | 'subscriberAccountIds'> &
  Pick<KevIngestProps, 'tenantId' | 'kevUrl' | 'nvdApiUrl' | 'nvdLookupsPerRun' | 'nvdApiKeySecretName'> &
  Pick<SlackNotifierProps, 'slackTokenSecretName' | 'slackChannel'> &
  Pick<CloudFindingsProps, 'memberAccountIds' | 'accountTenants'> & {
    /** Every tenant's default guardrail policy (`GuardrailPolicySchema`; absent: shadow mode and the schema's defaults). */
    readonly guardrails?: Record<string, unknown>;
    /** Per-tenant overrides of `guardrails`, field by field: `{"acme": {"mode": "enforce"}}`. */
    readonly tenants?: Record<string, unknown>;
    /** Addresses the alarm topic emails. */
    readonly alarmEmails?: string[];
    /** The account of the central forestall stack, for the member-account stack (`ForestallMember`). */
    readonly centralAccountId?: string;
    /** The actuators' settings and secret names by context key (lists comma-joined, tags `key=value`). */
    readonly actuatorSettings?: Record<string, string>;
    /**
     * Scheduled intel sources besides KEV, by registry name: `{"threatfox": {}, "taxii": {"settings": {...},
     * "secretNames": {"TAXII_TOKEN": "forestall/taxii/token"}, "everyMinutes": 60}}` (absent: NVD and EPSS).
     */
    readonly intelSources?: Record<string, unknown>;
    /** Prefix of the webhook tenants' signing secrets (`<prefix><tenant>`; default `forestall/webhook/`). */
    readonly webhookSecretPrefix?: string;
    /** Days raw intel payloads are archived (default 400). */
    readonly intelArchiveRetentionDays?: number;
    /**
     * For the member-account stack: ARN of the central forestall bus. When set, the member stack forwards
     * this account's Inspector2 and Security Hub findings to it (absent: no forwarding).
     */
    readonly findingsBusArn?: string;
  };

/** Context keys, as given with `cdk synth -c forestall:<key>=<value>` or in cdk.json. */
export const CONTEXT_PREFIX = 'forestall:';

// `-c key=value` always gives strings; cdk.json gives JSON values. Strings are converted first, then
// both shapes are checked by one schema, so errors say what was expected.
const listOf = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean)
      : value,
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
}, z.record(z.string(), z.unknown(), { error: 'expected a JSON object' }));

/** The stack's own keys (the actuators' keys come from their definitions). */
const STACK_KEYS = {
  tenantId: z.string(),
  putEventsAccountIds: listOf,
  putEventsOrganizationId: z.string(),
  subscriberAccountIds: listOf,
  kevUrl: z.string(),
  nvdApiUrl: z.string(),
  nvdLookupsPerRun: integer,
  nvdApiKeySecretName: z.string(),
  slackTokenSecretName: z.string(),
  slackChannel: z.string(),
  guardrails: jsonObject,
  tenants: jsonObject,
  alarmEmails: listOf,
  centralAccountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
  intelSources: jsonObject,
  webhookSecretPrefix: z.string(),
  intelArchiveRetentionDays: integer,
  memberAccountIds: listOf,
  accountTenants: jsonObject,
  findingsBusArn: z.string(),
} as const;

// An actuator setting reaches its function as one string: lists comma-joined, tags key=value. cdk.json
// may give a list as an array and a tag as {key, value}.
const listSetting = z.preprocess((value) => (Array.isArray(value) ? value.map((item) => String(item).trim()).join(',') : value), z.string());
const tagSetting = z.preprocess(
  (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && 'key' in value && 'value' in value
      ? `${String((value as { key: unknown }).key)}=${String((value as { value: unknown }).value)}`
      : value,
  z.string({ error: 'expected key=value' }),
);
const settingSchema = (kind: ActuatorSetting['kind']) => (kind === 'list' ? listSetting : kind === 'tag' ? tagSetting : z.string());

/**
 * The context keys (without the prefix) the actuators declare, each with its schema: every setting and
 * every secret name. A key declared by two actuators must mean the same kind of value; a key the stack
 * itself uses cannot be declared.
 */
export function actuatorContextSchemas(definitions: readonly AnyActuatorDefinition[] = ACTUATORS): Record<string, z.ZodType> {
  const kinds = new Map<string, { kind: string; owner: string }>();
  const schemas: Record<string, z.ZodType> = {};
  const declare = (key: string, kind: ActuatorSetting['kind'] | 'secret', owner: string) => {
    if (key in STACK_KEYS) throw new Error(`actuator ${owner} declares context key ${CONTEXT_PREFIX}${key}, which the stack itself uses`);
    const earlier = kinds.get(key);
    if (earlier && earlier.kind !== kind) {
      throw new Error(`context key ${CONTEXT_PREFIX}${key} is a ${earlier.kind} for actuator ${earlier.owner} but a ${kind} for ${owner}`);
    }
    kinds.set(key, { kind, owner });
    schemas[key] = kind === 'secret' ? z.string() : settingSchema(kind);
  };
  for (const definition of definitions) {
    for (const setting of definition.deployment.settings) declare(setting.key, setting.kind, definition.name);
    for (const secret of definition.deployment.secrets) declare(secret.key, 'secret', definition.name);
  }
  return schemas;
}

/** Every context key forestall reads (without the prefix). */
export function knownContextKeys(definitions: readonly AnyActuatorDefinition[] = ACTUATORS): string[] {
  return [...Object.keys(STACK_KEYS), ...Object.keys(actuatorContextSchemas(definitions))];
}

/**
 * Reads the stacks' settings from CDK context (`forestall:<key>`). Values are shape-checked here and
 * checked in depth by the constructs; an error names the context key. A `forestall:` key that nothing
 * reads is an error too (with the nearest known key as a suggestion): a misspelt guardrail must not be
 * dropped without a word.
 */
export function readForestallConfig(node: Node, definitions: readonly AnyActuatorDefinition[] = ACTUATORS): ForestallConfig {
  const actuatorSchemas = actuatorContextSchemas(definitions);
  const known = [...Object.keys(STACK_KEYS), ...Object.keys(actuatorSchemas)];

  const context = node.getAllContext() as Record<string, unknown>;
  const unknown = Object.keys(context)
    .filter((key) => key.startsWith(CONTEXT_PREFIX) && !known.includes(key.slice(CONTEXT_PREFIX.length)))
    .sort();
  if (unknown.length > 0) {
    const described = unknown.map((key) => {
      const suggestion = nearest(key.slice(CONTEXT_PREFIX.length), known);
      return suggestion ? `${key} (did you mean ${CONTEXT_PREFIX}${suggestion}?)` : key;
    });
    throw new Error(
      `unknown forestall context ${unknown.length === 1 ? 'key' : 'keys'}: ${described.join(', ')}. ` +
        `Known keys: ${[...known].sort().map((key) => CONTEXT_PREFIX + key).join(', ')}`,
    );
  }

  const raw: Record<string, unknown> = {};
  for (const key of known) {
    const value = context[`${CONTEXT_PREFIX}${key}`];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = z
    .object({ ...STACK_KEYS, ...actuatorSchemas })
    .partial()
    .safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${CONTEXT_PREFIX}${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid forestall context: ${problems.join('; ')}`);
  }
  const config: Record<string, unknown> = {};
  const actuatorSettings: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.data as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (key in STACK_KEYS) config[key] = value;
    else actuatorSettings[key] = value as string;
  }
  if (Object.keys(actuatorSettings).length > 0) config.actuatorSettings = actuatorSettings;
  return config as ForestallConfig;
}

/** The known key closest to `key` (case first, then edit distance), if it is close enough to be a typo. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameLetters = known.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters) return sameLetters;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 4)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
