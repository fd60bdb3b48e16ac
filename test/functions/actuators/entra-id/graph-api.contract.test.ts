import { describe, expect, it } from 'vitest';
import { ENTRA_TOKEN_API, GRAPH_API } from '../../../../functions/actuators/entra-id/graph-api.ts';
import { referenceFile } from '../../../reference-data.ts';
import { compareWithCsdl, compareWithType, coveredBySubset, loadCsdlSubset, operationsOf } from './csdl-contract.ts';

const subsetFile = referenceFile('specs/msgraph-v1.0-csdl-subset-identity-security.json', 'the Microsoft Graph contract test of the Entra ID actuator');

/** Calls the subset covers: compared field by field (method, route, bound type, parameters, return type). */
const COMPARED = ['POST /users/{}/revokeSignInSessions'];

/**
 * Calls the subset does not cover (it lists conditional access, named locations, risky users, security
 * alerts and incidents, and revokeSignInSessions), with the Microsoft documentation page each follows.
 * Should the subset cover one later, it is compared like the others and this list must change.
 */
const NOT_COVERED: Record<string, string> = {
  'GET /groups/{}/members/microsoft.graph.user': 'List group members, https://learn.microsoft.com/graph/api/group-list-members?view=graph-rest-1.0 (OData cast to users)',
  'GET /users/{}': 'Get user, https://learn.microsoft.com/graph/api/user-get?view=graph-rest-1.0 (with the user resource type for $select)',
  'PATCH /users/{}': 'Update user, https://learn.microsoft.com/graph/api/user-update?view=graph-rest-1.0 (204 No Content)',
};

/** Types forestall reads or writes that the subset's type closure does not include. */
const TYPES_NOT_COVERED: Record<string, string> = {
  'microsoft.graph.user': 'user resource type, https://learn.microsoft.com/graph/api/resources/user?view=graph-rest-1.0 (accountEnabled, signInSessionsValidFromDateTime and userPrincipalName)',
};

/** Not Graph: the identity platform's token endpoint, which a Graph CSDL cannot describe. */
const OUTSIDE_GRAPH: Record<string, string> = {
  'POST /{}/oauth2/v2.0/token':
    'Microsoft identity platform and the OAuth 2.0 client credentials flow, https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow',
};

const ours = () => structuredClone(GRAPH_API) as never;

describe.skipIf(subsetFile === undefined)("forestall's Graph description against the Graph v1.0 CSDL subset", () => {
  const subset = () => loadCsdlSubset(subsetFile as string);

  it('is a subset of the v1.0 metadata, the version forestall calls', () => {
    expect(subset()._source.path).toMatch(/v1\.0/);
    expect(GRAPH_API.servers[0].url).toMatch(/\/v1\.0$/);
  });

  it('names every call forestall makes either as compared or as not covered, with the page it follows', () => {
    expect(operationsOf(ours()).map(({ key }) => key).sort()).toEqual([...COMPARED, ...Object.keys(NOT_COVERED)].sort());
    expect(operationsOf(structuredClone(ENTRA_TOKEN_API) as never).map(({ key }) => key)).toEqual(Object.keys(OUTSIDE_GRAPH));
  });

  it('agrees with the subset on every call it covers: method, route, bound type user, no parameters, Edm.Boolean returned', () => {
    expect(coveredBySubset(ours(), subset())).toEqual(COMPARED);
    expect(compareWithCsdl(ours(), subset())).toEqual([]);
  });

  it('still does not cover the calls and types listed as not covered (move one to the compared list when it does)', () => {
    const covered = coveredBySubset(ours(), subset());
    expect(Object.keys(NOT_COVERED).filter((key) => covered.includes(key))).toEqual([]);
    expect(Object.keys(TYPES_NOT_COVERED).filter((type) => subset().types[type] !== undefined)).toEqual([]);
    expect(subset().endpoints.filter((endpoint) => endpoint.path.includes('oauth2'))).toEqual([]);
  });

  it('compares the user type, should the subset ever include it', () => {
    const current = subset();
    if (current.types['microsoft.graph.user'] === undefined) return;
    const document = ours() as unknown as Parameters<typeof compareWithType>[0];
    expect(compareWithType(document, GRAPH_API.components.schemas.user as never, current, 'microsoft.graph.user', 'components.schemas.user', true)).toEqual([]);
  });

  it('would notice a return type, a body or a binding that differs', () => {
    const drifted = structuredClone(GRAPH_API) as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const revoke = drifted.paths['/users/{user-id}/revokeSignInSessions']?.post as Record<string, unknown>;
    revoke.responses = { '200': { description: 'x', content: { 'application/json': { schema: { type: 'object', properties: { value: { type: 'string' } } } } } } };
    revoke.requestBody = { content: { 'application/json': { schema: { type: 'object', properties: { force: { type: 'boolean' } } } } } };
    expect(compareWithCsdl(drifted as never, subset())).toEqual([
      'POST /users/{}/revokeSignInSessions: body field force is not a parameter of revokeSignInSessions',
      'POST /users/{}/revokeSignInSessions: revokeSignInSessions takes no parameters, forestall describes a request body',
      'POST /users/{}/revokeSignInSessions: revokeSignInSessions returns Edm.Boolean, forestall reads value as string',
    ]);

    const rebound = structuredClone(subset());
    const action = rebound.actions.find((candidate) => candidate.name === 'revokeSignInSessions');
    if (action?.parameters[0]) action.parameters[0].type = 'graph.group';
    expect(compareWithCsdl(ours(), rebound)).toEqual([
      'POST /users/{}/revokeSignInSessions: bound to microsoft.graph.group, the endpoint says microsoft.graph.user',
      'POST /users/{}/revokeSignInSessions: /users holds microsoft.graph.user, the action is bound to microsoft.graph.group',
    ]);
  });

  it('would compare a call the subset starts to cover, and fail where it differs', () => {
    const extended = structuredClone(subset());
    extended.endpoints.push({ method: 'PATCH', path: '/users/{user-id}', entityType: 'microsoft.graph.user' });
    extended.types['microsoft.graph.user'] = {
      kind: 'EntityType',
      baseType: 'microsoft.graph.directoryObject',
      properties: { accountEnabled: { type: 'Edm.String', nullable: true }, userPrincipalName: { type: 'Edm.String', nullable: true } },
    };
    extended.types['microsoft.graph.directoryObject'] = { kind: 'EntityType', baseType: 'microsoft.graph.entity', properties: { deletedDateTime: { type: 'Edm.DateTimeOffset', nullable: true } } };
    expect(coveredBySubset(ours(), extended)).toContain('PATCH /users/{}');
    expect(compareWithCsdl(ours(), extended)).toEqual(['PATCH /users/{} body.accountEnabled: forestall says boolean, the CSDL Edm.String']);
  });
});
