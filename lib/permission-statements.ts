import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NagPackSuppression } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { PermissionStatement } from '../functions/action-kernel/actuator-definition.ts';
import { nagFinding } from './nag-findings.ts';

/** An IAM statement from data, ready for a role, with what cdk-nag must be told about it. */
export interface TranslatedPermissions {
  readonly statements: iam.PolicyStatement[];
  /**
   * Reasons of the statements whose resource is `*` (actions without resource-level permissions): they
   * join the one `Resource::*` suppression a ForestallFunction keeps (`wildcardResourceReasons`).
   */
  readonly starReasons: string[];
  /** AwsSolutions-IAM5 suppressions for the other wildcard resources and actions, each with its statement's reason. */
  readonly suppressions: NagPackSuppression[];
}

const PLACEHOLDER = /\$\{(?!Token\[)([^}:]*)\}/g;
const SID = /^[A-Za-z0-9]+$/;
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;

/**
 * Turns IAM statements given as data (an actuator definition's `permissions()`) into policy statements of
 * `scope`'s stack: `${Partition}`, `${Region}` and `${Account}` become the stack's, anything else in
 * `${...}` without a colon is refused (IAM policy variables such as `${aws:username}` pass through).
 * Every wildcard needs the statement's `wildcardReason`, which becomes the cdk-nag suppression's reason,
 * and every ARN is checked for a region and an account that can exist, so a mistyped region fails synth
 * instead of granting nothing. `owner` names the definition in errors.
 */
export function translatePermissions(scope: IConstruct, owner: string, statements: readonly PermissionStatement[]): TranslatedPermissions {
  const stack = Stack.of(scope);
  const substitute = (template: string) =>
    template.replace(PLACEHOLDER, (whole, name: string) => {
      switch (name) {
        case 'Partition':
          return stack.partition;
        case 'Region':
          return stack.region;
        case 'Account':
          return stack.account;
        default:
          throw new Error(`${owner}: "${template}" uses \${${name}}; only \${Partition}, \${Region} and \${Account} are substituted (${whole})`);
      }
    });

  const sids = new Set<string>();
  const translated: iam.PolicyStatement[] = [];
  const starReasons: string[] = [];
  const suppressions: NagPackSuppression[] = [];
  for (const statement of statements) {
    const where = `${owner}: statement ${statement.sid}`;
    if (!SID.test(statement.sid)) throw new Error(`${owner}: statement id "${statement.sid}" must be letters and digits only`);
    if (sids.has(statement.sid)) throw new Error(`${owner}: statement id ${statement.sid} is used twice`);
    sids.add(statement.sid);
    if (statement.actions.length === 0 || statement.resources.length === 0) throw new Error(`${where} needs at least one action and one resource`);
    for (const action of statement.actions) {
      if (!ACTION.test(action)) throw new Error(`${where}: "${action}" is not an IAM action (service:Action)`);
    }
    // Placeholders first (a typo there is the likelier mistake), then the ARN's shape.
    const resources = statement.resources.map(substitute);
    for (const resource of statement.resources) checkArnTemplate(where, resource);
    const reason = statement.wildcardReason?.trim();
    const wildcardActions = statement.actions.filter((action) => /[*?]/.test(action));
    const wildcardResources = resources.filter((resource) => resource !== '*' && /[*?]/.test(resource));
    const star = resources.includes('*');
    if ((star || wildcardResources.length > 0 || wildcardActions.length > 0) && !reason) {
      throw new Error(`${where} uses a wildcard (${[...wildcardActions, ...statement.resources.filter((r) => /[*?]/.test(r))].join(', ')}) without a wildcardReason`);
    }
    if (star && reason) starReasons.push(reason);
    if (reason && (wildcardResources.length > 0 || wildcardActions.length > 0)) {
      suppressions.push({
        id: 'AwsSolutions-IAM5',
        reason: `${statement.sid}: ${reason}`,
        appliesTo: [
          ...wildcardActions.map((action) => `Action::${action}`),
          // cdk-nag only reports `*`; a `?`-only ARN is no finding and needs no entry.
          ...wildcardResources.filter((resource) => resource.includes('*')).map((resource) => `Resource::${nagFinding(scope, resource)}`),
        ],
      });
    }

    translated.push(
      new iam.PolicyStatement({
        sid: statement.sid,
        actions: [...statement.actions],
        resources,
        ...(statement.conditions
          ? {
              conditions: Object.fromEntries(
                Object.entries(statement.conditions).map(([operator, entries]) => [
                  operator,
                  Object.fromEntries(
                    Object.entries(entries).map(([key, value]) => [key, typeof value === 'string' ? substitute(value) : value.map(substitute)]),
                  ),
                ]),
              ),
            }
          : {}),
      }),
    );
  }
  return { statements: translated, starReasons, suppressions: suppressions.filter((s) => (s.appliesTo?.length ?? 0) > 0) };
}

/**
 * An ARN template must name a region and an account that can exist (or `${Region}` / `${Account}`, empty
 * for global services, or a wildcard): a setting such as a region list shows up here when it is wrong.
 */
function checkArnTemplate(where: string, resource: string): void {
  if (resource === '*') return;
  if (!resource.startsWith('arn:')) throw new Error(`${where}: resource "${resource}" is neither * nor an ARN`);
  const [, partition, service, region, account, ...rest] = resource.split(':');
  if (partition === undefined || service === undefined || region === undefined || account === undefined || rest.length === 0) {
    throw new Error(`${where}: resource "${resource}" is not an ARN (arn:partition:service:region:account:resource)`);
  }
  const known = (part: string, placeholder: string, pattern: RegExp) =>
    part === '' || part === '*' || part === placeholder || Token.isUnresolved(part) || pattern.test(part);
  if (!known(partition, '${Partition}', /^aws(-[a-z-]+)?$/)) throw new Error(`${where}: resource "${resource}": "${partition}" is not an AWS partition`);
  if (!known(region, '${Region}', REGION)) throw new Error(`${where}: resource "${resource}": "${region}" is not an AWS region name`);
  if (!known(account, '${Account}', ACCOUNT) && account !== 'aws') {
    throw new Error(`${where}: resource "${resource}": "${account}" is not a 12-digit AWS account id`);
  }
}
