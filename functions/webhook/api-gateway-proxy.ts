import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { WebhookAnswer, WebhookRequest } from './receive-intel.ts';

/** The API Gateway resource the webhook is deployed on. */
export const INTEL_RESOURCE = '/intel/{tenant}';

/**
 * The webhook request in an API Gateway REST proxy event. The body arrives base64-encoded when the API
 * treats it as binary (forestall's API does, for every type, so the signed bytes arrive unchanged). The
 * path is rebuilt from the matched resource, since `event.path` also carries a custom domain's base path.
 */
export function webhookRequestFromApiGateway(event: APIGatewayProxyEvent): WebhookRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const tenant = event.pathParameters?.tenant;
  const path = event.resource === INTEL_RESOURCE && tenant !== undefined ? `/intel/${encodeURIComponent(tenant)}` : event.path;
  const body = event.body == null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return { method: event.httpMethod, path, headers, body, requestId: event.requestContext?.requestId };
}

/** The answer as an API Gateway proxy result (a JSON body). */
export function apiGatewayResult(answer: WebhookAnswer): APIGatewayProxyResult {
  return { statusCode: answer.status, headers: answer.headers, body: JSON.stringify(answer.body) };
}
