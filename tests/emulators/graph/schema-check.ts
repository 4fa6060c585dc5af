/**
 * Test helper: walks a JSON payload against the Graph v1.0 schema (fixtures/schema) and lists every
 * property that the real type does not have, or whose value has the wrong JSON type for its Edm/enum/
 * complex type. An emulator response that passes has no property our code could come to rely on that
 * Graph would never send. Missing properties are not reported (Graph omits many, e.g. with `$select`).
 *
 * Usage: `expect(schemaViolations('event', body)).toEqual([])`, or `schemaViolations('subscription', s)`.
 */
import { enumValues, findNavigation, findProperty, schemaType, unwrapCollection } from './schema';

/** Control information the OData JSON format allows on any object (`@odata.etag`, `x@odata.context`…). */
function isAnnotation(key: string): boolean {
  return key.startsWith('@') || key.includes('@');
}

const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkPrimitive(type: string, value: unknown, path: string, out: string[]): void {
  const fail = (expected: string): void => { out.push(`${path}: expected ${expected} for ${type}, got ${JSON.stringify(value)}`); };
  switch (type) {
    case 'Edm.String': if (typeof value !== 'string') fail('a string'); return;
    case 'Edm.Boolean': if (typeof value !== 'boolean') fail('a boolean'); return;
    case 'Edm.Int16': case 'Edm.Int32': case 'Edm.Int64': case 'Edm.Byte':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail('an integer'); return;
    case 'Edm.Double': case 'Edm.Single': case 'Edm.Decimal':
      if (typeof value !== 'number') fail('a number'); return;
    case 'Edm.DateTimeOffset':
      if (typeof value !== 'string' || !DATE_TIME_OFFSET.test(value)) fail('an ISO 8601 date-time with offset'); return;
    case 'Edm.Date': if (typeof value !== 'string' || !DATE.test(value)) fail('a YYYY-MM-DD date'); return;
    case 'Edm.Guid': if (typeof value !== 'string' || !GUID.test(value)) fail('a GUID'); return;
    default: if (typeof value === 'object') fail('a primitive');
  }
}

function checkValue(typeName: string, value: unknown, path: string, nullable: boolean, out: string[]): void {
  if (value === null) {
    if (!nullable) out.push(`${path}: null is not allowed (${typeName} is not nullable)`);
    return;
  }
  const { element, collection } = unwrapCollection(typeName);
  if (collection) {
    if (!Array.isArray(value)) { out.push(`${path}: expected an array for ${typeName}`); return; }
    value.forEach((v, i) => checkValue(element, v, `${path}[${i}]`, false, out));
    return;
  }
  if (element.startsWith('Edm.')) { checkPrimitive(element, value, path, out); return; }
  const members = enumValues(element);
  if (members) {
    if (typeof value !== 'string' || !value.split(',').every((v) => members.includes(v.trim()))) {
      out.push(`${path}: ${JSON.stringify(value)} is not a member of ${element} (${members.join(', ')})`);
    }
    return;
  }
  const type = schemaType(element);
  if (!type) return; // a type outside the extracted set (e.g. profilePhoto): nothing to check against
  if (typeof value !== 'object' || Array.isArray(value)) { out.push(`${path}: expected an object for ${element}`); return; }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (isAnnotation(key)) continue;
    const prop = findProperty(type, key);
    if (prop) { checkValue(prop.type, v, `${path}.${key}`, prop.nullable, out); continue; }
    const nav = findNavigation(type, key);
    if (nav) { checkValue(nav.type, v, `${path}.${key}`, false, out); continue; }
    out.push(`${path}.${key}: no such property on ${type.type}`);
  }
}

/** Violations of `value` against Graph type `typeName` (`event` or `microsoft.graph.event`); [] when clean. */
export function schemaViolations(typeName: string, value: unknown): string[] {
  const type = schemaType(typeName);
  if (!type) throw new Error(`No schema extracted for ${typeName}`);
  const out: string[] = [];
  checkValue(type.type, value, type.type.replace('microsoft.graph.', ''), false, out);
  return out;
}

/** Checks each item of a collection response (`{ value: [...] }`), skipping delta `@removed` stubs' annotations. */
export function collectionViolations(typeName: string, page: { value?: unknown[] }): string[] {
  if (!Array.isArray(page.value)) return ['value: expected an array'];
  return page.value.flatMap((item, i) => schemaViolations(typeName, item).map((v) => `value[${i}].${v}`));
}
