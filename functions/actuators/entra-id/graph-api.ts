/**
 * forestall's own description of the Microsoft Graph v1.0 calls the Entra ID actuator makes, as OpenAPI 3:
 * the simulator checks every request against it, and a contract test holds it against the Graph CSDL
 * subset in the reference data (`specs/msgraph-v1.0-csdl-subset-identity-security.json`), listing the calls
 * that subset does not cover with the Microsoft documentation page each follows. Only what forestall sends
 * and reads is described: names, casing and shapes follow Microsoft's documentation.
 */
export const GRAPH_API = {
  openapi: '3.0.3',
  info: { title: 'Microsoft Graph v1.0: admin accounts (as forestall calls it)', version: '1' },
  servers: [{ url: 'https://graph.microsoft.com/v1.0' }],
  security: [{ oauth2: ['https://graph.microsoft.com/.default'] }],
  paths: {
    // "List group members", with the OData cast to users: nested groups, devices and service principals are left out.
    '/groups/{group-id}/members/microsoft.graph.user': {
      get: {
        operationId: 'listGroupMemberUsers',
        parameters: [
          { name: 'group-id', in: 'path', required: true, schema: { type: 'string' } },
          { name: '$select', in: 'query', required: false, schema: { type: 'string' } },
          // Directory objects page at most 999 per request.
          { name: '$top', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 999 } },
          // Only ever sent as part of an @odata.nextLink Graph returned (opaque).
          { name: '$skiptoken', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'a page of member users',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['value'],
                  properties: {
                    value: { type: 'array', items: { $ref: '#/components/schemas/user' } },
                    '@odata.nextLink': { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    '/users/{user-id}': {
      // "Get user": accountEnabled and signInSessionsValidFromDateTime are returned only on $select.
      get: {
        operationId: 'getUser',
        parameters: [
          { name: 'user-id', in: 'path', required: true, schema: { type: 'string' } },
          { name: '$select', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'the user', content: { 'application/json': { schema: { $ref: '#/components/schemas/user' } } } },
        },
      },
      // "Update user": forestall only ever sets accountEnabled.
      patch: {
        operationId: 'updateUser',
        parameters: [{ name: 'user-id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', required: ['accountEnabled'], additionalProperties: false, properties: { accountEnabled: { type: 'boolean' } } },
            },
          },
        },
        responses: { '204': { description: 'updated' } },
      },
    },
    // "user: revokeSignInSessions": a bound action without parameters, returning Edm.Boolean.
    '/users/{user-id}/revokeSignInSessions': {
      post: {
        operationId: 'revokeSignInSessions',
        parameters: [{ name: 'user-id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'sessions revoked (signInSessionsValidFromDateTime moved to now)',
            content: { 'application/json': { schema: { type: 'object', required: ['value'], properties: { value: { type: 'boolean' } } } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      user: {
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'string' },
          userPrincipalName: { type: 'string', nullable: true },
          accountEnabled: { type: 'boolean', nullable: true },
          signInSessionsValidFromDateTime: { type: 'string', format: 'date-time', nullable: true },
        },
      },
    },
    securitySchemes: {
      oauth2: {
        type: 'oauth2',
        flows: {
          clientCredentials: {
            tokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
            scopes: { 'https://graph.microsoft.com/.default': 'the application permissions consented in the directory' },
          },
        },
      },
    },
  },
} as const;

/**
 * forestall's description of the Microsoft identity platform token request it makes (OAuth 2.0 client
 * credentials with a shared secret, "Microsoft identity platform and the OAuth 2.0 client credentials
 * flow"): one token per directory, for Graph's `.default` scope.
 */
export const ENTRA_TOKEN_API = {
  openapi: '3.0.3',
  info: { title: 'Microsoft identity platform: client credentials token (as forestall calls it)', version: '1' },
  servers: [{ url: 'https://login.microsoftonline.com' }],
  paths: {
    '/{tenant}/oauth2/v2.0/token': {
      post: {
        operationId: 'requestToken',
        // The client secret travels in the form; no Authorization header.
        security: [],
        parameters: [{ name: 'tenant', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                required: ['client_id', 'client_secret', 'scope', 'grant_type'],
                additionalProperties: false,
                properties: {
                  client_id: { type: 'string' },
                  client_secret: { type: 'string' },
                  scope: { type: 'string' },
                  grant_type: { type: 'string', enum: ['client_credentials'] },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'token issued',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['access_token', 'expires_in', 'token_type'],
                  properties: { access_token: { type: 'string' }, expires_in: { type: 'integer' }, token_type: { type: 'string' } },
                },
              },
            },
          },
          '400': {
            description: 'refused (unknown tenant, app not in the directory, bad scope)',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/tokenError' } } },
          },
          '401': {
            description: 'the client secret is wrong or expired (invalid_client)',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/tokenError' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      tokenError: {
        type: 'object',
        required: ['error'],
        properties: {
          error: { type: 'string' },
          error_description: { type: 'string' },
          error_codes: { type: 'array', items: { type: 'integer' } },
          trace_id: { type: 'string' },
          correlation_id: { type: 'string' },
        },
      },
    },
  },
} as const;

