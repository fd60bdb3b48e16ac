import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRequestChecker } from '../../../../functions/local/simulators/openapi-request-check.ts';
import type { RequestChecker } from '../../../../functions/local/simulators/openapi-request-check.ts';

const specs = new URL('../../../fixtures/specs/', import.meta.url);

describe('spec subsets', () => {
  it('keep only the operations forestall calls, with every reference resolvable', () => {
    const expected: Record<string, string[]> = {
      'okta-subset.json': ['GET /api/v1/apps/{appId}/users', 'GET /api/v1/groups/{groupId}/users', 'DELETE /api/v1/users/{userId}/sessions', 'GET /api/v1/users/{id}'],
      'crowdstrike-subset.json': ['POST /oauth2/token', 'POST /devices/entities/devices-actions/v2', 'GET /devices/entities/devices/v2'],
      'slack-subset.json': ['POST /chat.postMessage'],
    };
    for (const [file, operations] of Object.entries(expected)) {
      const text = readFileSync(new URL(file, specs), 'utf8');
      const document = JSON.parse(text) as { paths: Record<string, Record<string, unknown>> };
      const found = Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((key) => ['get', 'post', 'put', 'delete', 'patch'].includes(key))
          .map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(found.sort()).toEqual([...operations].sort());
      for (const [, ref] of text.matchAll(/"\$ref": "#\/([^"]+)"/g)) {
        let node: unknown = document;
        for (const segment of (ref as string).split('/')) node = (node as Record<string, unknown>)[segment.replace(/~1/g, '/')];
        expect(node, `${file}: #/${ref}`).toBeDefined();
      }
    }
  });
});

describe('openapi request checker', () => {
  let okta: RequestChecker;
  let falcon: RequestChecker;
  let slack: RequestChecker;
  beforeAll(async () => {
    okta = await loadRequestChecker(new URL('okta-subset.json', specs));
    falcon = await loadRequestChecker(new URL('crowdstrike-subset.json', specs));
    slack = await loadRequestChecker(new URL('slack-subset.json', specs), {
      headerAliases: { token: (request) => /^Bearer (\S+)$/.exec(String(request.headers.authorization ?? ''))?.[1] },
    });
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

  it('validates JSON bodies and required query parameters (Swagger 2 converted)', () => {
    const result = falcon.check({ method: 'POST', url: '/devices/entities/devices-actions/v2', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"device_ids":["a"]}' });
    expect(result).toMatchObject({ ok: false, violations: expect.arrayContaining(['body.ids: is required', 'query.action_name: is required']) });
    const missingBody = falcon.check({ method: 'POST', url: '/devices/entities/devices-actions/v2?action_name=contain', headers: { authorization: 'Bearer t' } });
    expect(missingBody).toMatchObject({ ok: false, violations: ['body: is required'] });
  });

  it('validates form bodies, typing values per the schema', () => {
    const ok = slack.check({ method: 'POST', url: '/api/chat.postMessage', headers: { authorization: 'Bearer xoxb-1', 'content-type': 'application/x-www-form-urlencoded' }, body: 'channel=C1&text=hi&unfurl_links=false' });
    expect(ok).toMatchObject({ ok: true, body: { channel: 'C1', text: 'hi', unfurl_links: false } });
    const bad = slack.check({ method: 'POST', url: '/api/chat.postMessage', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=hi&mrkdwn=perhaps' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.violations).toEqual(expect.arrayContaining(['body.channel: is required', 'body.mrkdwn: must be boolean', 'header.token: is required']));
  });

  it('rejects a content type the operation does not document', () => {
    const result = falcon.check({ method: 'POST', url: '/oauth2/token', headers: { authorization: 'Basic eDp5', 'content-type': 'application/json' }, body: '{"client_id":"x"}' });
    expect(result).toMatchObject({ ok: false, violations: expect.arrayContaining([expect.stringContaining('content-type: application/json is not documented')]) });
  });
});
