import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalPlaybookSetupError, localFunctionArn, runPlaybookLocally } from '../../../functions/local/step-functions.ts';

const dir = mkdtempSync(join(tmpdir(), 'forestall-sfn-'));
function definitionFile(name: string, definition: unknown): string {
  const path = join(dir, `${name}.asl.json`);
  writeFileSync(path, JSON.stringify(definition, null, 2));
  return path;
}

const retry = [{ ErrorEquals: ['VendorRateLimited'], IntervalSeconds: 30, MaxAttempts: 2, BackoffRate: 2 }];
const twoSteps = definitionFile('two-steps', {
  StartAt: 'Lookup',
  States: {
    Lookup: {
      Type: 'Task',
      Resource: '${LookupFunctionArn}',
      Parameters: { 'who.$': '$.who', 'execution.$': '$$.Execution.Id' },
      ResultPath: '$.lookup',
      Retry: retry,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Report' }],
      Next: 'Pause',
    },
    Pause: { Type: 'Wait', Seconds: 3600, Next: 'Greet' },
    Greet: {
      Type: 'Parallel',
      Branches: [{ StartAt: 'SayHello', States: { SayHello: { Type: 'Task', Resource: '${GreetFunctionArn}', End: true } } }],
      ResultPath: '$.greeting',
      End: true,
    },
    Report: { Type: 'Task', Resource: '${GreetFunctionArn}', ResultPath: '$.report', Next: 'Failed' },
    Failed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
  },
});

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('runPlaybookLocally', () => {
  it('binds each Task to the handler of the placeholder it names, inside Parallel branches too', async () => {
    const seen: unknown[] = [];
    const result = await runPlaybookLocally({
      definitionPath: twoSteps,
      executionName: 'run-1',
      input: { who: 'soc' },
      taskHandlers: {
        LookupFunctionArn: async (input) => {
          seen.push(input);
          return { found: true, when: new Date('2024-01-01T00:00:00Z'), dropped: undefined };
        },
        GreetFunctionArn: async (input) => `hello ${(input as { who: string }).who}`,
      },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.executionArn).toBe('arn:aws:states:local:000000000000:execution:two-steps:run-1');
    expect(seen).toEqual([{ who: 'soc', execution: result.executionArn }]);
    // Results cross a JSON boundary, as a Lambda's do.
    expect(result.output).toEqual({ who: 'soc', lookup: { found: true, when: '2024-01-01T00:00:00.000Z' }, greeting: ['hello soc'] });
  });

  it('shrinks Wait states to milliseconds and records a timeline', async () => {
    const entries: string[] = [];
    const result = await runPlaybookLocally({
      definitionPath: twoSteps,
      input: { who: 'soc' },
      taskHandlers: { LookupFunctionArn: async () => ({}), GreetFunctionArn: async () => 'hi' },
      waitTimeOverrides: { Pause: 2 },
      onStateEvent: (entry) => entries.push(`${entry.type}:${entry.state ?? ''}`),
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(entries).toEqual(result.timeline.map((entry) => `${entry.type}:${entry.state ?? ''}`));
    expect(entries).toEqual(
      expect.arrayContaining(['ExecutionStarted:', 'StateEntered:Pause', 'StateExited:Pause', 'StateEntered:SayHello', 'ExecutionSucceeded:']),
    );
    for (const entry of result.timeline) expect(entry.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const entered = result.timeline.find((entry) => entry.type === 'StateEntered' && entry.state === 'Lookup');
    expect(entered?.input).toEqual({ who: 'soc' });
  });

  it('keeps the name of a handler error so Retry matches it, without the definition backoff', async () => {
    let calls = 0;
    const result = await runPlaybookLocally({
      definitionPath: twoSteps,
      input: { who: 'soc' },
      taskHandlers: {
        LookupFunctionArn: async () => {
          calls += 1;
          if (calls === 1) throw named('VendorRateLimited', 'slow down');
          return { found: true };
        },
        GreetFunctionArn: async () => 'hi',
      },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toBe(2);
    expect(result.timeline.filter((entry) => entry.type === 'StateRetried').map((entry) => entry.state)).toEqual(['Lookup']);
  });

  it('hands a caught error on as Step Functions does: Error is the name, Cause the Lambda error payload', async () => {
    const reports: unknown[] = [];
    const result = await runPlaybookLocally({
      definitionPath: twoSteps,
      input: { who: 'soc' },
      taskHandlers: {
        LookupFunctionArn: async () => {
          throw named('VendorAuthFailed', 'token revoked');
        },
        GreetFunctionArn: async (input) => {
          reports.push(input);
          return 'reported';
        },
      },
    });

    expect(result.status).toBe('FAILED');
    expect(result.error?.Error).toBe('VendorAuthFailed');
    const [report] = reports as { error: { Error: string; Cause: string } }[];
    expect(report?.error.Error).toBe('VendorAuthFailed');
    expect(JSON.parse(report!.error.Cause)).toMatchObject({ errorType: 'VendorAuthFailed', errorMessage: 'token revoked', trace: expect.any(Array) });
    expect(result.error?.Cause).toBe(report?.error.Cause);
  });

  it('fills placeholders from the substitutions given and still binds Tasks by placeholder', async () => {
    const withTable = definitionFile('with-table', {
      StartAt: 'Lookup',
      States: { Lookup: { Type: 'Task', Resource: '${LookupFunctionArn}', Parameters: { table: '${TableName}' }, End: true } },
    });
    const seen: unknown[] = [];
    const result = await runPlaybookLocally({
      definitionPath: withTable,
      input: {},
      substitutions: { LookupFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:forestall-lookup', TableName: 'forestall "main"' },
      taskHandlers: {
        LookupFunctionArn: async (input) => {
          seen.push(input);
          return 'ok';
        },
      },
    });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: 'ok' });
    expect(seen).toEqual([{ table: 'forestall "main"' }]);
    expect(localFunctionArn('GreetFunctionArn')).toBe('arn:aws:lambda:local:000000000000:function:GreetFunction');
  });

  it('refuses to start when a Task has no handler, naming the state and the placeholder', async () => {
    const attempt = runPlaybookLocally({ definitionPath: twoSteps, input: {}, taskHandlers: { LookupFunctionArn: async () => ({}) } });

    await expect(attempt).rejects.toThrow(LocalPlaybookSetupError);
    await expect(attempt).rejects.toThrow(/Task state "SayHello" calls \$\{GreetFunctionArn\}, which has no task handler/);
  });
});
