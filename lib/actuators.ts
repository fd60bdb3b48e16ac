import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { AnyActuatorDefinition } from '../functions/action-kernel/actuator-definition.ts';
import { ACTUATORS } from '../functions/actuators/registry.ts';
import { ActuatorFunction } from './actuator-function.ts';
import type { TenantPolicySettings } from './construct-validation.ts';
import type { ForestallBus } from './forestall-bus.ts';
import { actuatorContextSchemas } from './forestall-config.ts';
import type { ForestallTable } from './forestall-table.ts';

/** Properties of {@link Actuators}. */
export interface ActuatorsProps {
  /** Where action records (audit, holds, idempotency keys, inverse operations) are stored. */
  readonly table: ForestallTable;
  /** The bus on which the actuators announce what they changed (`Action Taken`, `Action Reverted`). */
  readonly bus: ForestallBus;
  /**
   * Setting values and secret names by context key (without `forestall:`), for every actuator; see
   * each definition's `deployment.settings` and `deployment.secrets`. A key no actuator declares is an error.
   * @default - every default
   */
  readonly settings?: Readonly<Record<string, string | undefined>>;
  /** The checked guardrail policies every actuator enforces. */
  readonly policies: TenantPolicySettings;
  /**
   * The actuators to deploy.
   * @default ACTUATORS (functions/actuators/registry.ts)
   */
  readonly definitions?: readonly AnyActuatorDefinition[];
  /**
   * Key for the functions' log groups.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * One {@link ActuatorFunction} per actuator in the registry, in registry order: adding an actuator to
 * `functions/actuators/registry.ts` adds its function, grants and settings to the stack with no change here.
 */
export class Actuators extends Construct {
  /** Every actuator's construct, by actuator name. */
  readonly byName: ReadonlyMap<string, ActuatorFunction>;

  constructor(scope: Construct, id: string, props: ActuatorsProps) {
    super(scope, id);
    const definitions = props.definitions ?? ACTUATORS;
    const names = definitions.map((definition) => definition.name);
    const twice = names.filter((name, index) => names.indexOf(name) !== index);
    if (twice.length > 0) throw new Error(`Actuators: actuator names must be unique, ${twice.join(', ')} appears twice`);
    const known = new Set(Object.keys(actuatorContextSchemas(definitions)));
    const unknown = Object.keys(props.settings ?? {}).filter((key) => !known.has(key));
    if (unknown.length > 0) {
      throw new Error(`Actuators: no actuator declares the setting ${unknown.join(', ')} (known: ${[...known].sort().join(', ') || 'none'})`);
    }

    const byName = new Map<string, ActuatorFunction>();
    for (const definition of definitions) {
      byName.set(
        definition.name,
        new ActuatorFunction(this, pascalCase(definition.name), {
          definition,
          table: props.table,
          bus: props.bus,
          settings: props.settings,
          policies: props.policies,
          logEncryptionKey: props.logEncryptionKey,
        }),
      );
    }
    this.byName = byName;
  }

  /** Every actuator, in registry order. */
  get all(): ActuatorFunction[] {
    return [...this.byName.values()];
  }

  /** Function ARN by actuator name, as Plan and the sweeper read it (`ACTUATOR_FUNCTION_ARNS`, via `Stack.toJsonString`). */
  functionArns(): Record<string, string> {
    return Object.fromEntries(this.all.map((actuator) => [actuator.definition.name, actuator.functionArn]));
  }
}

function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
