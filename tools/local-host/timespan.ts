/**
 * .NET TimeSpan strings, as host.json and TimeSpan timer schedules write them: `hh:mm:ss`, `d.hh:mm:ss`,
 * optionally with fractional seconds (`00:00:00.500`). Returns milliseconds.
 */
const TIMESPAN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/;

export function parseTimeSpan(text: string): number {
  const m = TIMESPAN.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a TimeSpan (expected [d.]hh:mm[:ss[.fff]])`);
  const [, minus, days, hours, minutes, seconds, fraction] = m;
  const ms =
    Number(days ?? 0) * 86_400_000 + Number(hours) * 3_600_000 + Number(minutes) * 60_000 +
    Number(seconds ?? 0) * 1000 + Math.round(Number(`0.${fraction ?? '0'}`) * 1000);
  return minus ? -ms : ms;
}

export function isTimeSpan(text: string): boolean {
  return TIMESPAN.test(text.trim());
}

/** host.json accepts a TimeSpan string; a bare number is taken as milliseconds. */
export function durationMs(value: unknown, name: string, fallbackMs: number): number {
  if (value === undefined || value === null) return fallbackMs;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string' && isTimeSpan(value)) {
    const ms = parseTimeSpan(value);
    if (ms >= 0) return ms;
  }
  throw new Error(`host.json: ${name} must be a TimeSpan ("00:00:02") or milliseconds, got ${JSON.stringify(value)}`);
}
