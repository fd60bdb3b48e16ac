import { Annotations, Duration, Stack, Tags } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AnyActuatorDefinition } from '../functions/action-kernel/actuator-definition.ts';
import { validateSecretName, validateSetting, type TenantPolicySettings } from './construct-validation.ts';
import type { ForestallBus } from './forestall-bus.ts';
import { ForestallFunction } from './forestall-function.ts';
import type { ForestallTable } from './forestall-table.ts';
import { secretReadSuppression } from './nag-findings.ts';
import { translatePermissions } from './permission-statements.ts';

/** Under the playbook's 120 s per actuator step and the kernel's 2-minute lease. */
export const MAX_ACTUATOR_TIMEOUT_SECONDS = 110;

/** The role tag naming the actuator a role belongs to; member-account roles trust only principals carrying it. */
export const ACTUATOR_TAG_KEY = 'forestall:actuator';

const ACTUATOR_NAME = /^[a-z][a-z0-9-]{0,52}$/;

/** Properties of {@link ActuatorFunction}. */
export interface ActuatorFunctionProps {
  /** The actuator, from `functions/actuators/registry.ts`. */
  readonly definition: AnyActuatorDefinition;
  /** Where action records, holds and target leases are stored (read/write, `TABLE_NAME`). */
  readonly table: ForestallTable;
  /** Where the actuator announces what it changed (`Action Taken` / `Action Reverted`, `EVENT_BUS_NAME`). */
  readonly bus: ForestallBus;
  /**
   * Values by context key (without `forestall:`): the definition's settings and the names of its secrets.
   * Lists are comma-joined, tags `key=value`. Keys of other actuators are ignored.
   * @default - every setting's default, every secret's default name
   */
  readonly settings?: Readonly<Record<string, string | undefined>>;
  /** The checked guardrail policies (`GUARDRAILS`, `TENANT_POLICIES`). */
  readonly policies: TenantPolicySettings;
  /**
   * Key for the function's log group.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * One actuator's Lambda function, built from its registry definition alone: the handler, description and
 * timeout it declares; its settings as environment variables (defaults filled, values checked by kind,
 * a missing required one a synth warning naming the context key); read access to each of its secrets by
 * name (`<PREFIX>_SECRET_ARN`); the IAM statements its `permissions()` returns, wildcards suppressed in
 * cdk-nag with the definition's own reasons; the table, the bus, the tenant policies and the stack's
 * account. Its role is tagged `forestall:actuator=<name>`, which member-account roles trust.
 */
export class ActuatorFunction extends Construct {
  readonly definition: AnyActuatorDefinition;
  readonly handler: ForestallFunction;
  /** The setting values the function gets, by context key (undefined: an optional setting left unset). */
  readonly settings: Readonly<Record<string, string | undefined>>;
  /** The secret names it may read, by context key. */
  readonly secretNames: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ActuatorFunctionProps) {
    super(scope, id);
    const { definition } = props;
    const where = `ActuatorFunction(${definition.name})`;
    if (!ACTUATOR_NAME.test(definition.name)) throw new Error(`${where}: the actuator name must be kebab-case, at most 53 characters`);
    const deployment = definition.deployment;
    // The playbook gives each actuator step 120 s (TimeoutSeconds in the ASL), and the kernel's lease
    // outlasts one invocation: a function allowed longer would be cut off mid-change by Step Functions.
    if (!Number.isInteger(deployment.timeoutSeconds) || deployment.timeoutSeconds < 1 || deployment.timeoutSeconds > MAX_ACTUATOR_TIMEOUT_SECONDS) {
      throw new Error(`${where}: timeoutSeconds must be a whole number between 1 and ${MAX_ACTUATOR_TIMEOUT_SECONDS}, got ${deployment.timeoutSeconds}`);
    }
    this.definition = definition;

    // Every value is checked before anything is bundled.
    const settings: Record<string, string | undefined> = {};
    const environment: Record<string, string> = {};
    const missing: string[] = [];
    for (const setting of deployment.settings) {
      const given = props.settings?.[setting.key];
      const raw = given !== undefined && given.trim() !== '' ? given : setting.default;
      const value = raw === undefined ? undefined : validateSetting(where, setting.key, setting.kind, raw);
      settings[setting.key] = value;
      if (value !== undefined) environment[setting.variable] = value;
      else if (!setting.optional) missing.push(setting.key);
    }
    const secretNames: Record<string, string> = {};
    for (const secret of deployment.secrets) {
      const given = props.settings?.[secret.key];
      secretNames[secret.key] = validateSecretName(where, secret.key, given !== undefined && given.trim() !== '' ? given.trim() : secret.defaultName);
    }
    this.settings = settings;
    this.secretNames = secretNames;

    const stack = Stack.of(this);
    const permissions = translatePermissions(this, where, deployment.permissions?.(settings, { account: stack.account, region: stack.region }) ?? []);

    this.handler = new ForestallFunction(this, 'Function', {
      entry: deployment.handler,
      serviceName: `actuator-${definition.name}`,
      description: deployment.description,
      timeout: Duration.seconds(deployment.timeoutSeconds),
      logEncryptionKey: props.logEncryptionKey,
      wildcardResourceReasons: permissions.starReasons,
      environment: {
        ...environment,
        GUARDRAILS: props.policies.guardrailsJson,
        TENANT_POLICIES: props.policies.tenantPoliciesJson,
        FORESTALL_ACCOUNT_ID: stack.account,
      },
    });
    for (const statement of permissions.statements) this.handler.role.addToPrincipalPolicy(statement);
    if (permissions.suppressions.length > 0) this.handler.suppressRolePolicyFindings(permissions.suppressions);

    for (const secret of deployment.secrets) {
      const name = secretNames[secret.key]!;
      const reference = secretsmanager.Secret.fromSecretNameV2(this, `Secret${secret.prefix}`, name);
      reference.grantRead(this.handler.role);
      this.handler.addEnvironment(`${secret.prefix}_SECRET_ARN`, reference.secretArn);
      this.handler.suppressRolePolicyFindings([secretReadSuppression(this, name)]);
    }

    props.table.grantReadWrite(this.handler);
    props.bus.grantPutEvents(this.handler);
    Tags.of(this.handler.role).add(ACTUATOR_TAG_KEY, definition.name);

    for (const key of missing) {
      const setting = deployment.settings.find((s) => s.key === key)!;
      Annotations.of(this).addWarningV2(
        `forestall:missing-setting:${key}`,
        `No ${setting.variable} configured (context forestall:${key}: ${setting.description}): the ${definition.name} actuator will fail at start with a configuration error.`,
      );
    }
  }

  /** The function's ARN (unqualified). */
  get functionArn(): string {
    return this.handler.function.functionArn;
  }
}
