/**
 * Converts values of Dataverse's DataContract JSON (what webhooks POST: key/value arrays, `__type`
 * annotations, `/Date(ms)/` dates) into the Web API JSON shape the rest of the code speaks: ISO dates,
 * option sets as numbers, lookups as `_<column>_value` GUIDs with their lookuplogicalname annotation,
 * entity collections (activity parties) as arrays of rows.
 */
import type { CrmRow } from '../mappings/field-mapping';

export interface KeyValue<T = unknown> {
  key: string;
  value: T;
}

export interface DataContractEntity {
  __type?: string;
  Attributes: KeyValue[];
  FormattedValues?: KeyValue<string>[];
  Id: string;
  LogicalName: string;
}

/**
 * Annotation on a row converted from an entity image: the image's key in the context (its entityalias, e.g.
 * `PostImage_1a2b3c4d`), which says which registration — which columns — the image was taken with.
 */
export const IMAGE_ALIAS_ANNOTATION = '@crm-exchange-sync.imageAlias';

const DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/** `/Date(1506409448000-0700)/` → ISO UTC. The offset only says how the sender displayed it; ms are UTC. */
export function parseDataContractDate(value: string): string | undefined {
  const m = DATE.exec(value);
  return m ? new Date(Number(m[1])).toISOString() : undefined;
}

function typeName(value: Record<string, unknown>): string | undefined {
  const t = value.__type;
  return typeof t === 'string' ? t.split(':')[0] : undefined;
}

function isEntityReference(value: Record<string, unknown>): boolean {
  return typeName(value) === 'EntityReference' || (typeof value.LogicalName === 'string' && typeof value.Id === 'string' && !('Attributes' in value));
}

/** Converts one attribute into Web API columns (a lookup becomes two keys). */
function convertAttribute(key: string, value: unknown, row: CrmRow): void {
  if (value === null || value === undefined) {
    row[key] = null;
    return;
  }
  if (typeof value === 'string') {
    const date = parseDataContractDate(value);
    row[key] = date ?? value;
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    row[key] = value;
    return;
  }
  const v = value as Record<string, unknown>;
  const type = typeName(v);
  if (type === 'OptionSetValue' || type === 'Money') {
    row[key] = v.Value;
  } else if (type === 'OptionSetValueCollection') {
    row[key] = Array.isArray(v) ? v : (v.Value ?? null);
  } else if (type === 'EntityCollection') {
    const entities = Array.isArray(v.Entities) ? (v.Entities as DataContractEntity[]) : [];
    row[key] = entities.map(entityToRow);
  } else if (isEntityReference(v)) {
    row[`_${key}_value`] = String(v.Id).toLowerCase();
    row[`_${key}_value@Microsoft.Dynamics.CRM.lookuplogicalname`] = v.LogicalName;
    if (typeof v.Name === 'string') row[`_${key}_value@OData.Community.Display.V1.FormattedValue`] = v.Name;
  } else {
    row[key] = v;
  }
}

/** A DataContract Entity (Target, an image, an activity party) → a Web API-shaped row. */
export function entityToRow(entity: DataContractEntity): CrmRow {
  const row: CrmRow = {};
  for (const { key, value } of entity.Attributes ?? []) convertAttribute(key, value, row);
  for (const { key, value } of entity.FormattedValues ?? []) {
    if (!(`${key}@OData.Community.Display.V1.FormattedValue` in row)) row[`${key}@OData.Community.Display.V1.FormattedValue`] = value;
  }
  return row;
}
