/**
 * The table registry and what the Web API derives from a table definition: EDM types, lookup navigation
 * properties (`ownerid`, `regardingobjectid_contact_task`, `parentcustomerid_account`…), the property names a
 * query may use (`_ownerid_value` for lookups), and option labels.
 */
import type { ColumnDefinition, Row, TableDefinition } from './context';

export function isLookup(def: ColumnDefinition | undefined): boolean {
  return def?.type === 'lookup' || def?.type === 'owner' || def?.type === 'customer';
}

export function edmType(def: ColumnDefinition): string {
  switch (def.type) {
    case 'string': case 'memo': return 'Edm.String';
    case 'integer': case 'picklist': case 'state': case 'status': return 'Edm.Int32';
    case 'bigint': return 'Edm.Int64';
    case 'decimal': case 'money': return 'Edm.Decimal';
    case 'double': return 'Edm.Double';
    case 'boolean': return 'Edm.Boolean';
    case 'datetime': return def.behavior === 'DateOnly' ? 'Edm.Date' : 'Edm.DateTimeOffset';
    case 'uniqueidentifier': case 'lookup': case 'owner': case 'customer': return 'Edm.Guid';
    case 'partylist': return 'Collection(Microsoft.Dynamics.CRM.activityparty)';
  }
}

/** The navigation property for one target of a lookup column. */
export function navigationName(column: string, def: ColumnDefinition, target: string): string {
  const explicit = def.navigationProperties?.[target];
  if (explicit) return explicit;
  const targets = def.targets ?? [];
  return def.type === 'owner' || targets.length <= 1 ? column : `${column}_${target}`;
}

export interface NavigationTarget {
  column: string;
  /** Targets this navigation property may point to (the owner's `ownerid` takes systemuser or team). */
  targets: string[];
}

/** Every single-valued navigation property of a table (lookup columns). */
export function navigationProperties(table: TableDefinition): Map<string, NavigationTarget> {
  const navs = new Map<string, NavigationTarget>();
  for (const [column, def] of Object.entries(table.columns)) {
    if (!isLookup(def)) continue;
    for (const target of def.targets ?? []) {
      const name = navigationName(column, def, target);
      const existing = navs.get(name);
      if (existing) existing.targets.push(target);
      else navs.set(name, { column, targets: [target] });
    }
  }
  return navs;
}

/** Web API property name of a column: lookups read as `_x_value`; party lists are not properties. */
export function propertyName(column: string, def: ColumnDefinition): string | undefined {
  if (def.type === 'partylist') return undefined;
  return isLookup(def) ? `_${column}_value` : column;
}

/** Resolves a Web API property name ($select/$filter/$orderby) to its column. */
export function columnForProperty(table: TableDefinition, property: string): { column: string; def: ColumnDefinition } | undefined {
  const lookup = /^_(.+)_value$/.exec(property);
  if (lookup) {
    const def = table.columns[lookup[1]!];
    return def && isLookup(def) ? { column: lookup[1]!, def } : undefined;
  }
  const def = table.columns[property];
  if (!def || isLookup(def) || def.type === 'partylist') return undefined;
  return { column: property, def };
}

/** Every column of a table at its default (null unless the column has one); party lists are not stored. */
export function blankRow(table: TableDefinition): Row {
  const row: Row = {};
  for (const [column, def] of Object.entries(table.columns)) if (def.type !== 'partylist') row[column] = def.default ?? null;
  return row;
}

/** `TaskState`, `AppointmentState`… for state/status errors. */
export function schemaName(logicalName: string): string {
  return logicalName.charAt(0).toUpperCase() + logicalName.slice(1);
}

export function optionLabel(def: ColumnDefinition, value: number): string {
  return def.labels?.[value] ?? String(value);
}

/** Default statecode of a create, and the default status of a state (its first statuscode). */
export function createState(table: TableDefinition): number | undefined {
  if (!table.states) return undefined;
  if (table.createState !== undefined) return table.createState;
  return Math.min(...Object.keys(table.states).map(Number));
}

export function defaultStatus(table: TableDefinition, state: number): number | undefined {
  return table.states?.[state]?.statuscodes[0];
}

export class TableRegistry {
  private readonly byLogical = new Map<string, TableDefinition>();
  private readonly bySet = new Map<string, TableDefinition>();

  add(table: TableDefinition): void {
    if (this.byLogical.has(table.logicalName)) throw new Error(`table ${table.logicalName} is already registered`);
    this.byLogical.set(table.logicalName, table);
    this.bySet.set(table.entitySetName, table);
  }

  get(logicalName: string): TableDefinition | undefined { return this.byLogical.get(logicalName); }
  bySetName(entitySetName: string): TableDefinition | undefined { return this.bySet.get(entitySetName); }
  all(): TableDefinition[] { return [...this.byLogical.values()]; }

  require(logicalName: string): TableDefinition {
    const table = this.byLogical.get(logicalName);
    if (!table) throw new Error(`unknown table ${logicalName}`);
    return table;
  }
}
