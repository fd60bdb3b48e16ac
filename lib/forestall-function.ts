import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions, type NagPackSuppression } from 'cdk-nag';
import { Construct } from 'constructs';

/** The repository root: entries, the lock file and tsconfig.json are resolved from here. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The one Lambda runtime every forestall function uses (the code is also tested on Node 20 locally). */
export const FORESTALL_RUNTIME = lambda.Runtime.NODEJS_22_X;

/**
 * esbuild's ESM output has no `require`; CommonJS dependencies bundled into it (the AWS SDK's smithy
 * helpers, middy, Slack's client) call it at runtime, so every bundle defines it up front.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as forestallCreateRequire } from 'node:module'; const require = forestallCreateRequire(import.meta.url);";

const SERVICE_NAME = /^[a-z][a-z0-9-]{1,62}$/;

/** Lambda's limit on the total size of a function's environment variables (names and values). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/** Properties of {@link ForestallFunction}. */
export interface ForestallFunctionProps {
  /**
   * The handler file, relative to the repository root (or absolute), exporting `handler`.
   * Must be a `*.handler.ts` file that exists at synth time.
   */
  readonly entry: string;
  /** Powertools service name (`POWERTOOLS_SERVICE_NAME`), kebab-case, e.g. `kev-ingest`. */
  readonly serviceName: string;
  /**
   * What the function does, shown in the Lambda console.
   * @default - no description
   */
  readonly description?: string;
  /**
   * Extra environment variables. Values are plain configuration, never secret values (pass secret ARNs).
   * @default - only the Powertools and Node variables
   */
  readonly environment?: Record<string, string>;
  /**
   * Memory in MiB (128 - 10240).
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Maximum run time (at most 15 minutes).
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Reserved concurrent executions; caps how hard the function can hit vendor APIs.
   * @default - unreserved (account pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How long the function's log group keeps logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Customer-managed key for the function's log group.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Give the function an SQS dead-letter queue for failed asynchronous invocations (EventBridge and
   * schedule targets invoke asynchronously). The queue is exposed as `deadLetterQueue` so event-source
   * targets can share it.
   * @default false
   */
  readonly deadLetterQueue?: boolean;
  /**
   * Retries Lambda makes for a failed asynchronous invocation before it goes to the dead-letter queue (0 - 2).
   * @default 2
   */
  readonly asyncRetryAttempts?: number;
  /**
   * Create an alarm when the function reports any error in a five-minute period.
   * @default true
   */
  readonly errorsAlarm?: boolean;
  /**
   * Why further statements the owning construct adds need `Resource: '*'` (actions without
   * resource-level permissions). They join X-Ray's reason in the one suppression of that finding.
   * @default - only X-Ray's statement uses '*'
   */
  readonly wildcardResourceReasons?: string[];
}

/**
 * A forestall Lambda function: Node.js 22 on arm64, bundled locally with esbuild as ESM (no Docker),
 * AWS SDK left external (the runtime provides it), X-Ray tracing, a dedicated log group with retention,
 * Powertools environment, its own least-privilege role, an errors alarm and optionally a dead-letter queue.
 */
export class ForestallFunction extends Construct {
  /** The Lambda function. */
  readonly function: nodejs.NodejsFunction;
  /** The function's execution role (no managed policies; grants are added by the owning construct). */
  readonly role: iam.Role;
  /** The function's log group. */
  readonly logGroup: logs.LogGroup;
  /** The dead-letter queue for failed asynchronous invocations, when requested. */
  readonly deadLetterQueue?: sqs.Queue;
  /** Alarm on the function's Errors metric, when enabled. */
  readonly errorsAlarm?: cloudwatch.Alarm;
  /** Alarm when anything waits in the dead-letter queue, when there is one. */
  readonly deadLetterAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ForestallFunctionProps) {
    super(scope, id);
    const entry = validateProps(props);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy: it may only write to
    // its own log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `forestall ${props.serviceName} function`,
    });
    this.logGroup.grantWrite(this.role);

    if (props.deadLetterQueue) {
      this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      NagSuppressions.addResourceSuppressions(this.deadLetterQueue, [
        {
          id: 'AwsSolutions-SQS3',
          reason: 'This queue is itself the dead-letter queue of the function and its event target.',
        },
      ]);
    }

    const bundling: nodejs.BundlingOptions = {
      forceDockerBundling: false,
      format: nodejs.OutputFormat.ESM,
      mainFields: ['module', 'main'],
      target: 'node22',
      externalModules: ['@aws-sdk/*'],
      minify: true,
      sourceMap: true,
      banner: ESM_REQUIRE_BANNER,
    };

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: FORESTALL_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: props.asyncRetryAttempts ?? 2,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'forestall',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: { ...bundling, assetHash: bundleFingerprint(entry, bundling) },
    });

    if (props.errorsAlarm ?? true) {
      this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
        alarmDescription: `forestall ${props.serviceName}: the function reported errors`,
        metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    if (this.deadLetterQueue) {
      this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
        alarmDescription: `forestall ${props.serviceName}: events are waiting in the dead-letter queue`,
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    // Checked when the app synthesizes, after every grant has added its variables.
    this.node.addValidation({ validate: () => this.checkEnvironmentSize(props.serviceName) });

    NagSuppressions.addResourceSuppressions(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is the runtime the project targets and tests (Node 20 locally, 22 in Lambda); moving to 24 is a deliberate upgrade, not a drift.',
      },
    ]);
    // Active tracing adds xray:PutTraceSegments / xray:PutTelemetryRecords, which have no resource-level
    // permissions; the statement is generated by CDK into the role's default policy.
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason: [
            'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions.',
            ...(props.wildcardResourceReasons ?? []),
          ].join(' '),
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }

  /**
   * Records why a cdk-nag finding on this function's role policy is acceptable. Call it after the grant
   * that causes the finding; keep `appliesTo` as narrow as the finding.
   */
  /**
   * Runs the function on a fixed rate. A failed run goes to the function's dead-letter queue (required:
   * a scheduled invocation is asynchronous), and a run not started within one interval is dropped,
   * since the next one supersedes it.
   */
  addSchedule(id: string, description: string, interval: Duration): events.Rule {
    if (!this.deadLetterQueue) throw new Error(`${this.node.path}: a scheduled function needs deadLetterQueue: true`);
    return new events.Rule(this, id, {
      description,
      schedule: events.Schedule.rate(interval),
      targets: [new targets.LambdaFunction(this.function, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 2, maxEventAge: interval })],
    });
  }

  suppressRolePolicyFindings(suppressions: NagPackSuppression[]): void {
    NagSuppressions.addResourceSuppressions(this.role, suppressions, true);
  }

  /** Adds an environment variable after construction (e.g. a bus name known only later). */
  addEnvironment(name: string, value: string): void {
    this.function.addEnvironment(name, value);
  }

  /**
   * The size of the function's environment as Lambda counts it (names and values), with each deploy-time
   * value (an ARN, a generated name) counted at the size it can reach.
   */
  environmentSize(): { total: number; byVariable: Record<string, number> } {
    const cfn = this.function.node.defaultChild as lambda.CfnFunction;
    const resolved = Stack.of(this).resolve(cfn.environment) as { Variables?: Record<string, unknown>; variables?: Record<string, unknown> } | undefined;
    const variables = resolved?.Variables ?? resolved?.variables ?? {};
    const byVariable = Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, Buffer.byteLength(name) + estimatedLength(value)]));
    return { total: Object.values(byVariable).reduce((sum, size) => sum + size, 0), byVariable };
  }

  private checkEnvironmentSize(serviceName: string): string[] {
    const { total, byVariable } = this.environmentSize();
    if (total <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return [];
    const largest = Object.entries(byVariable)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 3)
      .map(([name, size]) => `${name} ${size} bytes`)
      .join(', ');
    return [
      `ForestallFunction(${serviceName}): its environment variables come to about ${total} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit ` +
        `(largest: ${largest}); shorten what feeds them, e.g. forestall:guardrails and forestall:tenants (leave out fields that repeat the defaults)`,
    ];
  }
}

/** Upper bounds for values known only at deploy time. */
const PSEUDO_PARAMETER_LENGTHS: Record<string, number> = {
  'AWS::AccountId': 12,
  'AWS::Region': 14,
  'AWS::Partition': 10,
  'AWS::URLSuffix': 20,
};
/** A generated name or ARN (a function ARN is at most ~140 characters; table and queue names are shorter in practice). */
const DEPLOY_TIME_VALUE_LENGTH = 140;

function estimatedLength(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record['Fn::Join'])) {
      const [delimiter, parts] = record['Fn::Join'] as [string, unknown[]];
      return parts.reduce<number>((sum, part) => sum + estimatedLength(part), 0) + Buffer.byteLength(delimiter) * Math.max(0, parts.length - 1);
    }
    if (typeof record.Ref === 'string' && record.Ref in PSEUDO_PARAMETER_LENGTHS) return PSEUDO_PARAMETER_LENGTHS[record.Ref]!;
  }
  return DEPLOY_TIME_VALUE_LENGTH;
}

let sourcesDigest: string | undefined;

/**
 * A digest of everything a bundle is built from: the handler entry, the bundling options, every file
 * under functions/, the lock file (dependency and esbuild versions) and tsconfig.json. Used as the
 * asset hash, so a synth with unchanged sources reuses the bundles already in cdk.out instead of
 * rebuilding all of them.
 */
function bundleFingerprint(entry: string, bundling: nodejs.BundlingOptions): string {
  sourcesDigest ??= digestSources();
  return createHash('sha256')
    .update(JSON.stringify({ entry: relative(PROJECT_ROOT, entry), bundling, sources: sourcesDigest }))
    .digest('hex');
}

function digestSources(): string {
  const hash = createHash('sha256');
  const functionsDir = join(PROJECT_ROOT, 'functions');
  const files = readdirSync(functionsDir, { recursive: true, withFileTypes: true })
    .filter((dirent) => dirent.isFile())
    .map((dirent) => join(dirent.parentPath, dirent.name))
    .concat(join(PROJECT_ROOT, 'package-lock.json'), join(PROJECT_ROOT, 'tsconfig.json'))
    .sort();
  for (const file of files) {
    hash.update(relative(PROJECT_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Checks props and returns the absolute entry path; errors name the prop and the construct. */
function validateProps(props: ForestallFunctionProps): string {
  const entry = isAbsolute(props.entry) ? props.entry : join(PROJECT_ROOT, props.entry);
  const where = `ForestallFunction(${props.serviceName})`;
  if (!SERVICE_NAME.test(props.serviceName)) {
    throw new Error(`${where}: serviceName must be kebab-case (${SERVICE_NAME.source})`);
  }
  if (props.memorySize !== undefined && !(Number.isInteger(props.memorySize) && props.memorySize >= 128 && props.memorySize <= 10240)) {
    throw new Error(`${where}: memorySize must be an integer between 128 and 10240, got ${props.memorySize}`);
  }
  if (props.timeout !== undefined && !props.timeout.isUnresolved() && props.timeout.toSeconds() > 900) {
    throw new Error(`${where}: timeout must be at most 15 minutes`);
  }
  if (
    props.reservedConcurrentExecutions !== undefined &&
    !(Number.isInteger(props.reservedConcurrentExecutions) && props.reservedConcurrentExecutions >= 0)
  ) {
    throw new Error(`${where}: reservedConcurrentExecutions must be a non-negative integer`);
  }
  if (
    props.asyncRetryAttempts !== undefined &&
    !(Number.isInteger(props.asyncRetryAttempts) && props.asyncRetryAttempts >= 0 && props.asyncRetryAttempts <= 2)
  ) {
    throw new Error(`${where}: asyncRetryAttempts must be 0, 1 or 2`);
  }
  for (const [name, value] of Object.entries(props.environment ?? {})) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`${where}: environment variable name ${name} is invalid`);
    if (typeof value !== 'string') throw new Error(`${where}: environment variable ${name} must be a string`);
  }
  // The entry last: the other checks need no file and report configuration mistakes first.
  if (!props.entry.endsWith('.handler.ts')) {
    throw new Error(`${where}: entry must be a *.handler.ts file, got ${props.entry}`);
  }
  if (relative(PROJECT_ROOT, entry).startsWith('..')) {
    throw new Error(`${where}: entry ${props.entry} is outside the project root ${PROJECT_ROOT}`);
  }
  if (!existsSync(entry)) {
    throw new Error(`${where}: entry ${relative(PROJECT_ROOT, entry)} does not exist`);
  }
  return entry;
}
