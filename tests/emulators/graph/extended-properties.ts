/**
 * singleValueExtendedProperties (MAPI named properties) on events and contacts: set inline on POST/PATCH,
 * read with `$expand=singleValueExtendedProperties($filter=id eq '…')`, found with
 * `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`. Ids must have one of
 * Exchange's three forms, else 400 ErrorInvalidProperty (message as the service words it).
 */
import { graphError } from './errors';
import { evaluateFilter } from './odata-filter';
import type { ExpandOption } from './odata-query';
import type { ExtendedProperty, StoredItem } from './store';

const MAPI_TYPES = 'String|Integer|Boolean|SystemTime|Binary|Short|Long|Double|Float|Currency|CLSID|ApplicationTime|Error|Null|Object';
const GUID = '\\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\}?';
const ID_FORMS = [
  new RegExp(`^(${MAPI_TYPES}) ${GUID} Name \\S.*$`, 'i'),
  new RegExp(`^(${MAPI_TYPES}) ${GUID} Id 0x[0-9a-fA-F]{1,4}$`, 'i'),
  new RegExp(`^(${MAPI_TYPES}) 0x[0-9a-fA-F]{1,4}$`, 'i'),
];

const invalidId = () => graphError(400, 'ErrorInvalidProperty',
  "PropertyId values may only be in one of the following formats: 'MapiPropertyType namespaceGuid Name propertyName', 'MapiPropertyType namespaceGuid Id propertyId' or 'MapiPropertyType propertyTag'.");

export function readExtendedProperties(value: unknown): ExtendedProperty[] {
  if (!Array.isArray(value)) throw graphError(400, 'RequestBodyRead', "A node of type 'StartObject' was read from the JSON reader when trying to read the contents of the property 'singleValueExtendedProperties'; however, a 'StartArray' node was expected.");
  return value.map((ep) => {
    if (!ep || typeof ep !== 'object') throw invalidId();
    const { id, value: v, ...rest } = ep as Record<string, unknown>;
    const unknown = Object.keys(rest).find((k) => !k.startsWith('@'));
    if (unknown) throw graphError(400, 'RequestBodyRead', `The property '${unknown}' does not exist on type 'Microsoft.OutlookServices.SingleValueLegacyExtendedProperty'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
    if (typeof id !== 'string' || !ID_FORMS.some((re) => re.test(id.trim()))) throw invalidId();
    if (typeof v !== 'string') throw graphError(400, 'RequestBodyRead', `Cannot convert the literal '${JSON.stringify(v)}' to the expected type 'Edm.String'.`);
    return { id: id.trim(), value: v };
  });
}

export function extendedCollection(item: StoredItem): Array<{ id: string; value: string }> {
  return [...item.extended.values()].map((ep) => ({ id: ep.id, value: ep.value }));
}

/** Adds the `$expand`ed extended properties to a representation (omitted when none match). */
export function expandExtended(item: StoredItem, rep: Record<string, unknown>, expand: ExpandOption[]): void {
  const option = expand.find((e) => e.name === 'singleValueExtendedProperties');
  if (!option) return;
  const all = extendedCollection(item);
  const matching = option.filter
    ? all.filter((ep) => evaluateFilter(option.filter!, ep))
    : all;
  if (matching.length > 0) rep.singleValueExtendedProperties = matching;
}
