import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/** A function answered with an error: its name is the function's error type, as Step Functions sees it. */
export class InvokedFunctionFailed extends Error {
  constructor(errorType: string, message: string) {
    super(message);
    this.name = errorType;
  }
}

/**
 * Invokes another forestall function synchronously and returns its parsed answer. A function error comes
 * back as an error named by the function's error type (VendorRateLimited, TargetBusy, ...), so callers
 * handle it as if the code had run in-process.
 */
export function functionInvoker(client: LambdaClient): (functionArn: string, payload: unknown) => Promise<unknown> {
  return async (functionArn, payload) => {
    const response = await client.send(new InvokeCommand({ FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : 'null';
    const body = JSON.parse(text) as unknown;
    if (response.FunctionError) {
      const error = (body ?? {}) as { errorType?: string; errorMessage?: string };
      throw new InvokedFunctionFailed(error.errorType ?? 'FunctionError', error.errorMessage ?? text);
    }
    return body;
  };
}
