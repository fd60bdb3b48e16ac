import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { toOpenApi3 } from '../../functions/local/simulators/openapi-request-check.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** A vendor's API document (JSON or YAML; Swagger 2 converted), as OpenAPI 3. */
export async function loadVendorDocument(file: string): Promise<JsonObject> {
  const text = readFileSync(file, 'utf8');
  const raw = (file.endsWith('.yaml') || file.endsWith('.yml') ? parseYaml(text, { maxAliasCount: -1 }) : JSON.parse(text)) as Record<string, unknown>;
  return (await toOpenApi3(raw)) as JsonObject;
}

function resolveRef(document: JsonObject, node: Json | undefined, depth = 0): Json | undefined {
  if (!isObject(node) || typeof node.$ref !== 'string' || depth > 20) return node;
  let target: Json | undefined = document;
  for (const segment of node.$ref.slice(2).split('/')) target = isObject(target) ? target[segment.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return resolveRef(document, target, depth + 1);
}

/** `/users/{userId}/sessions` and `/users/{id}/sessions` are one route. */
const routeShape = (template: string) => template.replace(/\{[^}]+\}/g, '{}').replace(/\/$/, '');

function schemaType(document: JsonObject, schema: Json | undefined): string | undefined {
  const resolved = resolveRef(document, schema);
  if (!isObject(resolved)) return undefined;
  if (typeof resolved.type === 'string') return resolved.type;
  if (isObject(resolved.properties as Json)) return 'object';
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    const parts = resolved[key];
    if (Array.isArray(parts)) for (const part of parts) {
      const type = schemaType(document, part);
      if (type) return type;
    }
  }
  return undefined;
}

/** Properties of an object schema, following $ref and allOf. */
function properties(document: JsonObject, schema: Json | undefined): Map<string, Json> {
  const found = new Map<string, Json>();
  const visit = (node: Json | undefined) => {
    const resolved = resolveRef(document, node);
    if (!isObject(resolved)) return;
    if (isObject(resolved.properties as Json)) for (const [name, value] of Object.entries(resolved.properties as JsonObject)) found.set(name, value);
    for (const key of ['allOf', 'oneOf', 'anyOf']) {
      const parts = resolved[key];
      if (Array.isArray(parts)) parts.forEach(visit);
    }
  };
  visit(schema);
  return found;
}

function requiredOf(document: JsonObject, schema: Json | undefined): Set<string> {
  const resolved = resolveRef(document, schema);
  const required = new Set<string>();
  if (isObject(resolved) && Array.isArray(resolved.required)) for (const name of resolved.required) required.add(String(name));
  if (isObject(resolved) && Array.isArray(resolved.allOf)) for (const part of resolved.allOf) for (const name of requiredOf(document, part)) required.add(name);
  return required;
}

/** Every property forestall's schema names must exist in the vendor's, with the same type, recursively. */
function compareSchemas(ours: JsonObject, vendor: JsonObject, oursSchema: Json | undefined, vendorSchema: Json | undefined, where: string, problems: string[], checkRequired: boolean): void {
  const ourType = schemaType(ours, oursSchema);
  const vendorType = schemaType(vendor, vendorSchema);
  if (ourType && vendorType && ourType !== vendorType && !(ourType === 'integer' && vendorType === 'number')) {
    problems.push(`${where}: forestall says ${ourType}, the vendor ${vendorType}`);
    return;
  }
  if (ourType === 'array') {
    const ourItems = (resolveRef(ours, oursSchema) as JsonObject).items;
    const vendorItems = isObject(resolveRef(vendor, vendorSchema)) ? (resolveRef(vendor, vendorSchema) as JsonObject).items : undefined;
    compareSchemas(ours, vendor, ourItems, vendorItems, `${where}[]`, problems, checkRequired);
    return;
  }
  const ourProperties = properties(ours, oursSchema);
  if (ourProperties.size === 0) return;
  const vendorProperties = properties(vendor, vendorSchema);
  for (const [name, schema] of ourProperties) {
    if (!vendorProperties.has(name)) problems.push(`${where}.${name}: not in the vendor's document`);
    else compareSchemas(ours, vendor, schema, vendorProperties.get(name), `${where}.${name}`, problems, checkRequired);
  }
  if (checkRequired) {
    const ourRequired = requiredOf(ours, oursSchema);
    for (const name of requiredOf(vendor, vendorSchema)) if (!ourRequired.has(name)) problems.push(`${where}.${name}: the vendor requires it, forestall's description does not`);
  }
}

function parameters(document: JsonObject, pathItem: JsonObject, operation: JsonObject): JsonObject[] {
  const all = [...(Array.isArray(pathItem.parameters) ? pathItem.parameters : []), ...(Array.isArray(operation.parameters) ? operation.parameters : [])];
  return all.map((parameter) => resolveRef(document, parameter)).filter(isObject);
}

function securityTypes(document: JsonObject, operation: JsonObject): Set<string> {
  const requirements = (Array.isArray(operation.security) ? operation.security : Array.isArray(document.security) ? document.security : []) as Json[];
  const schemes = isObject(document.components as Json) && isObject((document.components as JsonObject).securitySchemes) ? ((document.components as JsonObject).securitySchemes as JsonObject) : {};
  const types = new Set<string>();
  for (const requirement of requirements) {
    if (!isObject(requirement)) continue;
    for (const name of Object.keys(requirement)) {
      const scheme = resolveRef(document, schemes[name]);
      if (isObject(scheme)) types.add(scheme.type === 'http' ? `http ${String(scheme.scheme).toLowerCase()}` : String(scheme.type));
    }
  }
  return types;
}

/**
 * Holds forestall's own description of a vendor's endpoints against the vendor's published document: every
 * route and method forestall calls exists; every parameter it sends is documented where it sends it, with
 * the same type, and it sends every parameter the vendor requires; request bodies and the response fields
 * it reads exist with the same types; the credentials it presents are a kind the vendor accepts there.
 * Returns the differences (empty when the description agrees).
 */
export function compareWithVendorDocument(ours: JsonObject, vendor: JsonObject): string[] {
  const problems: string[] = [];
  const vendorPaths = (isObject(vendor.paths as Json) ? vendor.paths : {}) as JsonObject;
  const byShape = new Map(Object.entries(vendorPaths).map(([template, item]) => [routeShape(template), { template, item: resolveRef(vendor, item) as JsonObject }]));
  for (const [template, rawItem] of Object.entries((ours.paths ?? {}) as JsonObject)) {
    const ourItem = rawItem as JsonObject;
    const match = byShape.get(routeShape(template));
    if (!match) {
      problems.push(`${template}: no such route in the vendor's document`);
      continue;
    }
    for (const method of METHODS) {
      const ourOperation = ourItem[method];
      if (!isObject(ourOperation)) continue;
      const where = `${method.toUpperCase()} ${template}`;
      const vendorOperation = match.item[method];
      if (!isObject(vendorOperation)) {
        problems.push(`${where}: the vendor documents no ${method.toUpperCase()} on ${match.template}`);
        continue;
      }
      // Parameters (path parameters compared by position: names differ between documents of one API).
      const ourParameters = parameters(ours, ourItem, ourOperation);
      const vendorParameters = parameters(vendor, match.item, vendorOperation);
      const ourPath = ourParameters.filter((p) => p.in === 'path');
      const vendorPath = (match.template.match(/\{([^}]+)\}/g) ?? []).map((name) => vendorParameters.find((p) => p.in === 'path' && `{${String(p.name)}}` === name));
      ourPath.forEach((parameter, index) => {
        const counterpart = vendorPath[index];
        if (counterpart) compareSchemas(ours, vendor, parameter.schema, counterpart.schema, `${where} path ${String(parameter.name)}`, problems, false);
      });
      for (const parameter of ourParameters.filter((p) => p.in !== 'path')) {
        const counterpart = vendorParameters.find((p) => p.in === parameter.in && p.name === parameter.name);
        if (!counterpart) problems.push(`${where}: ${String(parameter.in)} parameter ${String(parameter.name)} is not documented by the vendor`);
        else compareSchemas(ours, vendor, parameter.schema, counterpart.schema, `${where} ${String(parameter.in)} ${String(parameter.name)}`, problems, false);
      }
      for (const parameter of vendorParameters.filter((p) => p.required === true && p.in !== 'path' && p.in !== 'header')) {
        if (!ourParameters.some((p) => p.in === parameter.in && p.name === parameter.name && p.required === true)) {
          problems.push(`${where}: the vendor requires ${String(parameter.in)} parameter ${String(parameter.name)}, forestall's description does not`);
        }
      }
      // Request body.
      const ourBody = resolveRef(ours, ourOperation.requestBody);
      const vendorBody = resolveRef(vendor, vendorOperation.requestBody);
      if (isObject(ourBody) && isObject(ourBody.content as Json)) {
        for (const [mediaType, media] of Object.entries(ourBody.content as JsonObject)) {
          const vendorMedia = isObject(vendorBody) && isObject(vendorBody.content as Json) ? (vendorBody.content as JsonObject)[mediaType] : undefined;
          if (!isObject(vendorMedia)) problems.push(`${where}: request body ${mediaType} is not documented by the vendor`);
          else compareSchemas(ours, vendor, (media as JsonObject).schema, vendorMedia.schema, `${where} body`, problems, true);
        }
      }
      // Responses forestall reads.
      for (const [status, rawResponse] of Object.entries((ourOperation.responses ?? {}) as JsonObject)) {
        const vendorResponse = resolveRef(vendor, isObject(vendorOperation.responses as Json) ? (vendorOperation.responses as JsonObject)[status] : undefined);
        if (!isObject(vendorResponse)) {
          problems.push(`${where}: response ${status} is not documented by the vendor`);
          continue;
        }
        const ourContent = (resolveRef(ours, rawResponse) as JsonObject).content;
        if (!isObject(ourContent as Json)) continue;
        for (const [mediaType, media] of Object.entries(ourContent as JsonObject)) {
          const vendorMedia = isObject(vendorResponse.content as Json) ? (vendorResponse.content as JsonObject)[mediaType] : undefined;
          if (!isObject(vendorMedia)) problems.push(`${where}: response ${status} ${mediaType} is not documented by the vendor`);
          else compareSchemas(ours, vendor, (media as JsonObject).schema, vendorMedia.schema, `${where} response ${status}`, problems, false);
        }
      }
      // Credentials.
      const vendorSecurity = securityTypes(vendor, vendorOperation);
      for (const type of securityTypes(ours, ourOperation)) {
        if (vendorSecurity.size > 0 && !vendorSecurity.has(type)) problems.push(`${where}: credentials ${type} are not among the vendor's (${[...vendorSecurity].join(', ')})`);
      }
    }
  }
  return problems;
}
