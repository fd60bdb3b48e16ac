import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { EventPatterns } from '../functions/routing/rules.ts';
import type { Construct } from 'constructs';
import { BusMatcher, type BusMatcherProps } from './bus-matcher.ts';
import { validateAccountTenants, validateTenantId } from './construct-validation.ts';
import { toCdkEventPattern } from './forestall-bus.ts';

/** The Powertools service name of the cloud findings function. */
export const CLOUD_FINDINGS_SERVICE = 'cloud-findings';

const ACCOUNT_ID = /^\d{12}$/;

/** Properties of {@link CloudFindings}. */
export interface CloudFindingsProps extends BusMatcherProps {
  /**
   * Tenant of the findings of accounts `accountTenants` does not name (`TENANT_ID`).
   * @default 'default'
   */
  readonly tenantId?: string;
  /**
   * Member accounts (12 digits) whose Inspector and Security Hub findings are taken into the inventory.
   * The bus admits their PutEvents. This account's own findings are always taken.
   * @default - none
   */
  readonly memberAccountIds?: string[];
  /**
   * Account -> tenant (`{"111122223333": "acme"}`): the tenant whose assets an account's findings update.
   * A named account is taken (and admitted) as if listed in `memberAccountIds`.
   * @default - every account's findings go to `tenantId`
   */
  readonly accountTenants?: Record<string, unknown>;
}

/**
 * Cloud inventory from member accounts: the target of `EventPatterns.cloudFindings` (Amazon Inspector
 * "Inspector2 Finding" and Security Hub "Security Hub Findings - Imported" events, not limited to this
 * account). The function takes only the allowed accounts' events, merges the instances' software into
 * the tenant's assets and announces the changed ones with `Inventory Changed`. It runs one event at a
 * time: each finding is a read-merge-write of an asset, and Inspector sends a burst of findings per
 * instance that would otherwise overwrite each other's software (throttled events wait in Lambda's
 * asynchronous queue, up to the rule's `maxEventAge`).
 */
export class CloudFindings extends BusMatcher {
  /** Every account whose findings are taken besides this one (members and mapped accounts). */
  readonly accounts: string[];
  /** The tenants findings may write: `tenantId` and those `accountTenants` names. */
  readonly tenants: string[];
  /** This account's own findings, which Inspector and Security Hub put on its default bus, not on the forestall bus. */
  readonly ownFindingsRule: events.Rule;

  constructor(scope: Construct, id: string, props: CloudFindingsProps) {
    const { tenantId, accounts, accountTenants } = cloudFindingsSettings(props);
    super(scope, id, props, {
      name: 'CloudFindings',
      functionId: 'CloudFindings',
      entry: 'functions/inventory/cloud-findings.handler.ts',
      serviceName: CLOUD_FINDINGS_SERVICE,
      description: 'Merges Inspector and Security Hub findings from member accounts into the inventory and emits Inventory Changed',
      ruleId: 'CloudFindings',
      pattern: 'cloudFindings',
      ruleDescription: 'forestall: Inspector2 and Security Hub findings from allowed accounts -> inventory',
      reservedConcurrentExecutions: 1,
      environment: {
        TENANT_ID: tenantId,
        OWN_ACCOUNT_ID: Stack.of(scope).account,
        MEMBER_ACCOUNT_IDS: accounts.join(','),
        ACCOUNT_TENANTS: JSON.stringify(accountTenants),
      },
    });
    this.accounts = accounts;
    this.tenants = [...new Set([tenantId, ...Object.values(accountTenants)])];
    for (const account of accounts) props.bus.admitPutEvents(account);
    this.ownFindingsRule = new events.Rule(this, 'OwnFindings', {
      description: "forestall: this account's Inspector2 and Security Hub findings (default bus) -> inventory",
      eventPattern: toCdkEventPattern({ ...EventPatterns.cloudFindings, account: [Stack.of(this).account] }),
      targets: [
        new targets.LambdaFunction(this.handler.function, {
          deadLetterQueue: this.handler.deadLetterQueue,
          retryAttempts: props.retryAttempts ?? 8,
          maxEventAge: props.maxEventAge ?? Duration.hours(6),
        }),
      ],
    });
  }
}

/** The props checked: accounts 12 digits, tenants tenant ids; an error names the field. */
function cloudFindingsSettings(props: CloudFindingsProps) {
  const tenantId = validateTenantId('CloudFindings', props.tenantId ?? 'default');
  for (const account of props.memberAccountIds ?? []) {
    if (!ACCOUNT_ID.test(account)) throw new Error(`CloudFindings: memberAccountIds entry "${account}" is not a 12-digit AWS account id`);
  }
  const accountTenants = validateAccountTenants('CloudFindings', props.accountTenants);
  const accounts = [...new Set([...(props.memberAccountIds ?? []), ...Object.keys(accountTenants)])];
  return { tenantId, accounts, accountTenants };
}
