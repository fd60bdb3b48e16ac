import type { ActuatorDefinition, AnyActuatorDefinition } from '../action-kernel/actuator-definition.ts';
import { crowdStrikeContainmentDefinition } from './crowdstrike-containment/definition.ts';
import { ec2SecurityGroupDefinition } from './ec2-security-group/definition.ts';
import { entraIdDefinition } from './entra-id/definition.ts';
import { oktaSessionsDefinition } from './okta-sessions/definition.ts';

/**
 * Every actuator forestall has, one line each, in the order a plan applies them (releases run in reverse):
 * the exploit path first, then identity, then hosts. Plan, the Slack notifier, the CDK stack (one
 * construct per entry), local mode and the demo all read this list; adding an actuator is its folder
 * plus a line here (docs/extending.md).
 */
export const ACTUATORS: readonly AnyActuatorDefinition[] = [
  ec2SecurityGroupDefinition,
  oktaSessionsDefinition,
  entraIdDefinition,
  crowdStrikeContainmentDefinition,
];

/** The definition of `name`, or undefined. */
export function actuatorDefinition(name: string): ActuatorDefinition<unknown> | undefined {
  return ACTUATORS.find((definition) => definition.name === name);
}
