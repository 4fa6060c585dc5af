/**
 * OData system query options of a Web API GET: $select, $filter, $orderby, $top, $count, $expand (with nested
 * $select/$filter/$orderby/$top), $skiptoken (paging) and $deltatoken (change tracking). Anything else starting
 * with `$` is refused rather than ignored, so a query the emulator does not evaluate cannot look like it worked.
 */
import type { ColumnDefinition, Row, TableDefinition } from './context';
import { propertyNotFound, queryError } from './errors';
import { compileFilter } from './odata-filter';
import { columnForProperty, isLookup, navigationProperties, type TableRegistry } from './schema';

export interface OrderBy {
  column: string;
  def: ColumnDefinition;
  descending: boolean;
}

export interface ExpandSpec {
  navigation: string;
  kind: 'collection' | 'single';
  /** collection: the related table and its lookup pointing back; single: the lookup column of this table. */
  column: string;
  /** collection: one table; single: the lookup's possible targets for this navigation property. */
  tables: TableDefinition[];
  select?: string[];
  filter?: (row: Row) => boolean;
  orderBy: OrderBy[];
  top?: number;
}

export interface QueryOptions {
  select?: string[];
  filterText?: string;
  filter?: (row: Row) => boolean;
  orderBy: OrderBy[];
  top?: number;
  count: boolean;
  expand: ExpandSpec[];
  skipToken?: string;
  deltaToken?: string;
}

const SUPPORTED = new Set(['$select', '$filter', '$orderby', '$top', '$count', '$expand', '$skiptoken', '$deltatoken']);

/** Splits on a separator outside parentheses and quotes. */
function splitTop(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const c of text) {
    if (c === "'") quoted = !quoted;
    if (!quoted && c === '(') depth += 1;
    if (!quoted && c === ')') depth -= 1;
    if (!quoted && depth === 0 && c === separator) { parts.push(current); current = ''; continue; }
    current += c;
  }
  parts.push(current);
  return parts.map((s) => s.trim()).filter(Boolean);
}

export function parseSelect(table: TableDefinition, text: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!columnForProperty(table, item)) throw propertyNotFound(table.logicalName, item);
  return items;
}

function parseOrderBy(table: TableDefinition, text: string): OrderBy[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((item) => {
    const [name, direction, extra] = item.split(/\s+/);
    if (extra !== undefined || (direction !== undefined && !/^(asc|desc)$/i.test(direction))) {
      throw queryError(`Syntax error at position ${item.length} in '${item}'.`);
    }
    const found = columnForProperty(table, name!);
    if (!found) throw propertyNotFound(table.logicalName, name!);
    return { column: found.column, def: found.def, descending: direction?.toLowerCase() === 'desc' };
  });
}

function parseTop(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw queryError(`Invalid value '${text}' for $top query option found. The $top query option requires a non-negative integer value.`);
  return n;
}

function parseExpand(registry: TableRegistry, table: TableDefinition, text: string): ExpandSpec[] {
  const navs = navigationProperties(table);
  return splitTop(text, ',').map((item) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/s.exec(item);
    if (!m) throw queryError(`Syntax error in $expand '${text}'.`);
    const navigation = m[1]!;
    let spec: ExpandSpec;
    const collection = table.collections?.[navigation];
    const single = navs.get(navigation);
    if (collection) {
      spec = { navigation, kind: 'collection', column: collection.referencingAttribute, tables: [registry.require(collection.table)], orderBy: [] };
    } else if (single) {
      spec = { navigation, kind: 'single', column: single.column, tables: single.targets.map((t) => registry.get(t)).filter((t): t is TableDefinition => !!t), orderBy: [] };
    } else {
      throw propertyNotFound(table.logicalName, navigation);
    }
    for (const option of m[2] ? splitTop(m[2], ';') : []) {
      const eq = option.indexOf('=');
      const name = option.slice(0, eq).trim().toLowerCase();
      const value = option.slice(eq + 1).trim();
      const [first] = spec.tables;
      if (!first) throw propertyNotFound(table.logicalName, navigation);
      if (name === '$select') {
        const items = value.split(',').map((s) => s.trim()).filter(Boolean);
        for (const s of items) if (!spec.tables.some((t) => columnForProperty(t, s))) throw propertyNotFound(first.logicalName, s);
        spec.select = items;
      } else if (name === '$filter' && spec.kind === 'collection') {
        spec.filter = compileFilter(first, value);
      } else if (name === '$orderby' && spec.kind === 'collection') {
        spec.orderBy = parseOrderBy(first, value);
      } else if (name === '$top' && spec.kind === 'collection') {
        spec.top = parseTop(value);
      } else {
        throw queryError(`The query option '${name}' is not supported in the $expand of '${navigation}'.`);
      }
    }
    return spec;
  });
}

export function parseQueryOptions(registry: TableRegistry, table: TableDefinition, params: URLSearchParams): QueryOptions {
  for (const key of params.keys()) {
    if (key.startsWith('$') && !SUPPORTED.has(key.toLowerCase())) throw queryError(`The query parameter ${key} is not supported`);
  }
  const options: QueryOptions = { orderBy: [], count: false, expand: [] };
  const select = params.get('$select');
  if (select !== null) options.select = parseSelect(table, select);
  const filter = params.get('$filter');
  if (filter !== null) {
    options.filterText = filter;
    options.filter = compileFilter(table, filter);
  }
  const orderBy = params.get('$orderby');
  if (orderBy !== null) options.orderBy = parseOrderBy(table, orderBy);
  const top = params.get('$top');
  if (top !== null) options.top = parseTop(top);
  const count = params.get('$count');
  if (count !== null) {
    if (count !== 'true' && count !== 'false') throw queryError(`'${count}' is not a valid count option.`);
    options.count = count === 'true';
  }
  const expand = params.get('$expand');
  if (expand !== null) options.expand = parseExpand(registry, table, expand);
  options.skipToken = params.get('$skiptoken') ?? undefined;
  options.deltaToken = params.get('$deltatoken') ?? undefined;
  return options;
}

function sortValue(def: ColumnDefinition, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (isLookup(def)) return String((value as { id: string }).id);
  if (def.type === 'datetime' && def.behavior !== 'DateOnly') return Date.parse(String(value));
  return typeof value === 'string' ? value.toLowerCase() : (value as number | boolean);
}

/** Sorts rows; without $orderby by primary key (what a clustered-index scan returns). Nulls sort first ascending. */
export function sortRows(table: TableDefinition, rows: Row[], orderBy: OrderBy[]): Row[] {
  const keys = [...orderBy, { column: table.primaryIdAttribute, def: table.columns[table.primaryIdAttribute]!, descending: false }];
  return [...rows].sort((a, b) => {
    for (const key of keys) {
      const x = sortValue(key.def, a[key.column]);
      const y = sortValue(key.def, b[key.column]);
      if (x === y) continue;
      const cmp = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return key.descending ? -cmp : cmp;
    }
    return 0;
  });
}
