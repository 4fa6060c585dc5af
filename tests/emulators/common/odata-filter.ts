/**
 * The OData `$filter` subset the emulators understand — one tokenizer, parser and evaluator, with a
 * `FilterDialect` for what differs between the services (Graph: `graph/odata-filter.ts`, Dataverse:
 * `dataverse/odata-filter.ts`). Common to both: eq/ne/gt/ge/lt/le, and/or/not (any case), parentheses,
 * the text functions startswith/endswith/contains (case-insensitive), 'text' with doubled quotes, numbers,
 * true/false/null and date-time literals; `ne` matches nulls and null is never greater or less.
 * What a dialect chooses: property paths and any/all lambdas, literal kinds (GUIDs, dates, date-times
 * without an offset, number suffixes), how true/false/null are recognised, and each error's wording and
 * the error it is raised as. How values are read and compared is the evaluating service's
 * (`FilterSemantics`).
 */

export type LiteralKind = 'string' | 'number' | 'bool' | 'null' | 'datetime' | 'date' | 'guid';
export type Literal = string | number | boolean | null;
export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type TextFunction = 'startswith' | 'endswith' | 'contains';

export type Operand =
  | { t: 'lit'; value: Literal; kind: LiteralKind }
  | { t: 'path'; segments: string[] }
  | { t: 'fn'; name: string; args: Operand[] };

export type FilterNode =
  | { t: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { t: 'not'; expr: FilterNode }
  | { t: 'cmp'; op: CompareOp; left: Operand; right: Operand }
  | { t: 'call'; fn: Operand & { t: 'fn' } }
  | { t: 'lambda'; segments: string[]; quantifier: 'any' | 'all'; variable?: string; body?: FilterNode };

export type Comparison = FilterNode & { t: 'cmp' };

/** The ways a filter can be malformed; each dialect words them (and positions them) as its service does. */
export type FilterErrorKind =
  | 'unterminatedString' // a quote never closed; `position`: the opening quote's character offset
  | 'unexpectedCharacter' // nothing tokenizes here; `position`: character offset
  | 'unexpectedEnd' // an operand or ')' missing at the end; `position`: the token count
  | 'expectedPunctuation' // `expected` (')', ':') missing; `position`: the index of the token found instead
  | 'trailingTokens' // tokens after a complete expression; `position`: the first one's index
  | 'expectedComparison' // an operand not followed by eq/ne/…; `position`: the index of what follows
  | 'expectedLambdaVariable' // `any(` followed by something other than a name; `position`: its index
  | 'unknownFunction' // `name`: the function as written
  | 'unexpectedToken'; // punctuation where an operand should be; `token`: it, `position`: its index

export interface FilterErrorDetail {
  text: string;
  position: number;
  expected?: string;
  name?: string;
  token?: string;
}

export interface FilterDialect {
  /** `a/b` property paths. */
  paths: boolean;
  /** `path/any(v: …)`, `path/all(v: …)` and `path/any()`. */
  lambdas: boolean;
  /** The functions accepted (any case), among startswith/endswith/contains. */
  functions: readonly TextFunction[];
  /**
   * Whether a function may stand as an operand (`startswith(a,'x') eq true`, nested calls), or only as a
   * boolean term on its own, with properties and literals for arguments.
   */
  functionOperands: boolean;
  /**
   * true/false/null: 'reserved' — lower case only, literals wherever they stand; 'contextual' — any case,
   * literals where an operand starts and names elsewhere (a path segment, a function or lambda variable).
   */
  keywords: 'reserved' | 'contextual';
  literals: {
    /** Unquoted GUIDs (`00000000-0000-…`), read lower-cased. */
    guids: boolean;
    /** Date-only literals (`2024-05-01`). */
    dates: boolean;
    /** Whether a date-time literal must carry `Z` or an offset. */
    dateTimeOffset: 'required' | 'optional';
    /** OData number type suffixes (`1.5m`, `10L`), and no name character straight after a number. */
    numberSuffixes: boolean;
  };
  /** `@` in names (`@odata.type`). */
  annotationNames: boolean;
  messages: Record<FilterErrorKind, (detail: FilterErrorDetail) => string>;
  /** The error a message is thrown as (the service's status and error code). */
  raise(message: string): Error;
}

type Token = { k: 'lit'; kind: LiteralKind; v: Literal } | { k: 'id'; v: string } | { k: 'p'; v: string };

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/;
const DATETIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\w:])/;
const NUMBER = /^-?\d+(\.\d+)?/;
const NUMBER_WITH_SUFFIX = /^-?\d+(\.\d+)?[mMdDfFlL]?(?![\w])/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.]*/;
const NAME_WITH_AT = /^[A-Za-z_@][A-Za-z0-9_.@]*/;
const KEYWORDS: Record<string, Token> = {
  true: { k: 'lit', kind: 'bool', v: true }, false: { k: 'lit', kind: 'bool', v: false }, null: { k: 'lit', kind: 'null', v: null },
};
const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

function fail(dialect: FilterDialect, kind: FilterErrorKind, detail: FilterErrorDetail): Error {
  return dialect.raise(dialect.messages[kind](detail));
}

function tokenize(text: string, dialect: FilterDialect): Token[] {
  const { literals } = dialect;
  const punctuation = `(),${dialect.paths || dialect.lambdas ? '/' : ''}${dialect.lambdas ? ':' : ''}`;
  // Tried in this order where no punctuation or quote starts; a pattern left out (false) is not a kind of this dialect.
  const scanners: Array<[RegExp | false, (match: string) => Token]> = [
    [literals.guids && GUID, (m) => ({ k: 'lit', kind: 'guid', v: m.toLowerCase() })],
    [literals.dateTimeOffset === 'required' ? DATETIME_WITH_OFFSET : DATETIME, (m) => ({ k: 'lit', kind: 'datetime', v: m })],
    [literals.dates && DATE, (m) => ({ k: 'lit', kind: 'date', v: m })],
    [literals.numberSuffixes ? NUMBER_WITH_SUFFIX : NUMBER, (m) => ({ k: 'lit', kind: 'number', v: parseFloat(m) })],
    [dialect.annotationNames ? NAME_WITH_AT : NAME, (m) => (dialect.keywords === 'reserved' && Object.hasOwn(KEYWORDS, m) ? KEYWORDS[m]! : { k: 'id', v: m })],
  ];
  const tokens: Token[] = [];
  let i = 0;
  scan: while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i += 1; continue; }
    if (punctuation.includes(c)) { tokens.push({ k: 'p', v: c }); i += 1; continue; }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw fail(dialect, 'unterminatedString', { text, position: i });
        if (text[j] === "'") {
          if (text[j + 1] === "'") { value += "'"; j += 2; continue; }
          j += 1;
          break;
        }
        value += text[j];
        j += 1;
      }
      tokens.push({ k: 'lit', kind: 'string', v: value });
      i = j;
      continue;
    }
    const rest = text.slice(i);
    for (const [pattern, token] of scanners) {
      const match = pattern && pattern.exec(rest);
      if (match) { tokens.push(token(match[0])); i += match[0].length; continue scan; }
    }
    throw fail(dialect, 'unexpectedCharacter', { text, position: i });
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[], private readonly text: string, private readonly dialect: FilterDialect) {}

  private fail(kind: FilterErrorKind, position: number, extra: Partial<FilterErrorDetail> = {}): Error {
    return fail(this.dialect, kind, { text: this.text, position, ...extra });
  }
  private peek(offset = 0): Token | undefined { return this.tokens[this.pos + offset]; }
  private next(): Token {
    const t = this.tokens[this.pos];
    if (!t) throw this.fail('unexpectedEnd', this.pos);
    this.pos += 1;
    return t;
  }
  private isWord(word: string): boolean {
    const t = this.peek();
    return t?.k === 'id' && t.v.toLowerCase() === word;
  }
  private isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.k === 'p' && t.v === p;
  }
  private expect(p: string): void {
    const t = this.next();
    if (t.k !== 'p' || t.v !== p) throw this.fail('expectedPunctuation', this.pos - 1, { expected: p });
  }

  parse(): FilterNode {
    const node = this.or();
    if (this.pos < this.tokens.length) throw this.fail('trailingTokens', this.pos);
    return node;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.isWord('or')) { this.pos += 1; left = { t: 'or', left, right: this.and() }; }
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.isWord('and')) { this.pos += 1; left = { t: 'and', left, right: this.unary() }; }
    return left;
  }

  private unary(): FilterNode {
    if (this.isWord('not')) { this.pos += 1; return { t: 'not', expr: this.unary() }; }
    if (this.isPunct('(')) {
      this.pos += 1;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (this.dialect.lambdas) {
      const lambda = this.tryLambda();
      if (lambda) return lambda;
    }
    if (!this.dialect.functionOperands && this.peek()?.k === 'id' && this.isPunct('(', 1)) return { t: 'call', fn: this.call(this.next() as { v: string }) };
    const left = this.operand();
    const op = this.peek();
    if (op?.k === 'id' && COMPARISONS.has(op.v.toLowerCase())) {
      this.pos += 1;
      return { t: 'cmp', op: op.v.toLowerCase() as CompareOp, left, right: this.operand() };
    }
    if (left.t === 'fn') return { t: 'call', fn: left };
    throw this.fail('expectedComparison', this.pos);
  }

  /** path '/' (any|all) '(' [var ':' expr] ')' */
  private tryLambda(): FilterNode | undefined {
    const start = this.pos;
    const segments: string[] = [];
    while (this.peek()?.k === 'id') {
      segments.push((this.next() as { v: string }).v);
      if (!this.isPunct('/')) break;
      this.pos += 1;
      if ((this.isWord('any') || this.isWord('all')) && this.isPunct('(', 1)) {
        const quantifier = (this.next() as { v: string }).v.toLowerCase() as 'any' | 'all';
        this.expect('(');
        if (this.isPunct(')')) {
          this.pos += 1;
          return { t: 'lambda', segments, quantifier };
        }
        const variable = this.next();
        if (variable.k !== 'id') throw this.fail('expectedLambdaVariable', this.pos - 1);
        this.expect(':');
        const body = this.or();
        this.expect(')');
        return { t: 'lambda', segments, quantifier, variable: variable.v, body };
      }
    }
    this.pos = start;
    return undefined;
  }

  /** name '(' operand {',' operand} ')': `t` is the name, just read, with '(' next. */
  private call(t: { v: string }): Operand & { t: 'fn' } {
    const name = t.v.toLowerCase();
    if (!(this.dialect.functions as readonly string[]).includes(name)) throw this.fail('unknownFunction', this.pos - 1, { name: t.v });
    this.pos += 1;
    const args: Operand[] = [this.operand()];
    while (this.isPunct(',')) { this.pos += 1; args.push(this.operand()); }
    this.expect(')');
    return { t: 'fn', name, args };
  }

  private operand(): Operand {
    const t = this.next();
    if (t.k === 'lit') return { t: 'lit', value: t.v, kind: t.kind };
    if (t.k === 'id') {
      const word = t.v.toLowerCase();
      if (this.dialect.keywords === 'contextual' && Object.hasOwn(KEYWORDS, word)) {
        const keyword = KEYWORDS[word] as Token & { k: 'lit' };
        return { t: 'lit', value: keyword.v, kind: keyword.kind };
      }
      if (this.dialect.functionOperands && this.isPunct('(')) return this.call(t);
      const segments = [t.v];
      while (this.dialect.paths && this.isPunct('/') && this.peek(1)?.k === 'id') {
        this.pos += 1;
        segments.push((this.next() as { v: string }).v);
      }
      return { t: 'path', segments };
    }
    throw this.fail('unexpectedToken', this.pos - 1, { token: t.v });
  }
}

export function parseFilter(text: string, dialect: FilterDialect): FilterNode {
  return new Parser(tokenize(text, dialect), text, dialect).parse();
}

/** Every property path the filter touches, with the lambda it sits in (paths relative to the variable). */
export interface FilterPath {
  segments: string[];
  /** For paths inside a lambda: the lambda's collection path from the root. */
  lambda?: string[];
}

export function filterPaths(node: FilterNode): { paths: FilterPath[]; lambdas: string[][] } {
  const paths: FilterPath[] = [];
  const lambdas: string[][] = [];
  const operand = (o: Operand, scope?: { variable: string; collection: string[] }): void => {
    if (o.t === 'fn') { o.args.forEach((a) => operand(a, scope)); return; }
    if (o.t !== 'path') return;
    if (scope && o.segments[0] === scope.variable) paths.push({ segments: o.segments.slice(1), lambda: scope.collection });
    else paths.push({ segments: o.segments });
  };
  const walk = (n: FilterNode, scope?: { variable: string; collection: string[] }): void => {
    switch (n.t) {
      case 'and': case 'or': walk(n.left, scope); walk(n.right, scope); return;
      case 'not': walk(n.expr, scope); return;
      case 'cmp': operand(n.left, scope); operand(n.right, scope); return;
      case 'call': operand(n.fn, scope); return;
      case 'lambda':
        lambdas.push(n.segments);
        if (n.body && n.variable) walk(n.body, { variable: n.variable, collection: n.segments });
    }
  };
  walk(node);
  return { paths, lambdas };
}

/** How a service reads and compares values while a filter is evaluated against one subject (item, row). */
export interface FilterSemantics<S> {
  /** The value at a property path (paths that start with a lambda's variable are read from its element). */
  property(subject: S, segments: string[]): unknown;
  /** The collection a lambda ranges over; `read` reads it as a property path. Defaults to `read()`. */
  collection?(subject: S, segments: string[], read: () => unknown): unknown;
  /**
   * The two sides of a comparison as values that compare with ===, < and > the way the service compares
   * them. Null and undefined (absent) sides are compared by the evaluator: only eq/ne match them.
   */
  comparable(node: Comparison, left: unknown, right: unknown): [unknown, unknown];
}

/** The element a lambda's variable stands for. */
export interface LambdaElement {
  variable: string;
  value: unknown;
}

/** Follows `segments` through nested objects; undefined where one is missing. */
export function readPath(root: unknown, segments: string[]): unknown {
  let current = root;
  for (const s of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[s];
  }
  return current;
}

function read<S>(subject: S, segments: string[], semantics: FilterSemantics<S>, element?: LambdaElement): unknown {
  if (element && segments[0] === element.variable) return readPath(element.value, segments.slice(1));
  return semantics.property(subject, segments);
}

/** startswith/endswith/contains, case-insensitive; false unless both arguments are text. */
function textFunction(name: string, args: unknown[]): boolean {
  const [a, b] = args.map((x) => (typeof x === 'string' ? x.toLowerCase() : x));
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  if (name === 'startswith') return a.startsWith(b);
  if (name === 'endswith') return a.endsWith(b);
  return a.includes(b);
}

function value<S>(o: Operand, subject: S, semantics: FilterSemantics<S>, element?: LambdaElement): unknown {
  if (o.t === 'lit') return o.value;
  if (o.t === 'path') return read(subject, o.segments, semantics, element);
  return textFunction(o.name, o.args.map((a) => value(a, subject, semantics, element)));
}

function compare(op: CompareOp, left: unknown, right: unknown): boolean {
  const l = left === undefined ? null : left as Literal;
  const r = right === undefined ? null : right as Literal;
  if (op === 'eq') return l === r;
  if (op === 'ne') return l !== r;
  if (l === null || r === null) return false;
  switch (op) {
    case 'gt': return l > r;
    case 'ge': return l >= r;
    case 'lt': return l < r;
    default: return l <= r;
  }
}

/** Whether `subject` matches the filter. */
export function evaluateFilter<S>(node: FilterNode, subject: S, semantics: FilterSemantics<S>, element?: LambdaElement): boolean {
  switch (node.t) {
    case 'and': return evaluateFilter(node.left, subject, semantics, element) && evaluateFilter(node.right, subject, semantics, element);
    case 'or': return evaluateFilter(node.left, subject, semantics, element) || evaluateFilter(node.right, subject, semantics, element);
    case 'not': return !evaluateFilter(node.expr, subject, semantics, element);
    case 'call': return value(node.fn, subject, semantics, element) === true;
    case 'cmp': {
      const [l, r] = semantics.comparable(node, value(node.left, subject, semantics, element), value(node.right, subject, semantics, element));
      return compare(node.op, l, r);
    }
    case 'lambda': {
      const readCollection = (): unknown => read(subject, node.segments, semantics, element);
      const raw = semantics.collection ? semantics.collection(subject, node.segments, readCollection) : readCollection();
      const items = Array.isArray(raw) ? raw : [];
      if (!node.body || !node.variable) return node.quantifier === 'any' ? items.length > 0 : true;
      const test = (item: unknown): boolean => evaluateFilter(node.body!, subject, semantics, { variable: node.variable!, value: item });
      return node.quantifier === 'any' ? items.some(test) : items.every(test);
    }
  }
}
