/**
 * The `$filter` subset a sync uses, checked against the table as Dataverse checks it:
 * eq/ne/gt/ge/lt/le, and/or/not, parentheses, contains/startswith/endswith on text; literals 'text', numbers,
 * true/false, null, unquoted GUIDs (`_ownerid_value eq 00000000-…`) and date-times (`modifiedon gt 2024-05-01T00:00:00Z`).
 * Unknown properties and mismatched literal types fail with the OData URI parser's 400s. Text comparisons are
 * case-insensitive (the database collation); `ne` also matches nulls (as FetchXML's `ne` condition does).
 */
import type { ColumnDefinition, Row, TableDefinition } from './context';
import { propertyNotFound, queryError } from './errors';
import { GUID_PATTERN } from './ids';
import { columnForProperty, edmType, isLookup } from './schema';

type LiteralKind = 'string' | 'number' | 'bool' | 'null' | 'guid' | 'datetime' | 'date';
type Operand = { t: 'prop'; name: string } | { t: 'lit'; kind: LiteralKind; value: string | number | boolean | null };
type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
type TextFn = 'contains' | 'startswith' | 'endswith';

type Node =
  | { t: 'and' | 'or'; left: Node; right: Node }
  | { t: 'not'; expr: Node }
  | { t: 'cmp'; op: CompareOp; left: Operand; right: Operand }
  | { t: 'fn'; name: TextFn; args: Operand[] };

type Token = { k: 'lit'; kind: LiteralKind; v: string | number | boolean | null } | { k: 'id'; v: string } | { k: 'p'; v: string };

const OP_KIND: Record<CompareOp, string> = {
  eq: 'Equal', ne: 'NotEqual', gt: 'GreaterThan', ge: 'GreaterThanOrEqual', lt: 'LessThan', le: 'LessThanOrEqual',
};

function syntaxError(position: number, text: string): Error {
  return queryError(`Syntax error at position ${position} in '${text}'.`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const c = text[i]!;
    if (/\s/.test(c)) { i += 1; continue; }
    if ('(),'.includes(c)) { tokens.push({ k: 'p', v: c }); i += 1; continue; }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw queryError(`There is an unterminated string literal at position ${i} in '${text}'.`);
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
    const guid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/.exec(rest);
    if (guid) { tokens.push({ k: 'lit', kind: 'guid', v: guid[0].toLowerCase() }); i += guid[0].length; continue; }
    const dt = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/.exec(rest);
    if (dt) { tokens.push({ k: 'lit', kind: 'datetime', v: dt[0] }); i += dt[0].length; continue; }
    const date = /^\d{4}-\d{2}-\d{2}(?![\w:])/.exec(rest);
    if (date) { tokens.push({ k: 'lit', kind: 'date', v: date[0] }); i += date[0].length; continue; }
    const num = /^-?\d+(\.\d+)?[mMdDfFlL]?(?![\w])/.exec(rest);
    if (num) { tokens.push({ k: 'lit', kind: 'number', v: parseFloat(num[0]) }); i += num[0].length; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (id) {
      const word = id[0];
      if (word === 'true' || word === 'false') tokens.push({ k: 'lit', kind: 'bool', v: word === 'true' });
      else if (word === 'null') tokens.push({ k: 'lit', kind: 'null', v: null });
      else tokens.push({ k: 'id', v: word });
      i += word.length;
      continue;
    }
    throw syntaxError(i, text);
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[], private readonly text: string) {}

  parse(): Node {
    const node = this.or();
    if (this.pos < this.tokens.length) throw syntaxError(this.pos, this.text);
    return node;
  }

  private peek(): Token | undefined { return this.tokens[this.pos]; }
  private isWord(word: string): boolean {
    const t = this.peek();
    return t?.k === 'id' && t.v.toLowerCase() === word;
  }
  private expect(p: string): void {
    const t = this.tokens[this.pos++];
    if (t?.k !== 'p' || t.v !== p) throw syntaxError(this.pos, this.text);
  }

  private or(): Node {
    let left = this.and();
    while (this.isWord('or')) { this.pos += 1; left = { t: 'or', left, right: this.and() }; }
    return left;
  }

  private and(): Node {
    let left = this.unary();
    while (this.isWord('and')) { this.pos += 1; left = { t: 'and', left, right: this.unary() }; }
    return left;
  }

  private unary(): Node {
    if (this.isWord('not')) { this.pos += 1; return { t: 'not', expr: this.unary() }; }
    const t = this.peek();
    if (t?.k === 'p' && t.v === '(') {
      this.pos += 1;
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (t?.k === 'id' && this.tokens[this.pos + 1]?.k === 'p' && (this.tokens[this.pos + 1] as { v: string }).v === '(') {
      const name = t.v.toLowerCase();
      if (name !== 'contains' && name !== 'startswith' && name !== 'endswith') {
        throw queryError(`An unknown function with name '${t.v}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`);
      }
      this.pos += 2;
      const args: Operand[] = [this.operand()];
      while (this.peek()?.k === 'p' && (this.peek() as { v: string }).v === ',') { this.pos += 1; args.push(this.operand()); }
      this.expect(')');
      return { t: 'fn', name, args };
    }
    const left = this.operand();
    const op = this.peek();
    if (op?.k !== 'id' || !['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op.v.toLowerCase())) throw syntaxError(this.pos, this.text);
    this.pos += 1;
    return { t: 'cmp', op: op.v.toLowerCase() as CompareOp, left, right: this.operand() };
  }

  private operand(): Operand {
    const t = this.tokens[this.pos++];
    if (!t) throw syntaxError(this.pos, this.text);
    if (t.k === 'lit') return { t: 'lit', kind: t.kind, value: t.v };
    if (t.k === 'id') return { t: 'prop', name: t.v };
    throw syntaxError(this.pos, this.text);
  }
}

const LITERAL_EDM: Record<LiteralKind, string> = {
  string: 'Edm.String', number: 'Edm.Int32', bool: 'Edm.Boolean', null: 'null', guid: 'Edm.Guid', datetime: 'Edm.DateTimeOffset', date: 'Edm.Date',
};

function literalFits(def: ColumnDefinition, kind: LiteralKind): boolean {
  if (kind === 'null') return true;
  switch (def.type) {
    case 'string': case 'memo': return kind === 'string';
    case 'integer': case 'bigint': case 'decimal': case 'double': case 'money':
    case 'picklist': case 'state': case 'status': return kind === 'number';
    case 'boolean': return kind === 'bool';
    case 'datetime': return kind === 'datetime' || kind === 'date';
    case 'uniqueidentifier': case 'lookup': case 'owner': case 'customer': return kind === 'guid';
    default: return false;
  }
}

/** Parses and type-checks a `$filter` against a table; returns a row predicate. */
export function compileFilter(table: TableDefinition, text: string): (row: Row) => boolean {
  const root = new Parser(tokenize(text), text).parse();
  const resolve = (name: string): { column: string; def: ColumnDefinition } => {
    const found = columnForProperty(table, name);
    if (!found) throw propertyNotFound(table.logicalName, name);
    return found;
  };

  const compile = (node: Node): ((row: Row) => boolean) => {
    switch (node.t) {
      case 'and': { const l = compile(node.left); const r = compile(node.right); return (row) => l(row) && r(row); }
      case 'or': { const l = compile(node.left); const r = compile(node.right); return (row) => l(row) || r(row); }
      case 'not': { const e = compile(node.expr); return (row) => !e(row); }
      case 'fn': {
        const [prop, lit] = node.args;
        if (node.args.length !== 2 || prop?.t !== 'prop' || lit?.t !== 'lit') {
          throw queryError(`The function '${node.name}' takes a property and a text literal.`);
        }
        const { column, def } = resolve(prop.name);
        if ((def.type !== 'string' && def.type !== 'memo') || lit.kind !== 'string') {
          throw queryError(`No function signature for the function with name '${node.name}' matches the specified arguments. The function signatures considered are: ${node.name}(Edm.String Nullable=true, Edm.String).`);
        }
        const needle = String(lit.value).toLowerCase();
        return (row) => {
          const v = row[column];
          if (typeof v !== 'string') return false;
          const hay = v.toLowerCase();
          return node.name === 'contains' ? hay.includes(needle) : node.name === 'startswith' ? hay.startsWith(needle) : hay.endsWith(needle);
        };
      }
      case 'cmp': {
        let { left, right, op } = node;
        if (left.t === 'lit' && right.t === 'prop') {
          [left, right] = [right, left];
          op = ({ gt: 'lt', lt: 'gt', ge: 'le', le: 'ge', eq: 'eq', ne: 'ne' } as const)[op];
        }
        if (left.t !== 'prop' || right.t !== 'lit') throw queryError('Comparisons must be between a property and a literal value.');
        const { column, def } = resolve(left.name);
        if (!literalFits(def, right.kind)) {
          throw queryError(`A binary operator with incompatible types was detected. Found operand types '${edmType(def)}' and '${LITERAL_EDM[right.kind]}' for operator kind '${OP_KIND[op]}'.`);
        }
        return comparer(column, def, op, right.value);
      }
    }
  };
  return compile(root);
}

function comparable(def: ColumnDefinition, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (isLookup(def)) return typeof value === 'object' ? String((value as { id: string }).id).toLowerCase() : String(value).toLowerCase();
  if (def.type === 'datetime') {
    if (def.behavior === 'DateOnly') return String(value).slice(0, 10);
    return Date.parse(String(value));
  }
  if (typeof value === 'string') return GUID_PATTERN.test(value) ? value.toLowerCase() : value.toLowerCase();
  return value as number | boolean;
}

function comparer(column: string, def: ColumnDefinition, op: CompareOp, literal: string | number | boolean | null): (row: Row) => boolean {
  const right = literal === null ? null
    : def.type === 'datetime' && def.behavior !== 'DateOnly' ? Date.parse(String(literal))
      : def.type === 'datetime' ? String(literal).slice(0, 10)
        : typeof literal === 'string' ? literal.toLowerCase() : literal;
  return (row) => {
    const left = comparable(def, row[column]);
    if (op === 'eq') return left === right;
    if (op === 'ne') return left !== right;
    if (left === null || right === null) return false;
    switch (op) {
      case 'gt': return left > right;
      case 'ge': return left >= right;
      case 'lt': return left < right;
      case 'le': return left <= right;
    }
  };
}
