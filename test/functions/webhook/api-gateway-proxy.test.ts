import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { apiGatewayResult, webhookRequestFromApiGateway } from '../../../functions/webhook/api-gateway-proxy.ts';

function proxyEvent(overrides: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent {
  return {
    resource: '/intel/{tenant}',
    path: '/intel/acme',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forestall-Timestamp': '1769508000' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { tenant: 'acme' },
    stageVariables: null,
    requestContext: { requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' } as APIGatewayProxyEvent['requestContext'],
    body: null,
    isBase64Encoded: false,
    ...overrides,
  };
}

describe('webhookRequestFromApiGateway', () => {
  it('decodes a base64 body to its exact bytes and lower-cases header names', () => {
    const bytes = Buffer.from([0x7b, 0xe9, 0x00, 0xff, 0x7d]);
    const request = webhookRequestFromApiGateway(proxyEvent({ body: bytes.toString('base64'), isBase64Encoded: true }));
    expect(request).toEqual({
      method: 'POST',
      path: '/intel/acme',
      headers: { 'content-type': 'application/json', 'x-forestall-timestamp': '1769508000' },
      body: bytes,
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    });
  });

  it('takes a text body as UTF-8, a missing body as empty, and rebuilds the path behind a custom domain base path', () => {
    expect(webhookRequestFromApiGateway(proxyEvent({ body: '{"é":1}' })).body).toEqual(Buffer.from('{"é":1}', 'utf8'));
    expect(webhookRequestFromApiGateway(proxyEvent({ headers: null as never })).body).toHaveLength(0);
    expect(webhookRequestFromApiGateway(proxyEvent({ path: '/forestall/intel/acme' })).path).toBe('/intel/acme');
    expect(webhookRequestFromApiGateway(proxyEvent({ resource: '/{proxy+}', path: '/elsewhere', pathParameters: null })).path).toBe('/elsewhere');
  });
});

describe('apiGatewayResult', () => {
  it('is the status, the headers and the JSON body', () => {
    expect(apiGatewayResult({ status: 202, headers: { 'content-type': 'application/json' }, body: { accepted: 1, rejected: 0, unchanged: 2 } })).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json' },
      body: '{"accepted":1,"rejected":0,"unchanged":2}',
    });
  });
});
