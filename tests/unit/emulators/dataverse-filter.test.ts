/** The Dataverse `$filter` subset: parsing, type checks against the table, and evaluation semantics. */
import type { EmulatorHttpError } from '../../emulators/common/server';
import { compileFilter } from '../../emulators/dataverse/odata-filter';
import { CONTACT_TABLE, TASK_TABLE } from '../../emulators/dataverse/tables';

const owner = '0a1b2c3d-0001-4e5f-8a9b-000000000001';
const task = (values: Record<string, unknown>) => ({ subject: null, statecode: 0, scheduledend: null, ownerid: null, percentcomplete: null, ...values });

function errorOf(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (error) {
    const e = error as EmulatorHttpError;
    return { status: e.status, message: (e.body as { error: { message: string } }).error.message };
  }
  throw new Error('expected an error');
}

test('owner GUIDs unquoted, statecode numbers, and/or precedence', () => {
  const f = compileFilter(TASK_TABLE, `_ownerid_value eq ${owner.toUpperCase()} and statecode eq 0 or percentcomplete eq 100`);
  expect(f(task({ ownerid: { id: owner, logicalName: 'systemuser' } }))).toBe(true);
  expect(f(task({ ownerid: { id: owner, logicalName: 'systemuser' }, statecode: 1 }))).toBe(false);
  expect(f(task({ statecode: 1, percentcomplete: 100 }))).toBe(true);
});

test('date-times compare as instants whatever the offset; null never compares greater or less', () => {
  const f = compileFilter(TASK_TABLE, 'scheduledend gt 2024-05-01T10:00:00+02:00');
  expect(f(task({ scheduledend: '2024-05-01T08:00:01Z' }))).toBe(true);
  expect(f(task({ scheduledend: '2024-05-01T08:00:00Z' }))).toBe(false);
  expect(f(task({ scheduledend: null }))).toBe(false);
  expect(compileFilter(TASK_TABLE, 'scheduledend lt 2024-05-01T00:00:00Z')(task({}))).toBe(false);
});

test('text comparisons and functions are case-insensitive; ne matches nulls; literal-first comparisons flip', () => {
  expect(compileFilter(TASK_TABLE, "subject eq 'call ADELE'")(task({ subject: 'Call Adele' }))).toBe(true);
  expect(compileFilter(TASK_TABLE, "contains(subject,'ADE')")(task({ subject: 'Call Adele' }))).toBe(true);
  expect(compileFilter(TASK_TABLE, "not endswith(subject,'x')")(task({ subject: 'Call Adele' }))).toBe(true);
  expect(compileFilter(TASK_TABLE, "subject ne 'x'")(task({ subject: null }))).toBe(true);
  expect(compileFilter(TASK_TABLE, '50 lt percentcomplete')(task({ percentcomplete: 75 }))).toBe(true);
  expect(compileFilter(TASK_TABLE, "subject eq 'it''s'")(task({ subject: "It's" }))).toBe(true);
});

test('date-only columns compare by date', () => {
  const f = compileFilter(CONTACT_TABLE, 'birthdate ge 1990-01-01');
  expect(f({ birthdate: '1990-01-01' })).toBe(true);
  expect(f({ birthdate: '1989-12-31' })).toBe(false);
});

test('unknown properties, incompatible literals, unknown functions and syntax errors are 400s', () => {
  expect(errorOf(() => compileFilter(TASK_TABLE, 'ownerid eq null'))).toEqual({
    status: 400, message: "Could not find a property named 'ownerid' on type 'Microsoft.Dynamics.CRM.task'.",
  });
  expect(errorOf(() => compileFilter(TASK_TABLE, "statecode eq '0'")).message)
    .toBe("A binary operator with incompatible types was detected. Found operand types 'Edm.Int32' and 'Edm.String' for operator kind 'Equal'.");
  expect(errorOf(() => compileFilter(TASK_TABLE, "scheduledend gt '2024-01-01'")).message).toContain("'Edm.DateTimeOffset' and 'Edm.String'");
  expect(errorOf(() => compileFilter(TASK_TABLE, "substringof('a',subject)")).message).toContain("unknown function with name 'substringof'");
  expect(errorOf(() => compileFilter(TASK_TABLE, "contains(percentcomplete,'1')")).status).toBe(400);
  expect(errorOf(() => compileFilter(TASK_TABLE, 'subject eq')).status).toBe(400);
  expect(errorOf(() => compileFilter(TASK_TABLE, "(subject eq 'a'")).status).toBe(400);
});
