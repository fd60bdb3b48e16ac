import { beforeAll, describe, expect, it } from 'vitest';
import { FALCON_API } from '../../../../functions/actuators/crowdstrike-containment/falcon-api.ts';
import { OKTA_API } from '../../../../functions/actuators/okta-sessions/okta-api.ts';
import { createRequestChecker, toOpenApi3 } from '../../../../functions/local/simulators/openapi-request-check.ts';
import type { RequestChecker } from '../../../../functions/local/simulators/openapi-request-check.ts';
import { SLACK_API } from '../../../../functions/notify/slack/slack-api.ts';

const document = (description: object) => structuredClone(description) as unknown as Record<string, unknown>;

describe('openapi request checker', () => {
  let okta: RequestChecker;
  let falcon: RequestChecker;
  let slack: RequestChecker;
  beforeAll(async () => {
    okta = await createRequestChecker(document(OKTA_API));
    falcon = await createRequestChecker(document(FALCON_API));
    slack = await createRequestChecker(document(SLACK_API), {
      headerAliases: { token: (request) => /^Bearer (\S+)$/.exec(String(request.headers.authorization ?? ''))?.[1] },
    });
  });

  it('lists exactly the operations forestall describes', () => {
    expect(falcon.operations.toSorted()).toEqual(['GET /devices/entities/devices/v2', 'POST /devices/entities/devices-actions/v2', 'POST /oauth2/token']);
    expect(slack.operations).toEqual(['POST /chat.postMessage']);
  });

  it('accepts documented requests and returns their path parameters', () => {
    const result = okta.check({ method: 'DELETE', url: '/api/v1/users/00u1abc/sessions?oauthTokens=true', headers: { authorization: 'SSWS token' } });
    expect(result).toMatchObject({ ok: true, operationId: 'revokeUserSessions', pathParams: { userId: '00u1abc' } });
  });

  it('rejects unknown routes and undocumented methods', () => {
    expect(okta.check({ method: 'GET', url: '/api/v1/users', headers: { authorization: 'SSWS t' } })).toMatchObject({ ok: false, violations: [expect.stringContaining('unknown route GET /api/v1/users')] });
    expect(okta.check({ method: 'POST', url: '/api/v1/users/00u1/sessions', headers: { authorization: 'SSWS t' } })).toMatchObject({
      ok: false,
      violations: [expect.stringContaining('method POST is not documented')],
    });
  });

  it('names missing credentials and mistyped query parameters', () => {
    const result = okta.check({ method: 'GET', url: '/api/v1/groups/00g1/users?limit=lots', headers: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.violations).toContain('query.limit: must be integer');
    expect(result.violations.some((violation) => violation.startsWith('authorization: no documented credentials present'))).toBe(true);
  });

  it('validates JSON bodies and required query parameters', () => {
    const result = falcon.check({ method: 'POST', url: '/devices/entities/devices-actions/v2', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"device_ids":["a"]}' });
    expect(result).toMatchObject({ ok: false, violations: expect.arrayContaining(['body.ids: is required', 'query.action_name: is required']) });
    const missingBody = falcon.check({ method: 'POST', url: '/devices/entities/devices-actions/v2?action_name=contain', headers: { authorization: 'Bearer t' } });
    expect(missingBody).toMatchObject({ ok: false, violations: ['body: is required'] });
  });

  it('validates form bodies, typing values per the schema', () => {
    const ok = slack.check({ method: 'POST', url: '/api/chat.postMessage', headers: { authorization: 'Bearer xoxb-1', 'content-type': 'application/x-www-form-urlencoded' }, body: 'channel=C1&text=hi&unfurl_links=false' });
    expect(ok).toMatchObject({ ok: true, body: { channel: 'C1', text: 'hi', unfurl_links: false } });
    const bad = slack.check({ method: 'POST', url: '/api/chat.postMessage', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=hi&unfurl_links=perhaps' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.violations).toEqual(expect.arrayContaining(['body.channel: is required', 'body.unfurl_links: must be boolean', 'header.token: is required']));
  });

  it('rejects a content type the operation does not document', () => {
    const result = falcon.check({ method: 'POST', url: '/oauth2/token', headers: { authorization: 'Basic eDp5', 'content-type': 'application/json' }, body: '{"client_id":"x"}' });
    expect(result).toMatchObject({ ok: false, violations: expect.arrayContaining([expect.stringContaining('content-type: application/json is not documented')]) });
  });
});

describe('toOpenApi3', () => {
  it('converts a Swagger 2 document (as some vendors publish) and leaves OpenAPI 3 alone', async () => {
    const swagger = {
      swagger: '2.0',
      info: { title: 't', version: '1' },
      host: 'api.example.com',
      paths: { '/things': { get: { operationId: 'listThings', parameters: [{ name: 'limit', in: 'query', type: 'integer' }], responses: { '200': { description: 'ok' } } } } },
    };
    const converted = await toOpenApi3(swagger);
    expect(converted).toMatchObject({ openapi: expect.stringMatching(/^3\./), paths: { '/things': { get: { parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }] } } } });
    expect(await toOpenApi3(document(SLACK_API))).toEqual(document(SLACK_API));
  });
});
