/**
 * Graph's `$filter` dialect of the common parser (../common/odata-filter.ts), evaluated against an item's
 * JSON representation: `a/b` property paths, `any`/`all` lambdas (such as
 * `singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`), functions as operands,
 * true/false/null in any case, date-times with or without an offset. Which paths and lambdas an endpoint
 * accepts is decided by the caller (`filterPaths`), as Graph's services differ there. Syntax errors are
 * `FilterSyntaxError`s, which the caller answers with its service's 400.
 */
import {
  evaluateFilter as evaluate, parseFilter as parse, type Comparison, type FilterDialect, type FilterNode, readPath,
} from '../common/odata-filter';

export { filterPaths, type FilterNode, type FilterPath, type Literal, type Operand } from '../common/odata-filter';

export class FilterSyntaxError extends Error {}

export const GRAPH_FILTER: FilterDialect = {
  paths: true,
  lambdas: true,
  functions: ['startswith', 'endswith', 'contains'],
  functionOperands: true,
  keywords: 'contextual',
  literals: { guids: false, dates: false, dateTimeOffset: 'optional', numberSuffixes: false },
  annotationNames: true,
  messages: {
    unterminatedString: () => 'Unterminated string literal.',
    unexpectedCharacter: ({ position, text }) => `Syntax error at position ${position} in '${text}'.`,
    unexpectedEnd: () => 'Unexpected end of filter expression.',
    expectedPunctuation: ({ expected }) => `Expected '${expected}'.`,
    trailingTokens: () => 'Syntax error: unexpected tokens at the end of the filter.',
    expectedComparison: () => 'Syntax error: expected a comparison operator.',
    expectedLambdaVariable: () => 'Expected a lambda variable.',
    unknownFunction: ({ name }) => `An unknown function with name '${name}' was found.`,
    unexpectedToken: ({ token }) => `Syntax error: unexpected '${token}'.`,
  },
  raise: (message) => new FilterSyntaxError(message),
};

export function parseFilter(text: string): FilterNode {
  return parse(text, GRAPH_FILTER);
}

const ISO = /^\d{4}-\d{2}-\d{2}T/;
const instant = (s: string): number => Date.parse(/Z|[+-]\d{2}:\d{2}$/.test(s) ? s : `${s}Z`);

/** Text against a date-time literal compares as instants (no offset: UTC); other text case-insensitively, as Exchange does. */
function exchangeComparable(node: Comparison, l: unknown, r: unknown): [unknown, unknown] {
  if (typeof l !== 'string' || typeof r !== 'string') return [l, r];
  const datetime = (node.left.t === 'lit' && node.left.kind === 'datetime') || (node.right.t === 'lit' && node.right.kind === 'datetime');
  if (datetime && ISO.test(l) && ISO.test(r)) return [instant(l), instant(r)];
  return [l.toLowerCase(), r.toLowerCase()];
}

/**
 * Evaluates the filter against `root` (the item as Graph would return it). `collections` supplies
 * navigation collections that are not part of the representation (extended properties).
 */
export function evaluateFilter(node: FilterNode, root: Record<string, unknown>, collections: Record<string, unknown[]> = {}): boolean {
  return evaluate(node, root, {
    property: readPath,
    collection: (_root, segments, read) => {
      const key = segments.join('/');
      return key in collections ? collections[key] : read();
    },
    comparable: exchangeComparable,
  });
}
