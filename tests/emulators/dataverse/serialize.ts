/**
 * Stored rows → Web API JSON (fixtures contact.json, contact-with-tasks-expanded.json, tasks-query-response.json):
 * `@odata.etag` = W/"<versionnumber>", the selected properties (every one without $select, nulls included),
 * lookups as `_x_value`, the primary key always, and — with `Prefer: odata.include-annotations` — the
 * FormattedValue / associatednavigationproperty / lookuplogicalname annotations before each value.
 * `$expand`ed navigation properties are inlined.
 */
import type { EntityRef, Row, TableDefinition } from './context';
import { ASSOCIATED_NAVIGATION_PROPERTY, FORMATTED_VALUE, LOOKUP_LOGICAL_NAME, type Preferences, wantsAnnotation } from './prefer';
import type { ExpandSpec } from './query';
import { sortRows } from './query';
import { columnForProperty, isLookup, navigationName, propertyName, type TableRegistry } from './schema';
import type { RowStore } from './store';
import { formattedValue } from './values';

export interface SerializeContext {
  registry: TableRegistry;
  store: RowStore;
  prefs: Preferences;
  /** IANA zone of the effective user, for formatted date-times. */
  timeZone: string;
}

export function etagOf(row: Row): string | undefined {
  return typeof row.versionnumber === 'number' ? `W/"${row.versionnumber}"` : undefined;
}

/** The properties a response carries: the $select list plus the key, or every property. */
export function selectedProperties(table: TableDefinition, select: string[] | undefined): string[] {
  if (select) return select.includes(table.primaryIdAttribute) ? select : [...select, table.primaryIdAttribute];
  const all: string[] = [];
  for (const [column, def] of Object.entries(table.columns)) {
    const name = propertyName(column, def);
    if (name) all.push(name);
  }
  return all;
}

/** The primary name of a referenced row (a lookup's FormattedValue). */
export function referenceName(ctx: SerializeContext, ref: EntityRef): string | undefined {
  const target = ctx.registry.get(ref.logicalName);
  if (!target?.primaryNameAttribute) return undefined;
  const value = ctx.store.get(ref.logicalName, ref.id)?.[target.primaryNameAttribute];
  return typeof value === 'string' ? value : undefined;
}

export function serializeRow(
  table: TableDefinition, row: Row, select: string[] | undefined, expand: ExpandSpec[], ctx: SerializeContext,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const etag = etagOf(row);
  if (etag) out['@odata.etag'] = etag;
  const formatted = wantsAnnotation(ctx.prefs, FORMATTED_VALUE);
  const logical = wantsAnnotation(ctx.prefs, LOOKUP_LOGICAL_NAME);
  const navigation = wantsAnnotation(ctx.prefs, ASSOCIATED_NAVIGATION_PROPERTY);
  for (const property of selectedProperties(table, select)) {
    const found = columnForProperty(table, property);
    if (!found) continue;
    const { column, def } = found;
    const value = def.writeOnly ? null : row[column] ?? null;
    if (isLookup(def)) {
      const ref = value as EntityRef | null;
      if (ref) {
        const name = formatted ? referenceName(ctx, ref) : undefined;
        if (name !== undefined) out[`${property}@${FORMATTED_VALUE}`] = name;
        if (navigation) out[`${property}@${ASSOCIATED_NAVIGATION_PROPERTY}`] = navigationName(column, def, ref.logicalName);
        if (logical) out[`${property}@${LOOKUP_LOGICAL_NAME}`] = ref.logicalName;
      }
      out[property] = ref ? ref.id : null;
      continue;
    }
    if (formatted) {
      const text = formattedValue(def, value, ctx.timeZone);
      if (text !== undefined) out[`${property}@${FORMATTED_VALUE}`] = text;
    }
    out[property] = value;
  }
  for (const spec of expand) out[spec.navigation] = expandNavigation(table, row, spec, ctx);
  return out;
}

function expandNavigation(table: TableDefinition, row: Row, spec: ExpandSpec, ctx: SerializeContext): unknown {
  const id = String(row[table.primaryIdAttribute]);
  if (spec.kind === 'collection') {
    const related = spec.tables[0]!;
    let rows = ctx.store.rows(related.logicalName).filter((r) => {
      const ref = r[spec.column] as EntityRef | null | undefined;
      return ref?.id === id && ref.logicalName === table.logicalName;
    });
    if (spec.filter) rows = rows.filter(spec.filter);
    rows = sortRows(related, rows, spec.orderBy);
    if (spec.top !== undefined) rows = rows.slice(0, spec.top);
    return rows.map((r) => serializeRow(related, r, spec.select, [], ctx));
  }
  const ref = row[spec.column] as EntityRef | null | undefined;
  if (!ref) return null;
  const target = spec.tables.find((t) => t.logicalName === ref.logicalName);
  const targetRow = target && ctx.store.get(target.logicalName, ref.id);
  if (!target || !targetRow) return null;
  const select = spec.select?.filter((p) => columnForProperty(target, p));
  return serializeRow(target, targetRow, select, [], ctx);
}
