/** Request values → stored values (OData reader type checks, platform validation) and formatted values. */
import type { EmulatorHttpError } from '../../emulators/common/server';
import { parsePreferences, wantsAnnotation } from '../../emulators/dataverse/prefer';
import { CONTACT_TABLE, TASK_TABLE } from '../../emulators/dataverse/tables';
import { coerceValue, formattedValue } from '../../emulators/dataverse/values';

const col = (table: typeof TASK_TABLE, name: string) => table.columns[name]!;
const error = (fn: () => unknown): { code: string; message: string } => {
  try { fn(); } catch (e) { return ((e as EmulatorHttpError).body as { error: { code: string; message: string } }).error; }
  throw new Error('expected an error');
};

test('strings: empty is null, length is checked with the documented message', () => {
  expect(coerceValue(TASK_TABLE, 'subject', col(TASK_TABLE, 'subject'), '')).toBeNull();
  expect(error(() => coerceValue(TASK_TABLE, 'subject', col(TASK_TABLE, 'subject'), 'x'.repeat(201)))).toEqual({
    code: '0x80044331',
    message: "A validation error occurred.  The length of the 'subject' attribute of the 'task' entity exceeded the maximum allowed length of '200'.",
  });
  expect(error(() => coerceValue(TASK_TABLE, 'subject', col(TASK_TABLE, 'subject'), 5)).message).toContain("Cannot convert the literal '5' to the expected type 'Edm.String'.");
});

test('numbers, choices and booleans are type-checked, never converted', () => {
  expect(coerceValue(TASK_TABLE, 'percentcomplete', col(TASK_TABLE, 'percentcomplete'), 40)).toBe(40);
  expect(error(() => coerceValue(TASK_TABLE, 'percentcomplete', col(TASK_TABLE, 'percentcomplete'), 40.5)).code).toBe('0x80048d19');
  expect(error(() => coerceValue(TASK_TABLE, 'percentcomplete', col(TASK_TABLE, 'percentcomplete'), -1)).message).toContain('Accepted range: 0 to 100');
  expect(error(() => coerceValue(TASK_TABLE, 'prioritycode', col(TASK_TABLE, 'prioritycode'), 5)).message).toContain("The value 5 of 'prioritycode'");
  expect(error(() => coerceValue(TASK_TABLE, 'prioritycode', col(TASK_TABLE, 'prioritycode'), '1')).code).toBe('0x80048d19');
  expect(error(() => coerceValue(CONTACT_TABLE, 'gendercode', col(CONTACT_TABLE, 'gendercode'), true)).code).toBe('0x80048d19');
});

test('date-times are stored in UTC to the second; date-only columns take YYYY-MM-DD only', () => {
  expect(coerceValue(TASK_TABLE, 'scheduledend', col(TASK_TABLE, 'scheduledend'), '2024-05-01T10:30:15.250+02:00')).toBe('2024-05-01T08:30:15Z');
  expect(error(() => coerceValue(TASK_TABLE, 'scheduledend', col(TASK_TABLE, 'scheduledend'), '2024-05-01T10:30:00')).message).toContain('Edm.DateTimeOffset');
  expect(error(() => coerceValue(TASK_TABLE, 'scheduledend', col(TASK_TABLE, 'scheduledend'), '1700-01-01T00:00:00Z')).code).toBe('0x80040203');
  expect(coerceValue(CONTACT_TABLE, 'birthdate', col(CONTACT_TABLE, 'birthdate'), '1990-02-28')).toBe('1990-02-28');
  expect(error(() => coerceValue(CONTACT_TABLE, 'birthdate', col(CONTACT_TABLE, 'birthdate'), '1990-02-30')).message).toContain('Edm.Date');
});

test('formatted values: labels, Yes/No, local date-times, dates', () => {
  expect(formattedValue(col(TASK_TABLE, 'statuscode'), 5, 'UTC')).toBe('Completed');
  expect(formattedValue(col(CONTACT_TABLE, 'birthdate'), '1990-02-28', 'UTC')).toBe('2/28/1990');
  expect(formattedValue(col(TASK_TABLE, 'scheduledend'), '2023-04-18T21:00:00Z', 'America/Los_Angeles')).toBe('4/18/2023 2:00 PM');
  expect(formattedValue({ type: 'boolean' }, false, 'UTC')).toBe('No');
  expect(formattedValue({ type: 'money' }, 80000, 'UTC')).toBe('$80,000.00');
});

test('Prefer: several preferences, quoted annotation lists, and which annotations they select', () => {
  const prefs = parsePreferences({ prefer: 'return=representation, odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.*", odata.maxpagesize=10' });
  expect(prefs).toMatchObject({ returnRepresentation: true, maxPageSize: 10, trackChanges: false });
  expect(wantsAnnotation(prefs, 'OData.Community.Display.V1.FormattedValue')).toBe(true);
  expect(wantsAnnotation(prefs, 'Microsoft.Dynamics.CRM.lookuplogicalname')).toBe(true);
  expect(wantsAnnotation(parsePreferences({ prefer: 'odata.include-annotations="*"' }), 'anything')).toBe(true);
  expect(wantsAnnotation(parsePreferences({}), 'OData.Community.Display.V1.FormattedValue')).toBe(false);
});
