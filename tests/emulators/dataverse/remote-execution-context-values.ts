/**
 * Dataverse rows → the WCF DataContract JSON values a RemoteExecutionContext carries (fixtures
 * webhook-*.json): Entity with key/value `Attributes`, `EntityReference`, `OptionSetValue`, `Money`,
 * `EntityCollection` (party lists), dates as `/Date(ms)/`; strings, numbers, booleans and GUIDs raw.
 * The column types come from the table definition, as the platform knows each attribute's type.
 */
import type { ColumnDefinition, Row, TableDefinition } from './context';

const CONTRACTS = 'http://schemas.microsoft.com/xrm/2011/Contracts';
export const ENTITY_TYPE = `Entity:${CONTRACTS}`;
export const ENTITY_REFERENCE_TYPE = `EntityReference:${CONTRACTS}`;
export const OPTION_SET_VALUE_TYPE = `OptionSetValue:${CONTRACTS}`;
export const MONEY_TYPE = `Money:${CONTRACTS}`;
export const ENTITY_COLLECTION_TYPE = `EntityCollection:${CONTRACTS}`;

export interface KeyValue<T = unknown> {
  key: string;
  value: T;
}

export interface DataContractEntityReference {
  __type?: string;
  Id: string;
  KeyAttributes: KeyValue[];
  LogicalName: string;
  Name: string | null;
  RowVersion: string | null;
}

export interface DataContractEntity {
  __type?: string;
  Attributes: KeyValue[];
  EntityState: null;
  FormattedValues: KeyValue<string>[];
  Id: string;
  KeyAttributes: KeyValue[];
  LogicalName: string;
  RelatedEntities: KeyValue[];
  RowVersion: string | null;
}

/** `/Date(1506384247000)/`: UTC milliseconds, no offset (the newer payload shape). */
export function dataContractDate(value: Date | string | number): string {
  const ms = value instanceof Date ? value.getTime() : new Date(value).getTime();
  return `/Date(${ms})/`;
}

export function entityReference(logicalName: string, id: string, name: string | null = null, typed = true): DataContractEntityReference {
  return {
    ...(typed ? { __type: ENTITY_REFERENCE_TYPE } : {}),
    Id: id.toLowerCase(),
    KeyAttributes: [],
    LogicalName: logicalName,
    Name: name,
    RowVersion: null,
  };
}

export function optionSetValue(value: number): { __type: string; Value: number } {
  return { __type: OPTION_SET_VALUE_TYPE, Value: value };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A column's stored value, read from either the logical name or the Web API `_x_value` form. */
export interface ColumnValue {
  column: string;
  value: unknown;
  /** For lookups: the target table (lookuplogicalname annotation, an object value, or the only target). */
  lookupLogicalName?: string;
}

/**
 * The row's columns by logical name. Accepts both storage shapes a store may use for lookups
 * (`ownerid: "<guid>"` / `{ id, logicalName }` or `_ownerid_value` with its lookuplogicalname annotation),
 * and drops annotations.
 */
export function rowColumns(row: Row): ColumnValue[] {
  const out = new Map<string, ColumnValue>();
  for (const [key, value] of Object.entries(row)) {
    if (key.includes('@')) continue;
    const lookup = /^_(.+)_value$/.exec(key);
    const column = lookup ? lookup[1]! : key;
    const annotated = row[`${key}@Microsoft.Dynamics.CRM.lookuplogicalname`];
    out.set(column, { column, value, ...(typeof annotated === 'string' ? { lookupLogicalName: annotated } : {}) });
  }
  return [...out.values()];
}

/** The value of one column (by logical name) in either storage shape. */
export function columnValue(row: Row, column: string): unknown {
  if (column in row) return row[column];
  return row[`_${column}_value`];
}

function lookupReference(value: unknown, definition: ColumnDefinition | undefined, annotated?: string): DataContractEntityReference | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const id = v.id ?? v.Id;
    const logicalName = v.logicalName ?? v.LogicalName ?? annotated ?? definition?.targets?.[0];
    const name = v.name ?? v.Name;
    if (typeof id === 'string' && typeof logicalName === 'string') {
      return entityReference(logicalName, id, typeof name === 'string' ? name : null);
    }
    return null;
  }
  const logicalName = annotated ?? definition?.targets?.[0] ?? 'unknown';
  return entityReference(logicalName, String(value));
}

/** One attribute value in DataContract form, by the column's declared type (inferred for undeclared columns). */
export function dataContractValue(value: unknown, definition: ColumnDefinition | undefined, lookupLogicalName?: string): unknown {
  if (value === null || value === undefined) return null;
  switch (definition?.type) {
    case 'picklist':
    case 'state':
    case 'status':
      return typeof value === 'object' ? value : optionSetValue(Number(value));
    case 'money':
      return { __type: MONEY_TYPE, Value: Number(value) };
    case 'datetime':
      return dataContractDate(value as string);
    case 'boolean':
      return Boolean(value);
    case 'integer':
    case 'bigint':
    case 'decimal':
    case 'double':
      return Number(value);
    case 'lookup':
    case 'owner':
    case 'customer':
      return lookupReference(value, definition, lookupLogicalName);
    case 'partylist':
      return partyList(value);
    case 'uniqueidentifier':
      return String(value).toLowerCase();
    case 'string':
    case 'memo':
      return String(value);
    default:
      if (lookupLogicalName) return lookupReference(value, definition, lookupLogicalName);
      if (typeof value === 'string' && ISO_DATE.test(value)) return dataContractDate(value);
      if (typeof value === 'string' && GUID.test(value)) return value.toLowerCase();
      return value;
  }
}

/** Activity parties (requiredattendees…) as an EntityCollection of activityparty entities. */
function partyList(value: unknown): unknown {
  const parties = Array.isArray(value) ? (value as Row[]) : [];
  return {
    __type: ENTITY_COLLECTION_TYPE,
    Entities: parties.map((party) => {
      const id = String(party.activitypartyid ?? '00000000-0000-0000-0000-000000000000');
      return entity('activityparty', id, rowColumns(party).map(({ column, value: v, lookupLogicalName }) => ({
        key: column,
        value: column === 'participationtypemask'
          ? optionSetValue(Number(v))
          : dataContractValue(v, undefined, lookupLogicalName ?? (column === 'partyid' ? 'systemuser' : undefined)),
      })), true);
    }),
    EntityName: 'activityparty',
    MinActiveRowVersion: '-1',
    MoreRecords: false,
    PagingCookie: null,
    TotalRecordCount: -1,
    TotalRecordCountLimitExceeded: false,
  };
}

/** An Entity. Targets carry `__type`; images in the documented payload do not. */
export function entity(logicalName: string, id: string, attributes: KeyValue[], typed: boolean, rowVersion: string | null = null): DataContractEntity {
  return {
    ...(typed ? { __type: ENTITY_TYPE } : {}),
    Attributes: attributes,
    EntityState: null,
    FormattedValues: [],
    Id: id.toLowerCase(),
    KeyAttributes: [],
    LogicalName: logicalName,
    RelatedEntities: [],
    RowVersion: rowVersion,
  };
}

/**
 * Converts the chosen columns of a row into DataContract attributes, in the given order.
 * `columns` undefined = every column the row holds; `omitNull` leaves out empty columns, as a retrieved
 * entity (an image) does.
 */
export function attributes(table: TableDefinition, row: Row, columns?: readonly string[], omitNull = false): KeyValue[] {
  const all = rowColumns(row).filter((c) => !omitNull || (c.value !== null && c.value !== undefined));
  const byName = new Map(all.map((c) => [c.column, c]));
  const chosen = columns ? columns.map((c) => byName.get(c)).filter((c): c is ColumnValue => c !== undefined) : all;
  return chosen
    // Undeclared structured values (expanded navigation properties) are not attributes of the entity.
    .filter(({ column, value, lookupLogicalName }) => table.columns[column] || lookupLogicalName || value === null || typeof value !== 'object')
    .map(({ column, value, lookupLogicalName }) => ({
    key: column,
    value: dataContractValue(value, table.columns[column], lookupLogicalName),
  }));
}
