import { dateInZone, formatInZone, formatOffset, ianaZone, midnightInZone, parseDateTime, toInstant } from '../../emulators/graph/time';

test('Windows and IANA zone names are both understood; unknown names are not', () => {
  expect(ianaZone('Pacific Standard Time')).toBe('America/Los_Angeles');
  expect(ianaZone('W. Europe Standard Time')).toBe('Europe/Berlin');
  expect(ianaZone('Europe/Paris')).toBe('Europe/Paris');
  expect(ianaZone('UTC')).toBe('UTC');
  expect(ianaZone('Mars Standard Time')).toBeUndefined();
});

test('wall-clock time in a zone converts to the instant, across daylight saving time', () => {
  const pst = (s: string) => toInstant(parseDateTime(s)!, 'America/Los_Angeles');
  expect(new Date(pst('2017-04-15T12:00:00')).toISOString()).toBe('2017-04-15T19:00:00.000Z'); // PDT, UTC-7
  expect(new Date(pst('2017-01-15T12:00:00')).toISOString()).toBe('2017-01-15T20:00:00.000Z'); // PST, UTC-8
  expect(new Date(toInstant(parseDateTime('2017-04-15T12:00:00Z')!, 'America/Los_Angeles')).toISOString()).toBe('2017-04-15T12:00:00.000Z');
});

test('instants render as Graph does: 7-digit fractions, no offset in dateTime, Z in DateTimeOffset', () => {
  const ms = Date.parse('2017-04-15T19:00:00Z');
  expect(formatInZone(ms, 'America/Los_Angeles')).toBe('2017-04-15T12:00:00.0000000');
  expect(formatInZone(ms, 'Asia/Tokyo')).toBe('2017-04-16T04:00:00.0000000');
  expect(formatOffset(Date.parse('2017-04-15T03:00:50.757Z'))).toBe('2017-04-15T03:00:50.7570000Z');
});

test('dates and midnights in a zone', () => {
  expect(dateInZone(Date.parse('2020-08-24T15:30:00Z'), 'Asia/Tokyo')).toBe('2020-08-25');
  expect(new Date(midnightInZone('2020-08-25', 'America/New_York')).toISOString()).toBe('2020-08-25T04:00:00.000Z');
});

test('invalid date-times are rejected', () => {
  expect(parseDateTime('2024-02-30T10:00:00')).toBeUndefined();
  expect(parseDateTime('2024-13-01')).toBeUndefined();
  expect(parseDateTime('tomorrow')).toBeUndefined();
  expect(parseDateTime('2024-02-29T10:00:00.1234567')?.fields).toMatchObject({ y: 2024, mo: 2, d: 29, h: 10, ms: 123 });
});
