/**
 * A create/update request body → the column values it sets, as the Web API's OData reader and the platform
 * read it: `column: value` for attributes, `<navigation>@odata.bind: "/entityset(id)"` for lookups (the row must
 * exist), `<collection>: [ … ]` for deep inserts (appointment_activity_parties). Unknown properties, lookups set as
 * plain values, party lists set directly and platform-managed columns are refused with a 400 — never ignored.
 */
import type { EntityRef, Row, TableDefinition } from './context';
import { notFound, notValidFor, payloadError, unknownPayloadProperty } from './errors';
import { isGuid } from './ids';
import { isLookup, navigationProperties, type TableRegistry } from './schema';
import type { RowStore } from './store';
import { coerceValue } from './values';

export interface ParsedPayload {
  /** Columns set by the request (lookups as EntityRef or null), in request order. */
  values: Row;
  /** Deep-inserted related rows per collection-valued navigation property. */
  collections: Record<string, ParsedPayload[]>;
}

export interface PayloadContext {
  registry: TableRegistry;
  store: RowStore;
  operation: 'Create' | 'Update';
}

/** `/contacts(<id>)`, `contacts(<id>)` or an absolute URL of the same → the row reference. */
export function parseEntityUrl(registry: TableRegistry, value: string): { table: TableDefinition; id: string } | undefined {
  const path = value.replace(/^https?:\/\/[^/]+/i, '').replace(/^\/?api\/data\/v9\.\d\//i, '').replace(/^\//, '');
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\(\{?([^(){}]+)\}?\)$/.exec(path);
  if (!m) return undefined;
  const table = registry.bySetName(m[1]!);
  if (!table || !isGuid(m[2])) return undefined;
  return { table, id: m[2].toLowerCase() };
}

export function parsePayload(table: TableDefinition, body: unknown, ctx: PayloadContext): ParsedPayload {
  const set = table.entitySetName;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw payloadError(set, 'An entry was expected: the request body must be a JSON object.');
  }
  const navs = navigationProperties(table);
  const result: ParsedPayload = { values: {}, collections: {} };
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key.startsWith('@')) continue; // instance annotations (@odata.type, @odata.etag…)
    const at = key.indexOf('@');
    if (at > 0) {
      const property = key.slice(0, at);
      const annotation = key.slice(at + 1);
      const nav = navs.get(property);
      if (annotation === 'odata.bind' && nav) {
        result.values[nav.column] = resolveBind(table, property, nav.targets, value, ctx);
        continue;
      }
      if (annotation !== 'odata.bind' && (table.columns[property] || navs.has(property))) continue; // property annotations
      throw payloadError(set, `An undeclared property '${property}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`);
    }
    const collection = table.collections?.[key];
    if (collection) {
      if (!Array.isArray(value)) throw payloadError(set, `A collection was expected for the navigation property '${key}'.`);
      const related = ctx.registry.require(collection.table);
      result.collections[key] = value.map((item) => parsePayload(related, item, { ...ctx, operation: 'Create' }));
      continue;
    }
    if (navs.has(key)) {
      throw payloadError(set, `A node of type '${typeof value === 'object' && value !== null ? 'StartObject' : 'PrimitiveValue'}' was read from the JSON reader when trying to read the contents of the navigation property '${key}'; deep insert of a single-valued navigation property is not supported here: use '${key}@odata.bind'.`);
    }
    const def = table.columns[key];
    if (!def || isLookup(def) || def.type === 'partylist') throw unknownPayloadProperty(set, table.logicalName, key);
    if (def.readOnly) throw notValidFor(table.logicalName, key, ctx.operation);
    if (key === 'overriddencreatedon' && ctx.operation === 'Update') throw notValidFor(table.logicalName, key, ctx.operation);
    result.values[key] = coerceValue(table, key, def, value);
  }
  return result;
}

function resolveBind(table: TableDefinition, navigation: string, targets: string[], value: unknown, ctx: PayloadContext): EntityRef | null {
  if (value === null) return null;
  if (typeof value !== 'string') {
    throw payloadError(table.entitySetName, `The value of the '${navigation}@odata.bind' annotation must be an entity URL.`);
  }
  const ref = parseEntityUrl(ctx.registry, value);
  if (!ref) {
    throw payloadError(table.entitySetName, `The URI '${value}' in '${navigation}@odata.bind' is not valid: expected '/<entity set>(<id>)'.`);
  }
  if (!targets.includes(ref.table.logicalName)) {
    throw payloadError(table.entitySetName, `The entity set '${ref.table.entitySetName}' is not a target of the navigation property '${navigation}' of 'Microsoft.Dynamics.CRM.${table.logicalName}'.`);
  }
  if (!ctx.store.get(ref.table.logicalName, ref.id)) throw notFound(ref.table.logicalName, ref.id);
  return { id: ref.id, logicalName: ref.table.logicalName };
}
