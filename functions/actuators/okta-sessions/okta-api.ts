/**
 * forestall's own description of the Okta management endpoints it calls, as an OpenAPI 3 document: the
 * simulator checks every request against it, and a contract test holds it against Okta's published
 * document (`specs/okta-management-openapi-current.yaml` in the reference data). Only what forestall
 * sends and reads is described; names, locations and requiredness follow Okta's document.
 *
 * Okta documents two headers forestall also reads outside this document: `Link` (rel="next" paging) and
 * `X-Rate-Limit-Reset` (epoch seconds) on a 429.
 */

/** Okta's error body: forestall reports `errorCode` and `errorSummary`. */
const ERROR = {
  description: 'Okta error',
  content: {
    'application/json': {
      schema: { type: 'object', properties: { errorCode: { type: 'string' }, errorSummary: { type: 'string' } } },
    },
  },
} as const;

const errors = (...statuses: string[]) => Object.fromEntries(statuses.map((status) => [status, { $ref: '#/components/responses/Error' }]));

/** The user fields forestall reads: who (id, login) and, as the before-state, status and last sign-in. */
const USER = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string' },
    lastLogin: { type: 'string', format: 'date-time', nullable: true },
    profile: { type: 'object', properties: { login: { type: 'string' } } },
  },
} as const;

export const OKTA_API = {
  openapi: '3.0.3',
  info: { title: 'Okta management API: user sessions (as forestall calls it)', version: '1' },
  servers: [{ url: 'https://{yourOktaDomain}', variables: { yourOktaDomain: { default: 'subdomain.okta.com' } } }],
  security: [{ apiToken: [] }],
  paths: {
    '/api/v1/apps/{appId}/users': {
      parameters: [{ name: 'appId', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        operationId: 'listApplicationUsers',
        parameters: [
          { name: 'after', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
          // `user` embeds each assignment's Okta user, whose login the protected identities may name.
          { name: 'expand', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'the users assigned to the application',
            content: {
              'application/json': {
                schema: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      id: { type: 'string' },
                      credentials: { type: 'object', properties: { userName: { type: 'string' } } },
                      // Okta types `_embedded` only as a map of objects; with expand=user it holds `user`.
                      _embedded: { type: 'object', additionalProperties: { type: 'object' } },
                    },
                  },
                },
              },
            },
          },
          ...errors('403', '404', '429'),
        },
      },
    },
    '/api/v1/groups/{groupId}/users': {
      parameters: [{ name: 'groupId', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        operationId: 'listGroupUsers',
        parameters: [
          { name: 'after', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
        ],
        responses: {
          '200': { description: "the group's members", content: { 'application/json': { schema: { type: 'array', items: USER } } } },
          ...errors('403', '404', '429'),
        },
      },
    },
    '/api/v1/users/{userId}/sessions': {
      parameters: [{ name: 'userId', in: 'path', required: true, schema: { type: 'string' } }],
      delete: {
        operationId: 'revokeUserSessions',
        parameters: [{ name: 'oauthTokens', in: 'query', schema: { type: 'boolean' } }],
        responses: {
          '204': { description: 'sessions revoked' },
          ...errors('403', '404', '429'),
        },
      },
    },
    '/api/v1/users/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        operationId: 'getUser',
        responses: {
          '200': { description: 'the user', content: { 'application/json': { schema: USER } } },
          ...errors('403', '404', '429'),
        },
      },
    },
    '/api/v1/logs': {
      get: {
        operationId: 'listLogEvents',
        parameters: [
          { name: 'since', in: 'query', schema: { type: 'string' } },
          { name: 'filter', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
          { name: 'after', in: 'query', schema: { type: 'string' } },
          { name: 'sortOrder', in: 'query', schema: { type: 'string', enum: ['ASCENDING', 'DESCENDING'] } },
        ],
        responses: {
          '200': {
            description: 'System Log events',
            content: {
              'application/json': {
                schema: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      eventType: { type: 'string' },
                      published: { type: 'string', format: 'date-time' },
                      target: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string' } } } },
                    },
                  },
                },
              },
            },
          },
          ...errors('400', '403', '429'),
        },
      },
    },
  },
  components: {
    responses: { Error: ERROR },
    securitySchemes: {
      // As Okta documents it: the header value is `SSWS <API token>`.
      apiToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Authorization: SSWS {API token}' },
    },
  },
} as const;
