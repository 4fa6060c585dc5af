/**
 * Mutated documents: a real payload (the documented fixtures) with a few random edits anywhere in its tree —
 * a field deleted, replaced by a value of another type, a key added, an array emptied or doubled — which is
 * what a buggy or hostile sender produces far more often than fully random bytes. The values put in include
 * the DataContract shapes Dataverse uses (`__type` annotations, `/Date(ms)/`), so that the converters behind
 * the schema get their share of surprises too.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

const GUID = fc.uuid();
const DC = (type: string) => `${type}:http://schemas.microsoft.com/xrm/2011/Contracts`;

/** Values that tend to break converters: edge strings, numbers at the limits, odd DataContract values. */
export const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>('', ' ', '\u0000', '\uFFFF', 'null', '{}', '/Date(abc)/', '/Date(-99999999999999999)/', '/Date(1506409448000-0700)/',
    -0, 1e308, -1e308, 2 ** 53 + 2, 0.5, true, false, null, [], {}, [null], '00000000-0000-0000-0000-000000000000', '__proto__', 'constructor'),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.nat({ max: 2000 }).map((n) => 'x'.repeat(n)),
  GUID,
  fc.record({ __type: fc.constant(DC('EntityReference')), Id: fc.oneof(GUID, oddLeaf()), LogicalName: fc.oneof(fc.constantFrom('systemuser', 'contact', 'team'), oddLeaf()), Name: oddLeaf() }),
  fc.record({ __type: fc.constantFrom(DC('OptionSetValue'), DC('Money'), DC('OptionSetValueCollection')), Value: oddLeaf() }),
  fc.record({ __type: fc.constant(DC('EntityCollection')), Entities: fc.array(fc.oneof(oddLeaf(), fc.record({ Attributes: fc.oneof(oddLeaf(), fc.array(oddLeaf(), { maxLength: 3 })), Id: oddLeaf(), LogicalName: oddLeaf() })), { maxLength: 3 }) }),
  fc.record({ LogicalName: fc.string(), Id: fc.oneof(GUID, fc.string()) }),
);

function oddLeaf(): fc.Arbitrary<Json> {
  return fc.oneof(fc.constantFrom<Json>(null, '', 0, -1, true, [], {}, 'x'), fc.string({ maxLength: 10 }), fc.integer(), GUID);
}

function pathsOf(doc: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(doc)) doc.forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (doc !== null && typeof doc === 'object') for (const [k, v] of Object.entries(doc)) pathsOf(v, [...at, k], out);
  return out;
}

function parentOf(doc: Json, path: Path): { parent: Json; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let node: Json = doc;
  for (const step of path.slice(0, -1)) node = (node as Record<string | number, Json>)[step]!;
  return { parent: node, key: path[path.length - 1]! };
}

export interface Edit {
  at: number;
  op: 'delete' | 'replace' | 'addKey' | 'empty' | 'double' | 'stringify' | 'wrapInArray';
  value: Json;
  key: string;
}

export const editArb: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom<Edit['op']>('delete', 'replace', 'replace', 'replace', 'addKey', 'empty', 'double', 'stringify', 'wrapInArray'),
  value: oddValue,
  key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'MessageName', 'value', 'Attributes', '@odata.type', 'clientState')),
});

/** Applies the edits to a copy of the document (each edit picks a node among the current ones). */
export function applyEdits(original: Json, edits: Edit[]): Json {
  let doc: Json = structuredClone(original);
  for (const edit of edits) {
    const paths = pathsOf(doc);
    const path = paths[edit.at % paths.length]!;
    const target = parentOf(doc, path);
    const current = target ? (target.parent as Record<string | number, Json>)[target.key]! : doc;
    let next: Json | undefined = current;
    // A copy: fast-check may hand the same object to several edits, which would make the document circular.
    const value = structuredClone(edit.value);
    switch (edit.op) {
      case 'delete': next = undefined; break;
      case 'replace': next = value; break;
      case 'addKey':
        if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
          // defineProperty: a key named __proto__ must become an own property, as JSON.parse makes it.
          Object.defineProperty(current, edit.key, { value, enumerable: true, writable: true, configurable: true });
        } else if (Array.isArray(current)) current.push(value);
        break;
      case 'empty': next = Array.isArray(current) ? [] : current !== null && typeof current === 'object' ? {} : ''; break;
      case 'double': next = Array.isArray(current) ? [...current, ...structuredClone(current)] : typeof current === 'string' ? current + current : current; break;
      case 'stringify': next = JSON.stringify(current) ?? null; break;
      case 'wrapInArray': next = [current]; break;
    }
    if (!target) { doc = next === undefined ? null : next; continue; }
    if (next === undefined) {
      if (Array.isArray(target.parent)) target.parent.splice(Number(target.key), 1);
      else delete (target.parent as Record<string, Json>)[target.key];
    } else {
      (target.parent as Record<string | number, Json>)[target.key] = next;
    }
  }
  return doc;
}

/** A mutated copy of one of the documents: 1 to 4 edits. */
export function mutatedDocument(documents: Json[]): fc.Arbitrary<Json> {
  return fc.tuple(fc.constantFrom(...documents), fc.array(editArb, { minLength: 1, maxLength: 4 })).map(([doc, edits]) => applyEdits(doc, edits));
}

/**
 * A body: mostly the JSON text of a (mutated) document; sometimes that text cut short, with a BOM or
 * trailing garbage, random bytes, or nothing at all.
 */
export function bodyOf(document: fc.Arbitrary<Json>): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    { weight: 10, arbitrary: document.map((d) => JSON.stringify(d)) },
    { weight: 2, arbitrary: fc.tuple(document, fc.nat()).map(([d, n]) => { const t = JSON.stringify(d); return t.slice(0, n % (t.length + 1)); }) },
    { weight: 1, arbitrary: fc.tuple(document, fc.constantFrom('\uFEFF', ' \n', 'null', ',', '}', '\u0000')).map(([d, s]) => (s === '\uFEFF' ? s + JSON.stringify(d) : JSON.stringify(d) + s)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '[]', '{}', '"x"', '0', 'true', '{"value":[]}', '{"value":null}') },
  );
}
