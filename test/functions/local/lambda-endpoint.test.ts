import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { functionInvoker } from '../../../functions/config/invoke-function.ts';
import { startLocalLambdaEndpoint } from '../../../functions/local/lambda-endpoint.ts';
import { TargetBusy } from '../../../functions/store/ports.ts';

describe('local Lambda endpoint and functionInvoker', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('runs the named function for the real Lambda client, and brings its error back under its name', async () => {
    const endpoint = await startLocalLambdaEndpoint({
      'arn:aws:lambda:local:000000000000:function:echo': async (payload) => ({ echoed: payload }),
      'arn:aws:lambda:local:000000000000:function:busy': async () => {
        throw new TargetBusy('crowdstrike-device:a', 'other');
      },
    });
    closers.push(endpoint.close);
    const client = new LambdaClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    closers.push(async () => client.destroy());
    const invoke = functionInvoker(client);

    expect(await invoke('arn:aws:lambda:local:000000000000:function:echo', { a: 1 })).toEqual({ echoed: { a: 1 } });
    const error = await invoke('arn:aws:lambda:local:000000000000:function:busy', {}).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'TargetBusy', message: 'target crowdstrike-device:a is being changed by action other; retry shortly' });
    await expect(invoke('arn:aws:lambda:local:000000000000:function:missing', {})).rejects.toThrow(/Function not found/);
  });
});
