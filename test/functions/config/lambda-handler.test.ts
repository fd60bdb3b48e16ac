import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { VendorRateLimited } from '../../../functions/vendor/vendor-errors.ts';
import { createObservability, lambdaHandler } from '../../../functions/config/lambda-handler.ts';
import { localLambdaContext } from '../../../functions/local/lambda-context.ts';

describe('lambdaHandler', () => {
  it('returns the core result and flushes the metrics it recorded', async () => {
    const observability = createObservability('forestall-test');
    const handler = lambdaHandler(observability, async (event: { n: number }) => {
      observability.metrics.addMetric('Things', MetricUnit.Count, event.n);
      return { doubled: event.n * 2 };
    });

    expect(await handler({ n: 21 }, localLambdaContext('Test'))).toEqual({ doubled: 42 });
    expect(observability.metrics.hasStoredMetrics()).toBe(false);
  });

  it('lets a named error through unchanged, so Step Functions can Retry and Catch it by name', async () => {
    const observability = createObservability('forestall-test');
    const handler = lambdaHandler(observability, async () => {
      observability.metrics.addMetric('Attempts', MetricUnit.Count, 1);
      throw new VendorRateLimited('okta', 30);
    });

    const failure = handler({}, localLambdaContext('Test'));
    await expect(failure).rejects.toBeInstanceOf(VendorRateLimited);
    await expect(failure).rejects.toMatchObject({ name: 'VendorRateLimited' });
    expect(observability.metrics.hasStoredMetrics()).toBe(false);
  });
});
