import aslValidator from 'asl-validator';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../statemachines');
const files = readdirSync(dir).filter((name) => name.endsWith('.asl.json'));

/** Errors every Task must retry: Lambda service hiccups and vendor throttling or outage. */
const RETRIED_ERRORS = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.SdkClientException',
  'VendorRateLimited',
  'VendorUnavailable',
];

type State = Record<string, unknown> & { Type: string };
interface Located {
  name: string;
  state: State;
  /** The Parallel or Map state whose branch holds this state, if any. */
  parent?: State;
}

function statesOf(machine: { States: Record<string, State> }, parent?: State): Located[] {
  return Object.entries(machine.States).flatMap(([name, state]) => [
    { name, state, ...(parent ? { parent } : {}) },
    ...((state.Branches as { States: Record<string, State> }[] | undefined) ?? []).flatMap((branch) => statesOf(branch, state)),
    ...(state.ItemProcessor ? statesOf(state.ItemProcessor as { States: Record<string, State> }, state) : []),
  ]);
}

/** The optimized Lambda integration, whose function name comes from the input: the plan names each actuator. */
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

function catchesAll(state: State | undefined): boolean {
  const catchers = (state?.Catch as { ErrorEquals: string[] }[] | undefined) ?? [];
  return catchers.some((catcher) => catcher.ErrorEquals.includes('States.ALL'));
}

describe('state machine definitions', () => {
  it('finds the playbooks', () => {
    expect(files).toContain('cve-exposure-response.asl.json');
  });

  describe.each(files)('%s', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const definition = JSON.parse(text) as { States: Record<string, State>; QueryLanguage?: string };
    const states = statesOf(definition);

    it('is valid Amazon States Language (paths and ARNs checked)', () => {
      // The validator annotates the object it checks, so give it a copy.
      const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
      expect(result.errorsText('\n')).toBe('');
      expect(result.isValid).toBe(true);
    });

    it('stays valid once CDK substitutes real function ARNs', () => {
      const deployed = text.replace(/\$\{([A-Za-z]+)\}/g, (_match, name: string) => `arn:aws:lambda:eu-west-1:111122223333:function:${name}`);
      const result = aslValidator(JSON.parse(deployed), { checkPaths: true, checkArn: true });
      expect(result.errorsText('\n')).toBe('');
      expect(result.isValid).toBe(true);
    });

    it('uses JSONPath only: no JSONata and no variables, which the local runtime cannot run', () => {
      expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
      for (const { name, state } of states) {
        expect(state.QueryLanguage ?? 'JSONPath', name).toBe('JSONPath');
        expect(state, name).not.toHaveProperty('Assign');
        expect(state, name).not.toHaveProperty('Arguments');
        expect(state, name).not.toHaveProperty('Output');
      }
      expect(text).not.toContain('{%');
    });

    it('names every function only through a definitionSubstitutions placeholder, or the plan for actuators', () => {
      const tasks = states.filter(({ state }) => state.Type === 'Task');
      expect(tasks.length).toBeGreaterThan(0);
      for (const { name, state } of tasks) {
        if (state.Resource === LAMBDA_INVOKE) {
          // Actuator steps: the function ARN is the plan step's, never written in the definition.
          expect((state.Parameters as Record<string, unknown>)['FunctionName.$'], name).toBe('$.functionArn');
        } else {
          expect(state.Resource, name).toMatch(/^\$\{[A-Za-z]+FunctionArn\}$/);
        }
      }
      expect(text.replaceAll(LAMBDA_INVOKE, '')).not.toMatch(/arn:aws/);
    });

    it('retries TargetBusy on every actuator step, so changes to one target wait their turn', () => {
      for (const { name, state } of states.filter(({ state }) => state.Resource === LAMBDA_INVOKE)) {
        const retried = ((state.Retry as { ErrorEquals: string[] }[] | undefined) ?? []).flatMap((retrier) => retrier.ErrorEquals);
        expect(retried, name).toContain('TargetBusy');
      }
    });

    it('retries throttling on every Task and routes every failure to a Catch', () => {
      for (const { name, state, parent } of states.filter(({ state }) => state.Type === 'Task')) {
        const retried = ((state.Retry as { ErrorEquals: string[] }[] | undefined) ?? []).flatMap((retrier) => retrier.ErrorEquals);
        expect(retried, name).toEqual(expect.arrayContaining(RETRIED_ERRORS));
        // Inside a Parallel branch or Map iteration the error leaves through the Parallel or Map state's Catch.
        expect(catchesAll(state) || catchesAll(parent), name).toBe(true);
      }
      for (const { name, state } of states.filter(({ state }) => state.Type === 'Parallel' || state.Type === 'Map')) {
        expect(catchesAll(state), name).toBe(true);
      }
    });
  });
});
