import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { ForestallBus } from './forestall-bus.ts';
import { ForestallFunction } from './forestall-function.ts';
import type { ForestallTable } from './forestall-table.ts';

/** Properties of {@link ExposureMatch}. */
export interface ExposureMatchProps {
  /** Where intel, assets and exposures are stored. */
  readonly table: ForestallTable;
  /** The bus carrying `Intel Changed` in and `Exposure Detected` out. */
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
   * Memory in MiB; matching walks the tenant's components for the CVE's CPEs.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Key for the function's log group.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * Matching: the target of `EventPatterns.intelChanged`. Matches the changed CVE against the estate,
 * stores exposures with their SSVC decision and emits `Exposure Detected`. Events that cannot be
 * delivered or that fail every asynchronous retry land in one dead-letter queue (alarmed).
 */
export class ExposureMatch extends Construct {
  readonly handler: ForestallFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ExposureMatchProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 8;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
      throw new Error(`ExposureMatch: retryAttempts must be an integer between 0 and 185, got ${retryAttempts}`);
    }
    const maxEventAge = props.maxEventAge ?? Duration.hours(6);
    if (!maxEventAge.isUnresolved() && (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > 86_400)) {
      throw new Error('ExposureMatch: maxEventAge must be between 1 minute and 24 hours');
    }

    this.handler = new ForestallFunction(this, 'ExposureMatch', {
      entry: 'functions/match/exposure-match.handler.ts',
      serviceName: 'exposure-match',
      description: 'Matches changed intel against the estate and emits Exposure Detected',
      memorySize: props.memorySize ?? 1024,
      timeout: Duration.minutes(5),
      logEncryptionKey: props.logEncryptionKey,
      deadLetterQueue: true,
    });
    props.table.grantReadWrite(this.handler);
    props.bus.grantPutEvents(this.handler);

    this.rule = props.bus.addRule('IntelChanged', 'intelChanged', {
      description: 'forestall: changed vulnerability intel -> exposure matching',
      targets: [
        new targets.LambdaFunction(this.handler.function, {
          deadLetterQueue: this.handler.deadLetterQueue,
          retryAttempts,
          maxEventAge,
        }),
      ],
    });
  }
}
