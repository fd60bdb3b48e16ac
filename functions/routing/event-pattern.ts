import { BlockList, isIP } from 'node:net';

/**
 * An EventBridge event pattern as a plain object (the JSON a rule's EventPattern holds).
 * Semantics follow the EventBridge User Guide ("Creating Amazon EventBridge event patterns",
 * "Content filtering in Amazon EventBridge event patterns", "Arrays in Amazon EventBridge event patterns",
 * "Matching events on null values and empty strings") and, where the guide is silent, the behaviour of
 * aws/event-ruler, the library EventBridge matches with.
 */
export type EventPattern = { readonly [key: string]: unknown };

/** A pattern EventBridge would refuse (PutRule answers InvalidEventPatternException). */
export class InvalidEventPattern extends Error {
  /** Where in the pattern the problem is, e.g. `$.detail.decision[0]`. */
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`invalid event pattern at ${path}: ${reason}`);
    this.name = 'InvalidEventPattern';
    this.path = path;
    this.reason = reason;
  }
}

/** The guide limits numeric matching to this magnitude (15 digits, six after the decimal point). */
export const NUMERIC_LIMIT = 5e9;

const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr'] as const;
const OPERATOR_NAMES: ReadonlySet<string> = new Set<string>(OPERATORS);
const OR_KEY = '$or';

type LeafValue = string | number | boolean | null;

type ValueMatcher = { readonly kind: 'exists'; readonly exists: boolean } | { readonly kind: 'test'; readonly test: (value: LeafValue) => boolean };

type CompiledField =
  | { readonly key: string; readonly kind: 'object'; readonly pattern: CompiledObject }
  | { readonly key: string; readonly kind: 'leaf'; readonly matchers: readonly ValueMatcher[] };

interface CompiledObject {
  readonly fields: readonly CompiledField[];
  /** Each `$or` at this level: at least one alternative must match the same object. */
  readonly alternatives: readonly (readonly CompiledObject[])[];
}

/** A compiled pattern: a predicate over whole events (the full EventBridge envelope). */
export type EventMatcher = (event: unknown) => boolean;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value) ?? String(value)}`;
}

function fail(path: string, reason: string): never {
  throw new InvalidEventPattern(path, reason);
}

function fold(text: string): string {
  return text.toLowerCase();
}

// ---- wildcard -------------------------------------------------------------------------------------

/**
 * Splits a wildcard expression into the literal pieces between its `*`s. `\*` is a literal asterisk and
 * `\\` a literal backslash; any other escape and two wildcards in a row are refused, as EventBridge does.
 */
function parseWildcard(expression: string, path: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let previousWasWildcard = false;
  for (let i = 0; i < expression.length; i++) {
    const char = expression.charAt(i);
    if (char === '\\') {
      const next = expression.charAt(i + 1);
      if (next !== '*' && next !== '\\') {
        fail(path, `invalid escape at position ${i} in wildcard ${JSON.stringify(expression)}: only \\* and \\\\ may be escaped`);
      }
      current += next;
      i++;
      previousWasWildcard = false;
    } else if (char === '*') {
      if (previousWasWildcard) {
        fail(path, `consecutive wildcard characters at position ${i} in ${JSON.stringify(expression)} are not allowed`);
      }
      pieces.push(current);
      current = '';
      previousWasWildcard = true;
    } else {
      current += char;
      previousWasWildcard = false;
    }
  }
  pieces.push(current);
  return pieces;
}

/** Glob match with `*` only: the first piece anchors the start, the last the end, the rest in order. */
function matchWildcard(pieces: readonly string[], text: string): boolean {
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return text === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  const end = text.length - last.length;
  let position = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    // Leftmost placement is always safe for `*`-only globs: it leaves the most room for what follows.
    const at = text.indexOf(piece, position);
    if (at < 0 || at + piece.length > end) return false;
    position = at + piece.length;
  }
  return true;
}

// ---- IP addresses ---------------------------------------------------------------------------------

function ipFamily(text: string): 'ipv4' | 'ipv6' | undefined {
  const version = isIP(text);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

function blockListTest(list: BlockList): (value: LeafValue) => boolean {
  return (value) => {
    if (typeof value !== 'string') return false;
    const family = ipFamily(value);
    if (family === undefined) return false;
    try {
      return list.check(value, family);
    } catch {
      return false; // e.g. an IPv6 literal with a zone id
    }
  };
}

function compileCidr(cidr: unknown, path: string): ValueMatcher {
  if (typeof cidr !== 'string') fail(path, `cidr must be a string such as "10.0.0.0/24", got ${describe(cidr)}`);
  const parts = cidr.split('/');
  const [address, bits] = parts;
  if (parts.length !== 2 || address === undefined || bits === undefined) fail(path, `malformed CIDR ${JSON.stringify(cidr)}: one '/' required`);
  if (!/^\d{1,3}$/.test(bits)) fail(path, `malformed CIDR ${JSON.stringify(cidr)}: mask bits must be a non-negative integer`);
  const family = ipFamily(address);
  if (family === undefined) fail(path, `invalid IP address ${JSON.stringify(address)} in CIDR ${JSON.stringify(cidr)}`);
  const maskBits = Number(bits);
  // EventBridge refuses full-length masks; a single address is matched with the address as an exact value.
  if (family === 'ipv4' && maskBits > 31) fail(path, `IPv4 mask bits must be < 32 in ${JSON.stringify(cidr)}; match one address with the address itself, e.g. ["${address}"]`);
  if (family === 'ipv6' && maskBits > 127) fail(path, `IPv6 mask bits must be < 128 in ${JSON.stringify(cidr)}; match one address with the address itself, e.g. ["${address}"]`);
  const list = new BlockList();
  list.addSubnet(address, maskBits, family); // host bits are masked off: 10.0.0.7/24 covers 10.0.0.0-255
  return { kind: 'test', test: blockListTest(list) };
}

// ---- numbers --------------------------------------------------------------------------------------

function checkNumber(value: unknown, path: string, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, `${what} must be a number, got ${describe(value)}`);
  if (Math.abs(value) > NUMERIC_LIMIT) fail(path, `${what} ${value} is outside the numeric matching range -5e9..5e9`);
  return value;
}

function inNumericRange(value: LeafValue): value is number {
  return typeof value === 'number' && Math.abs(value) <= NUMERIC_LIMIT;
}

function compileNumeric(terms: unknown, path: string): ValueMatcher {
  if (!Array.isArray(terms)) fail(path, `numeric must be an array such as [">", 0, "<=", 5], got ${describe(terms)}`);
  const [op1, n1, op2, n2] = terms as unknown[];
  if (terms.length < 2) fail(path, 'numeric needs an operator and a number, e.g. [">=", 7]');
  if (typeof op1 !== 'string' || !['=', '<', '<=', '>', '>='].includes(op1)) {
    fail(path, `unrecognized numeric operator ${JSON.stringify(op1)} (use =, <, <=, > or >=)`);
  }
  const first = checkNumber(n1, path, `the value of ${op1}`);
  if (op1 === '=' || op1 === '<' || op1 === '<=') {
    if (terms.length > 2) {
      fail(path, `too many terms after ${JSON.stringify(op1)}: a range starts with its lower bound (">" or ">="), then "<" or "<="`);
    }
    if (op1 === '=') return { kind: 'test', test: (v) => inNumericRange(v) && v === first };
    return { kind: 'test', test: op1 === '<' ? (v) => inNumericRange(v) && v < first : (v) => inNumericRange(v) && v <= first };
  }
  const above = op1 === '>' ? (v: number) => v > first : (v: number) => v >= first;
  if (terms.length === 2) return { kind: 'test', test: (v) => inNumericRange(v) && above(v) };
  if (terms.length === 3) fail(path, `incomplete numeric range: ${JSON.stringify(op2)} needs a number after it`);
  if (terms.length > 4) fail(path, 'too many terms in numeric range expression (at most [lower-op, n, upper-op, m])');
  if (op2 !== '<' && op2 !== '<=') fail(path, `bad numeric range operator ${JSON.stringify(op2)}: the upper bound takes "<" or "<="`);
  const second = checkNumber(n2, path, `the value of ${op2}`);
  if (!(first < second)) fail(path, `bottom must be less than top in numeric range (${first} is not below ${second})`);
  const below = op2 === '<' ? (v: number) => v < second : (v: number) => v <= second;
  return { kind: 'test', test: (v) => inNumericRange(v) && above(v) && below(v) };
}

// ---- anything-but ---------------------------------------------------------------------------------

function stringList(value: unknown, path: string, what: string): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) fail(path, `${what} list must not be empty`);
  for (const item of list) {
    if (typeof item !== 'string') fail(path, `${what} values must be strings, got ${describe(item)}`);
  }
  return list as string[];
}

function compileAnythingBut(operand: unknown, path: string): ValueMatcher {
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    const [inner] = keys;
    if (keys.length !== 1 || inner === undefined) fail(path, `anything-but takes exactly one of prefix, suffix, equals-ignore-case or wildcard (found ${keys.join(', ') || 'none'})`);
    const value = operand[inner];
    switch (inner) {
      case 'prefix':
      case 'suffix': {
        const texts = stringList(value, path, `anything-but ${inner}`);
        if (texts.some((t) => t === '')) fail(path, `anything-but ${inner} must not be empty`);
        const hit = inner === 'prefix' ? (s: string) => texts.some((t) => s.startsWith(t)) : (s: string) => texts.some((t) => s.endsWith(t));
        // A non-string value never starts with the string, so it passes anything-but.
        return { kind: 'test', test: (v) => typeof v !== 'string' || !hit(v) };
      }
      case 'equals-ignore-case': {
        const folded = new Set(stringList(value, path, 'anything-but equals-ignore-case').map(fold));
        return { kind: 'test', test: (v) => typeof v !== 'string' || !folded.has(fold(v)) };
      }
      case 'wildcard': {
        const globs = stringList(value, path, 'anything-but wildcard').map((w) => parseWildcard(w, path));
        return { kind: 'test', test: (v) => typeof v !== 'string' || !globs.some((g) => matchWildcard(g, v)) };
      }
      default:
        fail(path, `unsupported anything-but pattern ${JSON.stringify(inner)} (use prefix, suffix, equals-ignore-case or wildcard)`);
    }
  }
  const values = Array.isArray(operand) ? (operand as unknown[]) : [operand];
  if (values.length === 0) fail(path, 'anything-but list must not be empty');
  for (const value of values) {
    if (typeof value === 'number') checkNumber(value, path, 'anything-but value');
    else if (typeof value !== 'string') fail(path, `anything-but takes strings or numbers (or a list of them), not ${describe(value)}`);
  }
  const hasNumber = values.some((v) => typeof v === 'number');
  const hasString = values.some((v) => typeof v === 'string');
  if (hasNumber && hasString) fail(path, 'inside an anything-but list, values must be all strings or all numbers; mixed types are not supported');
  // Equality is type-aware: anything-but "5" still matches the number 5, and anything-but 5 the string "5".
  const excluded = new Set<unknown>(values);
  return { kind: 'test', test: (v) => !excluded.has(v) };
}

// ---- leaves ---------------------------------------------------------------------------------------

function compileCaseAware(operator: 'prefix' | 'suffix', operand: unknown, path: string): ValueMatcher {
  if (typeof operand === 'string') {
    return { kind: 'test', test: operator === 'prefix' ? (v) => typeof v === 'string' && v.startsWith(operand) : (v) => typeof v === 'string' && v.endsWith(operand) };
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    const text = operand['equals-ignore-case'];
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') fail(path, `unsupported ${operator} pattern: only {"equals-ignore-case": "..."} may be nested in ${operator} (found ${keys.join(', ') || 'none'})`);
    if (typeof text !== 'string') fail(path, `equals-ignore-case match pattern must be a string, got ${describe(text)}`);
    const folded = fold(text);
    return { kind: 'test', test: operator === 'prefix' ? (v) => typeof v === 'string' && fold(v).startsWith(folded) : (v) => typeof v === 'string' && fold(v).endsWith(folded) };
  }
  return fail(path, `${operator} match pattern must be a string or {"equals-ignore-case": "..."}, got ${describe(operand)}`);
}

function compileOperator(expression: Record<string, unknown>, path: string): ValueMatcher {
  const keys = Object.keys(expression);
  const [operator] = keys;
  if (keys.length !== 1 || operator === undefined) {
    fail(path, `a match expression holds exactly one operator, found ${keys.length === 0 ? 'none' : keys.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  const operand = expression[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return compileCaseAware(operator, operand, path);
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') fail(path, `equals-ignore-case match pattern must be a string, got ${describe(operand)}`);
      const folded = fold(operand);
      return { kind: 'test', test: (v) => typeof v === 'string' && fold(v) === folded };
    }
    case 'wildcard': {
      if (typeof operand !== 'string') fail(path, `wildcard match pattern must be a string, got ${describe(operand)}`);
      const pieces = parseWildcard(operand, path);
      return { kind: 'test', test: (v) => typeof v === 'string' && matchWildcard(pieces, v) };
    }
    case 'anything-but':
      return compileAnythingBut(operand, path);
    case 'numeric':
      return compileNumeric(operand, path);
    case 'exists':
      if (typeof operand !== 'boolean') fail(path, `exists match pattern must be either true or false, got ${describe(operand)}`);
      return { kind: 'exists', exists: operand };
    case 'cidr':
      return compileCidr(operand, path);
    default:
      return fail(path, `unrecognized match type ${JSON.stringify(operator)} (supported: ${OPERATORS.join(', ')})`);
  }
}

function compileExact(value: string | number | boolean | null, path: string): ValueMatcher {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(path, `match value must be a finite number, got ${value}`);
    return { kind: 'test', test: (v) => v === value };
  }
  const family = typeof value === 'string' ? ipFamily(value) : undefined;
  if (typeof value === 'string' && family !== undefined) {
    // EventBridge compares IP literals as addresses, so "2001:db8::1" also matches "2001:0db8:0:0:0:0:0:1".
    const list = new BlockList();
    list.addAddress(value, family);
    const sameAddress = blockListTest(list);
    return { kind: 'test', test: (v) => v === value || sameAddress(v) };
  }
  return { kind: 'test', test: (v) => v === value };
}

function compileLeaf(values: readonly unknown[], path: string): ValueMatcher[] {
  if (values.length === 0) fail(path, 'empty arrays are not allowed: list at least one value to match');
  return values.map((value, index) => {
    const at = `${path}[${index}]`;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return compileExact(value, at);
    if (isPlainObject(value)) return compileOperator(value, at);
    return fail(at, `match value must be a string, number, true, false, null or an operator object, got ${describe(value)}`);
  });
}

function compileObject(pattern: unknown, path: string, insideOr: boolean): CompiledObject {
  if (!isPlainObject(pattern)) fail(path, `an event pattern must be a JSON object, got ${describe(pattern)}`);
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail(path, 'empty objects are not allowed');
  const fields: CompiledField[] = [];
  const alternatives: CompiledObject[][] = [];
  for (const key of keys) {
    const value = pattern[key];
    const at = childPath(path, key);
    if (key === OR_KEY) {
      if (!Array.isArray(value)) fail(at, `$or must be followed by an array of at least 2 objects, got ${describe(value)}`);
      if (value.length < 2) fail(at, `$or needs at least 2 alternatives, got ${value.length}`);
      alternatives.push(
        (value as unknown[]).map((alternative, index) => {
          if (!isPlainObject(alternative)) fail(`${at}[${index}]`, `only objects are allowed in a $or array, got ${describe(alternative)}`);
          return compileObject(alternative, `${at}[${index}]`, true);
        }),
      );
      continue;
    }
    if (insideOr && OPERATOR_NAMES.has(key)) {
      fail(at, `"${key}" is an operator name and cannot be used as a field name inside $or; put operators inside a field's value array`);
    }
    if (Array.isArray(value)) {
      fields.push({ key, kind: 'leaf', matchers: compileLeaf(value, at) });
    } else if (isPlainObject(value)) {
      fields.push({ key, kind: 'object', pattern: compileObject(value, at, insideOr) });
    } else {
      const hint = OPERATOR_NAMES.has(key)
        ? ` (operators go inside the field's array, e.g. "field": [{ "${key}": ${JSON.stringify(value)} }])`
        : ` (write ${JSON.stringify(key)}: [${JSON.stringify(value) ?? ''}])`;
      fail(at, `must be an array of match values or a nested object, got ${describe(value)}${hint}`);
    }
  }
  return { fields, alternatives };
}

// ---- evaluation -----------------------------------------------------------------------------------

/** The leaf values at a field: arrays are searched (nested ones flattened); objects are not leaves. */
function leafValues(value: unknown, into: LeafValue[] = []): LeafValue[] {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    into.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) leafValues(item, into);
  }
  return into;
}

function matchLeaf(matchers: readonly ValueMatcher[], value: unknown): boolean {
  const values = leafValues(value);
  if (values.length === 0) {
    // Absent, an object (not a leaf), or an array without leaf values: only {"exists": false} holds.
    return matchers.some((m) => m.kind === 'exists' && !m.exists);
  }
  return matchers.some((m) => (m.kind === 'exists' ? m.exists : values.some((v) => m.test(v))));
}

function field(context: unknown, key: string): unknown {
  return isPlainObject(context) && Object.hasOwn(context, key) ? context[key] : undefined;
}

function matchObject(pattern: CompiledObject, context: unknown): boolean {
  if (Array.isArray(context)) {
    // Each element is matched whole, so fields from different array elements never combine into a match.
    if (context.length === 0) return matchObject(pattern, undefined);
    return context.some((element) => matchObject(pattern, element));
  }
  for (const f of pattern.fields) {
    const value = field(context, f.key);
    const ok = f.kind === 'leaf' ? matchLeaf(f.matchers, value) : matchObject(f.pattern, value);
    if (!ok) return false;
  }
  return pattern.alternatives.every((options) => options.some((option) => matchObject(option, context)));
}

/**
 * Checks a pattern the way PutRule does and throws {@link InvalidEventPattern} naming the offending path:
 * leaf values must be non-empty arrays; each element a string, number, boolean, null or a one-key operator
 * object (prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr); numeric ranges
 * go lower bound first with bottom < top inside -5e9..5e9; wildcards refuse `**` and stray escapes;
 * `$or` takes an array of at least two objects.
 */
export function validateEventPattern(pattern: unknown): asserts pattern is EventPattern {
  compileObject(pattern, '$', false);
}

const compiled = new WeakMap<object, CompiledObject>();

/** Validates once and returns a predicate over events; reuse it when matching many events. */
export function compileEventPattern(pattern: unknown): EventMatcher {
  const root = compileObject(pattern, '$', false);
  return (event) => matchObject(root, event);
}

/**
 * True when `event` (the whole EventBridge envelope) matches `pattern`. Fields in the pattern are ANDed,
 * values in a field's array ORed; an array in the event matches when any element matches. Throws
 * {@link InvalidEventPattern} for a malformed pattern. Compiled patterns are cached per pattern object, so a
 * pattern must not be mutated after its first use (the routing patterns are `as const`).
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  let root = compiled.get(pattern);
  if (root === undefined) {
    root = compileObject(pattern, '$', false);
    compiled.set(pattern, root);
  }
  return matchObject(root, event);
}
