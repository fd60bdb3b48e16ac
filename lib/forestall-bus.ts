import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../functions/model/events.ts';
import { rulePattern, type EventPatternName } from '../functions/routing/rules.ts';
import type { ForestallFunction } from './forestall-function.ts';

/** The bus name the local runtime also uses. */
export const FORESTALL_BUS_NAME = 'forestall';

const ACCOUNT_ID = /^\d{12}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const BUS_NAME = /^[A-Za-z0-9._-]{1,256}$/;

/** Properties of {@link ForestallBus}. */
export interface ForestallBusProps {
  /**
   * The event bus name.
   * @default 'forestall'
   */
  readonly eventBusName?: string;
  /**
   * AWS account ids (12 digits) whose principals may put events on the bus, e.g. workload accounts
   * forwarding findings. Listing an account admits whatever that account's IAM policies allow.
   * @default - none
   */
  readonly putEventsAccountIds?: string[];
  /**
   * An AWS Organizations id (`o-...`): every account in the organization may put events on the bus.
   * @default - none
   */
  readonly putEventsOrganizationId?: string;
  /**
   * AWS account ids (12 digits) that may subscribe: create rules on this bus (with targets in their
   * own account) and manage the rules they created, but no one else's.
   * @default - none
   */
  readonly subscriberAccountIds?: string[];
  /**
   * How long the archive keeps forestall events for replay.
   * @default Duration.days(365)
   */
  readonly archiveRetention?: Duration;
}

/** Options for {@link ForestallBus.addRule}. */
export interface ForestallRuleOptions {
  /**
   * Rule description.
   * @default - names the pattern
   */
  readonly description?: string;
  /**
   * Targets to add.
   * @default - none (add them with `rule.addTarget`)
   */
  readonly targets?: events.IRuleTarget[];
}

/** EventBridge's top-level pattern fields, as the CDK's `EventPattern` spells them. */
const CDK_FIELD_NAMES: Record<string, keyof events.EventPattern> = {
  version: 'version',
  id: 'id',
  'detail-type': 'detailType',
  source: 'source',
  account: 'account',
  time: 'time',
  region: 'region',
  resources: 'resources',
  detail: 'detail',
};

/**
 * Converts an EventBridge pattern as EventBridge writes it (`detail-type`) into the CDK's
 * `EventPattern` (`detailType`), copying values unchanged, so the synthesized rule carries exactly the
 * pattern in `functions/routing/rules.ts`. Unknown top-level fields are an error, not dropped.
 */
export function toCdkEventPattern(pattern: Readonly<Record<string, unknown>>): events.EventPattern {
  const converted: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(pattern)) {
    const cdkField = CDK_FIELD_NAMES[field];
    if (!cdkField) throw new Error(`event pattern field "${field}" has no CDK EventPattern equivalent`);
    converted[cdkField] = structuredClone(value);
  }
  return converted as events.EventPattern;
}

/**
 * The forestall EventBridge bus: a resource policy admitting PutEvents from listed accounts and/or an
 * AWS Organization, an archive of forestall events for replay, and rules built from the shared
 * patterns in `functions/routing/rules.ts` (the local bus evaluates the same objects).
 */
export class ForestallBus extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  private readonly admitted = new Set<string>();

  constructor(scope: Construct, id: string, props: ForestallBusProps = {}) {
    super(scope, id);
    const eventBusName = props.eventBusName ?? FORESTALL_BUS_NAME;
    if (!BUS_NAME.test(eventBusName) || eventBusName === 'default') {
      throw new Error(`ForestallBus: eventBusName must match ${BUS_NAME.source} and not be "default", got ${eventBusName}`);
    }
    const accounts = props.putEventsAccountIds ?? [];
    for (const account of accounts) {
      if (!ACCOUNT_ID.test(account)) {
        throw new Error(`ForestallBus: putEventsAccountIds entry "${account}" is not a 12-digit AWS account id`);
      }
    }
    if (new Set(accounts).size !== accounts.length) {
      throw new Error('ForestallBus: putEventsAccountIds lists an account twice');
    }
    if (props.putEventsOrganizationId !== undefined && !ORGANIZATION_ID.test(props.putEventsOrganizationId)) {
      throw new Error(
        `ForestallBus: putEventsOrganizationId "${props.putEventsOrganizationId}" is not an AWS Organizations id (o-...)`,
      );
    }

    this.bus = new events.EventBus(this, 'Bus', { eventBusName, description: 'forestall intel, exposure and action events' });

    for (const account of accounts) this.admitPutEvents(account);
    if (props.putEventsOrganizationId) {
      // Any principal, but only from inside the organization: the condition is what makes this safe.
      this.bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PutEventsFromOrganization',
          principals: [new iam.AnyPrincipal()],
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
          conditions: { StringEquals: { 'aws:PrincipalOrgID': props.putEventsOrganizationId } },
        }),
      );
    }

    const subscribers = props.subscriberAccountIds ?? [];
    for (const account of subscribers) {
      if (!ACCOUNT_ID.test(account)) {
        throw new Error(`ForestallBus: subscriberAccountIds entry "${account}" is not a 12-digit AWS account id`);
      }
    }
    if (subscribers.length > 0) {
      // EventBridge's documented pattern for rules created from other accounts: events:creatorAccount
      // ties every rule to the account that made it, so one subscriber cannot touch another's rules.
      this.bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'SubscribersManageTheirOwnRules',
          principals: subscribers.map((account) => new iam.AccountPrincipal(account)),
          actions: ['events:PutRule', 'events:DeleteRule', 'events:DescribeRule', 'events:DisableRule', 'events:EnableRule', 'events:PutTargets', 'events:RemoveTargets'],
          resources: [Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: `${eventBusName}/*` })],
          conditions: { StringEqualsIfExists: { 'events:creatorAccount': '${aws:PrincipalAccount}' } },
        }),
      );
    }

    this.archive = this.bus.archive('Archive', {
      description: 'forestall events, for replay after an outage or a matcher fix',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.archiveRetention ?? Duration.days(365),
    });
  }

  /**
   * Lets `account` put events on the bus (a statement `PutEventsFromAccount<account>`), once: constructs
   * that take events from member accounts (cloud findings) admit them here, whether or not
   * `putEventsAccountIds` lists them too.
   */
  admitPutEvents(account: string): void {
    if (!ACCOUNT_ID.test(account)) throw new Error(`ForestallBus: account "${account}" is not a 12-digit AWS account id`);
    if (this.admitted.has(account)) return;
    this.admitted.add(account);
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `PutEventsFromAccount${account}`,
        principals: [new iam.AccountPrincipal(account)],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
      }),
    );
  }

  /** The bus name, for `EVENT_BUS_NAME`. */
  get eventBusName(): string {
    return this.bus.eventBusName;
  }

  /**
   * A rule on this bus whose pattern is exactly `rulePattern(pattern, <this stack's account>)` from
   * `functions/routing/rules.ts`: rules that start action playbooks match only this account's events.
   */
  addRule(id: string, pattern: EventPatternName, options: ForestallRuleOptions = {}): events.Rule {
    return new events.Rule(this, id, {
      eventBus: this.bus,
      description: options.description ?? `forestall ${pattern}`,
      eventPattern: toCdkEventPattern(rulePattern(pattern, Stack.of(this).account)),
      targets: options.targets,
    });
  }

  /** Lets the function put events on this bus, and passes `EVENT_BUS_NAME`. */
  grantPutEvents(fn: ForestallFunction): void {
    this.bus.grantPutEventsTo(fn.role);
    fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
  }
}
