import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import type { ActuatorDefinition } from '../action-kernel/actuator-definition.ts';
import { ACTUATORS } from '../actuators/registry.ts';
import type { Asset } from '../model/asset.ts';
import { startLocalSlack } from '../notify/slack/local.ts';
import type { SlackSimulatorState } from '../notify/slack/slack-simulator.ts';
import { LOCAL_REGION } from './dynalite.ts';
import { localLambdaContext } from './lambda-context.ts';
import { startLocalLambdaEndpoint } from './lambda-endpoint.ts';
import type { LocalActuator, LocalActuatorModule } from './local-actuator.ts';
import type { RunningSimulator } from './simulators/http-simulator.ts';
import { localFunctionArn, type TaskHandler } from './step-functions.ts';

/** The repository root: definitions name handlers and local stand-ins relative to it, as the stack does. */
const ROOT = join(import.meta.dirname, '..', '..');

/** The account local mode plays: the demo estate's, so its EC2 targets are "this account". */
export const LOCAL_ACCOUNT = '111122223333';

export interface LocalDeploymentOptions {
  /** The estate the simulated vendors know (hosts, groups, users). */
  assets: readonly Asset[];
  tableName: string;
  dynamoEndpoint: string;
  eventBridgeUrl: string;
  busName: string;
  /** Everything else the deployed stack would set (GUARDRAILS, TENANT_POLICIES, KEV_URL, ...). */
  environment: Record<string, string>;
}

/** An actuator as local mode runs it: its definition, its stand-in, its handler and its local ARN. */
export interface LocalActuatorFunction {
  definition: ActuatorDefinition<unknown>;
  local: LocalActuator;
  functionArn: string;
  handler: TaskHandler;
}

export interface LocalDeployment {
  actuators: LocalActuatorFunction[];
  slack: RunningSimulator<SlackSimulatorState>;
  /** Handler per function ARN, for the optimized Lambda integration (`lambda:invoke`). */
  functions: Record<string, TaskHandler>;
  /** Handler per substitution placeholder of the playbook ASL. */
  playbookTasks: Record<string, TaskHandler>;
  /** The other functions the stack deploys, bound the same way. */
  handlers: { kevIngest: TaskHandler; inventoryImport: TaskHandler; exposureMatch: TaskHandler; expirySweeper: TaskHandler };
  /** One line per simulated vendor on its state. */
  describeVendors(): string[];
  /** Per actuator, the change calls its simulated vendor accepted (see LocalActuator.changeOperations). */
  changeCalls(): Record<string, number>;
  close(): Promise<void>;
}

type HandlerModule = { handler: (event: unknown, context: Context) => Promise<unknown> };

const bind = (name: string, module: HandlerModule): TaskHandler => (event) => module.handler(event, localLambdaContext(name));

/**
 * Stands up every function of the stack in this process, wired the way the stack wires them: each
 * actuator's handler, settings and local stand-in come from its registry definition (the same
 * `deployment` data the CDK construct reads), so a new actuator needs nothing here. The environment is
 * set before any handler is imported, because handlers read their configuration at init, as in Lambda;
 * `close()` restores it.
 */
export async function startLocalDeployment(options: LocalDeploymentOptions): Promise<LocalDeployment> {
  const locals = await Promise.all(ACTUATORS.map(async (definition) => ((await import(join(ROOT, definition.deployment.local))) as LocalActuatorModule).startLocal({ assets: options.assets })));
  const slack = await startLocalSlack();
  const functionArns = Object.fromEntries(ACTUATORS.map((definition) => [definition.name, localFunctionArn(`${definition.name}Arn`)]));
  const slackNotifyArn = localFunctionArn('SlackNotifyFunctionArn');
  // Filled once the handlers are loaded; the endpoint only answers after that.
  const functions: Record<string, TaskHandler> = {};
  const lambda = await startLocalLambdaEndpoint(functions);
  const values: Record<string, string> = {
    TABLE_NAME: options.tableName,
    EVENT_BUS_NAME: options.busName,
    FORESTALL_ACCOUNT_ID: LOCAL_ACCOUNT,
    ACTUATOR_FUNCTION_ARNS: JSON.stringify(functionArns),
    SLACK_NOTIFY_FUNCTION_ARN: slackNotifyArn,
    TENANTS: 'default',
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: options.eventBridgeUrl,
    AWS_ENDPOINT_URL_LAMBDA: lambda.url,
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...Object.assign({}, ...locals.map((local) => local.env)),
    ...slack.env,
    ...options.environment,
  };
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  const restore = () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };

  try {
    const load = (path: string) => import(join(ROOT, path)) as Promise<HandlerModule>;
    const actuators = await Promise.all(
      ACTUATORS.map(async (definition, index) => ({
        definition,
        local: locals[index] as LocalActuator,
        functionArn: functionArns[definition.name] as string,
        handler: bind(definition.name, await load(definition.deployment.handler)),
      })),
    );
    const [plan, checkPatch, reportStanding, slackNotify, kevIngest, inventoryImport, exposureMatch, expirySweeper] = await Promise.all(
      [
        'functions/playbook/plan.handler.ts',
        'functions/playbook/check-patch.handler.ts',
        'functions/playbook/report-standing.handler.ts',
        'functions/notify/slack/slack-notify.handler.ts',
        'functions/ingest/intel-source.handler.ts',
        'functions/inventory/inventory-import.handler.ts',
        'functions/match/exposure-match.handler.ts',
        'functions/expiry/expiry-sweeper.handler.ts',
      ].map(load),
    );
    for (const actuator of actuators) functions[actuator.functionArn] = actuator.handler;
    const slackNotifyHandler = bind('SlackNotify', slackNotify as HandlerModule);
    functions[slackNotifyArn] = slackNotifyHandler;
    return {
      actuators,
      slack: slack.simulator,
      functions,
      playbookTasks: {
        PlanFunctionArn: bind('Plan', plan as HandlerModule),
        CheckPatchFunctionArn: bind('CheckPatch', checkPatch as HandlerModule),
        ReportStandingFunctionArn: bind('ReportStanding', reportStanding as HandlerModule),
        SlackNotifyFunctionArn: slackNotifyHandler,
      },
      handlers: {
        kevIngest: bind('KevIngest', kevIngest as HandlerModule),
        inventoryImport: bind('InventoryImport', inventoryImport as HandlerModule),
        exposureMatch: bind('ExposureMatch', exposureMatch as HandlerModule),
        expirySweeper: bind('ExpirySweeper', expirySweeper as HandlerModule),
      },
      describeVendors: () => actuators.map((actuator) => `${actuator.definition.title}: ${actuator.local.describe()}`),
      changeCalls: () =>
        Object.fromEntries(
          actuators.map((actuator) => [
            actuator.definition.name,
            actuator.local.simulator.requests.filter((request) => request.status < 400 && actuator.local.changeOperations.includes(request.operation ?? '')).length,
          ]),
        ),
      close: async () => {
        restore();
        await Promise.allSettled([...locals.map((local) => local.close()), slack.close(), lambda.close()]);
      },
    };
  } catch (error) {
    restore();
    await Promise.allSettled([...locals.map((local) => local.close()), slack.close(), lambda.close()]);
    throw error;
  }
}
