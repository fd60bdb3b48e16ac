/**
 * forestall's own description of the CrowdStrike Falcon endpoints it calls, as an OpenAPI 3 document:
 * the simulator checks every request against it, and a contract test holds it against Falcon's published
 * Swagger document (`specs/crowdstrike-falcon-swagger-subset.json` in the reference data). Only what
 * forestall sends and reads is described; names, locations and requiredness follow Falcon's document.
 */
export const FALCON_API = {
  openapi: '3.0.3',
  info: { title: 'CrowdStrike Falcon: host containment (as forestall calls it)', version: '1' },
  servers: [{ url: 'https://api.crowdstrike.com' }],
  security: [{ oauth2: [] }],
  paths: {
    '/oauth2/token': {
      post: {
        operationId: 'oauth2AccessToken',
        security: [{ basicAuth: [] }],
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                required: ['client_id', 'client_secret'],
                properties: { client_id: { type: 'string' }, client_secret: { type: 'string' }, member_cid: { type: 'string' } },
              },
            },
          },
        },
        responses: {
          '201': {
            description: 'token issued',
            content: {
              'application/json': {
                schema: { type: 'object', required: ['access_token', 'expires_in'], properties: { access_token: { type: 'string' }, expires_in: { type: 'integer' }, token_type: { type: 'string' } } },
              },
            },
          },
        },
      },
    },
    '/devices/entities/devices-actions/v2': {
      post: {
        operationId: 'PerformActionV2',
        security: [{ oauth2: ['devices:write'] }],
        parameters: [{ name: 'action_name', in: 'query', required: true, schema: { type: 'string' } }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', required: ['ids'], properties: { ids: { type: 'array', items: { type: 'string' } } } },
            },
          },
        },
        responses: {
          '202': {
            description: 'action accepted',
            content: {
              'application/json': {
                schema: { type: 'object', properties: { resources: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' } } } } } },
              },
            },
          },
        },
      },
    },
    '/devices/entities/devices/v2': {
      get: {
        operationId: 'GetDeviceDetailsV2',
        security: [{ oauth2: ['devices:read'] }],
        parameters: [{ name: 'ids', in: 'query', required: true, style: 'form', explode: true, schema: { type: 'array', maxItems: 100, items: { type: 'string' } } }],
        responses: {
          '200': {
            description: 'device details',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { resources: { type: 'array', items: { type: 'object', properties: { device_id: { type: 'string' }, status: { type: 'string' } } } } },
                },
              },
            },
          },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      basicAuth: { type: 'http', scheme: 'basic' },
      oauth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://api.crowdstrike.com/oauth2/token', scopes: { 'devices:read': 'read hosts', 'devices:write': 'contain hosts' } } } },
    },
  },
} as const;
