import type { IndicatorType } from '../../../model/indicator.ts';

/**
 * STIX 2.1 patterning (`pattern_type: 'stix'`), read far enough to find the plain values an indicator
 * stands for. The whole grammar is parsed (so a malformed pattern is an error with its position), but
 * only an OR of `=` / `IN` / `ISSUBSET` comparisons on the paths in SUPPORTED_PATHS becomes values.
 * Anything that is a condition rather than a list of values (observations joined with AND or
 * FOLLOWEDBY, qualifiers, MATCHES, LIKE, NOT, other objects) is reported as `unsupported`.
 */

/** A value the pattern matches on: `type` from the object path, `value` as written in the pattern. */
export interface StixPatternValue {
  type: IndicatorType;
  value: string;
}

/**
 * The values the pattern is an OR of. `unsupported` says what could not become a value; it may come
 * with values when only some alternatives of an OR are plain values (those still identify on their own).
 */
export interface StixPatternResult {
  values: StixPatternValue[];
  unsupported?: string;
}

/** A pattern that is not STIX patterning; `position` is the 0-based offset into the pattern. */
export class StixPatternError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'StixPatternError';
    this.position = position;
  }
}

// --- Tokens -----------------------------------------------------------------------------------------

type TokenKind =
  | 'word'
  | 'string'
  | 'timestamp'
  | 'hex'
  | 'binary'
  | 'number'
  | 'operator'
  | '['
  | ']'
  | '('
  | ')'
  | ':'
  | '.'
  | ','
  | '*'
  | 'end';

export interface PatternToken {
  kind: TokenKind;
  /** Words and operators as written; string-like literals unescaped. */
  text: string;
  position: number;
}

const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isWordChar = (c: string) => isLetter(c) || isDigit(c) || c === '-';
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const PUNCTUATION = new Set(['[', ']', '(', ')', ':', '.', ',', '*']);
// Longest first, so `<=` is not read as `<` then `=`.
const OPERATORS = ['!=', '<=', '>=', '=', '<', '>'];
// t'...' timestamps, h'...' hex and b'...' base64 binaries are quoted like strings.
const LITERAL_PREFIXES = new Map<string, TokenKind>([
  ['t', 'timestamp'],
  ['h', 'hex'],
  ['b', 'binary'],
]);

/** A quoted string from `start` (at the opening quote): `\'` and `\\` are the only escapes. */
function readQuoted(pattern: string, start: number): { text: string; end: number } {
  let text = '';
  let index = start + 1;
  while (index < pattern.length) {
    const c = pattern[index] as string;
    if (c === "'") return { text, end: index + 1 };
    if (c === '\\') {
      const next = pattern[index + 1];
      if (next !== "'" && next !== '\\') throw new StixPatternError(`invalid escape "\\${next ?? ''}" in a string (only \\' and \\\\)`, index);
      text += next;
      index += 2;
      continue;
    }
    text += c;
    index += 1;
  }
  throw new StixPatternError('unterminated string', start);
}

function readNumber(pattern: string, start: number): number {
  let index = start;
  if (pattern[index] === '-' || pattern[index] === '+') index += 1;
  const digitsStart = index;
  while (index < pattern.length && isDigit(pattern[index] as string)) index += 1;
  if (pattern[index] === '.' && isDigit(pattern[index + 1] ?? '')) {
    index += 1;
    while (index < pattern.length && isDigit(pattern[index] as string)) index += 1;
  }
  if (index === digitsStart) throw new StixPatternError(`unexpected "${pattern[start]}"`, start);
  return index;
}

/** Splits a pattern into tokens, ending with an `end` token. */
export function tokenizeStixPattern(pattern: string): PatternToken[] {
  const tokens: PatternToken[] = [];
  let index = 0;
  while (index < pattern.length) {
    const c = pattern[index] as string;
    if (isSpace(c)) {
      index += 1;
      continue;
    }
    if (PUNCTUATION.has(c)) {
      tokens.push({ kind: c as TokenKind, text: c, position: index });
      index += 1;
      continue;
    }
    const operator = OPERATORS.find((op) => pattern.startsWith(op, index));
    if (operator) {
      tokens.push({ kind: 'operator', text: operator, position: index });
      index += operator.length;
      continue;
    }
    if (c === "'") {
      const { text, end } = readQuoted(pattern, index);
      tokens.push({ kind: 'string', text, position: index });
      index = end;
      continue;
    }
    const prefixed = LITERAL_PREFIXES.get(c);
    if (prefixed && pattern[index + 1] === "'") {
      const { text, end } = readQuoted(pattern, index + 1);
      tokens.push({ kind: prefixed, text, position: index });
      index = end;
      continue;
    }
    if (isDigit(c) || ((c === '-' || c === '+') && isDigit(pattern[index + 1] ?? ''))) {
      const end = readNumber(pattern, index);
      tokens.push({ kind: 'number', text: pattern.slice(index, end), position: index });
      index = end;
      continue;
    }
    if (isLetter(c)) {
      let end = index + 1;
      while (end < pattern.length && isWordChar(pattern[end] as string)) end += 1;
      tokens.push({ kind: 'word', text: pattern.slice(index, end), position: index });
      index = end;
      continue;
    }
    throw new StixPatternError(`unexpected character "${c}"`, index);
  }
  tokens.push({ kind: 'end', text: '', position: pattern.length });
  return tokens;
}

// --- Syntax tree --------------------------------------------------------------------------------------

/** `file:hashes.'SHA-256'` is `{ objectType: 'file', steps: ['hashes', 'SHA-256'] }`; `[*]` is '*'. */
export interface ObjectPath {
  objectType: string;
  steps: Array<string | number>;
  position: number;
}

export interface Literal {
  kind: 'string' | 'timestamp' | 'hex' | 'binary' | 'number' | 'boolean';
  text: string;
}

export type ComparisonExpression =
  | { kind: 'test'; path: ObjectPath; negated: boolean; operator: string; literals: Literal[]; position: number }
  | { kind: 'exists'; path: ObjectPath; position: number }
  | { kind: 'and' | 'or'; operands: ComparisonExpression[] };

export type ObservationExpression =
  | { kind: 'observation'; comparison: ComparisonExpression }
  | { kind: 'and' | 'or' | 'followedby'; operands: ObservationExpression[] }
  | { kind: 'qualified'; qualifier: 'WITHIN' | 'REPEATS' | 'START'; expression: ObservationExpression };

const COMPARISON_KEYWORDS = new Set(['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET', 'IN']);
// Deeper nesting is no real pattern; the limit keeps a hostile one from exhausting the stack.
const MAX_NESTING = 64;

/** Recursive descent over the STIX 2.1 pattern grammar (STIX 2.1 section 9). */
class PatternParser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: PatternToken[]) {}

  parse(): ObservationExpression {
    const expression = this.observationExpressions();
    const rest = this.peek();
    if (rest.kind !== 'end') throw this.unexpected(rest, 'end of pattern');
    return expression;
  }

  private peek(): PatternToken {
    return this.tokens[this.index] as PatternToken;
  }

  private next(): PatternToken {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private isWord(text: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text === text;
  }

  private expect(kind: TokenKind, what: string): PatternToken {
    const token = this.peek();
    if (token.kind !== kind) throw this.unexpected(token, what);
    return this.next();
  }

  private expectWord(text: string): void {
    if (!this.isWord(text)) throw this.unexpected(this.peek(), text);
    this.next();
  }

  private unexpected(token: PatternToken, expected: string): StixPatternError {
    const found = token.kind === 'end' ? 'end of pattern' : token.kind === 'string' ? 'a string' : `"${token.text}"`;
    return new StixPatternError(`expected ${expected} but found ${found}`, token.position);
  }

  private nested<T>(position: number, parse: () => T): T {
    this.depth += 1;
    if (this.depth > MAX_NESTING) throw new StixPatternError(`nested more than ${MAX_NESTING} levels`, position);
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  // observationExpressions: or-expression (FOLLOWEDBY or-expression)*
  private observationExpressions(): ObservationExpression {
    return this.binary('FOLLOWEDBY', 'followedby', () => this.binary('OR', 'or', () => this.binary('AND', 'and', () => this.qualified())));
  }

  private binary<K extends string, T extends { kind: string }>(keyword: string, kind: K, operand: () => T): T | { kind: K; operands: T[] } {
    const first = operand();
    if (!this.isWord(keyword)) return first;
    const operands = [first];
    while (this.isWord(keyword)) {
      this.next();
      operands.push(operand());
    }
    return { kind, operands };
  }

  private qualified(): ObservationExpression {
    let expression = this.observationPrimary();
    for (;;) {
      if (this.isWord('WITHIN')) {
        this.next();
        this.expect('number', 'a number of seconds');
        this.expectWord('SECONDS');
        expression = { kind: 'qualified', qualifier: 'WITHIN', expression };
      } else if (this.isWord('REPEATS')) {
        this.next();
        this.expect('number', 'a repeat count');
        this.expectWord('TIMES');
        expression = { kind: 'qualified', qualifier: 'REPEATS', expression };
      } else if (this.isWord('START')) {
        this.next();
        this.expect('timestamp', "a timestamp t'...'");
        this.expectWord('STOP');
        this.expect('timestamp', "a timestamp t'...'");
        expression = { kind: 'qualified', qualifier: 'START', expression };
      } else {
        return expression;
      }
    }
  }

  private observationPrimary(): ObservationExpression {
    const token = this.peek();
    if (token.kind === '[') {
      this.next();
      const comparison = this.nested(token.position, () => this.comparisonExpression());
      this.expect(']', '"]"');
      return { kind: 'observation', comparison };
    }
    if (token.kind === '(') {
      this.next();
      const inner = this.nested(token.position, () => this.observationExpressions());
      this.expect(')', '")"');
      return inner;
    }
    throw this.unexpected(token, 'an observation "[...]"');
  }

  private comparisonExpression(): ComparisonExpression {
    return this.binary('OR', 'or', () => this.binary('AND', 'and', () => this.propertyTest()));
  }

  private propertyTest(): ComparisonExpression {
    const token = this.peek();
    if (token.kind === '(') {
      this.next();
      const inner = this.nested(token.position, () => this.comparisonExpression());
      this.expect(')', '")"');
      return inner;
    }
    if (this.isWord('EXISTS')) {
      this.next();
      return { kind: 'exists', path: this.objectPath(), position: token.position };
    }
    const path = this.objectPath();
    const negated = this.isWord('NOT');
    if (negated) this.next();
    const operatorToken = this.peek();
    if (operatorToken.kind === 'operator') {
      this.next();
      return { kind: 'test', path, negated, operator: operatorToken.text, literals: [this.literal()], position: operatorToken.position };
    }
    if (operatorToken.kind === 'word' && COMPARISON_KEYWORDS.has(operatorToken.text)) {
      this.next();
      const literals = operatorToken.text === 'IN' ? this.setLiteral() : [this.literal()];
      return { kind: 'test', path, negated, operator: operatorToken.text, literals, position: operatorToken.position };
    }
    throw this.unexpected(operatorToken, 'a comparison operator');
  }

  private objectPath(): ObjectPath {
    const typeToken = this.expect('word', 'an object type like ipv4-addr');
    this.expect(':', '":"');
    const steps: Array<string | number> = [this.pathStep()];
    for (;;) {
      const token = this.peek();
      if (token.kind === '.') {
        this.next();
        steps.push(this.pathStep());
      } else if (token.kind === '[') {
        // `[` right after a path is a list index; `[` elsewhere opens an observation.
        this.next();
        const index = this.next();
        if (index.kind === '*') steps.push('*');
        else if (index.kind === 'number' && /^\d+$/.test(index.text)) steps.push(Number(index.text));
        else throw this.unexpected(index, 'a list index or "*"');
        this.expect(']', '"]"');
      } else {
        return { objectType: typeToken.text, steps, position: typeToken.position };
      }
    }
  }

  private pathStep(): string {
    const token = this.next();
    if (token.kind === 'word' || token.kind === 'string') return token.text;
    throw this.unexpected(token, 'a property name');
  }

  private literal(): Literal {
    const token = this.next();
    switch (token.kind) {
      case 'string':
      case 'timestamp':
      case 'hex':
      case 'binary':
      case 'number':
        return { kind: token.kind, text: token.text };
      case 'word':
        if (token.text === 'true' || token.text === 'false') return { kind: 'boolean', text: token.text };
        throw this.unexpected(token, 'a value');
      default:
        throw this.unexpected(token, 'a value');
    }
  }

  private setLiteral(): Literal[] {
    this.expect('(', '"(" opening a set of values');
    const literals = [this.literal()];
    while (this.peek().kind === ',') {
      this.next();
      literals.push(this.literal());
    }
    this.expect(')', '")" closing the set');
    return literals;
  }
}

/** The syntax tree of a STIX pattern; throws StixPatternError where it is not STIX patterning. */
export function parseStixPatternSyntax(pattern: string): ObservationExpression {
  return new PatternParser(tokenizeStixPattern(pattern)).parse();
}

// --- From syntax to values ------------------------------------------------------------------------------

const HASH_TYPES = new Map<string, IndicatorType>([
  ['md5', 'md5'],
  ['sha1', 'sha1'],
  ['sha256', 'sha256'],
]);

/** `file:hashes.'SHA-256'` → sha256 (STIX writes `SHA-256`, real feeds `md5` or `SHA256`). */
function hashType(path: ObjectPath): IndicatorType | undefined {
  if (path.objectType !== 'file' || path.steps.length !== 2 || path.steps[0] !== 'hashes') return undefined;
  const name = String(path.steps[1]).toLowerCase().replace(/-/g, '');
  return HASH_TYPES.get(name);
}

// The paths whose value is an indicator on its own.
const SUPPORTED_PATHS = new Map<string, IndicatorType>([
  ['ipv4-addr:value', 'ipv4'],
  ['ipv6-addr:value', 'ipv6'],
  ['domain-name:value', 'domain'],
  ['url:value', 'url'],
  ['email-addr:value', 'email'],
  ['email-message:from_ref.value', 'email'],
]);

function describePath(path: ObjectPath): string {
  const steps = path.steps.map((step) => (typeof step === 'number' || step === '*' ? `[${step}]` : /^[a-z_][a-z0-9_]*$/i.test(step) ? `.${step}` : `.'${step}'`));
  return `${path.objectType}:${steps.join('').replace(/^\./, '')}`;
}

function indicatorTypeOf(path: ObjectPath): IndicatorType | undefined {
  return hashType(path) ?? SUPPORTED_PATHS.get(`${path.objectType}:${path.steps.join('.')}`);
}

/** What one part of a pattern gives: its values, what it left out, and whether a hash pins the object. */
interface Evaluation {
  values: StixPatternValue[];
  unsupported: string[];
  /** Every value is a file hash and nothing was left out: it names the object whatever else is ANDed. */
  identifying: boolean;
}

const nothing = (why: string): Evaluation => ({ values: [], unsupported: [why], identifying: false });

function evaluateTest(test: Extract<ComparisonExpression, { kind: 'test' }>): Evaluation {
  const where = describePath(test.path);
  const type = indicatorTypeOf(test.path);
  if (type === undefined) return nothing(`${where} is not a path forestall matches on`);
  if (test.negated) return nothing(`NOT ${test.operator} on ${where}`);
  if (test.literals.some((literal) => literal.kind !== 'string')) return nothing(`a non-string value for ${where}`);
  const texts = test.literals.map((literal) => literal.text);
  const isHash = type === 'md5' || type === 'sha1' || type === 'sha256';
  switch (test.operator) {
    case '=':
    case 'IN':
      // STIX allows a CIDR block as an ipv4-addr / ipv6-addr value.
      return {
        values: texts.map((value) => ({ type: (type === 'ipv4' || type === 'ipv6') && value.includes('/') ? 'cidr' : type, value })),
        unsupported: [],
        identifying: isHash,
      };
    case 'ISSUBSET':
      if (type === 'ipv4' || type === 'ipv6') return { values: texts.map((value) => ({ type: 'cidr', value })), unsupported: [], identifying: false };
      return nothing(`ISSUBSET on ${where}`);
    default:
      return nothing(`${test.operator} on ${where}`);
  }
}

function evaluateComparison(expression: ComparisonExpression): Evaluation {
  switch (expression.kind) {
    case 'test':
      return evaluateTest(expression);
    case 'exists':
      return nothing(`EXISTS ${describePath(expression.path)}`);
    case 'or': {
      const parts = expression.operands.map(evaluateComparison);
      return {
        values: parts.flatMap((part) => part.values),
        unsupported: parts.flatMap((part) => part.unsupported),
        identifying: parts.every((part) => part.identifying),
      };
    }
    case 'and': {
      const parts = expression.operands.map(evaluateComparison);
      // `[file:name = 'x' AND file:hashes.MD5 = 'h']`: the hash is the file; the name only narrows it.
      const pinned = parts.filter((part) => part.identifying);
      if (pinned.length > 0) return { values: pinned.flatMap((part) => part.values), unsupported: [], identifying: true };
      return nothing('comparisons joined with AND that no file hash identifies');
    }
  }
}

function evaluateObservation(expression: ObservationExpression): Evaluation {
  switch (expression.kind) {
    case 'observation':
      return evaluateComparison(expression.comparison);
    case 'or': {
      const parts = expression.operands.map(evaluateObservation);
      return { values: parts.flatMap((part) => part.values), unsupported: parts.flatMap((part) => part.unsupported), identifying: false };
    }
    case 'and':
      return nothing('observations joined with AND');
    case 'followedby':
      return nothing('observations joined with FOLLOWEDBY');
    case 'qualified':
      return nothing(`the ${expression.qualifier === 'START' ? 'START/STOP' : expression.qualifier} qualifier`);
  }
}

/**
 * The plain values a STIX pattern is an OR of: `[ipv4-addr:value = '198.51.100.1' OR
 * domain-name:value = 'example.com']` gives two. Values are as written (not yet normalised), each once.
 * Throws StixPatternError when the text is not STIX patterning.
 */
export function parseStixPattern(pattern: string): StixPatternResult {
  const evaluation = evaluateObservation(parseStixPatternSyntax(pattern));
  const seen = new Set<string>();
  const values = evaluation.values.filter((value) => {
    const key = `${value.type}\u0000${value.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const unsupported = [...new Set(evaluation.unsupported)];
  return unsupported.length > 0 ? { values, unsupported: unsupported.join('; ') } : { values };
}
