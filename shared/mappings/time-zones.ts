/**
 * Time-zone arithmetic for the mappings: Windows ↔ IANA names (windows-iana), wall-clock time ↔ instant
 * (Node's Intl, no hand-written tables), Graph's `dateTimeTimeZone` values.
 *
 * Graph speaks wall-clock time plus a zone name (Windows, IANA or "UTC"); Dataverse stores UTC instants.
 * A wall-clock time can be missing (spring-forward gap) or ambiguous (fall-back hour); `localToInstant`
 * resolves both deterministically, and `toGraphDateTime` avoids writing an ambiguous one at all.
 */
import { findIana, findWindows } from 'windows-iana';
import { MappingError } from './mapping-error';

/** A wall-clock date and time (month 1–12), without a zone. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** Graph's dateTimeTimeZone. */
export interface GraphDateTime {
  dateTime: string;
  timeZone: string;
}

const UTC_ALIASES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'z', 'coordinated universal time', 'tzone://microsoft/utc']);
const DAY_MS = 86_400_000;

function isIanaName(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A Windows or IANA zone name → an IANA name Intl understands. Throws MappingError for an unknown name. */
export function toIanaZone(name: string): string {
  const trimmed = name.trim();
  if (UTC_ALIASES.has(trimmed.toLowerCase())) return 'UTC';
  const fromWindows = findIana(trimmed)[0];
  if (fromWindows) return fromWindows;
  if (trimmed.includes('/') && isIanaName(trimmed)) return trimmed;
  throw new MappingError(`Unknown time zone '${name}' (neither a Windows nor an IANA zone name)`);
}

/** An IANA (or Windows) zone name → the Windows name Graph and Outlook show; the input when none is known. */
export function toWindowsZone(name: string): string {
  if (UTC_ALIASES.has(name.trim().toLowerCase())) return 'UTC';
  if (findIana(name).length > 0) return name;
  return findWindows(name)[0] ?? name;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock time in `zone` (IANA) at instant `ms`. */
export function instantToLocal(ms: number, zone: string): LocalDateTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second),
    millisecond: ((ms % 1000) + 1000) % 1000,
  };
}

function utcOf(l: LocalDateTime): number {
  const ms = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second, l.millisecond);
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear undoes that for the rare tiny year.
  return l.year >= 0 && l.year < 100 ? new Date(ms).setUTCFullYear(l.year) : ms;
}

/** Offset of `zone` from UTC at instant `ms`, in milliseconds (positive east of Greenwich). */
export function offsetAt(ms: number, zone: string): number {
  return utcOf(instantToLocal(ms, zone)) - ms;
}

/**
 * Wall-clock time in `zone` → instant. An ambiguous time (the repeated hour when clocks go back) gives
 * the earlier instant; a time inside a spring-forward gap is moved forward by the gap (00:00 on a day
 * whose midnight does not exist becomes 01:00), so it still falls on the same date.
 */
export function localToInstant(local: LocalDateTime, zone: string): number {
  return instantsOf(local, zone)[0] ?? utcOf(local) - offsetAt(utcOf(local) - DAY_MS, zone);
}

/** Every instant showing `local` on `zone`'s clocks, earliest first: none in a gap, two in a fall-back hour. */
function instantsOf(local: LocalDateTime, zone: string): number[] {
  const guess = utcOf(local);
  return [...new Set([offsetAt(guess - DAY_MS, zone), offsetAt(guess + DAY_MS, zone)])]
    .map((offset) => guess - offset)
    .filter((t) => utcOf(instantToLocal(t, zone)) === guess)
    .sort((a, b) => a - b);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** 'YYYY-MM-DD' of a wall-clock value. */
export function formatDate(l: Pick<LocalDateTime, 'year' | 'month' | 'day'>): string {
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}`;
}

/** Graph's wall-clock rendering, 7-digit fraction: 2017-04-15T11:00:00.0000000 */
export function formatGraphLocal(l: LocalDateTime): string {
  return `${formatDate(l)}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}.${pad(l.millisecond, 3)}0000`;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const GRAPH_LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** 'YYYY-MM-DD' → its parts; undefined when not a real calendar date. */
export function parseDate(value: string): Pick<LocalDateTime, 'year' | 'month' | 'day'> | undefined {
  const m = DATE_ONLY.exec(value);
  if (!m) return undefined;
  const parts = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const check = new Date(utcOf({ ...parts, hour: 0, minute: 0, second: 0, millisecond: 0 }));
  return check.getUTCMonth() + 1 === parts.month && check.getUTCDate() === parts.day ? parts : undefined;
}

/** The calendar date of instant `ms` in `zone`. */
export function dateInZone(ms: number, zone: string): string {
  return formatDate(instantToLocal(ms, zone));
}

/** The instant a calendar date begins in `zone` (local midnight, or the first instant after a midnight gap). */
export function startOfDateInZone(date: string, zone: string): number {
  const d = parseDate(date);
  if (!d) throw new MappingError(`Not a calendar date: '${date}'`);
  return localToInstant({ ...d, hour: 0, minute: 0, second: 0, millisecond: 0 }, zone);
}

/**
 * The date whose start (in `zone`) is nearest to `ms`: tolerant of stored "midnights" that are a few
 * hours off (a CRM user whose zone setting differs a little from the mailbox's, DST rule differences).
 */
export function nearestDateInZone(ms: number, zone: string): string {
  const today = dateInZone(ms, zone);
  const start = startOfDateInZone(today, zone);
  const tomorrow = addDays(today, 1);
  return ms - start <= startOfDateInZone(tomorrow, zone) - ms ? today : tomorrow;
}

export function addDays(date: string, days: number): string {
  const d = parseDate(date);
  if (!d) throw new MappingError(`Not a calendar date: '${date}'`);
  return formatDate(instantToLocal(utcOf({ ...d, hour: 12, minute: 0, second: 0, millisecond: 0 }) + days * DAY_MS, 'UTC'));
}

/**
 * A Graph dateTimeTimeZone → instant (ms). `timeZone` may be Windows, IANA or UTC; an explicit `Z` or
 * offset inside `dateTime` wins over the name (Graph labels such values with their zone anyway).
 */
export function parseGraphDateTime(value: { dateTime?: unknown; timeZone?: unknown }): number {
  const text = typeof value.dateTime === 'string' ? value.dateTime.trim() : '';
  const m = GRAPH_LOCAL.exec(text);
  if (!m) throw new MappingError(`Not a Graph dateTime: '${String(value.dateTime)}'`);
  const fraction = (m[7] ?? '').padEnd(3, '0').slice(0, 3);
  const local: LocalDateTime = {
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
    hour: Number(m[4] ?? 0), minute: Number(m[5] ?? 0), second: Number(m[6] ?? 0), millisecond: Number(fraction),
  };
  const offset = m[8];
  if (offset) {
    if (offset === 'Z') return utcOf(local);
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    return utcOf(local) - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  const zone = typeof value.timeZone === 'string' && value.timeZone.trim() ? value.timeZone : 'UTC';
  return localToInstant(local, toIanaZone(zone));
}

/**
 * An instant → Graph dateTimeTimeZone in the mailbox's zone (so Outlook shows the item in the user's own
 * zone). A wall-clock time in the repeated hour of a fall-back night does not identify its instant (and
 * servers resolve it differently: .NET takes the standard-time one), so such a value is written in UTC.
 */
export function toGraphDateTime(ms: number, ianaZone: string, windowsZone: string): GraphDateTime {
  const local = instantToLocal(ms, ianaZone);
  if (instantsOf(local, ianaZone).length === 1) return { dateTime: formatGraphLocal(local), timeZone: windowsZone };
  return { dateTime: formatGraphLocal(instantToLocal(ms, 'UTC')), timeZone: 'UTC' };
}

/** A calendar date as Graph's midnight value in `zone` (To Do dates, all-day events). */
export function graphMidnight(date: string, windowsZone: string): GraphDateTime {
  return { dateTime: `${date}T00:00:00.0000000`, timeZone: windowsZone };
}
