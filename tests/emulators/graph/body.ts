/**
 * Request bodies checked the way Graph's deserializer checks them: a property the type does not have is
 * a 400 (`RequestBodyRead`, "The property 'x' does not exist on type …"), a value of the wrong type is a
 * 400, enum values match case-insensitively ("HTML" is fine) and come back in their canonical spelling.
 * Read-only properties of the type (id, createdDateTime, changeKey…) are ignored, so that an object read
 * with GET can be sent back, as with the real service.
 */
import type { EmulatorHttpError, EmulatorRequest } from '../common/server';
import { errors, todoError } from './errors';
import type { ResourceModel } from './odata-query';
import { enumValues, findNavigation, findProperty, schemaType, unwrapCollection } from './schema';

export interface BodyRules {
  model: ResourceModel;
  /** Properties the operation sets. */
  writable: Set<string>;
  /** Navigation properties accepted inline (returned raw for the caller to validate). */
  navigation: Set<string>;
}

/** Graph type → the name the backend puts in its messages (Outlook: Microsoft.OutlookServices.Location). */
function serviceTypeName(model: ResourceModel, graphType: string): string {
  if (model.todoStyle) return graphType;
  const short = graphType.replace('microsoft.graph.', '');
  return `Microsoft.OutlookServices.${short.charAt(0).toUpperCase()}${short.slice(1)}`;
}

function fail(model: ResourceModel, message: string): EmulatorHttpError {
  return model.todoStyle ? todoError(400, 'Invalid request', 'RequestBodyRead', message) : errors.badValue(message);
}

function isAnnotation(key: string): boolean {
  return key.startsWith('@') || key.includes('@odata.');
}

const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

function convert(model: ResourceModel, type: string, nullable: boolean, value: unknown, name: string): unknown {
  if (value === null) {
    if (!nullable) throw fail(model, `A null value was found for the property named '${name}', which has the expected type '${type}[Nullable=False]'. The expected type '${type}[Nullable=False]' does not allow null values.`);
    return null;
  }
  const { element, collection } = unwrapCollection(type);
  if (collection) {
    if (!Array.isArray(value)) throw fail(model, `A node of type '${typeof value === 'object' ? 'StartObject' : 'PrimitiveValue'}' was read from the JSON reader when trying to read the contents of the property '${name}'; however, a 'StartArray' node was expected.`);
    return value.map((v) => convert(model, element, false, v, name));
  }
  const literal = (): EmulatorHttpError => fail(model, `Cannot convert the literal '${typeof value === 'object' ? JSON.stringify(value) : String(value)}' to the expected type '${element}'.`);
  switch (element) {
    case 'Edm.String': if (typeof value !== 'string') throw literal(); return value;
    case 'Edm.Boolean': if (typeof value !== 'boolean') throw literal(); return value;
    case 'Edm.Int32': if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > 2 ** 31) throw literal(); return value;
    case 'Edm.Double': if (typeof value !== 'number') throw literal(); return value;
    case 'Edm.DateTimeOffset': if (typeof value !== 'string' || !DATE_TIME_OFFSET.test(value) || Number.isNaN(Date.parse(value))) throw literal(); return value;
    case 'Edm.Date': if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw literal(); return value;
    default: break;
  }
  const members = enumValues(element);
  if (members) {
    const match = typeof value === 'string' ? members.find((m) => m.toLowerCase() === value.toLowerCase()) : undefined;
    if (!match) throw fail(model, `Requested value '${String(value)}' was not found.`);
    return match;
  }
  const complex = schemaType(element);
  if (!complex) return value;
  if (typeof value !== 'object' || Array.isArray(value)) throw fail(model, `A node of type '${Array.isArray(value) ? 'StartArray' : 'PrimitiveValue'}' was read from the JSON reader when trying to read the contents of the property '${name}'; however, a 'StartObject' node was expected.`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isAnnotation(k)) continue;
    const prop = findProperty(complex, k);
    if (!prop) throw model.todoStyle ? fail(model, `The property '${k}' does not exist on type '${complex.type}'.`) : errors.unknownProperty(k, serviceTypeName(model, complex.type));
    out[k] = convert(model, prop.type, prop.nullable, v, k);
  }
  return out;
}

/** Validates a value against a Graph type (used for complex values outside a body, e.g. linked resources). */
export function convertValue(model: ResourceModel, type: string, value: unknown, name: string): unknown {
  return convert(model, type, true, value, name);
}

export interface ReadBody {
  /** Writable properties present in the body, validated and normalized. */
  props: Record<string, unknown>;
  /** Inline navigation values (raw). */
  navigation: Record<string, unknown>;
  /** The body as sent (for transactionId comparison). */
  raw: Record<string, unknown>;
}

export function readBody(req: EmulatorRequest, rules: BodyRules): ReadBody {
  const { model } = rules;
  let raw: unknown;
  try {
    raw = JSON.parse(req.body.toString('utf8') || 'null');
  } catch {
    throw fail(model, 'The request body is not valid JSON.');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw fail(model, 'Empty Payload. JSON content expected.');
  const props: Record<string, unknown> = {};
  const navigation: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (isAnnotation(key)) continue;
    const prop = findProperty(model.schema, key);
    if (prop) {
      const converted = convert(model, prop.type, prop.nullable, value, key);
      if (rules.writable.has(key)) props[key] = converted;
      continue; // read-only: ignored, as Graph does
    }
    if (findNavigation(model.schema, key)) {
      if (rules.navigation.has(key)) { navigation[key] = value; continue; }
      throw errors.notImplementedHere(`Setting '${key}' inline`);
    }
    throw model.todoStyle
      ? fail(model, `The property '${key}' does not exist on type '${model.schema.type}'.`)
      : errors.unknownProperty(key, model.serviceTypeName);
  }
  return { props, navigation, raw: raw as Record<string, unknown> };
}
