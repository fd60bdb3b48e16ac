import { PackageURL } from 'packageurl-js';

/**
 * Package URLs (ECMA-427, package-url/purl-spec) read and written the way the purl-spec test suite
 * expects. packageurl-js does the parsing and most per-type normalisation; this wrapper adds what it
 * misses: the canonical percent-encoding (`:` stays literal, `+` is encoded), the per-type rules of
 * types it does not know (brew, git, chrome-extension, cpan, julia, otp, vcpkg, vscode-extension),
 * and the strict reading of qualifier keys.
 */

/** The decoded components of a purl; absent optional components are undefined. */
export interface PackageUrl {
  readonly type: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly version: string | undefined;
  readonly qualifiers: Readonly<Record<string, string>> | undefined;
  readonly subpath: string | undefined;
}

/** Components as a caller (or an SBOM) supplies them: nulls allowed, nothing normalised yet. */
export interface PackageUrlParts {
  readonly type: string | null | undefined;
  readonly namespace?: string | null | undefined;
  readonly name: string | null | undefined;
  readonly version?: string | null | undefined;
  readonly qualifiers?: Readonly<Record<string, string>> | null | undefined;
  readonly subpath?: string | null | undefined;
}

export interface ParseOptions {
  /**
   * Repair common non-canonical input instead of refusing it (the purl-spec "recommended" group):
   * upper-case qualifier keys are lower-cased. Without it, parsing follows the "required" group,
   * which refuses them.
   */
  readonly normalise?: boolean;
}

/** A purl string or components that are not a valid package URL; the message says which rule. */
export class PackageUrlError extends Error {
  constructor(message: string, readonly input: string) {
    super(`invalid package URL ${input}: ${message}`);
    this.name = 'PackageUrlError';
  }
}

type TypeRule = (purl: PackageUrl) => PackageUrl | string;

const lowerCaseNamespaceAndName: TypeRule = (purl) => ({
  ...purl,
  namespace: purl.namespace?.toLowerCase(),
  name: purl.name.toLowerCase(),
});

const withoutNamespace: TypeRule = (purl) => (purl.namespace === undefined ? purl : 'this type has no namespace');

/** Per-type rules from the purl-spec type definitions that packageurl-js 2.0 does not apply. A string result is the error. */
const TYPE_RULES: Readonly<Record<string, TypeRule>> = {
  // Homebrew formula and tap names are case-insensitive.
  brew: lowerCaseNamespaceAndName,
  // The namespace is the git host; the name is the whole repository path on it.
  git: (purl) => {
    if (purl.namespace === undefined) return purl;
    const [host = '', ...path] = purl.namespace.split('/');
    return path.length === 0 ? purl : { ...purl, namespace: host, name: [...path, purl.name].join('/') };
  },
  // Chrome Web Store ids are 32 letters a-p; versions one to four dot-separated integers.
  'chrome-extension': (purl) => {
    if (!/^[a-p]{32}$/.test(purl.name)) return 'a Chrome extension id is 32 letters from a to p';
    if (purl.version !== undefined && !/^\d+(\.\d+){0,3}$/.test(purl.version)) return 'a Chrome extension version is one to four integers';
    return purl;
  },
  // The name is a distribution (`URI-PackageURL`), never a module (`URI::PackageURL`).
  cpan: (purl) => (purl.name.includes('::') ? 'a CPAN name is a distribution name and cannot contain ::' : purl),
  julia: (purl) => (purl.qualifiers?.uuid === undefined ? 'a Julia package needs its uuid qualifier' : purl),
  otp: withoutNamespace,
  vcpkg: withoutNamespace,
  'vscode-extension': (purl) => (purl.namespace === undefined ? 'a VS Code extension needs its publisher as namespace' : purl),
};

function applyTypeRules(purl: PackageUrl, input: string): PackageUrl {
  const rule = TYPE_RULES[purl.type];
  if (rule === undefined) return purl;
  const result = rule(purl);
  if (typeof result === 'string') throw new PackageUrlError(result, input);
  return result;
}

const emptyToUndefined = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/** Runs packageurl-js's validation and normalisation, then the rules above. */
function normalisedComponents(parts: PackageUrlParts, input: string): PackageUrl {
  let purl: PackageURL;
  try {
    purl = new PackageURL(
      parts.type as string,
      parts.namespace ?? undefined,
      parts.name as string,
      parts.version ?? undefined,
      parts.qualifiers === null || parts.qualifiers === undefined ? undefined : { ...parts.qualifiers },
      parts.subpath ?? undefined,
    );
  } catch (error) {
    throw new PackageUrlError(error instanceof Error ? error.message : String(error), input);
  }
  const qualifiers = purl.qualifiers !== undefined && Object.keys(purl.qualifiers).length > 0 ? { ...purl.qualifiers } : undefined;
  return applyTypeRules(
    {
      type: purl.type,
      namespace: emptyToUndefined(purl.namespace),
      name: purl.name,
      version: emptyToUndefined(purl.version),
      qualifiers,
      subpath: emptyToUndefined(purl.subpath),
    },
    input,
  );
}

/**
 * Reads a purl string into normalised components (type rules applied: PyPI names lower case with
 * `-`, npm names lower case, and so on).
 * @throws PackageUrlError naming the rule the string breaks.
 */
export function parsePackageUrl(input: string, options: ParseOptions = {}): PackageUrl {
  let parts: ReturnType<typeof PackageURL.parseString>;
  try {
    parts = PackageURL.parseString(input);
  } catch (error) {
    throw new PackageUrlError(error instanceof Error ? error.message : String(error), input);
  }
  const [type, namespace, name, version, rawQualifiers, subpath] = parts;
  // The purl-spec splits the version off at the last `@`, so `pkg:vcpkg/@1.0.8` has an empty name;
  // packageurl-js reads an `@` right after a `/` as part of the name, to be lenient with npm scopes.
  const lastSegment = input.split('#')[0]?.split('?')[0]?.split('/').pop() ?? '';
  if (lastSegment.startsWith('@')) throw new PackageUrlError('the name is empty (an unencoded @ starts the version)', input);
  // packageurl-js hands the query over as URLSearchParams although its type says a plain record.
  const entries: [string, string][] =
    rawQualifiers === undefined
      ? []
      : rawQualifiers instanceof URLSearchParams
        ? [...rawQualifiers.entries()]
        : Object.entries(rawQualifiers);
  // ECMA-427: qualifier keys are lower case; only the normalising reading repairs them.
  const upperCaseKey = entries.find(([key]) => key !== key.toLowerCase());
  if (upperCaseKey !== undefined && options.normalise !== true) {
    throw new PackageUrlError(`qualifier key "${upperCaseKey[0]}" is not lower case`, input);
  }
  const qualifiers = entries.length === 0 ? undefined : Object.fromEntries(entries.map(([key, value]) => [key.toLowerCase(), value]));
  return normalisedComponents({ type, namespace, name, version, qualifiers, subpath }, input);
}

/**
 * Validates and normalises components given separately (an SBOM's fields, say).
 * @throws PackageUrlError naming the rule they break.
 */
export function buildPackageUrl(parts: PackageUrlParts): PackageUrl {
  return normalisedComponents(parts, JSON.stringify(parts));
}

/**
 * ECMA-427 percent-encoding: everything but ASCII letters, digits, `.-_~` and `:` is encoded as
 * upper-case UTF-8 triplets (`+` becomes `%2B`, `@` `%40`, `/` `%2F`).
 */
function percentEncode(text: string): string {
  let encoded = '';
  for (const character of text) {
    if (/^[A-Za-z0-9.\-_~:]$/.test(character)) encoded += character;
    else for (const byte of Buffer.from(character, 'utf8')) encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

const encodeSegments = (path: string): string => path.split('/').map(percentEncode).join('/');

/** The canonical string of normalised components: `pkg:type/namespace/name@version?qualifiers#subpath`. */
export function formatPackageUrl(purl: PackageUrl): string {
  let text = `pkg:${purl.type}/`;
  if (purl.namespace !== undefined) text += `${encodeSegments(purl.namespace)}/`;
  // Only git names span path segments (the repository path on its host).
  text += purl.type === 'git' ? encodeSegments(purl.name) : percentEncode(purl.name);
  if (purl.version !== undefined) text += `@${percentEncode(purl.version)}`;
  const qualifiers = Object.entries(purl.qualifiers ?? {})
    .filter(([, value]) => value !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (qualifiers.length > 0) text += `?${qualifiers.map(([key, value]) => `${key}=${percentEncode(value)}`).join('&')}`;
  if (purl.subpath !== undefined) text += `#${encodeSegments(purl.subpath)}`;
  return text;
}

/** The canonical form of a purl string. @throws PackageUrlError when it is not a valid purl. */
export function canonicalPackageUrl(input: string, options: ParseOptions = {}): string {
  return formatPackageUrl(parsePackageUrl(input, options));
}
