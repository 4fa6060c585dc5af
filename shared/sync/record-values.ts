/**
 * Applies a RecordMapping to whole records: canonical values of every syncing field, the columns to
 * $select, and the PATCH bodies for the fields that must be written.
 */
import { findIana } from 'windows-iana';
import { IMAGE_ALIAS_ANNOTATION } from '../dataverse/data-contract';
import type { DataverseGateway } from '../dataverse/dataverse-gateway';
import type { CrmRow, GraphItem, MappingContext, RecordMapping } from '../mappings/field-mapping';
import type { MergeField, Values } from './three-way-merge';

/** Columns every read needs besides the mapped ones: owner (scope), version (echo), state (rules). */
const SYSTEM_COLUMNS = ['_ownerid_value', 'versionnumber', 'statecode', 'statuscode', 'modifiedon'];

export function mergeFields(mapping: RecordMapping): MergeField[] {
  return mapping.fields.map((f) => ({ name: f.name, direction: f.defaultDirection }));
}

/** $select for reading a row: the mapped columns in Web API form (lookups as _x_value) plus system columns. */
export function crmSelect(mapping: RecordMapping, lookupColumns: ReadonlySet<string> = new Set()): string[] {
  const columns = new Set<string>([mapping.crmPrimaryId, ...SYSTEM_COLUMNS]);
  for (const field of mapping.fields) {
    if (field.defaultDirection === 'none') continue;
    for (const column of field.crmColumns) {
      if (mapping.crmExpand?.some((e) => e.property === column)) continue; // an $expand, not a column
      columns.add(lookupColumns.has(column) ? `_${column}_value` : column);
    }
  }
  return [...columns];
}

/** Columns Dataverse never leaves empty: an image lacking one is not trusted, whatever its alias says. */
const NEVER_NULL = new Set(['_ownerid_value', 'versionnumber', 'statecode', 'statuscode', 'modifiedon']);

/**
 * The row a webhook post image stands for, or undefined when the row must be read. Dataverse leaves null
 * attributes out of an image, so an absent attribute means null only in an image registered with that
 * column: one whose alias (IMAGE_ALIAS_ANNOTATION, set by the webhook parser) is `registeredAlias`, the alias
 * `npm run register` derives from these mappings (registration: registeredPostImage). Such an image gets every
 * registered column it lacks set to null (lookups as `_x_value`) — in place: the engine recognises a row taken
 * from an image by identity. Any other image (an older registration, other columns) must hold every column.
 */
export function rowFromImage(mapping: RecordMapping, image: CrmRow | undefined, lookupColumns: ReadonlySet<string>,
  registered?: { alias: string; columns: ReadonlySet<string> }): CrmRow | undefined {
  if (!image) return undefined;
  if (registered && image[IMAGE_ALIAS_ANNOTATION] === registered.alias && !(mapping.crmExpand?.length)) {
    for (const column of crmSelect(mapping, lookupColumns)) {
      if (column in image || column === mapping.crmPrimaryId || NEVER_NULL.has(column)) continue;
      const logical = /^_(.+)_value$/.exec(column)?.[1] ?? column;
      if (registered.columns.has(logical)) image[column] = null;
    }
  }
  return imageIsComplete(mapping, image, lookupColumns) ? image : undefined;
}

/** Does a webhook image hold every column a sync of this row needs (then the row need not be read)? */
export function imageIsComplete(mapping: RecordMapping, image: CrmRow | undefined, lookupColumns: ReadonlySet<string> = new Set()): boolean {
  if (!image) return false;
  // Images carry no expanded navigation properties (appointment parties): such rows are always read.
  if ((mapping.crmExpand?.length ?? 0) > 0) return false;
  if (!crmSelect(mapping, lookupColumns).every((c) => c in image || c === 'modifiedon' || c === mapping.crmPrimaryId)) return false;
  // A set lookup whose name the image lacks (EntityReference.Name is often null) must be read.
  return [...lookupColumns].every((c) => !image[`_${c}_value`] || typeof image[`_${c}_value@OData.Community.Display.V1.FormattedValue`] === 'string');
}

/** Reads a row with every mapped column (and expansions); undefined when it does not exist. */
export function readCrmRow(dataverse: DataverseGateway, mapping: RecordMapping, id: string, lookupColumns: ReadonlySet<string>): Promise<CrmRow | undefined> {
  const expand = mapping.crmExpand?.map((e) => ({ property: e.property, ...(e.select ? { select: [...e.select] } : {}) }));
  return dataverse.retrieve(mapping.crmEntitySet, id, crmSelect(mapping, lookupColumns), expand?.length ? expand : undefined);
}

/** An instant column as milliseconds (dynamics-web-api may hand back Date objects or ISO strings). */
export function instantOf(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

export function crmValues(mapping: RecordMapping, row: CrmRow, ctx: MappingContext): Values {
  const values: Values = {};
  for (const field of mapping.fields) if (field.defaultDirection !== 'none') values[field.name] = field.fromCrm(row, ctx);
  return values;
}

export function graphValues(mapping: RecordMapping, item: GraphItem, ctx: MappingContext): Values {
  const values: Values = {};
  for (const field of mapping.fields) if (field.defaultDirection !== 'none') values[field.name] = field.fromGraph(item, ctx);
  return values;
}

/** The Graph body writing `values` (only the fields named there). */
export function graphPatch(mapping: RecordMapping, values: Values, ctx: MappingContext, current?: GraphItem): GraphItem {
  const body: GraphItem = {};
  for (const field of mapping.fields) {
    if (!(field.name in values)) continue;
    deepAssign(body, field.toGraph(values[field.name]!, ctx, current));
  }
  return body;
}

export function crmPatch(mapping: RecordMapping, values: Values, ctx: MappingContext): CrmRow {
  const body: CrmRow = {};
  for (const field of mapping.fields) {
    if (!(field.name in values)) continue;
    Object.assign(body, field.toCrm(values[field.name]!, ctx));
  }
  return body;
}

/** Several fields may write parts of one Graph property (start + end, address parts): merge objects. */
function deepAssign(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (existing && value && typeof existing === 'object' && typeof value === 'object' && !Array.isArray(existing) && !Array.isArray(value)) {
      deepAssign(existing as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
}

export function mappingContext(mailbox: { timeZone?: string; emailAddress: string }, fallbackWindowsZone = 'UTC'): MappingContext {
  const windowsTimeZone = mailbox.timeZone || fallbackWindowsZone;
  const ianaTimeZone = findIana(windowsTimeZone)[0] ?? (windowsTimeZone.includes('/') ? windowsTimeZone : 'Etc/UTC');
  return { windowsTimeZone, ianaTimeZone, mailboxAddress: mailbox.emailAddress };
}
