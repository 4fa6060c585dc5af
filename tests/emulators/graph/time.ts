/**
 * Time zones and Graph's `dateTimeTimeZone`: Graph accepts Windows zone names ("Pacific Standard Time")
 * and IANA names, takes `dateTime` as wall-clock time in that zone, and answers with 7-digit fractions
 * ("2017-04-15T11:00:00.0000000"). Instants are kept as epoch milliseconds; conversions go through Intl.
 */
import { findIana } from 'windows-iana';

const UTC_NAMES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'coordinated universal time', 'z']);

function isIana(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A Windows or IANA zone name → an IANA name Intl understands; undefined when Graph would reject it. */
export function ianaZone(name: string): string | undefined {
  const trimmed = name.trim();
  if (UTC_NAMES.has(trimmed.toLowerCase())) return 'UTC';
  const fromWindows = findIana(trimmed)[0];
  if (fromWindows) return fromWindows;
  return trimmed.includes('/') && isIana(trimmed) ? trimmed : undefined;
}

interface Fields { y: number; mo: number; d: number; h: number; mi: number; s: number; ms: number }

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

function fieldsIn(ms: number, tz: string): Fields {
  const parts = Object.fromEntries(formatter(tz).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    y: Number(parts.year), mo: Number(parts.month), d: Number(parts.day),
    h: Number(parts.hour), mi: Number(parts.minute), s: Number(parts.second), ms: ((ms % 1000) + 1000) % 1000,
  };
}

function utcOf(f: Fields): number {
  return Date.UTC(f.y, f.mo - 1, f.d, f.h, f.mi, f.s, f.ms);
}

/** Offset of `tz` from UTC at instant `ms`, in milliseconds. */
function offsetAt(ms: number, tz: string): number {
  return utcOf({ ...fieldsIn(ms, tz), ms: ((ms % 1000) + 1000) % 1000 }) - ms;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]\d{2}:\d{2})?$/;

export interface ParsedDateTime {
  fields: Fields;
  /** An explicit `Z` or offset in the string (then the zone name only labels the value). */
  offset?: string;
  /** Only a date, no time part. */
  dateOnly: boolean;
}

export function parseDateTime(value: string): ParsedDateTime | undefined {
  const m = LOCAL.exec(value.trim());
  if (!m) return undefined;
  const fields: Fields = {
    y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: Number(m[4] ?? 0), mi: Number(m[5] ?? 0),
    s: Number(m[6] ?? 0), ms: Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000),
  };
  if (fields.mo < 1 || fields.mo > 12 || fields.d < 1 || fields.d > 31 || fields.h > 23 || fields.mi > 59 || fields.s > 59) return undefined;
  const check = new Date(utcOf(fields));
  if (check.getUTCDate() !== fields.d) return undefined; // 2024-02-31
  return { fields, offset: m[8], dateOnly: m[4] === undefined };
}

/** Wall-clock time in `tz` (IANA) → instant. Ambiguous/skipped local times resolve like .NET (first offset). */
export function zonedToUtc(fields: Fields, tz: string): number {
  const guess = utcOf(fields);
  let result = guess - offsetAt(guess, tz);
  const second = guess - offsetAt(result, tz);
  if (second !== result) result = second;
  return result;
}

/** A parsed `dateTime` with its zone name → instant (an explicit offset in the string wins). */
export function toInstant(parsed: ParsedDateTime, tz: string): number {
  if (parsed.offset) {
    const base = utcOf(parsed.fields);
    if (parsed.offset === 'Z') return base;
    const sign = parsed.offset.startsWith('-') ? -1 : 1;
    const [hh, mm] = parsed.offset.slice(1).split(':').map(Number);
    return base - sign * ((hh ?? 0) * 60 + (mm ?? 0)) * 60_000;
  }
  return zonedToUtc(parsed.fields, tz);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function formatFields(f: Fields): string {
  return `${pad(f.y, 4)}-${pad(f.mo)}-${pad(f.d)}T${pad(f.h)}:${pad(f.mi)}:${pad(f.s)}.${pad(f.ms, 3)}0000`;
}

/** Instant → Graph's wall-clock string in `tz` (IANA), e.g. 2017-04-15T11:00:00.0000000 */
export function formatInZone(ms: number, tz: string): string {
  return formatFields(tz === 'UTC' ? fieldsIn(ms, 'UTC') : fieldsIn(ms, tz));
}

/** A calendar date (YYYY-MM-DD) → Graph's midnight string for all-day values. */
export function formatDateMidnight(date: string): string {
  return `${date}T00:00:00.0000000`;
}

/** The calendar date (YYYY-MM-DD) of an instant in `tz`. */
export function dateInZone(ms: number, tz: string): string {
  const f = fieldsIn(ms, tz);
  return `${pad(f.y, 4)}-${pad(f.mo)}-${pad(f.d)}`;
}

/** Midnight of a calendar date in `tz` → instant. */
export function midnightInZone(date: string, tz: string): number {
  const [y, mo, d] = date.split('-').map(Number);
  return zonedToUtc({ y: y!, mo: mo!, d: d!, h: 0, mi: 0, s: 0, ms: 0 }, tz);
}

/** Graph's DateTimeOffset rendering: UTC with a 7-digit fraction, e.g. 2017-04-15T03:00:50.7570000Z */
export function formatOffset(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

export function isDateString(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && parseDateTime(value) !== undefined;
}

export function addDays(date: string, days: number): string {
  const [y, mo, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, mo! - 1, d! + days)).toISOString().slice(0, 10);
}
