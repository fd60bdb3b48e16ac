import type { z } from 'zod';
import type { Asset } from '../model/asset.ts';
import type { OnExpiry, OnFailure } from '../model/tenant.ts';

/**
 * Everything the rest of forestall needs to know about one actuator, as data: what its targets look
 * like and which assets give them (Plan), its title (Slack), its expiry and failure defaults (policy),
 * and what its function needs from a deployment (the CDK construct and local mode both read `deployment`).
 * A definition imports no SDK or CDK code, so every consumer can load the whole registry cheaply.
 */
export interface ActuatorDefinition<T = unknown> {
  /** Kebab-case, unique: action records, policy keys and the function name use it. */
  readonly name: string;
  /** Section title in Slack, e.g. `CrowdStrike host containment`. */
  readonly title: string;
  /** Which part of the response it is, for the plan's ordering: exploit path, identity, then hosts. */
  readonly surface: 'network' | 'identity' | 'endpoint';
  readonly reversible: boolean;
  /** The one schema of its targets: Plan builds them, the actuator parses them, tests use them. */
  readonly targetSchema: z.ZodType<T>;
  /** Targets for the assets Plan selected (assets without this actuator's binding give none). */
  targetsFor(assets: readonly Asset[]): T[];
  /** The assets a target stands for. */
  assetIdsOf(target: T): string[];
  /**
   * The vendor identities a target changes (`crowdstrike-device:<aid>`, `aws-security-group:<id>`), in the
   * form `assetIdentities` gives them: Plan drops a target that touches a protected one.
   */
  identitiesOf(target: T): string[];
  /** Defaults for the tenant policy's per-actuator entry. */
  readonly policy: { expiresAfterHours: number; onExpiry: OnExpiry; onFailure: OnFailure };
  readonly deployment: ActuatorDeployment;
}

/** A deployment setting of an actuator: a `forestall:<key>` context value passed to the function. */
export interface ActuatorSetting {
  /** The context key (without `forestall:`), e.g. `crowdStrikeBaseUrl`. */
  readonly key: string;
  /** The environment variable the function reads. */
  readonly variable: string;
  readonly kind: 'https-url' | 'string' | 'list' | 'tag' | 'role-name';
  readonly description: string;
  /** Used when the context does not set it; without one, the stack warns and the function refuses to start. */
  readonly default?: string;
  /** Left unset without a warning: the function works without it. */
  readonly optional?: boolean;
}

/** A secret an actuator reads: the stack grants read on it by name and passes its ARN. */
export interface ActuatorSecret {
  /** The function reads `<prefix>_SECRET_ARN` deployed, `<prefix>` or `<prefix>_FILE` locally. */
  readonly prefix: string;
  /** Context key naming the secret, e.g. `crowdStrikeClientSecretName`. */
  readonly key: string;
  readonly defaultName: string;
  readonly description: string;
}

/**
 * An IAM statement as data. Resources are ARN templates: `${Partition}`, `${Region}`, `${Account}` are the
 * stack's; `*` needs `wildcardReason` (it becomes the cdk-nag suppression's reason).
 */
export interface PermissionStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
  readonly wildcardReason?: string;
}

export interface ActuatorDeployment {
  /** The handler, relative to the repository root: the stack bundles it, local mode imports it. */
  readonly handler: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly settings: readonly ActuatorSetting[];
  readonly secrets: readonly ActuatorSecret[];
  /** IAM beyond the table and the bus, from the deployment's settings (values as given, lists comma-joined). */
  permissions?(settings: Readonly<Record<string, string | undefined>>, stack: { account: string; region: string }): PermissionStatement[];
  /** The local stand-in (a module exporting `startLocal`), relative to the repository root. */
  readonly local: string;
}

/**
 * A definition of any actuator, for lists of them (the registry). Each definition's target type differs
 * and its functions both take and return targets, so no single target type fits them all; consumers
 * treat targets as opaque values that they pass back to the same definition.
 */
export type AnyActuatorDefinition = ActuatorDefinition<any>;
