import { parseSchedule } from '../../tools/local-host/schedule';

const at = (iso: string): Date => new Date(iso);

test('six-field NCRONTAB: seconds first', () => {
  const everyTwo = parseSchedule('*/2 * * * * *', 'UTC');
  expect(everyTwo.next(at('2026-03-01T10:00:00.500Z')).toISOString()).toBe('2026-03-01T10:00:02.000Z');
  expect(everyTwo.next(at('2026-03-01T10:00:02.000Z')).toISOString()).toBe('2026-03-01T10:00:04.000Z');
  expect(everyTwo.adjustForDST).toBe(true);
  const fiveMinutes = parseSchedule('0 */5 * * * *', 'UTC');
  expect(fiveMinutes.next(at('2026-03-01T10:01:00Z')).toISOString()).toBe('2026-03-01T10:05:00.000Z');
});

test('weekday ranges and names; day-of-month AND day-of-week, as NCrontab', () => {
  const weekdays = parseSchedule('0 30 9 * * 1-5', 'UTC');
  expect(weekdays.next(at('2026-03-07T00:00:00Z')).toISOString()).toBe('2026-03-09T09:30:00.000Z'); // Sat → Mon
  expect(parseSchedule('0 0 12 * * MON', 'UTC').next(at('2026-03-03T00:00:00Z')).toISOString()).toBe('2026-03-09T12:00:00.000Z');
  // The 13th that is a Friday (AND), not every 13th and every Friday (cron's OR).
  expect(parseSchedule('0 0 0 13 * 5', 'UTC').next(at('2026-01-01T00:00:00Z')).toISOString()).toBe('2026-02-13T00:00:00.000Z');
});

test('time zone from the argument (WEBSITE_TIME_ZONE by default)', () => {
  expect(parseSchedule('0 0 9 * * *', 'Europe/Paris').next(at('2026-01-10T00:00:00Z')).toISOString()).toBe('2026-01-10T08:00:00.000Z');
});

test('TimeSpan schedules are fixed intervals', () => {
  const schedule = parseSchedule('00:05:00');
  expect(schedule.next(at('2026-03-01T10:00:07Z')).toISOString()).toBe('2026-03-01T10:05:07.000Z');
  expect(schedule.adjustForDST).toBe(false);
  expect(() => parseSchedule('00:00:00')).toThrow(/positive/);
});

test('nonsense is rejected with the expression in the message', () => {
  expect(() => parseSchedule('every minute')).toThrow(/'every minute' is neither an NCRONTAB expression nor a TimeSpan/);
  expect(() => parseSchedule('0 0 0 31 2 *', 'UTC').next(at('2026-01-01T00:00:00Z'))).toThrow();
});
