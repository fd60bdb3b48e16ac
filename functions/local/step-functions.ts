import './promise-with-resolvers.ts';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * Runs a playbook's own ASL file under aws-local-stepfunctions, with each Task state bound to in-process
 * code instead of a deployed Lambda. The file is used exactly as the CDK stack deploys it: its `${Name}`
 * placeholders are filled the way `definitionSubstitutions` fills them, and every Task is bound to the
 * handler registered under the placeholder its `Resource` names, so a new Task state needs no wiring here.
 */

/** What a bound Task runs: receives the Task's effective input (after Parameters), returns its result. */
export type TaskHandler = (input: unknown) => Promise<unknown>;

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type JsonValue = Parameters<StateMachine['run']>[0];

/** The error a Task or the execution failed with, as Step Functions reports it. */
export interface StatesError {
  Error: string;
  Cause: string;
}

/** One line of the execution's timeline. */
export interface TimelineEntry {
  /** Event type: ExecutionStarted, StateEntered, StateExited, StateFailed, StateRetried, StateCaught, ... */
  type: EventLog['type'];
  /** ISO 8601 time of the event. */
  at: string;
  /** The state the event is about (absent for execution-level events). */
  state?: string;
  stateType?: string;
  /** The Parallel or Map state whose branch or iteration started, ended or failed. */
  parentState?: string;
  /** The state's effective input (StateEntered) or output (StateExited). */
  input?: unknown;
  output?: unknown;
  error?: StatesError;
  /** For StateRetried: how many retries of this retrier happened before this one. */
  retryAttempt?: number;
}

export interface RunPlaybookLocallyOptions {
  /** Path of the `*.asl.json` file. */
  definitionPath: string;
  /**
   * Values for `${Name}` placeholders. A placeholder without a value becomes a local Lambda ARN
   * (`arn:aws:lambda:local:000000000000:function:<Name without "Arn">`).
   */
  substitutions?: Record<string, string>;
  /** Handler per placeholder name, e.g. `{ PlanFunctionArn: (input) => ... }`. */
  taskHandlers: Record<string, TaskHandler>;
  /**
   * Handler per function ARN for Tasks using the optimized Lambda integration
   * (`arn:aws:states:::lambda:invoke`), whose `FunctionName` comes from the state's input.
   */
  functions?: Record<string, TaskHandler>;
  /** The execution input (for playbooks: the whole EventBridge event). */
  input: unknown;
  /** Execution name used in `$$.Execution.Id`; a random UUID by default. */
  executionName?: string;
  /** Milliseconds per Wait state name; Wait states not listed pause `defaultWaitMs`. */
  waitTimeOverrides?: Record<string, number>;
  /** Pause of every Wait state not in `waitTimeOverrides` (default 1 ms). */
  defaultWaitMs?: number;
  /** Pause between retries of any state (default 1 ms) instead of the definition's backoff. */
  retryIntervalMs?: number;
  /** Called for each timeline entry as it happens. */
  onStateEvent?: (entry: TimelineEntry) => void;
}

export interface LocalExecutionResult {
  status: 'SUCCEEDED' | 'FAILED';
  executionArn: string;
  /** The execution output when it succeeded. */
  output?: unknown;
  /** The error the execution failed with (from the Fail state or an uncaught state error). */
  error?: StatesError;
  timeline: TimelineEntry[];
  /** The library's raw event log, for callers that need more than the timeline. */
  events: EventLog[];
}

/** Thrown before any state runs when the definition and the handlers do not fit together. */
export class LocalPlaybookSetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalPlaybookSetupError';
  }
}

/**
 * An error raised by a bound handler, shaped as Step Functions sees a failed Lambda: `name` is the
 * handler error's name (what Retry and Catch match on) and the message, which becomes the Catch
 * output's `Cause`, is the Lambda error payload `{errorType, errorMessage, trace}` as JSON.
 */
export class LocalTaskError extends Error {
  constructor(errorType: string, errorMessage: string, trace: string[]) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
  }
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

/** The ARN a placeholder stands for when the caller gives none. */
export function localFunctionArn(placeholder: string): string {
  return `arn:aws:lambda:local:000000000000:function:${placeholder.replace(/Arn$/, '')}`;
}

/**
 * Runs the state machine in `definitionPath` once and returns how it ended with a timeline.
 * Wait states and retry pauses shrink to milliseconds; everything else (Choice, Parallel, Retry matching
 * by error name, Catch, ResultPath) behaves as the library implements the States language.
 */
export async function runPlaybookLocally(options: RunPlaybookLocallyOptions): Promise<LocalExecutionResult> {
  const text = await readFile(options.definitionPath, 'utf8');
  const { definition, arnToPlaceholder } = substitute(text, options);
  const states = collectStates(definition, options.definitionPath);

  const taskResourceLocalHandlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
  for (const [stateName, state] of states) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    if (resource === LAMBDA_INVOKE) {
      taskResourceLocalHandlers[stateName] = bindInvoke(stateName, options.functions ?? {}, options.definitionPath);
      continue;
    }
    const placeholder = arnToPlaceholder.get(resource);
    const handler = placeholder === undefined ? undefined : options.taskHandlers[placeholder];
    if (!handler) {
      const known = Object.keys(options.taskHandlers).join(', ') || 'none';
      throw new LocalPlaybookSetupError(
        `${options.definitionPath}: Task state "${stateName}" calls ${placeholder ? `\${${placeholder}}` : resource}, ` +
          `which has no task handler (handlers given: ${known})`,
      );
    }
    taskResourceLocalHandlers[stateName] = bindHandler(handler);
  }

  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [stateName, state] of states) {
    if (state.Type === 'Wait') waitTimeOverrides[stateName] = options.waitTimeOverrides?.[stateName] ?? options.defaultWaitMs ?? 1;
    if (Array.isArray(state.Retry)) retryIntervalOverrides[stateName] = options.retryIntervalMs ?? 1;
  }

  const machineName = basename(options.definitionPath).replace(/\.asl\.json$|\.json$/, '');
  const executionName = options.executionName ?? randomUUID();
  const executionArn = `arn:aws:states:local:000000000000:execution:${machineName}:${executionName}`;

  const stateMachine = new StateMachine(definition);
  const execution = stateMachine.run(toJson(options.input), {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: { Id: executionArn, Name: executionName },
      StateMachine: { Id: `arn:aws:states:local:000000000000:stateMachine:${machineName}`, Name: machineName },
    },
  });

  const events: EventLog[] = [];
  const timeline: TimelineEntry[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      events.push(event);
      const entry = toTimelineEntry(event);
      timeline.push(entry);
      options.onStateEvent?.(entry);
    }
  })();

  let result: LocalExecutionResult;
  try {
    const output = await execution.result;
    result = { status: 'SUCCEEDED', executionArn, output, timeline, events };
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    result = { status: 'FAILED', executionArn, error: executionFailure(error), timeline, events };
  }
  await collecting;
  return result;
}

function substitute(
  text: string,
  options: RunPlaybookLocallyOptions,
): { definition: StateMachineDefinition; arnToPlaceholder: Map<string, string> } {
  const arnToPlaceholder = new Map<string, string>();
  const replaced = text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = options.substitutions?.[name] ?? localFunctionArn(name);
    arnToPlaceholder.set(value, name);
    // Placeholders sit inside JSON strings: escape the value as JSON string content.
    return JSON.stringify(value).slice(1, -1);
  });
  try {
    return { definition: JSON.parse(replaced) as StateMachineDefinition, arnToPlaceholder };
  } catch (error) {
    throw new LocalPlaybookSetupError(`${options.definitionPath}: not valid JSON after substitution`, { cause: error });
  }
}

type AnyState = Record<string, unknown> & { Type?: unknown };

/** Every state by name, including those inside Parallel branches and Map iterators. */
function collectStates(definition: StateMachineDefinition, source: string): Map<string, AnyState> {
  const found = new Map<string, AnyState>();
  const visit = (machine: unknown): void => {
    const states = (machine as { States?: Record<string, AnyState> } | undefined)?.States ?? {};
    for (const [name, state] of Object.entries(states)) {
      // Local overrides are keyed by state name, so two states with one name could not be told apart.
      if (found.has(name)) throw new LocalPlaybookSetupError(`${source}: state name "${name}" is used twice`);
      found.set(name, state);
      if (Array.isArray(state.Branches)) state.Branches.forEach(visit);
      if (state.ItemProcessor) visit(state.ItemProcessor);
      if (state.Iterator) visit(state.Iterator);
    }
  };
  visit(definition);
  return found;
}

/** Wraps a handler so input and output cross a JSON boundary as they do with Lambda. */
function bindHandler(handler: TaskHandler): (input: JsonValue) => Promise<JsonValue> {
  return async (input) => {
    let output: unknown;
    try {
      output = await handler(structuredClone(input));
    } catch (error) {
      throw toTaskError(error);
    }
    return toJson(output ?? null);
  };
}

/**
 * The optimized Lambda integration as Step Functions runs it: `Parameters` give `FunctionName` and
 * `Payload`; the result is the invoke response (`Payload`, `StatusCode`, `ExecutedVersion`); a function
 * error surfaces under the function's error name, as with a direct ARN.
 */
function bindInvoke(stateName: string, functions: Record<string, TaskHandler>, source: string): (input: JsonValue) => Promise<JsonValue> {
  return async (input) => {
    const { FunctionName: functionName, Payload: payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
    const handler = typeof functionName === 'string' ? functions[functionName] : undefined;
    if (!handler) {
      throw new LocalPlaybookSetupError(`${source}: Task state "${stateName}" invokes ${String(functionName)}, which has no local function (known: ${Object.keys(functions).join(', ') || 'none'})`);
    }
    let output: unknown;
    try {
      output = await handler(structuredClone(payload ?? null));
    } catch (error) {
      throw toTaskError(error);
    }
    return toJson({ ExecutedVersion: '$LATEST', Payload: output ?? null, StatusCode: 200 });
  };
}

function toTaskError(error: unknown): LocalTaskError {
  if (error instanceof Error) {
    return new LocalTaskError(error.name, error.message, (error.stack ?? '').split('\n'));
  }
  return new LocalTaskError('Error', String(error), []);
}

function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

function executionFailure(error: ExecutionError): StatesError {
  const cause = error.cause;
  if (cause instanceof Error) return { Error: cause.name, Cause: cause.message };
  return { Error: error.name, Cause: error.message };
}

function toTimelineEntry(event: EventLog): TimelineEntry {
  const entry: TimelineEntry = { type: event.type, at: new Date(event.timestamp).toISOString() };
  if ('state' in event) {
    entry.state = event.state.name;
    entry.stateType = event.state.type;
    if (event.type === 'StateEntered') entry.input = event.state.input;
    if (event.type === 'StateExited') entry.output = event.state.output;
  }
  if ('parentState' in event) entry.parentState = event.parentState.name;
  if ('Error' in event) entry.error = { Error: event.Error, Cause: describeCause(event.Cause) };
  if ('retry' in event) entry.retryAttempt = event.retry.attempt;
  return entry;
}

function describeCause(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause) ?? '';
}
