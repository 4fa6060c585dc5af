/**
 * Dataverse's `$filter` dialect of the common parser (../common/odata-filter.ts), checked against the table
 * as Dataverse checks it: plain property names (no paths or lambdas), contains/startswith/endswith on text
 * as terms of their own; literals 'text', numbers (with type suffixes), lower-case true/false/null, unquoted
 * GUIDs (`_ownerid_value eq 00000000-…`), dates and date-times with an offset (`modifiedon gt
 * 2024-05-01T00:00:00Z`). Syntax errors, unknown properties and mismatched literal types fail with the OData
 * URI parser's 400s. Text comparisons are case-insensitive (the database collation); `ne` also matches nulls
 * (as FetchXML's `ne` condition does).
 */
import {
  evaluateFilter, parseFilter, type CompareOp, type FilterDialect, type FilterErrorDetail, type FilterNode, type LiteralKind,
} from '../common/odata-filter';
import type { ColumnDefinition, Row, TableDefinition } from './context';
import { propertyNotFound, queryError } from './errors';
import { columnForProperty, edmType, isLookup } from './schema';

/**
 * Dataverse's syntax error. Past the tokenizer its position counts tokens, and where the parser had read the
 * offending token (or found none to read) it is one past that token.
 */
const syntaxAt = (after: number) => ({ position, text }: FilterErrorDetail): string => `Syntax error at position ${position + after} in '${text}'.`;

export const DATAVERSE_FILTER: FilterDialect = {
  paths: false,
  lambdas: false,
  functions: ['contains', 'startswith', 'endswith'],
  functionOperands: false,
  keywords: 'reserved',
  literals: { guids: true, dates: true, dateTimeOffset: 'required', numberSuffixes: true },
  annotationNames: false,
  messages: {
    unterminatedString: ({ position, text }) => `There is an unterminated string literal at position ${position} in '${text}'.`,
    unexpectedCharacter: syntaxAt(0),
    unexpectedEnd: syntaxAt(1),
    expectedPunctuation: syntaxAt(1),
    trailingTokens: syntaxAt(0),
    expectedComparison: syntaxAt(0),
    expectedLambdaVariable: syntaxAt(1),
    unknownFunction: ({ name }) => `An unknown function with name '${name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
    unexpectedToken: syntaxAt(1),
  },
  raise: (message) => queryError(message),
};

const OP_KIND: Record<CompareOp, string> = {
  eq: 'Equal', ne: 'NotEqual', gt: 'GreaterThan', ge: 'GreaterThanOrEqual', lt: 'LessThan', le: 'LessThanOrEqual',
};

const LITERAL_EDM: Record<LiteralKind, string> = {
  string: 'Edm.String', number: 'Edm.Int32', bool: 'Edm.Boolean', null: 'null', guid: 'Edm.Guid', datetime: 'Edm.DateTimeOffset', date: 'Edm.Date',
};

const FLIPPED = { gt: 'lt', lt: 'gt', ge: 'le', le: 'ge', eq: 'eq', ne: 'ne' } as const;

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

type Column = { column: string; def: ColumnDefinition };

/**
 * Type-checks the filter against the table (first error in reading order wins) and returns it with
 * literal-first comparisons turned round; `columns` receives the column of each property named.
 */
function bind(table: TableDefinition, node: FilterNode, columns: Map<string, Column>): FilterNode {
  const resolve = (name: string): Column => {
    const found = columnForProperty(table, name);
    if (!found) throw propertyNotFound(table.logicalName, name);
    columns.set(name, found);
    return found;
  };
  switch (node.t) {
    case 'and': case 'or': return { t: node.t, left: bind(table, node.left, columns), right: bind(table, node.right, columns) };
    case 'not': return { t: 'not', expr: bind(table, node.expr, columns) };
    case 'call': {
      const { name, args } = node.fn;
      const [prop, lit] = args;
      if (args.length !== 2 || prop?.t !== 'path' || lit?.t !== 'lit') throw queryError(`The function '${name}' takes a property and a text literal.`);
      const { def } = resolve(prop.segments[0]!);
      if ((def.type !== 'string' && def.type !== 'memo') || lit.kind !== 'string') {
        throw queryError(`No function signature for the function with name '${name}' matches the specified arguments. The function signatures considered are: ${name}(Edm.String Nullable=true, Edm.String).`);
      }
      return node;
    }
    case 'cmp': {
      let { left, right, op } = node;
      if (left.t === 'lit' && right.t === 'path') [left, right, op] = [right, left, FLIPPED[op]];
      if (left.t !== 'path' || right.t !== 'lit') throw queryError('Comparisons must be between a property and a literal value.');
      const { def } = resolve(left.segments[0]!);
      if (!literalFits(def, right.kind)) {
        throw queryError(`A binary operator with incompatible types was detected. Found operand types '${edmType(def)}' and '${LITERAL_EDM[right.kind]}' for operator kind '${OP_KIND[op]}'.`);
      }
      return { t: 'cmp', op, left, right };
    }
    case 'lambda': return node; // not in this dialect
  }
}

/** A column's value as it compares: lookups by id, date-times as instants (date-only columns as dates), text lower-cased. */
function comparable(def: ColumnDefinition, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (isLookup(def)) return typeof value === 'object' ? String((value as { id: string }).id).toLowerCase() : String(value).toLowerCase();
  if (def.type === 'datetime') {
    if (def.behavior === 'DateOnly') return String(value).slice(0, 10);
    return Date.parse(String(value));
  }
  return typeof value === 'string' ? value.toLowerCase() : value;
}

/** A literal as it compares with a column of `def`. */
function comparableLiteral(def: ColumnDefinition, literal: unknown): unknown {
  if (literal === null) return null;
  if (def.type === 'datetime') return def.behavior !== 'DateOnly' ? Date.parse(String(literal)) : String(literal).slice(0, 10);
  return typeof literal === 'string' ? literal.toLowerCase() : literal;
}

/** Parses and type-checks a `$filter` against a table; returns a row predicate. */
export function compileFilter(table: TableDefinition, text: string): (row: Row) => boolean {
  const columns = new Map<string, Column>();
  const node = bind(table, parseFilter(text, DATAVERSE_FILTER), columns);
  const column = (segments: string[]): Column => columns.get(segments[0]!)!;
  const semantics = {
    property: (row: Row, segments: string[]) => row[column(segments).column],
    comparable: (cmp: FilterNode & { t: 'cmp' }, left: unknown, right: unknown): [unknown, unknown] => {
      const { def } = column((cmp.left as { segments: string[] }).segments);
      return [comparable(def, left), comparableLiteral(def, right)];
    },
  };
  return (row) => evaluateFilter(node, row, semantics);
}
