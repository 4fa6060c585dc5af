/**
 * The emulator's table definitions against the documented choice values (fixture optionsets.json) and the
 * column facts of research/dataverse.md §2.2: states, statuses and their states, default statuses, priorities,
 * instance types and activity party masks.
 */
import type { ColumnDefinition, TableDefinition } from '../../emulators/dataverse/context';
import { defaultStatus } from '../../emulators/dataverse/schema';
import { ACTIVITY_PARTY_TABLE, APPOINTMENT_TABLE, CONTACT_TABLE, TASK_TABLE } from '../../emulators/dataverse/tables';
import { fixture } from '../../support/fixtures';

type Labels = Record<string, string>;
interface StateModel {
  statecode: Labels;
  statecodeDefaultStatus: Record<string, number>;
  statuscode: Record<string, { label: string; state: number }>;
  prioritycode: Labels;
}
const optionsets = fixture('dataverse/optionsets.json') as { task: StateModel; appointment: StateModel & { instancetypecode: Labels }; activityparty: { participationtypemask: Labels } };

const labelsOf = (def: ColumnDefinition | undefined): Labels =>
  Object.fromEntries(Object.entries(def?.labels ?? {}).map(([k, v]) => [k, v]));

function checkStateModel(table: TableDefinition, documented: StateModel): void {
  expect(labelsOf(table.columns.statecode)).toEqual(documented.statecode);
  expect(table.columns.statecode!.options).toEqual(Object.keys(documented.statecode).map(Number));
  for (const [state, status] of Object.entries(documented.statecodeDefaultStatus)) {
    expect(defaultStatus(table, Number(state))).toBe(status);
  }
  for (const [status, { label, state }] of Object.entries(documented.statuscode)) {
    expect(table.columns.statuscode!.labels![Number(status)]).toBe(label);
    expect(table.states![state]!.statuscodes).toContain(Number(status));
  }
  expect(labelsOf(table.columns.prioritycode)).toEqual(documented.prioritycode);
}

test('task states, statuses and priorities are the documented ones', () => {
  checkStateModel(TASK_TABLE, optionsets.task);
});

test('appointment states, statuses, priorities and instance types are the documented ones', () => {
  checkStateModel(APPOINTMENT_TABLE, optionsets.appointment);
  expect(labelsOf(APPOINTMENT_TABLE.columns.instancetypecode)).toEqual(optionsets.appointment.instancetypecode);
});

test('activity party participation types are the documented masks', () => {
  expect(ACTIVITY_PARTY_TABLE.columns.participationtypemask!.options).toEqual(Object.keys(optionsets.activityparty.participationtypemask).map(Number));
});

test('documented limits: subject 200, task description 2,000, appointment description 1,048,576, contact phones 50', () => {
  expect(TASK_TABLE.columns.subject!.maxLength).toBe(200);
  expect(TASK_TABLE.columns.description!.maxLength).toBe(2000);
  expect(APPOINTMENT_TABLE.columns.description!.maxLength).toBe(1048576);
  expect(APPOINTMENT_TABLE.columns.location!.maxLength).toBe(200);
  expect(TASK_TABLE.columns.percentcomplete).toMatchObject({ min: 0, max: 100 });
  expect(CONTACT_TABLE.columns.telephone1!.maxLength).toBe(50);
  expect(CONTACT_TABLE.columns.address1_line1!.maxLength).toBe(250);
  expect(CONTACT_TABLE.columns.address1_city!.maxLength).toBe(80);
  expect(CONTACT_TABLE.columns.birthdate).toMatchObject({ type: 'datetime', behavior: 'DateOnly' });
  expect(CONTACT_TABLE.columns.parentcustomerid).toMatchObject({ type: 'customer', targets: ['account', 'contact'] });
});
