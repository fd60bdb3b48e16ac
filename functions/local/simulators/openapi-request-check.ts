import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { OpenAPIBackend } from 'openapi-backend';
import type { Document as OpenApiDocument, Operation } from 'openapi-backend';
import swagger2openapi from 'swagger2openapi';

/**
 * Checks requests against a vendor's own API document (OpenAPI 3, or Swagger 2 converted with
 * swagger2openapi), so the simulated endpoints reject anything the real service would not accept:
 * unknown route, wrong method, missing or mistyped parameters, missing credentials, bad body.
 * Parameter and body schemas are validated by openapi-backend (ajv); route, method, content type and
 * security requirements are checked here because openapi-backend leaves them to handlers.
 */

/** The parts of an HTTP request the checker looks at. `url` is the path with its query string. */
export interface HttpRequestShape {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Raw body text, if any. */
  body?: string;
}

export type RequestCheckResult =
  | {
      ok: true;
      operationId: string;
      pathParams: Record<string, string>;
      query: Record<string, string | string[]>;
      /** JSON bodies parsed, form bodies decoded into an object (values typed per the schema). */
      body: unknown;
    }
  | { ok: false; operationId?: string; violations: string[] };

export interface RequestCheckerOptions {
  /**
   * Header parameters the vendor documents in a place its real API and SDKs do not use: the value is
   * derived from the request. Example: Slack documents a `token` header while its SDK sends
   * `Authorization: Bearer`, which the live API accepts.
   */
  headerAliases?: Record<string, (request: HttpRequestShape) => string | undefined>;
}

export interface RequestChecker {
  /** `METHOD /template` of every operation in the document. */
  readonly operations: string[];
  check(request: HttpRequestShape): RequestCheckResult;
}

type SecurityScheme = {
  type?: string;
  scheme?: string;
  in?: string;
  name?: string;
};

interface LoadedDocument {
  paths?: Record<string, Record<string, unknown>>;
  servers?: Array<{ url: string }>;
  security?: Array<Record<string, string[]>>;
  components?: { securitySchemes?: Record<string, SecurityScheme> };
}

interface SchemaLike {
  type?: string;
  properties?: Record<string, SchemaLike>;
  items?: SchemaLike;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Converts a Swagger 2.0 document to OpenAPI 3; OpenAPI 3 documents pass through unchanged. */
export async function toOpenApi3(document: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (typeof document.swagger !== 'string') return document;
  // patch: repairs small defects of vendor documents (for example a dangling global security name)
  const converted = await swagger2openapi.convertObj(structuredClone(document), { patch: true, warnOnly: true });
  return converted.openapi;
}

/** Reads an API document (JSON) from disk and builds a checker for it. */
export async function loadRequestChecker(file: string | URL, options: RequestCheckerOptions = {}): Promise<RequestChecker> {
  const document = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  return createRequestChecker(document, options);
}

/** Builds a checker for an OpenAPI 3 or Swagger 2 document. */
export async function createRequestChecker(document: Record<string, unknown>, options: RequestCheckerOptions = {}): Promise<RequestChecker> {
  const openapi = withoutTypelessNullable(await toOpenApi3(document)) as LoadedDocument & Record<string, unknown>;
  const apiRoot = serverBasePath(openapi.servers?.[0]?.url);
  const backend = new OpenAPIBackend({
    definition: openapi as unknown as OpenApiDocument,
    apiRoot,
    // quick: skip the meta-schema check of the document itself (Okta's has `$ref` siblings that fail it
    // but resolve fine) and dereference synchronously.
    quick: true,
    strict: true,
    validate: true,
    coerceTypes: true,
    // Vendor documents use formats ajv does not know (Swagger's `format: integer`); formats are advisory.
    ajvOpts: { strict: false, allErrors: true, validateFormats: false, logger: false },
  });
  await backend.init();
  const dereferenced = backend.definition as unknown as LoadedDocument;
  const templates = Object.entries(openapi.paths ?? {}).flatMap(([template, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) => ({ template, method, pattern: templatePattern(apiRoot + template) })),
  );

  return {
    operations: templates.map(({ template, method }) => `${method.toUpperCase()} ${template}`),
    check(request) {
      const url = new URL(request.url, 'http://simulator.invalid');
      const method = request.method.toLowerCase();
      const routeMatches = templates.filter(({ pattern }) => pattern.test(url.pathname));
      if (routeMatches.length === 0) {
        return { ok: false, violations: [`unknown route ${request.method.toUpperCase()} ${url.pathname} (documented: ${templates.map(({ template, method: m }) => `${m.toUpperCase()} ${apiRoot}${template}`).join(', ')})`] };
      }
      if (!routeMatches.some((route) => route.method === method)) {
        return { ok: false, violations: [`method ${request.method.toUpperCase()} is not documented for ${url.pathname} (allowed: ${routeMatches.map((route) => route.method.toUpperCase()).join(', ')})`] };
      }

      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name.toLowerCase()] = value;
      for (const [name, derive] of Object.entries(options.headerAliases ?? {})) {
        const lower = name.toLowerCase();
        if (headers[lower] === undefined) {
          const value = derive(request);
          if (value !== undefined) headers[lower] = value;
        }
      }
      const query = queryObject(url.searchParams);
      const operation = backend.router.matchOperation({ method, path: url.pathname, headers, query });
      if (!operation) return { ok: false, violations: [`no operation matches ${request.method.toUpperCase()} ${url.pathname}`] };

      const violations: string[] = [];
      const contentType = mediaType(headers['content-type']);
      const requestBody = operation.requestBody as { content?: Record<string, { schema?: SchemaLike }>; required?: boolean } | undefined;
      let body: unknown = undefined;
      const hasBody = request.body !== undefined && request.body.length > 0;
      if (hasBody) {
        const documented = Object.keys(requestBody?.content ?? {});
        if (documented.length === 0) {
          violations.push(`body: the operation takes no request body`);
        } else if (!contentType || !documented.includes(contentType)) {
          violations.push(`content-type: ${contentType || '(none)'} is not documented (expected one of ${documented.join(', ')})`);
        } else if (contentType === 'application/json') {
          try {
            body = JSON.parse(request.body as string);
          } catch (error) {
            violations.push(`body: not valid JSON (${(error as Error).message})`);
          }
        } else if (contentType === 'application/x-www-form-urlencoded') {
          body = formObject(new URLSearchParams(request.body), requestBody?.content?.[contentType]?.schema);
        } else {
          body = request.body;
        }
      }

      violations.push(...securityViolations(operation, dereferenced, headers, url.searchParams));

      const validation = backend.validateRequest({ method, path: url.pathname, headers, query, body: body as object | undefined }, operation);
      for (const error of validation.errors ?? []) violations.push(describeAjvError(error));

      const operationId = operation.operationId ?? `${method} ${operation.path}`;
      if (violations.length > 0) return { ok: false, operationId, violations: [...new Set(violations)] };
      const pathParams = backend.router.parseRequest({ method, path: url.pathname, headers, query }, operation).params;
      return { ok: true, operationId, pathParams, query, body };
    },
  };
}

/**
 * OpenAPI 3.0 allows `nullable` without `type` (it then adds nothing); ajv rejects that combination,
 * so it is dropped from a copy before compiling. Slack's document has such schemas.
 */
function withoutTypelessNullable<T>(node: T): T {
  if (Array.isArray(node)) return node.map((item) => withoutTypelessNullable(item)) as T;
  if (typeof node !== 'object' || node === null) return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' && (node as Record<string, unknown>).type === undefined) continue;
    copy[key] = withoutTypelessNullable(value);
  }
  return copy as T;
}

/** `https://slack.com/api` -> `/api`; templated or bare hosts -> ''. */
function serverBasePath(serverUrl: string | undefined): string {
  if (!serverUrl) return '';
  const withoutVariables = serverUrl.replace(/\{[^}]+\}/g, 'placeholder');
  try {
    const path = new URL(withoutVariables).pathname;
    return path === '/' ? '' : path.replace(/\/$/, '');
  } catch {
    return '';
  }
}

function templatePattern(template: string): RegExp {
  const escaped = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}/?$`);
}

function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}

function mediaType(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Decodes a form body and types its values per the schema, as a server's form parser would. */
function formObject(params: URLSearchParams, schema: SchemaLike | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    const property = schema?.properties?.[key];
    const typed = values.map((value) => coerceScalar(value, property?.type === 'array' ? property.items?.type : property?.type));
    result[key] = property?.type === 'array' || typed.length > 1 ? typed : typed[0];
  }
  return result;
}

function coerceScalar(value: string, type: string | undefined): unknown {
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  if ((type === 'integer' || type === 'number') && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return value;
}

function securityViolations(operation: Operation, document: LoadedDocument, headers: Record<string, string | string[]>, query: URLSearchParams): string[] {
  const requirements = (operation.security ?? document.security ?? []) as Array<Record<string, string[]>>;
  if (requirements.length === 0) return [];
  const schemes = document.components?.securitySchemes ?? {};
  const authorization = String(headers.authorization ?? '');
  const satisfied = (name: string): boolean => {
    const scheme = schemes[name];
    if (!scheme) return false;
    switch (scheme.type) {
      case 'apiKey': {
        const key = scheme.name ?? '';
        if (scheme.in === 'header') return Boolean(headers[key.toLowerCase()]);
        if (scheme.in === 'query') return query.has(key);
        return String(headers.cookie ?? '').includes(`${key}=`);
      }
      case 'http':
        return authorization.toLowerCase().startsWith(`${(scheme.scheme ?? '').toLowerCase()} `);
      case 'oauth2':
      case 'openIdConnect':
        return /^bearer \S+/i.test(authorization);
      default:
        return false;
    }
  };
  if (requirements.some((requirement) => Object.keys(requirement).every(satisfied))) return [];
  const expected = requirements.map((requirement) => Object.keys(requirement).map((name) => describeScheme(name, schemes[name])).join(' + '));
  return [`authorization: no documented credentials present (expected one of: ${expected.join('; ')})`];
}

function describeScheme(name: string, scheme: SecurityScheme | undefined): string {
  if (!scheme) return `${name} (undefined scheme)`;
  if (scheme.type === 'apiKey') return `${name} (${scheme.in} ${scheme.name})`;
  if (scheme.type === 'http') return `${name} (Authorization: ${scheme.scheme})`;
  return `${name} (Authorization: Bearer)`;
}

interface AjvErrorLike {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown> | unknown[];
}

function describeAjvError(error: AjvErrorLike): string {
  const segments = (error.instancePath ?? '').split('/').filter(Boolean);
  if (segments[0] === 'requestBody') segments[0] = 'body';
  const params = Array.isArray(error.params) ? {} : (error.params ?? {});
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    const where = segments.length === 0 ? params.missingProperty.replace(/^requestBody$/, 'body') : `${segments.join('.')}.${params.missingProperty}`;
    return `${where}: is required`;
  }
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `${segments.join('.') || '(request)'}: must be one of ${params.allowedValues.join(', ')}`;
  }
  return `${segments.join('.') || '(request)'}: ${error.message ?? error.keyword ?? 'invalid'}`;
}
