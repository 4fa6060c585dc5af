/**
 * Shared by the mapping tests: mailbox contexts in several zones, whole-record conversions (all fields'
 * writes merged into one row / one item, as the engine's PATCH bodies are), and fast-check generators of
 * *valid canonical* values — values produced by the mappings' own normalisers.
 */
import fc from 'fast-check';
import type { Canonical, CrmRow, FieldMapping, GraphItem, MappingContext, RecordMapping } from '../../../shared/mappings/field-mapping';
import { canonicalPlainText, canonicalText, formatInstant } from '../../../shared/mappings/conversions';
import { toIanaZone } from '../../../shared/mappings/time-zones';

export function context(windowsTimeZone: string, mailboxAddress = 'adele.vance@contoso.com'): MappingContext {
  return { windowsTimeZone, ianaTimeZone: toIanaZone(windowsTimeZone), mailboxAddress };
}

/** UTC+9, no DST. */
export const TOKYO = context('Tokyo Standard Time');
/** UTC−5, DST (UTC−4) from the second Sunday of March to the first Sunday of November. */
export const EASTERN = context('Eastern Standard Time');
export const UTC = context('UTC');
/** Santiago: DST starts at midnight, so some days have no 00:00. */
export const SANTIAGO = context('Pacific SA Standard Time');
/** Lord Howe Island: a half-hour DST shift. */
export const LORD_HOWE = context('Lord Howe Standard Time');

export const ZONES = [TOKYO, EASTERN, UTC, SANTIAGO, LORD_HOWE];

export function field(mapping: RecordMapping, name: string): FieldMapping {
  const f = mapping.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name} in ${mapping.recordType}`);
  return f;
}

export type Values = Record<string, Canonical>;

/** Builds the CRM row that holds one-way (CRM → Exchange) values, which have no toCrm. */
type CrmSource = (value: Canonical) => CrmRow;

/** All fields' toCrm merged into one row (crmSources stand in for fields that cannot write Dataverse). */
export function crmRowOf(mapping: RecordMapping, values: Values, ctx: MappingContext, crmSources: Record<string, CrmSource> = {}, base: CrmRow = {}): CrmRow {
  const row: CrmRow = { ...base };
  for (const f of mapping.fields) {
    if (!(f.name in values)) continue;
    const source = crmSources[f.name];
    Object.assign(row, source ? source(values[f.name]!) : f.toCrm(values[f.name]!, ctx));
  }
  return row;
}

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

/** All fields' toGraph merged into one item, as the engine's graphPatch does. */
export function graphItemOf(mapping: RecordMapping, values: Values, ctx: MappingContext, current?: GraphItem): GraphItem {
  const item: GraphItem = {};
  for (const f of mapping.fields) if (f.name in values) deepAssign(item, f.toGraph(values[f.name]!, ctx, current));
  return item;
}

export function crmValuesOf(mapping: RecordMapping, row: CrmRow, ctx: MappingContext): Values {
  return Object.fromEntries(mapping.fields.map((f) => [f.name, f.fromCrm(row, ctx)]));
}

export function graphValuesOf(mapping: RecordMapping, item: GraphItem, ctx: MappingContext): Values {
  return Object.fromEntries(mapping.fields.map((f) => [f.name, f.fromGraph(item, ctx)]));
}

// ---------------------------------------------------------------- generators of canonical values

const unicode = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });

export const arb = {
  text: (max: number): fc.Arbitrary<Canonical> =>
    fc.oneof(fc.constant(null), fc.string({ maxLength: max + 5 }), unicode(Math.min(max, 60))).map((s) => canonicalText(s, max)),
  plainText: (max: number): fc.Arbitrary<Canonical> =>
    fc.oneof(
      fc.constant(null),
      fc.tuple(
        fc.array(fc.oneof(fc.string({ maxLength: 40 }), unicode(20), fc.constantFrom('', ' ', '\t', '&amp;', '<b>', 'a&lt;b')), { maxLength: 8 }),
        fc.constantFrom('\n', '\r\n', '\n\n\n'),
      ).map(([lines, separator]) => lines.join(separator)),
    ).map((s) => canonicalPlainText(s, max)),
  /** A calendar date 1900–2099. */
  date: (): fc.Arbitrary<string> =>
    fc.date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  optionalDate: (): fc.Arbitrary<Canonical> => fc.option(arb.date(), { nil: null }),
  /** An instant 2000–2040 to the second, biased towards DST change nights. */
  instant: (): fc.Arbitrary<string> =>
    fc.oneof(
      fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2040, 0, 1) / 1000 }).map((s) => formatInstant(s * 1000)),
      fc.constantFrom('2024-03-10', '2024-11-03', '2024-09-08', '2024-04-07', '2024-10-06')
        .chain((night) => fc.integer({ min: -36 * 3600, max: 36 * 3600 }).map((s) => formatInstant(Date.parse(`${night}T06:00:00Z`) + s * 1000))),
    ),
  email: (): fc.Arbitrary<string> =>
    fc.tuple(fc.stringMatching(/^[a-z0-9._%+-]{1,20}$/), fc.stringMatching(/^[a-z0-9-]{1,15}\.[a-z]{2,6}$/)).map(([local, domain]) => `${local}@${domain}`),
  phone: (): fc.Arbitrary<string> => fc.stringMatching(/^\+?[0-9 ()-]{3,30}$/).map((p) => canonicalText(p, 50) ?? '0'),
};
