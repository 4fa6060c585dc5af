/**
 * The `$filter` subset a sync needs, parsed into a small AST and evaluated against an item's JSON
 * representation: eq/ne/gt/ge/lt/le, and/or/not, parentheses, startswith/endswith/contains, string,
 * number, boolean, null and date-time literals, `a/b` property paths, and `any`/`all` lambdas (such as
 * `singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`). Which paths and lambdas an
 * endpoint accepts is decided by the caller (`filterPaths`), as Graph's services differ there.
 */

export type Literal = string | number | boolean | null;

export type Operand =
  | { t: 'lit'; value: Literal; kind: 'string' | 'number' | 'bool' | 'null' | 'datetime' }
  | { t: 'path'; segments: string[] }
  | { t: 'fn'; name: string; args: Operand[] };

export type FilterNode =
  | { t: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { t: 'not'; expr: FilterNode }
  | { t: 'cmp'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; left: Operand; right: Operand }
  | { t: 'call'; fn: Operand & { t: 'fn' } }
  | { t: 'lambda'; segments: string[]; quantifier: 'any' | 'all'; variable?: string; body?: FilterNode };

export class FilterSyntaxError extends Error {}

type Token = { k: 'str'; v: string } | { k: 'num'; v: number } | { k: 'dt'; v: string } | { k: 'id'; v: string } | { k: 'p'; v: string };

const DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i += 1; continue; }
    if ('()/,:'.includes(c)) { tokens.push({ k: 'p', v: c }); i += 1; continue; }
    if (c === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw new FilterSyntaxError('Unterminated string literal.');
        if (text[i] === "'") {
          if (text[i + 1] === "'") { value += "'"; i += 2; continue; }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      tokens.push({ k: 'str', v: value });
      continue;
    }
    const dt = DATETIME.exec(text.slice(i));
    if (dt && dt[1]) { tokens.push({ k: 'dt', v: dt[0] }); i += dt[0].length; continue; }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num) { tokens.push({ k: 'num', v: Number(num[0]) }); i += num[0].length; continue; }
    const id = /^[A-Za-z_@][A-Za-z0-9_.@]*/.exec(text.slice(i));
    if (id) { tokens.push({ k: 'id', v: id[0] }); i += id[0].length; continue; }
    throw new FilterSyntaxError(`Syntax error at position ${i} in '${text}'.`);
  }
  return tokens;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['startswith', 'endswith', 'contains']);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token | undefined { return this.tokens[this.pos + offset]; }
  private next(): Token {
    const t = this.tokens[this.pos];
    if (!t) throw new FilterSyntaxError('Unexpected end of filter expression.');
    this.pos += 1;
    return t;
  }
  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.k === 'id' && t.v.toLowerCase() === word;
  }
  private expect(p: string): void {
    const t = this.next();
    if (t.k !== 'p' || t.v !== p) throw new FilterSyntaxError(`Expected '${p}'.`);
  }

  parse(): FilterNode {
    const node = this.or();
    if (this.pos < this.tokens.length) throw new FilterSyntaxError('Syntax error: unexpected tokens at the end of the filter.');
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
    const t = this.peek();
    if (t?.k === 'p' && t.v === '(') {
      this.pos += 1;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    const lambda = this.tryLambda();
    if (lambda) return lambda;
    const left = this.operand();
    const op = this.peek();
    if (op?.k === 'id' && COMPARISONS.has(op.v.toLowerCase())) {
      this.pos += 1;
      return { t: 'cmp', op: op.v.toLowerCase() as 'eq', left, right: this.operand() };
    }
    if (left.t === 'fn') return { t: 'call', fn: left };
    throw new FilterSyntaxError('Syntax error: expected a comparison operator.');
  }

  /** path '/' (any|all) '(' [var ':' expr] ')' */
  private tryLambda(): FilterNode | undefined {
    const start = this.pos;
    const segments: string[] = [];
    while (this.peek()?.k === 'id') {
      segments.push((this.next() as { v: string }).v);
      const slash = this.peek();
      if (!(slash?.k === 'p' && slash.v === '/')) break;
      this.pos += 1;
      if ((this.isWord('any') || this.isWord('all')) && this.peek(1)?.k === 'p' && (this.peek(1) as { v: string }).v === '(') {
        const quantifier = (this.next() as { v: string }).v.toLowerCase() as 'any' | 'all';
        this.expect('(');
        if (this.peek()?.k === 'p' && (this.peek() as { v: string }).v === ')') {
          this.pos += 1;
          return { t: 'lambda', segments, quantifier };
        }
        const variable = this.next();
        if (variable.k !== 'id') throw new FilterSyntaxError('Expected a lambda variable.');
        this.expect(':');
        const body = this.or();
        this.expect(')');
        return { t: 'lambda', segments, quantifier, variable: variable.v, body };
      }
    }
    this.pos = start;
    return undefined;
  }

  private operand(): Operand {
    const t = this.next();
    if (t.k === 'str') return { t: 'lit', value: t.v, kind: 'string' };
    if (t.k === 'num') return { t: 'lit', value: t.v, kind: 'number' };
    if (t.k === 'dt') return { t: 'lit', value: t.v, kind: 'datetime' };
    if (t.k === 'id') {
      const word = t.v.toLowerCase();
      if (word === 'true' || word === 'false') return { t: 'lit', value: word === 'true', kind: 'bool' };
      if (word === 'null') return { t: 'lit', value: null, kind: 'null' };
      const paren = this.peek();
      if (paren?.k === 'p' && paren.v === '(') {
        if (!FUNCTIONS.has(word)) throw new FilterSyntaxError(`An unknown function with name '${t.v}' was found.`);
        this.pos += 1;
        const args: Operand[] = [this.operand()];
        while (this.peek()?.k === 'p' && (this.peek() as { v: string }).v === ',') { this.pos += 1; args.push(this.operand()); }
        this.expect(')');
        return { t: 'fn', name: word, args };
      }
      const segments = [t.v];
      while (this.peek()?.k === 'p' && (this.peek() as { v: string }).v === '/' && this.peek(1)?.k === 'id') {
        this.pos += 1;
        segments.push((this.next() as { v: string }).v);
      }
      return { t: 'path', segments };
    }
    throw new FilterSyntaxError(`Syntax error: unexpected '${t.v}'.`);
  }
}

export function parseFilter(text: string): FilterNode {
  return new Parser(tokenize(text)).parse();
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

type Scope = { variable: string; value: unknown } | undefined;

function resolve(root: Record<string, unknown>, segments: string[], scope: Scope): unknown {
  let current: unknown = root;
  let rest = segments;
  if (scope && segments[0] === scope.variable) { current = scope.value; rest = segments.slice(1); }
  for (const s of rest) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[s];
  }
  return current;
}

function value(root: Record<string, unknown>, o: Operand, scope: Scope): unknown {
  if (o.t === 'lit') return o.value;
  if (o.t === 'path') return resolve(root, o.segments, scope);
  const args = o.args.map((a) => value(root, a, scope));
  const [a, b] = args.map((x) => (typeof x === 'string' ? x.toLowerCase() : x));
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  if (o.name === 'startswith') return a.startsWith(b);
  if (o.name === 'endswith') return a.endsWith(b);
  return a.includes(b);
}

const ISO = /^\d{4}-\d{2}-\d{2}T/;

function compare(op: string, left: unknown, right: unknown, rightKind?: string, leftKind?: string): boolean {
  if (left === undefined) left = null;
  if (right === undefined) right = null;
  if (left === null || right === null) {
    if (op === 'eq') return left === right;
    if (op === 'ne') return left !== right;
    return false;
  }
  let l: string | number | boolean = left as string | number | boolean;
  let r: string | number | boolean = right as string | number | boolean;
  if ((rightKind === 'datetime' || leftKind === 'datetime') && typeof l === 'string' && typeof r === 'string' && ISO.test(l) && ISO.test(r)) {
    l = Date.parse(/Z|[+-]\d{2}:\d{2}$/.test(l) ? l : `${l}Z`);
    r = Date.parse(/Z|[+-]\d{2}:\d{2}$/.test(r) ? r : `${r}Z`);
  } else if (typeof l === 'string' && typeof r === 'string') {
    // Exchange compares strings case-insensitively.
    l = l.toLowerCase();
    r = r.toLowerCase();
  }
  switch (op) {
    case 'eq': return l === r;
    case 'ne': return l !== r;
    case 'gt': return l > r;
    case 'ge': return l >= r;
    case 'lt': return l < r;
    default: return l <= r;
  }
}

/**
 * Evaluates the filter against `root` (the item as Graph would return it). `collections` supplies
 * navigation collections that are not part of the representation (extended properties).
 */
export function evaluateFilter(node: FilterNode, root: Record<string, unknown>, collections: Record<string, unknown[]> = {}, scope?: Scope): boolean {
  switch (node.t) {
    case 'and': return evaluateFilter(node.left, root, collections, scope) && evaluateFilter(node.right, root, collections, scope);
    case 'or': return evaluateFilter(node.left, root, collections, scope) || evaluateFilter(node.right, root, collections, scope);
    case 'not': return !evaluateFilter(node.expr, root, collections, scope);
    case 'call': return value(root, node.fn, scope) === true;
    case 'cmp': {
      const lk = node.left.t === 'lit' ? node.left.kind : undefined;
      const rk = node.right.t === 'lit' ? node.right.kind : undefined;
      return compare(node.op, value(root, node.left, scope), value(root, node.right, scope), rk, lk);
    }
    case 'lambda': {
      const key = node.segments.join('/');
      const raw = key in collections ? collections[key] : resolve(root, node.segments, scope);
      const items = Array.isArray(raw) ? raw : [];
      if (!node.body || !node.variable) return node.quantifier === 'any' ? items.length > 0 : true;
      const test = (item: unknown): boolean => evaluateFilter(node.body!, root, collections, { variable: node.variable!, value: item });
      return node.quantifier === 'any' ? items.some(test) : items.every(test);
    }
  }
}
