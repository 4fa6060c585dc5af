/**
 * Column values in and out of the Web API: request JSON → stored value (type checks as the OData reader makes
 * them, then the platform's length/range/choice validation), and the FormattedValue strings of responses.
 */
import { findIana } from 'windows-iana';
import type { ColumnDefinition, TableDefinition } from './context';
import { cannotConvert, outOfRange, tooLong } from './errors';
import { isGuid } from './ids';
import { edmType, optionLabel } from './schema';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;
const INT32 = { min: -2147483648, max: 2147483647 };

/** Dataverse keeps date-times to the second and answers in UTC with `Z`. */
export function toStoredInstant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function validDateOnly(value: string): boolean {
  const m = DATE_ONLY.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/**
 * A request value for a non-lookup column → the stored value; throws the Web API's 400 on a wrong type or an
 * invalid value. Empty strings are stored as null, as the platform does.
 */
export function coerceValue(table: TableDefinition, column: string, def: ColumnDefinition, value: unknown): unknown {
  if (value === null) return null;
  const set = table.entitySetName;
  const fail = (): never => { throw cannotConvert(set, value, edmType(def)); };
  switch (def.type) {
    case 'string':
    case 'memo': {
      if (typeof value !== 'string') return fail();
      if (value === '') return null;
      if (def.maxLength !== undefined && value.length > def.maxLength) throw tooLong(table.logicalName, column, def.maxLength);
      return value;
    }
    case 'integer':
    case 'bigint': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail();
      if (def.type === 'integer' && (value < INT32.min || value > INT32.max)) return fail();
      if ((def.min !== undefined && value < def.min) || (def.max !== undefined && value > def.max)) {
        throw outOfRange(table.logicalName, column, value, { min: def.min, max: def.max });
      }
      return value;
    }
    case 'decimal':
    case 'double':
    case 'money': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail();
      if ((def.min !== undefined && value < def.min) || (def.max !== undefined && value > def.max)) {
        throw outOfRange(table.logicalName, column, value, { min: def.min, max: def.max });
      }
      return value;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : fail();
    case 'picklist':
    case 'state':
    case 'status': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail();
      if (def.options && !def.options.includes(value)) throw outOfRange(table.logicalName, column, value);
      return value;
    }
    case 'datetime': {
      if (typeof value !== 'string') return fail();
      if (def.behavior === 'DateOnly') return validDateOnly(value) ? value : fail();
      if (!DATE_TIME_OFFSET.test(value)) return fail();
      const date = new Date(value);
      if (Number.isNaN(date.getTime())) return fail();
      // SQL datetime's range starts at 1753 (the platform's minimum date).
      if (date.getUTCFullYear() < 1753) throw outOfRange(table.logicalName, column, value);
      return toStoredInstant(date);
    }
    case 'uniqueidentifier':
      return isGuid(value) ? value.toLowerCase() : fail();
    default:
      return fail();
  }
}

/** Windows zone (seed users) → IANA for formatting; unknown or absent → UTC (org default for app users). */
export function ianaZone(windowsZone: string | undefined): string {
  if (!windowsZone) return 'UTC';
  return findIana(windowsZone)[0] ?? 'UTC';
}

function formatDateTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit', hour12: true,
  }).formatToParts(new Date(iso));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('month')}/${get('day')}/${get('year')} ${get('hour')}:${get('minute')} ${get('dayPeriod')}`;
}

/** The `@OData.Community.Display.V1.FormattedValue` of a value, as a user in `timeZone` sees it. */
export function formattedValue(def: ColumnDefinition, value: unknown, timeZone: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (def.type) {
    case 'picklist':
    case 'state':
    case 'status':
      return optionLabel(def, value as number);
    case 'boolean':
      return value ? 'Yes' : 'No';
    case 'datetime': {
      if (def.behavior === 'DateOnly') {
        const [y, m, d] = String(value).split('-').map(Number);
        return `${m}/${d}/${y}`;
      }
      return formatDateTime(String(value), def.behavior === 'TimeZoneIndependent' ? 'UTC' : timeZone);
    }
    case 'money':
      return `$${(value as number).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    case 'integer':
    case 'decimal':
    case 'double':
      return (value as number).toLocaleString('en-US');
    default:
      return undefined;
  }
}
