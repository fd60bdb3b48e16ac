import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { EventPatternName } from '../functions/routing/rules.ts';
import type { ForestallBus } from './forestall-bus.ts';
import { ForestallFunction } from './forestall-function.ts';
import type { ForestallTable } from './forestall-table.ts';

/** Properties every matcher on the bus takes (ExposureMatch, InventoryRematch). */
export interface BusMatcherProps {
  /** Where intel, assets and exposures are stored. */
  readonly table: ForestallTable;
  /** The bus carrying the trigger in and `Exposure Detected` out. */
  readonly bus: ForestallBus;
  /**
   * How many times EventBridge retries delivering an event before it goes to the dead-letter queue (0 - 185).
   * @default 8
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps trying to deliver an event (1 minute - 24 hours).
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
  /**
   * Memory in MiB; matching reads the component index a page at a time.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Key for the function's log group.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/** What distinguishes one matcher from another: its handler and the event that starts it. */
export interface BusMatcherSpec {
  /** Construct name, in error messages. */
  readonly name: string;
  readonly functionId: string;
  readonly entry: string;
  readonly serviceName: string;
  readonly description: string;
  readonly ruleId: string;
  readonly pattern: EventPatternName;
  readonly ruleDescription: string;
  /**
   * What the function may do with the table: a matcher that only reads asks for `read`.
   * @default 'read-write'
   */
  readonly tableAccess?: 'read' | 'read-write';
  /**
   * Further environment variables (plain configuration, such as the tenant policies).
   * @default - only TABLE_NAME and EVENT_BUS_NAME
   */
  readonly environment?: Record<string, string>;
  /**
   * Concurrent executions reserved for (and limiting) the function: 1 runs one event at a time.
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A matching function started by a forestall event on the bus: reads and writes the table, emits
 * `Exposure Detected`, and lands events it cannot handle, after EventBridge's retries and its own
 * asynchronous ones, in one dead-letter queue (alarmed).
 */
export class BusMatcher extends Construct {
  readonly handler: ForestallFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: BusMatcherProps, spec: BusMatcherSpec) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 8;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
      throw new Error(`${spec.name}: retryAttempts must be an integer between 0 and 185, got ${retryAttempts}`);
    }
    const maxEventAge = props.maxEventAge ?? Duration.hours(6);
    if (!maxEventAge.isUnresolved() && (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > 86_400)) {
      throw new Error(`${spec.name}: maxEventAge must be between 1 minute and 24 hours`);
    }

    this.handler = new ForestallFunction(this, spec.functionId, {
      entry: spec.entry,
      serviceName: spec.serviceName,
      description: spec.description,
      memorySize: props.memorySize ?? 1024,
      timeout: Duration.minutes(5),
      logEncryptionKey: props.logEncryptionKey,
      deadLetterQueue: true,
      ...(spec.environment ? { environment: spec.environment } : {}),
      ...(spec.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: spec.reservedConcurrentExecutions } : {}),
    });
    if (spec.tableAccess === 'read') props.table.grantRead(this.handler);
    else props.table.grantReadWrite(this.handler);
    props.bus.grantPutEvents(this.handler);

    this.rule = props.bus.addRule(spec.ruleId, spec.pattern, {
      description: spec.ruleDescription,
      targets: [new targets.LambdaFunction(this.handler.function, { deadLetterQueue: this.handler.deadLetterQueue, retryAttempts, maxEventAge })],
    });
  }
}
