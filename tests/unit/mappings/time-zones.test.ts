import fc from 'fast-check';
import {
  addDays, dateInZone, localToInstant, nearestDateInZone, parseGraphDateTime, startOfDateInZone, toGraphDateTime, toIanaZone,
  toWindowsZone, instantToLocal,
} from '../../../shared/mappings/time-zones';
import { MappingError } from '../../../shared/mappings/mapping-error';
import { ZONES } from './support';

const at = (iso: string) => Date.parse(iso);

describe('zone names', () => {
  test('Windows names (as Graph reports them) resolve to IANA, and back', () => {
    expect(toIanaZone('Tokyo Standard Time')).toBe('Asia/Tokyo');
    expect(toIanaZone('Eastern Standard Time')).toBe('America/New_York');
    expect(toIanaZone('UTC')).toBe('UTC');
    expect(toIanaZone('Europe/Paris')).toBe('Europe/Paris');
    expect(toWindowsZone('Asia/Tokyo')).toBe('Tokyo Standard Time');
    expect(toWindowsZone('Eastern Standard Time')).toBe('Eastern Standard Time');
  });

  test('an unknown zone name is an error, not a silent UTC', () => {
    expect(() => toIanaZone('Mars Standard Time')).toThrow(MappingError);
    expect(() => toIanaZone('Mars Standard Time')).toThrow(/Mars Standard Time/);
  });
});

describe('wall-clock time ↔ instant', () => {
  test('Tokyo is UTC+9 all year', () => {
    expect(localToInstant({ year: 2024, month: 1, day: 15, hour: 9, minute: 0, second: 0, millisecond: 0 }, 'Asia/Tokyo')).toBe(at('2024-01-15T00:00:00Z'));
    expect(localToInstant({ year: 2024, month: 7, day: 15, hour: 9, minute: 0, second: 0, millisecond: 0 }, 'Asia/Tokyo')).toBe(at('2024-07-15T00:00:00Z'));
  });

  test('Eastern is UTC−5 in winter and UTC−4 in summer', () => {
    expect(localToInstant({ year: 2024, month: 1, day: 15, hour: 9, minute: 0, second: 0, millisecond: 0 }, 'America/New_York')).toBe(at('2024-01-15T14:00:00Z'));
    expect(localToInstant({ year: 2024, month: 7, day: 15, hour: 9, minute: 0, second: 0, millisecond: 0 }, 'America/New_York')).toBe(at('2024-07-15T13:00:00Z'));
  });

  test('a time in the spring-forward gap moves forward by the gap; an ambiguous fall-back time is the earlier instant', () => {
    // 2024-03-10 02:30 does not exist in New York: it becomes 03:30 EDT.
    expect(localToInstant({ year: 2024, month: 3, day: 10, hour: 2, minute: 30, second: 0, millisecond: 0 }, 'America/New_York')).toBe(at('2024-03-10T07:30:00Z'));
    // 2024-11-03 01:30 happens twice: 05:30Z (EDT) and 06:30Z (EST).
    expect(localToInstant({ year: 2024, month: 11, day: 3, hour: 1, minute: 30, second: 0, millisecond: 0 }, 'America/New_York')).toBe(at('2024-11-03T05:30:00Z'));
  });

  test('a day whose midnight does not exist (Santiago, DST at 24:00) still starts on that date', () => {
    const start = startOfDateInZone('2024-09-08', 'America/Santiago');
    expect(start).toBe(at('2024-09-08T04:00:00Z')); // 01:00 −03
    expect(dateInZone(start, 'America/Santiago')).toBe('2024-09-08');
  });

  test('nearestDateInZone rounds to the closest local midnight', () => {
    expect(nearestDateInZone(at('2024-04-30T15:00:00Z'), 'Asia/Tokyo')).toBe('2024-05-01'); // exactly midnight JST
    expect(nearestDateInZone(at('2024-04-30T20:00:00Z'), 'Asia/Tokyo')).toBe('2024-05-01'); // 05:00 JST
    expect(nearestDateInZone(at('2024-05-01T04:00:00Z'), 'Asia/Tokyo')).toBe('2024-05-02'); // 13:00 JST
  });

  test('addDays crosses months, years and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });
});

describe('Graph dateTimeTimeZone', () => {
  test('reads Windows, IANA and UTC zones, 7-digit fractions and explicit offsets', () => {
    expect(parseGraphDateTime({ dateTime: '2017-04-15T11:00:00.0000000', timeZone: 'Pacific Standard Time' })).toBe(at('2017-04-15T18:00:00Z'));
    expect(parseGraphDateTime({ dateTime: '2017-04-15T11:00:00.0000000', timeZone: 'America/Los_Angeles' })).toBe(at('2017-04-15T18:00:00Z'));
    expect(parseGraphDateTime({ dateTime: '2020-08-25T04:00:00.0000000', timeZone: 'UTC' })).toBe(at('2020-08-25T04:00:00Z'));
    expect(parseGraphDateTime({ dateTime: '2020-08-25T04:00:00.1234567', timeZone: 'UTC' })).toBe(at('2020-08-25T04:00:00.123Z'));
    expect(parseGraphDateTime({ dateTime: '2020-08-25T04:00:00+09:00', timeZone: 'UTC' })).toBe(at('2020-08-24T19:00:00Z'));
    expect(() => parseGraphDateTime({ dateTime: 'yesterday', timeZone: 'UTC' })).toThrow(MappingError);
  });

  test('an instant is written in the mailbox zone, except an ambiguous fall-back time, which goes as UTC', () => {
    expect(toGraphDateTime(at('2024-07-15T13:00:00Z'), 'America/New_York', 'Eastern Standard Time'))
      .toEqual({ dateTime: '2024-07-15T09:00:00.0000000', timeZone: 'Eastern Standard Time' });
    // Both 01:30s of the fall-back night (EDT, then EST).
    expect(toGraphDateTime(at('2024-11-03T05:30:00Z'), 'America/New_York', 'Eastern Standard Time'))
      .toEqual({ dateTime: '2024-11-03T05:30:00.0000000', timeZone: 'UTC' });
    expect(toGraphDateTime(at('2024-11-03T06:30:00Z'), 'America/New_York', 'Eastern Standard Time'))
      .toEqual({ dateTime: '2024-11-03T06:30:00.0000000', timeZone: 'UTC' });
  });

  test('property: any instant written with toGraphDateTime reads back as the same instant, in every test zone', () => {
    fc.assert(fc.property(
      fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }), fc.constantFrom(...ZONES),
      (ms, ctx) => {
        const written = toGraphDateTime(ms, ctx.ianaTimeZone, ctx.windowsTimeZone);
        expect(parseGraphDateTime(written)).toBe(ms);
      },
    ), { numRuns: 2000 });
  });

  test('property: a date starts on itself in every test zone, and its start is the nearest midnight', () => {
    fc.assert(fc.property(
      fc.date({ min: new Date(Date.UTC(1950, 0, 1)), max: new Date(Date.UTC(2080, 0, 1)), noInvalidDate: true }), fc.constantFrom(...ZONES),
      (d, ctx) => {
        const date = d.toISOString().slice(0, 10);
        const start = startOfDateInZone(date, ctx.ianaTimeZone);
        expect(dateInZone(start, ctx.ianaTimeZone)).toBe(date);
        expect(nearestDateInZone(start, ctx.ianaTimeZone)).toBe(date);
        expect(instantToLocal(start - 1, ctx.ianaTimeZone).day).not.toBe(instantToLocal(start, ctx.ianaTimeZone).day);
      },
    ), { numRuns: 1000 });
  });
});
