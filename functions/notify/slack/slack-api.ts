/**
 * forestall's own description of the Slack Web API method it calls (chat.postMessage), as an OpenAPI 3
 * document: the simulator checks requests against it and a contract test holds it against Slack's
 * published document (`specs/slack_web_openapi_v2.json` in the reference data). Slack's document puts the
 * token in a `token` header; the SDK sends `Authorization: Bearer`, which Slack accepts, and the simulator
 * derives the header from it.
 */
export const SLACK_API = {
  openapi: '3.0.3',
  info: { title: 'Slack Web API: chat.postMessage (as forestall calls it)', version: '1' },
  servers: [{ url: 'https://slack.com/api' }],
  paths: {
    '/chat.postMessage': {
      post: {
        operationId: 'chat_postMessage',
        security: [{ slackAuth: ['chat:write:bot'] }],
        parameters: [{ name: 'token', in: 'header', required: true, schema: { type: 'string' } }],
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                required: ['channel'],
                properties: {
                  channel: { type: 'string' },
                  text: { type: 'string' },
                  blocks: { type: 'string' },
                  unfurl_links: { type: 'boolean' },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'posted, or an error with ok false',
            content: { 'application/json': { schema: { type: 'object', properties: { ok: { type: 'boolean' }, channel: { type: 'string' }, ts: { type: 'string' } } } } },
          },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      slackAuth: { type: 'oauth2', flows: { authorizationCode: { authorizationUrl: 'https://slack.com/oauth/authorize', tokenUrl: 'https://slack.com/api/oauth.access', scopes: { 'chat:write:bot': 'post as the bot' } } } },
    },
  },
} as const;
