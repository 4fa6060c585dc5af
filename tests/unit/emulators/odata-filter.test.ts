/** The common `$filter` parser and evaluator, under each option and under both services' dialects. */
import {
  evaluateFilter, filterPaths, parseFilter, type FilterDialect, type FilterErrorDetail, type FilterErrorKind, type FilterNode, type FilterSemantics,
} from '../../emulators/common/odata-filter';
import { EmulatorHttpError } from '../../emulators/common/server';
import { DATAVERSE_FILTER } from '../../emulators/dataverse/odata-filter';
import { FilterSyntaxError, GRAPH_FILTER } from '../../emulators/graph/odata-filter';

class TestError extends Error {}

/** Every option off (or strict); each error names its kind and detail. */
const BASE: FilterDialect = {
  paths: false,
  lambdas: false,
  functions: ['startswith', 'endswith', 'contains'],
  functionOperands: false,
  keywords: 'reserved',
  literals: { guids: false, dates: false, dateTimeOffset: 'required', numberSuffixes: false },
  annotationNames: false,
  messages: Object.fromEntries((['unterminatedString', 'unexpectedCharacter', 'unexpectedEnd', 'expectedPunctuation', 'trailingTokens',
    'expectedComparison', 'expectedLambdaVariable', 'unknownFunction', 'unexpectedToken'] as FilterErrorKind[])
    .map((kind) => [kind, (d: FilterErrorDetail) =>
      [kind, d.position, d.expected ?? d.name ?? d.token].filter((x) => x !== undefined).join(' ')])) as FilterDialect['messages'],
  raise: (message) => new TestError(message),
};
const dialect = (overrides: Partial<FilterDialect>, literals: Partial<FilterDialect['literals']> = {}): FilterDialect =>
  ({ ...BASE, ...overrides, literals: { ...BASE.literals, ...literals } });

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

const cmp = (left: unknown, op: string, right: unknown) => ({ t: 'cmp', op, left, right });
const path = (...segments: string[]) => ({ t: 'path', segments });
const lit = (value: unknown, kind: string) => ({ t: 'lit', value, kind });

describe('options', () => {
  test('paths: a/b is a path with the option, an unexpected character without', () => {
    expect(parseFilter('a/b eq 1', dialect({ paths: true }))).toEqual(cmp(path('a', 'b'), 'eq', lit(1, 'number')));
    expect(errorOf(() => parseFilter('a/b eq 1', BASE))).toBe('unexpectedCharacter 1');
  });

  test('lambdas: any/all with a body, any() without; the collection path before them', () => {
    const d = dialect({ paths: true, lambdas: true });
    expect(parseFilter('a/b/any(x: x eq 1)', d)).toEqual({
      t: 'lambda', segments: ['a', 'b'], quantifier: 'any', variable: 'x', body: cmp(path('x'), 'eq', lit(1, 'number')),
    });
    expect(parseFilter('a/ALL()', d)).toEqual({ t: 'lambda', segments: ['a'], quantifier: 'all' });
    expect(errorOf(() => parseFilter("a/any('x': 1)", d))).toBe('expectedLambdaVariable 4');
    expect(errorOf(() => parseFilter('a/any(x x eq 1)', d))).toBe('expectedPunctuation 5 :');
    expect(errorOf(() => parseFilter('a/any(x: x eq 1)', dialect({ paths: true })))).toBe('unexpectedCharacter 7');
  });

  test('functions: only those listed, in any case; the name as written in the error', () => {
    expect(parseFilter("StartsWith(a,'x')", BASE)).toEqual({ t: 'call', fn: { t: 'fn', name: 'startswith', args: [path('a'), lit('x', 'string')] } });
    expect(errorOf(() => parseFilter("Contains(a,'x')", dialect({ functions: ['startswith'] })))).toBe('unknownFunction 0 Contains');
  });

  test('functionOperands: a function compared, or as an argument, only with the option', () => {
    const text = "startswith(a,'x') eq true";
    expect(parseFilter(text, dialect({ functionOperands: true }))).toEqual(
      cmp({ t: 'fn', name: 'startswith', args: [path('a'), lit('x', 'string')] }, 'eq', lit(true, 'bool')));
    expect(errorOf(() => parseFilter(text, BASE))).toBe('trailingTokens 6');
    expect(errorOf(() => parseFilter("a eq contains(b,'x')", BASE))).toBe('trailingTokens 3');
  });

  test("keywords: 'reserved' reads lower-case true/false/null anywhere, 'contextual' any case but only as operands", () => {
    expect(parseFilter('a eq TRUE', BASE)).toEqual(cmp(path('a'), 'eq', path('TRUE')));
    expect(parseFilter('a eq TRUE', dialect({ keywords: 'contextual' }))).toEqual(cmp(path('a'), 'eq', lit(true, 'bool')));
    expect(parseFilter('Null ne a', dialect({ keywords: 'contextual' }))).toEqual(cmp(lit(null, 'null'), 'ne', path('a')));
    const navigation = { paths: true, lambdas: true };
    expect(parseFilter('a/null eq 1', dialect({ ...navigation, keywords: 'contextual' }))).toEqual(cmp(path('a', 'null'), 'eq', lit(1, 'number')));
    expect(errorOf(() => parseFilter('a/null eq 1', dialect(navigation)))).toBe('expectedComparison 1');
    expect(errorOf(() => parseFilter('true(a)', BASE))).toBe('expectedComparison 1');
  });

  test('literals: GUIDs (lower-cased), dates, date-times with or without an offset, number suffixes', () => {
    const guid = '0A1B2C3D-0001-4E5F-8A9B-000000000001';
    expect(parseFilter(`a eq ${guid}`, dialect({}, { guids: true }))).toEqual(cmp(path('a'), 'eq', lit(guid.toLowerCase(), 'guid')));
    expect(errorOf(() => parseFilter(`a eq ${guid}`, BASE))).toBe('trailingTokens 3');
    expect(parseFilter('a ge 1990-01-01', dialect({}, { dates: true }))).toEqual(cmp(path('a'), 'ge', lit('1990-01-01', 'date')));
    expect(errorOf(() => parseFilter('a ge 1990-01-01', BASE))).toBe('trailingTokens 3'); // 1990, -1, -1
    expect(parseFilter('a gt 2024-05-01T10:00:00+02:00', BASE)).toEqual(cmp(path('a'), 'gt', lit('2024-05-01T10:00:00+02:00', 'datetime')));
    expect(parseFilter('a gt 2024-05-01T10:00', dialect({}, { dateTimeOffset: 'optional' }))).toEqual(cmp(path('a'), 'gt', lit('2024-05-01T10:00', 'datetime')));
    expect(errorOf(() => parseFilter('a gt 2024-05-01T10:00', BASE))).toBe('unexpectedCharacter 18');
    expect(parseFilter('a eq 2.5m', dialect({}, { numberSuffixes: true }))).toEqual(cmp(path('a'), 'eq', lit(2.5, 'number')));
    expect(errorOf(() => parseFilter('a eq 12abc', dialect({}, { numberSuffixes: true })))).toBe('unexpectedCharacter 5');
    expect(errorOf(() => parseFilter('a eq 12abc', BASE))).toBe('trailingTokens 3'); // 12, then the name abc
  });

  test('annotationNames: @ in names only with the option', () => {
    expect(parseFilter("@odata.type eq 'x'", dialect({ annotationNames: true }))).toEqual(cmp(path('@odata.type'), 'eq', lit('x', 'string')));
    expect(errorOf(() => parseFilter("@odata.type eq 'x'", BASE))).toBe('unexpectedCharacter 0');
  });
});

describe('parsing', () => {
  test('and binds tighter than or; not, parentheses; operators in any case; doubled quotes', () => {
    expect(parseFilter("a eq 1 OR b Eq 'it''s' and not (c ne null)", BASE)).toEqual({
      t: 'or',
      left: cmp(path('a'), 'eq', lit(1, 'number')),
      right: { t: 'and', left: cmp(path('b'), 'eq', lit("it's", 'string')), right: { t: 'not', expr: cmp(path('c'), 'ne', lit(null, 'null')) } },
    });
  });

  test('each malformed filter is reported with its kind and position (characters in the tokenizer, tokens after)', () => {
    expect(errorOf(() => parseFilter("a eq 'open", BASE))).toBe('unterminatedString 5');
    expect(errorOf(() => parseFilter('a eq #', BASE))).toBe('unexpectedCharacter 5');
    expect(errorOf(() => parseFilter('a eq', BASE))).toBe('unexpectedEnd 2');
    expect(errorOf(() => parseFilter('(a eq 1', BASE))).toBe('unexpectedEnd 4');
    expect(errorOf(() => parseFilter('(a eq 1 b', BASE))).toBe('expectedPunctuation 4 )');
    expect(errorOf(() => parseFilter('a eq 1 b', BASE))).toBe('trailingTokens 3');
    expect(errorOf(() => parseFilter('a equals 1', BASE))).toBe('expectedComparison 1');
    expect(errorOf(() => parseFilter('a eq )', BASE))).toBe('unexpectedToken 2 )');
    expect(() => parseFilter('', BASE)).toThrow(TestError);
  });

  test('filterPaths lists the paths, relative to a lambda variable inside one', () => {
    const d = dialect({ paths: true, lambdas: true, functionOperands: true });
    expect(filterPaths(parseFilter("contains(a/b,'x') and c/any(v: v/d eq 1 and e eq 2)", d))).toEqual({
      paths: [{ segments: ['a', 'b'] }, { segments: ['d'], lambda: ['c'] }, { segments: ['e'] }],
      lambdas: [['c']],
    });
  });
});

describe('evaluation', () => {
  type Item = Record<string, unknown>;
  const json: FilterSemantics<Item> = { property: (item, segments) => segments.reduce<unknown>((v, s) => (v as Item | undefined)?.[s], item), comparable: (_n, l, r) => [l, r] };
  const d = dialect({ paths: true, lambdas: true, functionOperands: true, keywords: 'contextual' });
  const matches = (text: string, item: Item, semantics: FilterSemantics<Item> = json) => evaluateFilter(parseFilter(text, d), item, semantics);

  test('null and absent values: only eq/ne match them, ne matches them', () => {
    expect(matches('a eq null', {})).toBe(true);
    expect(matches('a ne 1', { a: null })).toBe(true);
    expect(matches('a lt 1', {})).toBe(false);
    expect(matches('a ge null', { a: 1 })).toBe(false);
    expect(matches('a gt 1 or a le 1', { a: 2 })).toBe(true);
  });

  test('text functions ignore case and are false on anything but text; a function may be compared', () => {
    expect(matches("contains(a,'BC')", { a: 'abcd' })).toBe(true);
    expect(matches("endswith(a,'x')", { a: 5 })).toBe(false);
    expect(matches("startswith(a,'AB') eq true", { a: 'abc' })).toBe(true);
  });

  test('lambdas range over the collection hook or the path; the variable reads the element', () => {
    const item = { tags: ['x', 'y'], people: [{ name: 'Ann' }], empty: [] };
    expect(matches("tags/any(t: t eq 'y')", item)).toBe(true);
    expect(matches("tags/all(t: t eq 'y')", item)).toBe(false);
    expect(matches("people/any(p: p/name eq 'Ann')", item)).toBe(true);
    expect(matches('empty/any()', item)).toBe(false);
    expect(matches('empty/all()', item)).toBe(true);
    expect(matches('missing/any()', item)).toBe(false);
    const withNavigation: FilterSemantics<Item> = { ...json, collection: (_i, segments, read) => (segments[0] === 'nav' ? [1, 2] : read()) };
    expect(matches('nav/any(n: n eq 2) and tags/any()', item, withNavigation)).toBe(true);
  });

  test('the comparable hook decides how values compare', () => {
    const lower: FilterSemantics<Item> = { ...json, comparable: (_n, l, r) => [typeof l === 'string' ? l.toLowerCase() : l, typeof r === 'string' ? r.toLowerCase() : r] };
    expect(matches("a eq 'ABC'", { a: 'abc' })).toBe(false);
    expect(matches("a eq 'ABC'", { a: 'abc' }, lower)).toBe(true);
  });
});

describe("the services' dialects", () => {
  const graphError = (text: string): string => {
    try {
      parseFilter(text, GRAPH_FILTER);
    } catch (error) {
      expect(error).toBeInstanceOf(FilterSyntaxError);
      return (error as Error).message;
    }
    throw new Error('expected an error');
  };
  const dataverseError = (text: string): { status: number; code: string; message: string } => {
    try {
      parseFilter(text, DATAVERSE_FILTER);
    } catch (error) {
      expect(error).toBeInstanceOf(EmulatorHttpError);
      const e = error as EmulatorHttpError;
      return { status: e.status, ...(e.body as { error: { code: string; message: string } }).error };
    }
    throw new Error('expected an error');
  };

  test('Graph: paths, lambdas, functions as operands, keywords in any case, offset-less date-times, annotations', () => {
    expect(filterPaths(parseFilter("singleValueExtendedProperties/Any(ep: ep/id eq 'x') and startswith(subject,'a') eq TRUE and @odata.type ne null", GRAPH_FILTER))).toEqual({
      paths: [{ segments: ['id'], lambda: ['singleValueExtendedProperties'] }, { segments: ['subject'] }, { segments: ['@odata.type'] }],
      lambdas: [['singleValueExtendedProperties']],
    });
    expect(parseFilter('start/dateTime ge 2024-05-01T00:00', GRAPH_FILTER)).toEqual(cmp(path('start', 'dateTime'), 'ge', lit('2024-05-01T00:00', 'datetime')));
  });

  test("Graph's messages, thrown as FilterSyntaxError", () => {
    expect(graphError("subject eq 'open")).toBe('Unterminated string literal.');
    expect(graphError('subject eq #')).toBe("Syntax error at position 11 in 'subject eq #'.");
    expect(graphError('subject eq')).toBe('Unexpected end of filter expression.');
    expect(graphError("(subject eq 'x' x")).toBe("Expected ')'.");
    expect(graphError("subject eq 'x' x")).toBe('Syntax error: unexpected tokens at the end of the filter.');
    expect(graphError("subject equals 'x'")).toBe('Syntax error: expected a comparison operator.');
    expect(graphError("a/any('v': 1)")).toBe('Expected a lambda variable.');
    expect(graphError("frobnicate(subject,'x')")).toBe("An unknown function with name 'frobnicate' was found.");
    expect(graphError('subject eq )')).toBe("Syntax error: unexpected ')'.");
  });

  test('Dataverse: names only, functions as terms, lower-case keywords, GUIDs, dates, offsets required, number suffixes', () => {
    expect(parseFilter('_ownerid_value eq 0A1B2C3D-0001-4E5F-8A9B-000000000001 and birthdate ge 1990-01-01 and amount gt 2.5m and flag eq true', DATAVERSE_FILTER))
      .toEqual({
        t: 'and',
        left: {
          t: 'and',
          left: { t: 'and', left: cmp(path('_ownerid_value'), 'eq', lit('0a1b2c3d-0001-4e5f-8a9b-000000000001', 'guid')), right: cmp(path('birthdate'), 'ge', lit('1990-01-01', 'date')) },
          right: cmp(path('amount'), 'gt', lit(2.5, 'number')),
        },
        right: cmp(path('flag'), 'eq', lit(true, 'bool')),
      });
    expect(parseFilter('flag eq TRUE', DATAVERSE_FILTER)).toEqual(cmp(path('flag'), 'eq', path('TRUE')));
  });

  test("Dataverse's messages: 400s with code 0x80060888, positions in characters, then in tokens", () => {
    const syntax = (position: number, text: string) => ({ status: 400, code: '0x80060888', message: `Syntax error at position ${position} in '${text}'.` });
    expect(dataverseError("subject eq 'open")).toEqual({ status: 400, code: '0x80060888', message: "There is an unterminated string literal at position 11 in 'subject eq 'open'." });
    expect(dataverseError('a/b eq 1')).toEqual(syntax(1, 'a/b eq 1'));
    expect(dataverseError('subject eq')).toEqual(syntax(3, 'subject eq'));
    expect(dataverseError("(subject eq 'x'")).toEqual(syntax(5, "(subject eq 'x'"));
    expect(dataverseError("(subject eq 'x' x")).toEqual(syntax(5, "(subject eq 'x' x"));
    expect(dataverseError("subject eq 'x' x")).toEqual(syntax(3, "subject eq 'x' x"));
    expect(dataverseError("subject equals 'x'")).toEqual(syntax(1, "subject equals 'x'"));
    expect(dataverseError("contains(subject,'x') eq true")).toEqual(syntax(6, "contains(subject,'x') eq true"));
    expect(dataverseError('subject eq )')).toEqual(syntax(3, 'subject eq )'));
    expect(dataverseError("substringof('a',subject)").message)
      .toBe("An unknown function with name 'substringof' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.");
  });

  test('the dialects agree on what they share', () => {
    const text = "not (subject eq 'x') or contains(subject,'y') and statecode le 2";
    const strip = (n: FilterNode): unknown => JSON.parse(JSON.stringify(n));
    expect(strip(parseFilter(text, GRAPH_FILTER))).toEqual(strip(parseFilter(text, DATAVERSE_FILTER)));
  });
});
