import { evaluateFilter, filterPaths, FilterSyntaxError, parseFilter } from '../../emulators/graph/odata-filter';

const event = {
  subject: 'Quarterly Review',
  isAllDay: false,
  importance: 'high',
  reminderMinutesBeforeStart: 15,
  start: { dateTime: '2024-05-01T10:00:00.0000000', timeZone: 'UTC' },
  lastModifiedDateTime: '2024-05-02T08:00:00.0000000Z',
  categories: ['Red category', 'CRM'],
  attendees: [{ emailAddress: { address: 'a@contoso.example' } }],
};
const extended = { singleValueExtendedProperties: [{ id: 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name CrmId', value: 'abc' }] };
const matches = (filter: string) => evaluateFilter(parseFilter(filter), event, extended);

test('comparisons on simple properties, case-insensitive for strings as Exchange compares', () => {
  expect(matches("subject eq 'quarterly review'")).toBe(true);
  expect(matches("subject ne 'Quarterly Review'")).toBe(false);
  expect(matches('isAllDay eq false and reminderMinutesBeforeStart ge 10')).toBe(true);
  expect(matches("importance eq 'low' or importance eq 'high'")).toBe(true);
  expect(matches("not (importance eq 'high')")).toBe(false);
  expect(matches('missing eq null')).toBe(true);
});

test('nested paths, date-time literals and string functions', () => {
  expect(matches("start/dateTime ge '2024-05-01T00:00:00'")).toBe(true);
  expect(matches('lastModifiedDateTime gt 2024-05-01T00:00:00Z')).toBe(true);
  expect(matches('lastModifiedDateTime lt 2024-05-01T00:00:00Z')).toBe(false);
  expect(matches("startswith(subject,'Quarter')")).toBe(true);
  expect(matches("contains(subject,'nope')")).toBe(false);
});

test('lambdas over primitive and complex collections, and over extended properties', () => {
  expect(matches("categories/any(c: c eq 'crm')")).toBe(true);
  expect(matches("attendees/any(a: a/emailAddress/address eq 'a@contoso.example')")).toBe(true);
  expect(matches("singleValueExtendedProperties/Any(ep: ep/id eq 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name CrmId' and ep/value eq 'abc')")).toBe(true);
  expect(matches("singleValueExtendedProperties/Any(ep: ep/id eq 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name CrmId' and ep/value eq 'xyz')")).toBe(false);
});

test('quotes inside string literals are doubled', () => {
  expect(evaluateFilter(parseFilter("subject eq 'Harry''s Bar'"), { subject: "Harry's Bar" })).toBe(true);
});

test('paths are reported for validation, with lambda scopes resolved', () => {
  const { paths, lambdas } = filterPaths(parseFilter("subject eq 'x' and linkedResources/any(l: l/externalId eq '1')"));
  expect(paths).toEqual([{ segments: ['subject'] }, { segments: ['externalId'], lambda: ['linkedResources'] }]);
  expect(lambdas).toEqual([['linkedResources']]);
});

test('syntax errors are reported, not guessed around', () => {
  for (const bad of ["subject eq 'open", 'subject eq', "subject equals 'x'", "frobnicate(subject,'x')", "(subject eq 'x'"]) {
    expect(() => parseFilter(bad)).toThrow(FilterSyntaxError);
  }
});
