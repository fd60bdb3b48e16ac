import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Holds an OpenAPI description of Graph calls against the derived CSDL subset in the reference data
 * (`specs/msgraph-v1.0-csdl-subset-identity-security.json`: endpoints composed from Graph's $metadata,
 * bound actions with their parameters and return types, and a closure of entity, complex and enum types).
 * The OpenAPI contract helper does not read this format; this does, for what the subset can tell.
 */

const PropertySchema = z.object({ type: z.string(), nullable: z.boolean().optional() });
export const CsdlSubsetSchema = z.object({
  _source: z.object({ repo: z.string(), path: z.string(), entityContainerCheck: z.record(z.string(), z.string()).default({}) }).loose(),
  endpoints: z.array(
    z.object({ method: z.string(), path: z.string(), action: z.string().optional(), boundTo: z.string().optional(), returns: z.string().optional(), entityType: z.string().optional() }),
  ),
  actions: z.array(
    z.object({
      namespace: z.string(),
      name: z.string(),
      isBound: z.boolean(),
      parameters: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean().optional() })),
      returnType: z.string().nullable(),
    }),
  ),
  types: z.record(
    z.string(),
    z.object({ kind: z.string(), baseType: z.string().nullable().optional(), properties: z.record(z.string(), PropertySchema).optional(), members: z.array(z.string()).optional() }).loose(),
  ),
});
export type CsdlSubset = z.infer<typeof CsdlSubsetSchema>;

export function loadCsdlSubset(file: string): CsdlSubset {
  return CsdlSubsetSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

/** `PATCH /users/{user-id}` and `PATCH /users/{id}` are one route: `PATCH /users/{}`. */
export const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}').replace(/\/$/, '')}`;

/** CSDL names types by namespace alias (`graph.user`); the subset's keys are qualified (`microsoft.graph.user`). */
const qualified = (type: string) => type.replace(/^graph\./, 'microsoft.graph.');

export interface DescribedOperation {
  key: string;
  operation: JsonObject;
}

/** Every operation of an OpenAPI document, keyed by method and route shape. */
export function operationsOf(openapi: JsonObject): DescribedOperation[] {
  const paths = isObject(openapi.paths) ? openapi.paths : {};
  return Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((method) => isObject(item) && isObject(item[method])).map((method) => ({ key: routeKey(method, path), operation: (item as JsonObject)[method] as JsonObject })),
  );
}

/** The operations of `openapi` the subset has an endpoint for. */
export function coveredBySubset(openapi: JsonObject, subset: CsdlSubset): string[] {
  const endpoints = new Set(subset.endpoints.map((endpoint) => routeKey(endpoint.method, endpoint.path)));
  return operationsOf(openapi)
    .map(({ key }) => key)
    .filter((key) => endpoints.has(key));
}

function resolve(document: JsonObject, node: Json | undefined, depth = 0): Json | undefined {
  if (!isObject(node) || typeof node.$ref !== 'string' || depth > 20) return node;
  let target: Json | undefined = document;
  for (const segment of node.$ref.slice(2).split('/')) target = isObject(target) ? target[segment] : undefined;
  return resolve(document, target, depth + 1);
}

/** The JSON type an EDM type is carried as (enums are strings, entity and complex types objects). */
function jsonTypeOf(subset: CsdlSubset, edmType: string): string | undefined {
  if (/^Collection\(/.test(edmType)) return 'array';
  const primitive: Record<string, string> = {
    'Edm.Boolean': 'boolean',
    'Edm.String': 'string',
    'Edm.Guid': 'string',
    'Edm.DateTimeOffset': 'string',
    'Edm.Date': 'string',
    'Edm.TimeOfDay': 'string',
    'Edm.Duration': 'string',
    'Edm.Binary': 'string',
    'Edm.Byte': 'integer',
    'Edm.SByte': 'integer',
    'Edm.Int16': 'integer',
    'Edm.Int32': 'integer',
    'Edm.Int64': 'integer',
    'Edm.Single': 'number',
    'Edm.Double': 'number',
    'Edm.Decimal': 'number',
  };
  if (primitive[edmType]) return primitive[edmType];
  const type = subset.types[qualified(edmType)];
  if (!type) return undefined;
  return type.kind === 'EnumType' ? 'string' : 'object';
}

/** A type's structural properties, its base types' included (entity -> id). */
export function typeProperties(subset: CsdlSubset, typeName: string): Map<string, z.infer<typeof PropertySchema>> | undefined {
  const properties = new Map<string, z.infer<typeof PropertySchema>>();
  let current: string | null | undefined = qualified(typeName);
  let found = false;
  for (let depth = 0; current && depth < 20; depth += 1) {
    const type: CsdlSubset['types'][string] | undefined = subset.types[current];
    if (!type) break;
    found = true;
    for (const [name, property] of Object.entries(type.properties ?? {})) if (!properties.has(name)) properties.set(name, property);
    current = type.baseType ? qualified(type.baseType) : undefined;
  }
  return found ? properties : undefined;
}

/**
 * Every property an object schema of ours names must be a property of the CSDL type with the same JSON
 * type; where the CSDL allows null in an answer (`forAnswer`), ours must too, or we would reject it.
 */
export function compareWithType(document: JsonObject, schema: Json | undefined, subset: CsdlSubset, typeName: string, where: string, forAnswer: boolean): string[] {
  const properties = typeProperties(subset, typeName);
  if (!properties) return [`${where}: the subset covers the call but not its type ${typeName}`];
  const resolved = resolve(document, schema);
  const ours = isObject(resolved) && isObject(resolved.properties) ? resolved.properties : {};
  const problems: string[] = [];
  for (const [name, ourProperty] of Object.entries(ours)) {
    const property = properties.get(name);
    if (!property) {
      problems.push(`${where}.${name}: not a property of ${typeName}`);
      continue;
    }
    const ourResolved = resolve(document, ourProperty);
    const ourType = isObject(ourResolved) && typeof ourResolved.type === 'string' ? ourResolved.type : undefined;
    const theirType = jsonTypeOf(subset, property.type);
    if (ourType && theirType && ourType !== theirType) problems.push(`${where}.${name}: forestall says ${ourType}, the CSDL ${property.type}`);
    if (forAnswer && property.nullable !== false && isObject(ourResolved) && ourResolved.nullable !== true) {
      problems.push(`${where}.${name}: the CSDL allows null (${property.type}), forestall's schema does not`);
    }
  }
  return problems;
}

function successResponse(operation: JsonObject): { status: string; schema: Json | undefined } | undefined {
  const responses = isObject(operation.responses) ? operation.responses : {};
  const status = Object.keys(responses).find((code) => /^2\d\d$/.test(code));
  if (!status) return undefined;
  const response = responses[status];
  const content = isObject(response) && isObject(response.content) ? response.content : undefined;
  const json = content && isObject(content['application/json']) ? content['application/json'] : undefined;
  return { status, schema: json?.schema };
}

function requestBodySchema(document: JsonObject, operation: JsonObject): Json | undefined {
  const body = resolve(document, operation.requestBody);
  const content = isObject(body) && isObject(body.content) ? body.content : undefined;
  const json = content && isObject(content['application/json']) ? content['application/json'] : undefined;
  return json?.schema;
}

/** One covered operation: a bound action (binding type, parameters, return type) or an entity call. */
function compareOperation(document: JsonObject, { key, operation }: DescribedOperation, subset: CsdlSubset): string[] {
  const endpoint = subset.endpoints.find((candidate) => routeKey(candidate.method, candidate.path) === key);
  if (!endpoint) return [];
  const problems: string[] = [];
  const segments = key.split(' ')[1]?.split('/').filter(Boolean) ?? [];

  if (endpoint.action) {
    const action = subset.actions.find((candidate) => `${candidate.namespace}.${candidate.name}` === endpoint.action);
    if (!action) return [`${key}: the subset names action ${endpoint.action} but does not define it`];
    if (!action.isBound) problems.push(`${key}: ${endpoint.action} is not a bound action`);
    if (segments.at(-1) !== action.name) problems.push(`${key}: the path does not end in the action name ${action.name}`);
    const [binding, ...parameters] = action.parameters;
    const boundTo = binding ? qualified(binding.type) : undefined;
    if (endpoint.boundTo && boundTo !== endpoint.boundTo) problems.push(`${key}: bound to ${boundTo ?? 'nothing'}, the endpoint says ${endpoint.boundTo}`);
    // The path must address that type: `/users/{id}` is an entity of the `users` set's type.
    const entitySet = segments[0] ?? '';
    const setType = subset._source.entityContainerCheck[entitySet];
    if (setType && boundTo && setType !== boundTo) problems.push(`${key}: /${entitySet} holds ${setType}, the action is bound to ${boundTo}`);
    if (segments[1] !== '{}') problems.push(`${key}: a bound action on one ${boundTo ?? 'entity'} addresses it by key`);

    // Parameters other than the binding one are the request body; none means no body.
    const body = resolve(document, requestBodySchema(document, operation));
    const ours = isObject(body) && isObject(body.properties) ? Object.keys(body.properties) : [];
    const theirs = parameters.map((parameter) => parameter.name);
    for (const name of ours.filter((name) => !theirs.includes(name))) problems.push(`${key}: body field ${name} is not a parameter of ${action.name}`);
    for (const parameter of parameters) {
      const property = isObject(body) && isObject(body.properties) ? resolve(document, body.properties[parameter.name]) : undefined;
      if (!property) {
        if (parameter.nullable === false) problems.push(`${key}: parameter ${parameter.name} (${parameter.type}) is not sent`);
        continue;
      }
      const ourType = isObject(property) && typeof property.type === 'string' ? property.type : undefined;
      const theirType = jsonTypeOf(subset, parameter.type);
      if (ourType && theirType && ourType !== theirType) problems.push(`${key}: parameter ${parameter.name} is ${ourType} for forestall, ${parameter.type} in the CSDL`);
    }
    if (parameters.length === 0 && operation.requestBody !== undefined) problems.push(`${key}: ${action.name} takes no parameters, forestall describes a request body`);

    // A primitive or collection return comes back as `{ "value": ... }`; no return type, no content.
    if (endpoint.returns !== undefined && endpoint.returns !== action.returnType) problems.push(`${key}: the endpoint says it returns ${endpoint.returns}, the action ${action.returnType ?? 'nothing'}`);
    const success = successResponse(operation);
    if (!success) problems.push(`${key}: forestall describes no success response`);
    else if (action.returnType === null) {
      if (success.schema !== undefined) problems.push(`${key}: ${action.name} returns nothing, forestall expects a body`);
    } else {
      const schema = resolve(document, success.schema);
      const value = isObject(schema) && isObject(schema.properties) ? resolve(document, schema.properties.value) : undefined;
      const ourType = isObject(value) && typeof value.type === 'string' ? value.type : undefined;
      const theirType = jsonTypeOf(subset, action.returnType);
      if (!ourType) problems.push(`${key}: ${action.name} returns ${action.returnType} as "value", forestall's answer has no value`);
      else if (theirType && ourType !== theirType) problems.push(`${key}: ${action.name} returns ${action.returnType}, forestall reads value as ${ourType}`);
    }
    return problems;
  }

  if (endpoint.entityType) {
    const typeName = endpoint.entityType.split(' ')[0] ?? endpoint.entityType;
    const method = key.split(' ')[0];
    if (method === 'PATCH' || method === 'POST' || method === 'PUT') {
      problems.push(...compareWithType(document, requestBodySchema(document, operation), subset, typeName, `${key} body`, false));
    }
    const success = successResponse(operation);
    if (success?.schema !== undefined) {
      const schema = resolve(document, success.schema);
      // Collections come back as `{ value: [...] }`.
      const items = isObject(schema) && isObject(schema.properties) && isObject(resolve(document, schema.properties.value) ?? null) ? (resolve(document, schema.properties.value) as JsonObject).items : undefined;
      problems.push(...compareWithType(document, items ?? success.schema, subset, typeName, `${key} answer`, true));
    }
    return problems;
  }
  return [`${key}: the subset's endpoint names neither an action nor an entity type`];
}

/** Differences between forestall's description and the subset, for every operation the subset covers. */
export function compareWithCsdl(openapi: JsonObject, subset: CsdlSubset): string[] {
  const covered = new Set(coveredBySubset(openapi, subset));
  return operationsOf(openapi)
    .filter(({ key }) => covered.has(key))
    .flatMap((operation) => compareOperation(openapi, operation, subset));
}
