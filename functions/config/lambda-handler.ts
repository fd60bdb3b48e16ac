import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';

/** The Powertools trio one function uses; built once per function at module scope. */
export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

/** Logger, metrics (namespace `forestall`) and tracer for one function, named by POWERTOOLS_SERVICE_NAME or the default. */
export function createObservability(defaultServiceName: string): Observability {
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? defaultServiceName;
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: 'forestall', serviceName }),
    tracer: new Tracer({ serviceName }),
  };
}

/**
 * Flushes the metrics an invocation recorded, and the cold-start metric once. Unlike Powertools'
 * logMetrics it stays silent when an invocation recorded nothing, instead of warning on every call of
 * functions whose metrics are occasional.
 */
export function flushMetrics(metrics: Metrics): MiddlewareObj {
  const flush = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: () => {
      metrics.captureColdStartMetric();
    },
    after: flush,
    onError: flush,
  };
}

/**
 * Wraps a handler's core in middy with the Powertools middlewares every forestall function carries:
 * an X-Ray segment per invocation, the Lambda context in every log line, and metrics (with cold
 * starts) flushed after each invocation. Errors pass through unchanged, so Step Functions can Retry
 * and Catch them by name.
 */
export function lambdaHandler<TEvent, TResult>(observability: Observability, core: (event: TEvent, context: Context) => Promise<TResult>) {
  return middy<TEvent, TResult, Error, Context>(async (event: TEvent, context: Context) => core(event, context))
    .use(captureLambdaHandler(observability.tracer))
    .use(injectLambdaContext(observability.logger))
    .use(flushMetrics(observability.metrics));
}
