/**
 * OData system query options for one endpoint: parsed, validated against the resource's schema (unknown
 * property → 400, as Graph answers), and applied (filter → order → page). Options an endpoint does not
 * support are rejected, never ignored, so that a query that would fail against Graph fails here too.
 */
import type { EmulatorHttpError, EmulatorRequest } from '../common/server';
import { errors, graphError, todoError } from './errors';
import { evaluateFilter, filterPaths, FilterSyntaxError, parseFilter, type FilterNode } from './odata-filter';
import { findNavigation, findProperty, resolvePath, schemaType, type SchemaType } from './schema';

export type QueryOptionName = '$select' | '$filter' | '$top' | '$skip' | '$orderby' | '$expand' | '$count' | '$search' | '$skiptoken' | '$deltatoken';

export interface ResourceModel {
  schema: SchemaType;
  /** Type name in Graph's error messages for this backend ('Microsoft.OutlookServices.Event'…). */
  serviceTypeName: string;
  /** To Do answers errors as `invalidRequest` with the detail in innerError. */
  todoStyle: boolean;
  /** Navigation collections `$filter` lambdas may range over (e.g. singleValueExtendedProperties). */
  filterNavigation: string[];
  /** Navigation properties `$expand` supports here. */
  expandable: string[];
}

export interface ExpandOption {
  name: string;
  filter?: FilterNode;
}

export interface QueryOptions {
  select?: string[];
  filter?: FilterNode;
  top?: number;
  skip: number;
  orderby: Array<{ segments: string[]; desc: boolean }>;
  expand: ExpandOption[];
}

const ALL_OPTIONS: QueryOptionName[] = ['$select', '$filter', '$top', '$skip', '$orderby', '$expand', '$count', '$search', '$skiptoken', '$deltatoken'];

function uriPropertyError(model: ResourceModel, name: string): EmulatorHttpError {
  return model.todoStyle
    ? todoError(400, 'Invalid request', 'RequestBroker--ParseUri', `Could not find a property named '${name}' on type '${model.serviceTypeName}'.`)
    : errors.uriProperty(name, model.serviceTypeName);
}

function badFilter(model: ResourceModel, detail: string): EmulatorHttpError {
  return model.todoStyle ? todoError(400, 'Invalid filter clause', 'InvalidFilter', detail) : graphError(400, 'BadRequest', `Invalid filter clause: ${detail}`);
}

/** Splits on commas outside parentheses: `a($filter=x eq 'a,b'),b` → ['a(...)', 'b'] */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let current = '';
  for (const c of text) {
    if (c === "'") inString = !inString;
    if (!inString && c === '(') depth += 1;
    if (!inString && c === ')') depth -= 1;
    if (!inString && depth === 0 && c === ',') { parts.push(current.trim()); current = ''; continue; }
    current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

function checkFilterPaths(model: ResourceModel, node: FilterNode): void {
  const { paths, lambdas } = filterPaths(node);
  for (const lambda of lambdas) {
    const name = lambda.join('/');
    if (model.filterNavigation.includes(name)) continue;
    const structural = resolvePath(model.schema, lambda);
    if (structural?.collection) continue;
    if (lambda.length === 1 && findNavigation(model.schema, lambda[0]!)) {
      throw badFilter(model, `Filtering on the navigation property '${name}' is not supported.`);
    }
    throw uriPropertyError(model, lambda[lambda.length - 1]!);
  }
  for (const path of paths) {
    if (path.lambda) {
      const nav = path.lambda.length === 1 ? findNavigation(model.schema, path.lambda[0]!) : undefined;
      const elementType = nav
        ? schemaType(nav.type.replace(/^Collection\((.+)\)$/, '$1'))
        : (() => { const r = resolvePath(model.schema, path.lambda!); return r ? schemaType(r.type) : undefined; })();
      if (path.segments.length === 0) continue; // the variable itself (a collection of primitives)
      if (!elementType || !resolvePath(elementType, path.segments)) throw uriPropertyError(model, path.segments[path.segments.length - 1]!);
      continue;
    }
    if (!resolvePath(model.schema, path.segments)) throw uriPropertyError(model, path.segments[path.segments.length - 1]!);
  }
}

export function parseFilterOption(model: ResourceModel, text: string): FilterNode {
  let node: FilterNode;
  try {
    node = parseFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw badFilter(model, error.message);
    throw error;
  }
  checkFilterPaths(model, node);
  return node;
}

/**
 * Reads the system query options of `req`. Options outside `allowed` answer 400 (`unsupported` lets the
 * caller pick the service's own message, e.g. for delta endpoints).
 */
export function parseQuery(req: EmulatorRequest, model: ResourceModel, allowed: QueryOptionName[], unsupported?: (name: string) => EmulatorHttpError): QueryOptions {
  if (model.todoStyle && /(^\?|&)%24/i.test(req.url.search)) {
    // To Do's request broker does not decode percent-encoded option names (reported by users).
    throw todoError(400, 'Invalid request', 'RequestBroker--ParseUri');
  }
  const options: QueryOptions = { skip: 0, orderby: [], expand: [] };
  for (const [rawName, value] of req.query) {
    if (!rawName.startsWith('$')) continue; // custom query options are ignored, as OData specifies
    const name = rawName.toLowerCase() as QueryOptionName;
    if (!ALL_OPTIONS.includes(name)) throw errors.badQuery(`The query specified in the URI is not valid. The system query option '${rawName}' is not supported.`);
    if (!allowed.includes(name)) {
      throw unsupported?.(name) ?? errors.badQuery(`The query parameter '${rawName}' is not supported on this endpoint.`);
    }
    switch (name) {
      case '$select': {
        const names = value.split(',').map((s) => s.trim()).filter(Boolean);
        for (const n of names) if (!findProperty(model.schema, n)) throw uriPropertyError(model, n);
        options.select = names;
        break;
      }
      case '$filter':
        options.filter = parseFilterOption(model, value);
        break;
      case '$top': case '$skip': {
        if (!/^\d+$/.test(value.trim())) throw errors.badQuery(`Invalid value '${value}' for query option '${rawName}'.`);
        const n = Number(value);
        if (name === '$top') {
          if (n < 1 || n > 1000) throw errors.invalidUrlQuery(`The value '${value}' of the '$top' query option must be between 1 and 1000.`);
          options.top = n;
        } else {
          options.skip = n;
        }
        break;
      }
      case '$orderby':
        for (const part of splitTopLevel(value)) {
          const [path, dir, extra] = part.split(/\s+/);
          if (!path || extra || (dir && !/^(asc|desc)$/i.test(dir))) throw errors.badQuery(`Invalid $orderby clause '${part}'.`);
          const segments = path.split('/');
          const target = resolvePath(model.schema, segments);
          if (!target) throw uriPropertyError(model, segments[segments.length - 1]!);
          if (target.collection || schemaType(target.type)) throw errors.badQuery('The $orderby expression must evaluate to a single value of primitive type.');
          options.orderby.push({ segments, desc: dir?.toLowerCase() === 'desc' });
        }
        break;
      case '$expand':
        for (const part of splitTopLevel(value)) {
          const m = /^([A-Za-z]+)(?:\((.*)\))?$/.exec(part);
          if (!m) throw errors.badQuery(`Invalid $expand clause '${part}'.`);
          const expandName = m[1]!;
          if (!model.expandable.includes(expandName)) {
            if (findNavigation(model.schema, expandName)) throw errors.notImplementedHere(`$expand=${expandName}`);
            throw uriPropertyError(model, expandName);
          }
          const option: ExpandOption = { name: expandName };
          if (m[2]) {
            const nested = /^\$filter=(.*)$/i.exec(m[2].trim());
            if (!nested) throw errors.notImplementedHere(`The nested option in '$expand=${part}'`);
            const target = schemaType(findNavigation(model.schema, expandName)!.type.replace(/^Collection\((.+)\)$/, '$1'))!;
            option.filter = parseFilterOption({ ...model, schema: target, filterNavigation: [] }, nested[1]!);
          }
          options.expand.push(option);
        }
        break;
      default:
        break;
    }
  }
  return options;
}

function orderValue(v: unknown): string | number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'string' ? v.toLowerCase() : '';
}

function pathValue(obj: Record<string, unknown>, segments: string[]): unknown {
  let current: unknown = obj;
  for (const s of segments) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[s] : undefined;
  return current;
}

export interface Candidate<T> {
  item: T;
  /** The representation $filter/$orderby see (UTC times). */
  view: Record<string, unknown>;
  /** Navigation collections for lambdas. */
  collections?: Record<string, unknown[]>;
}

/** Filter, order and page; returns the page and whether more remain. */
export function applyQuery<T>(candidates: Candidate<T>[], options: QueryOptions, pageSize: number): { page: Candidate<T>[]; more: boolean } {
  let rows = options.filter ? candidates.filter((c) => evaluateFilter(options.filter!, c.view, c.collections)) : candidates;
  if (options.orderby.length > 0) {
    rows = [...rows].sort((a, b) => {
      for (const o of options.orderby) {
        const x = orderValue(pathValue(a.view, o.segments));
        const y = orderValue(pathValue(b.view, o.segments));
        if (x < y) return o.desc ? 1 : -1;
        if (x > y) return o.desc ? -1 : 1;
      }
      return 0;
    });
  }
  const page = rows.slice(options.skip, options.skip + pageSize);
  return { page, more: options.skip + pageSize < rows.length };
}

/**
 * The same request URL with the position advanced (absolute, on this emulator's base): Outlook and To Do
 * page with `$skip`, the directory with an opaque `$skiptoken`.
 */
export function nextPageLink(base: string, req: EmulatorRequest, options: QueryOptions, pageSize: number, style: 'skip' | 'skiptoken' = 'skip'): string {
  const params = new URLSearchParams();
  for (const [k, v] of req.query) if (!/^\$(skip|top|skiptoken)$/i.test(k)) params.append(k, v);
  params.set('$top', String(pageSize));
  if (style === 'skip') params.set('$skip', String(options.skip + pageSize));
  else params.set('$skiptoken', encodeSkipToken(options.skip + pageSize));
  const query = [...params].map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%24/g, '$').replace(/%2C/g, ',')}`).join('&');
  return `${base}${req.path.replace(/^\/v1\.0/, '')}?${query}`;
}

/** Keeps only `$select`ed properties (plus id and annotations), as Graph does. */
export function project(obj: Record<string, unknown>, select?: string[]): Record<string, unknown> {
  if (!select) return obj;
  const keep = new Set([...select, 'id']);
  return Object.fromEntries(Object.entries(obj).filter(([k]) => keep.has(k) || k.startsWith('@')));
}

export function encodeSkipToken(position: number): string {
  return Buffer.from(`skip:${position}`).toString('base64url');
}

/** Position from a `$skiptoken` made by encodeSkipToken; undefined when it is not one of ours. */
export function decodeSkipToken(token: string): number | undefined {
  const m = /^skip:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}
